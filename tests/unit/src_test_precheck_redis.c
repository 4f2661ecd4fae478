/*
 * src_test_precheck_redis.c - the pure parts of a Redis task's prechecks
 * (src/task/precheck_redis_int.h): version numbers and their order
 * (dest_version compares major.minor only), INFO keyspace lines as Redis
 * 2.8-7.x print them, Redis 6.0 ACL rule strings as ACL GETUSER prints
 * them, the errors each probe may meet, and the write rate two INFO
 * samples give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/task/precheck_redis_int.h"

static struct pcr_version
ver(const char *text)
{
    struct pcr_version v;

    assert_true(pcr_version_parse(text, &v));
    return v;
}

static void
test_version_parse(void **state)
{
    struct pcr_version v;

    (void)state;
    v = ver("7.0.15");
    assert_int_equal(v.major, 7);
    assert_int_equal(v.minor, 0);
    assert_int_equal(v.patch, 15);
    v = ver("2.8");
    assert_int_equal(v.major, 2);
    assert_int_equal(v.minor, 8);
    assert_int_equal(v.patch, 0);
    v = ver("7.2.4-rc1");
    assert_int_equal(v.minor, 2);
    assert_int_equal(v.patch, 4);
    v = ver("10.0.1");
    assert_int_equal(v.major, 10);
    assert_false(pcr_version_parse("", &v));
    assert_false(pcr_version_parse("7", &v));
    assert_false(pcr_version_parse("7.", &v));
    assert_false(pcr_version_parse("v7.0.0", &v));
    assert_false(pcr_version_parse(".7.0", &v));
}

static void
test_version_order(void **state)
{
    struct pcr_version a, b;

    (void)state;
    /* dest_version: an older destination fails, a patch level does not
     * count, numbers compare as numbers */
    a = ver("6.2.14");
    b = ver("7.0.15");
    assert_true(pcr_version_cmp(&a, &b) < 0);
    assert_true(pcr_version_cmp(&b, &a) > 0);
    a = ver("7.0.0");
    assert_int_equal(pcr_version_cmp(&a, &b), 0);
    a = ver("7.2.0");
    assert_true(pcr_version_cmp(&a, &b) > 0);
    a = ver("10.0.0");
    b = ver("9.9.9");
    assert_true(pcr_version_cmp(&a, &b) > 0);
    a = ver("7.10.0");
    b = ver("7.9.0");
    assert_true(pcr_version_cmp(&a, &b) > 0);

    /* the gates: PSYNC 2.8, COMMAND 2.8.13, ACL 6.0, FAILOVER 6.2,
     * DRYRUN 7.0 */
    a = ver("2.6.17");
    assert_false(pcr_version_at_least(&a, 2, 8, 0));
    a = ver("2.8.12");
    assert_true(pcr_version_at_least(&a, 2, 8, 0));
    assert_false(pcr_version_at_least(&a, 2, 8, 13));
    a = ver("2.8.13");
    assert_true(pcr_version_at_least(&a, 2, 8, 13));
    a = ver("3.0.0");
    assert_true(pcr_version_at_least(&a, 2, 8, 13));
    a = ver("6.1.9");
    assert_true(pcr_version_at_least(&a, 6, 0, 0));
    assert_false(pcr_version_at_least(&a, 6, 2, 0));
    a = ver("6.2.0");
    assert_true(pcr_version_at_least(&a, 6, 2, 0));
    assert_false(pcr_version_at_least(&a, 7, 0, 0));
    a = ver("7.0.15");
    assert_true(pcr_version_at_least(&a, 7, 0, 0));
}

static void
test_keyspace(void **state)
{
    static const char info[] =
        "# Server\r\nredis_version:7.0.15\r\n"
        "# Keyspace\r\n"
        "db0:keys=3,expires=1,avg_ttl=9\r\n"
        "db:keys=7\r\n"
        "dbx:keys=7\r\n"
        "db4:expires=1\r\n"
        "db5:keys=\r\n"
        "db12:keys=1500,expires=0,avg_ttl=0\r\n"
        "db65535:keys=2";
    size_t pos = 0, len = strlen(info);
    long long keys;
    unsigned db;

    (void)state;
    assert_true(pcr_keyspace_next(info, len, &pos, &db, &keys));
    assert_int_equal(db, 0);
    assert_int_equal(keys, 3);
    assert_true(pcr_keyspace_next(info, len, &pos, &db, &keys));
    assert_int_equal(db, 12);
    assert_int_equal(keys, 1500);
    /* the last line has no line end */
    assert_true(pcr_keyspace_next(info, len, &pos, &db, &keys));
    assert_int_equal(db, 65535);
    assert_int_equal(keys, 2);
    assert_false(pcr_keyspace_next(info, len, &pos, &db, &keys));
    assert_int_equal(pos, len);

    assert_int_equal(pcr_keyspace_keys(info, len, 12), 1500);
    assert_int_equal(pcr_keyspace_keys(info, len, 1), 0);
    assert_int_equal(pcr_keyspace_keys(info, len, 4), 0);
    assert_int_equal(pcr_keyspace_keys(NULL, 0, 0), 0);
    /* the text ends where <len> says */
    assert_int_equal(pcr_keyspace_keys("db7:keys=5", 10, 7), 5);
    assert_int_equal(pcr_keyspace_keys("db7:keys=5", 9, 7), 0);
    assert_int_equal(pcr_keyspace_keys("db7:keys=5", 8, 7), 0);
}

