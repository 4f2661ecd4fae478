/*
 * test_gtid.c - GTID set parsing, merging, formatting and encoding, and the
 * replica command encoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/gtid.h"
#include "proto/mysql/replication.h"

static void
assert_format(const struct gtid_set *s, const char *want)
{
    struct pbuf b = {0};

    gtid_set_format(s, &b);
    pbuf_putc(&b, '\0');
    assert_false(b.failed);
    assert_string_equal((char *)b.data, want);
    pbuf_free(&b);
}

static void
test_mysql_parse_merge(void **state)
{
    struct gtid_set s;
    const char *why = NULL;
    uint8_t uuid[16];

    (void)state;
    assert_int_equal(gtid_set_parse(&s,
        "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7:9-10, "
        "0a000000-0000-0000-0000-000000000001:3", false, &why), 0);
    assert_false(s.mariadb);
    assert_format(&s, "0a000000-0000-0000-0000-000000000001:3,"
                      "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7:9-10");
    memcpy(uuid, s.sids[1].uuid, 16);
    assert_int_equal(gtid_set_add_mysql(&s, uuid, "", 6), 0);
    assert_int_equal(gtid_set_add_mysql(&s, uuid, "", 8), 0);
    assert_format(&s, "0a000000-0000-0000-0000-000000000001:3,"
                      "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10");
    assert_true(gtid_set_contains_mysql(&s, uuid, "", 10));
    assert_false(gtid_set_contains_mysql(&s, uuid, "", 11));
    assert_int_equal(gtid_set_add_mysql(&s, uuid, "", 12), 0);
    assert_format(&s, "0a000000-0000-0000-0000-000000000001:3,"
                      "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10:12");
    gtid_set_free(&s);
}

static void
test_mysql_tags(void **state)
{
    struct gtid_set s;
    const char *why = NULL;

    (void)state;
    assert_int_equal(gtid_set_parse(&s,
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3:Blue:1-2", false, &why), 0);
    assert_format(&s, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3,"
                      "3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:1-2");
    gtid_set_free(&s);
}

static void
test_mariadb(void **state)
{
    struct gtid_set s;
    const char *why = NULL;

    (void)state;
    assert_int_equal(gtid_set_parse(&s, "1-2-5,0-1-100", false, &why), 0);
    assert_true(s.mariadb);
    assert_format(&s, "0-1-100,1-2-5");
    assert_int_equal(gtid_set_add_maria(&s, 0, 3, 101), 0);
    assert_int_equal(gtid_set_add_maria(&s, 7, 1, 1), 0);
    assert_format(&s, "0-3-101,1-2-5,7-1-1");
    gtid_set_free(&s);
}

static void
test_parse_errors(void **state)
{
    static const char *const bad[] = {
        "0-1", "0-1-x", "0-1-2,", "zz:1", "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-3",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:0", "3e11fa47:1",
        "99999999999-1-1",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gtid_set s;
        const char *why = NULL;

        assert_int_equal(gtid_set_parse(&s, bad[i], false, &why), -1);
        assert_non_null(why);
        assert_int_equal(s.n_sids + s.n_doms, 0);
        gtid_set_free(&s);
    }
}

static void
test_encode_dump_gtid(void **state)
{
    struct gtid_set s;
    const char *why;
    struct pbuf b = {0};
    static const uint8_t want[] = {
        0x1e, 0x04, 0x00,             /* command, flags THROUGH_GTID */
        0x07, 0x00, 0x00, 0x00,       /* server id */
        0x00, 0x00, 0x00, 0x00,       /* name length */
        0x04, 0, 0, 0, 0, 0, 0, 0,    /* pos */
        0x30, 0x00, 0x00, 0x00,       /* data size: 8 + 16 + 8 + 16 */
        1, 0, 0, 0, 0, 0, 0, 0,       /* n_sids */
        0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
        0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,
        1, 0, 0, 0, 0, 0, 0, 0,       /* n_intervals */
        1, 0, 0, 0, 0, 0, 0, 0,       /* start */
        6, 0, 0, 0, 0, 0, 0, 0,       /* end, exclusive */
    };

    (void)state;
    assert_int_equal(gtid_set_parse(&s,
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", false, &why), 0);
    repl_encode_binlog_dump_gtid(&b, 7, 0, "", 4, &s);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    pbuf_free(&b);
    gtid_set_free(&s);
}

static void
test_encode_dump_register(void **state)
{
    struct pbuf b = {0};
    static const uint8_t dump[] = {
        0x12, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00,
        'b', 'i', 'n', '.', '1',
    };
    static const uint8_t reg[] = {
        0x15, 0x2a, 0x00, 0x00, 0x00, 0x01, 'h', 0x01, 'u', 0x00,
        0xea, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0,
    };

    (void)state;
    repl_encode_binlog_dump(&b, 42, BINLOG_DUMP_NON_BLOCK, "bin.1", 260);
    assert_int_equal(b.len, sizeof(dump));
    assert_memory_equal(b.data, dump, sizeof(dump));
    pbuf_reset(&b);
    repl_encode_register_slave(&b, 42, "h", "u", "", 3306);
    assert_int_equal(b.len, sizeof(reg));
    assert_memory_equal(b.data, reg, sizeof(reg));
    pbuf_free(&b);

    assert_int_equal(repl_packet_classify((const uint8_t *)"\0x", 2),
                     REPL_PACKET_EVENT);
    assert_int_equal(repl_packet_classify((const uint8_t *)"\xfe\0\0\2\0", 5),
                     REPL_PACKET_EOF);
    assert_int_equal(repl_packet_classify((const uint8_t *)"\xff\x10\x04", 3),
                     REPL_PACKET_ERROR);
    assert_int_equal(repl_packet_classify((const uint8_t *)"\x01", 1),
                     REPL_PACKET_BAD);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mysql_parse_merge),
        cmocka_unit_test(test_mysql_tags),
        cmocka_unit_test(test_mariadb),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_encode_dump_gtid),
        cmocka_unit_test(test_encode_dump_register),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