static void
test_acl_rules(void **state)
{
    static const char *const cats[] = {"admin", "slow", "dangerous", NULL};

    (void)state;
    assert_false(pcr_acl_allows("", "psync", cats));
    assert_true(pcr_acl_allows("+@all", "psync", cats));
    assert_false(pcr_acl_allows("+@all -psync", "psync", cats));
    assert_true(pcr_acl_allows("-@all +psync +replconf", "psync", cats));
    assert_true(pcr_acl_allows("-@all +PSYNC", "psync", cats));
    assert_true(pcr_acl_allows("-@all +@admin", "psync", cats));
    assert_false(pcr_acl_allows("+@all -@dangerous", "psync", cats));
    assert_true(pcr_acl_allows("+@all -@dangerous +psync", "psync", cats));
    assert_false(pcr_acl_allows("-@all +@read +@write", "psync", cats));
    assert_false(pcr_acl_allows("-@all +psyncx", "psync", cats));
    assert_false(pcr_acl_allows("-@all +config|get", "config", cats));
    assert_true(pcr_acl_allows("allcommands", "psync", cats));
    assert_false(pcr_acl_allows("allcommands nocommands", "psync", cats));
    assert_true(pcr_acl_allows("  -@all   +psync  ", "psync", cats));
    assert_false(pcr_acl_allows("+@all -psync", "psync", NULL));
}

static void
test_probe_kinds(void **state)
{
    (void)state;
    assert_int_equal(pcr_probe_kind(NULL), PCR_PROBE_ALLOWED);
    assert_int_equal(pcr_probe_kind("ERR syntax error"), PCR_PROBE_ALLOWED);
    assert_int_equal(pcr_probe_kind("ERR wrong number of arguments for "
                                    "'replconf' command"),
                     PCR_PROBE_ALLOWED);
    assert_int_equal(pcr_probe_kind("ERR PSYNC FAILOVER can't be sent to a "
                                    "master."),
                     PCR_PROBE_ALLOWED);
    assert_int_equal(pcr_probe_kind("ERR PSYNC FAILOVER replid must match "
                                    "my replid."),
                     PCR_PROBE_ALLOWED);
    assert_int_equal(pcr_probe_kind("NOPERM this user has no permissions "
                                    "to run the 'psync' command"),
                     PCR_PROBE_NOPERM);
    assert_int_equal(pcr_probe_kind("NOPERM this user has no permissions "
                                    "to access one of the keys used as "
                                    "arguments"),
                     PCR_PROBE_NOPERM);
    assert_int_equal(pcr_probe_kind("ERR unknown command 'PSYNC', with "
                                    "args beginning with: "),
                     PCR_PROBE_UNKNOWN);
    assert_int_equal(pcr_probe_kind("READONLY You can't write against a "
                                    "read only replica."),
                     PCR_PROBE_OTHER);
    assert_int_equal(pcr_probe_kind("OOM command not allowed when used "
                                    "memory > 'maxmemory'."),
                     PCR_PROBE_OTHER);
}

static void
sample(struct pcr_sample *s, const char *info, uint64_t own, uint64_t at)
{
    pcr_sample_read(s, info, strlen(info), own, at);
}

static void
test_write_rate(void **state)
{
    struct pcr_sample a, b;
    double bps = -1;
    bool exact = false;

    (void)state;
    /* the backlog active in both: the offset's growth, exactly */
    sample(&a, "repl_backlog_active:1\r\nmaster_repl_offset:1000"
                    "\r\ntotal_net_input_bytes:50000\r\n", 100, 5000);
    sample(&b, "repl_backlog_active:1\r\nmaster_repl_offset:21000"
                    "\r\ntotal_net_input_bytes:90000\r\n", 300, 7000);
    assert_true(a.backlog_active && a.has_offset && a.has_input);
    assert_int_equal(b.offset, 21000);
    assert_true(pcr_write_rate(&a, &b, &bps, &exact));
    assert_true(exact);
    assert_true(bps > 9999.0 && bps < 10001.0);

    /* no backlog yet: client input, less the asking client's own */
    sample(&a, "repl_backlog_active:0\r\nmaster_repl_offset:0\r\n"
                    "total_net_input_bytes:50000\r\n", 100, 5000);
    sample(&b, "repl_backlog_active:0\r\nmaster_repl_offset:0\r\n"
                    "total_net_input_bytes:52300\r\n", 400, 6000);
    assert_true(pcr_write_rate(&a, &b, &bps, &exact));
    assert_false(exact);
    assert_true(bps > 1999.0 && bps < 2001.0);

    /* only the asking client spoke: nothing */
    sample(&b, "total_net_input_bytes:50300\r\n", 400, 6000);
    assert_true(pcr_write_rate(&a, &b, &bps, &exact));
    assert_true(bps == 0.0);

    /* too close together, or nothing to measure */
    sample(&b, "total_net_input_bytes:52300\r\n", 400, 5050);
    assert_false(pcr_write_rate(&a, &b, &bps, &exact));
    sample(&a, "redis_version:2.8.0\r\n", 0, 0);
    sample(&b, "redis_version:2.8.0\r\n", 0, 1000);
    assert_false(pcr_write_rate(&a, &b, &bps, &exact));
    /* a counter that went back (a restart between the samples) */
    sample(&a, "total_net_input_bytes:900\r\n", 0, 0);
    sample(&b, "total_net_input_bytes:100\r\n", 0, 1000);
    assert_false(pcr_write_rate(&a, &b, &bps, &exact));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_parse),
        cmocka_unit_test(test_version_order),
        cmocka_unit_test(test_keyspace),
        cmocka_unit_test(test_acl_rules),
        cmocka_unit_test(test_probe_kinds),
        cmocka_unit_test(test_write_rate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
