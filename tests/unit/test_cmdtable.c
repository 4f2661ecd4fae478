/*
 * test_cmdtable.c - the Redis command table, its key finders
 * (proto/redis/cmdtable.c) and the cluster key slot (proto/redis/crc16.c).
 *
 * Key positions of representative commands, one of each finder and each
 * shape of key range, are written out by hand from the command reference
 * (and agree with COMMAND GETKEYS of redis-server 7.0.15 for the commands
 * it knows); malformed commands must give no keys and a reason.  Slots are
 * the ones CLUSTER KEYSLOT of a cluster-enabled redis-server 7.0.15
 * answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/buf.h"
#include "proto/redis/cmdtable.h"
#include "proto/redis/crc16.h"

#define MAXARGS 32

/* Splits <line> on spaces into argv; the word <empty> is an empty
 * argument. */
static size_t
split(const char *line, struct span *argv)
{
    size_t n = 0;
    const char *s = line;

    while (*s != '\0') {
        const char *e;

        while (*s == ' ') {
            s++;
        }
        if (*s == '\0') {
            break;
        }
        e = s;
        while (*e != '\0' && *e != ' ') {
            e++;
        }
        assert_true(n < MAXARGS);
        if ((size_t)(e - s) == 7 && memcmp(s, "<empty>", 7) == 0) {
            argv[n].p = (const uint8_t *)"";
            argv[n].len = 0;
        } else {
            argv[n].p = (const uint8_t *)s;
            argv[n].len = (size_t)(e - s);
        }
        n++;
        s = e;
    }
    return n;
}

struct keys_case {
    const char *cmd; /* the command, words separated by spaces */
    int keys[8];     /* expected argv indexes, ended by 0 */
};

static const struct keys_case keys_cases[] = {
    {"SET k v", {1}},
    {"set k v EX 10 GET", {1}},
    {"GET k", {1}},
    {"MSET a 1 b 2 c 3", {1, 3, 5}},
    {"MSETNX a 1 b 2", {1, 3}},
    {"DEL a b c", {1, 2, 3}},
    {"UNLINK a", {1}},
    {"EXISTS a b", {1, 2}},
    {"RENAME a b", {1, 2}},
    {"RENAME a a", {1, 2}},
    {"RPOPLPUSH a b", {1, 2}},
    {"LMOVE a b LEFT RIGHT", {1, 2}},
    {"BLMOVE a b LEFT RIGHT 0", {1, 2}},
    {"BLPOP a b 0", {1, 2}},
    {"BZPOPMIN a 0.5", {1}},
    {"BRPOPLPUSH a b 0", {1, 2}},
    {"BITOP AND dest a b", {2, 3, 4}},
    {"SDIFFSTORE d a b", {1, 2, 3}},
    {"SMOVE a b m", {1, 2}},
    {"PFMERGE d a b", {1, 2, 3}},
    {"PFCOUNT a b", {1, 2}},
    {"COPY a b DB 2 REPLACE", {1, 2}},
    {"MOVE a 3", {1}},
    {"ZUNIONSTORE d 2 a b WEIGHTS 1 2", {1, 3, 4}},
    {"ZINTERSTORE d 1 a", {1, 3}},
    {"ZDIFFSTORE d 2 a b", {1, 3, 4}},
    {"ZUNION 2 a b WITHSCORES", {2, 3}},
    {"ZDIFF 1 a", {2}},
    {"SINTERCARD 2 a b LIMIT 1", {2, 3}},
    {"ZINTERCARD 1 a", {2}},
    {"LMPOP 2 a b LEFT COUNT 3", {2, 3}},
    {"ZMPOP 1 a MIN", {2}},
    {"BLMPOP 0 2 a b LEFT", {3, 4}},
    {"BZMPOP 1.5 1 a MAX", {3}},
    {"EVAL script 2 a b x y", {3, 4}},
    {"EVALSHA sha 0 x", {0}},
    {"EVAL_RO s 1 a", {3}},
    {"FCALL f 1 a arg", {3}},
    {"FCALL_RO f 0", {0}},
    {"XREAD COUNT 2 STREAMS a b 0 0", {4, 5}},
    {"xread block 0 streams a $", {4}},
    {"XREADGROUP GROUP g c NOACK STREAMS a >", {6}},
    {"SORT a BY w_* LIMIT 0 10 GET # GET o_* ALPHA STORE d", {1, 13}},
    {"SORT a", {1}},
    {"SORT_RO a BY x", {1}},
    {"GEORADIUS g 0 0 10 km STORE d", {1, 7}},
    {"GEORADIUSBYMEMBER g m 10 km STOREDIST d", {1, 6}},
    {"GEORADIUS g 0 0 10 km WITHDIST", {1}},
    {"GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km", {1, 2}},
    {"ZRANGESTORE d s 0 -1", {1, 2}},
    {"MIGRATE h 6379 k 0 1000", {3}},
    {"MIGRATE h 6379 <empty> 0 1000 COPY AUTH2 u p KEYS a b", {11, 12}},
    {"MIGRATE h 6379 <empty> 0 1000 AUTH keys KEYS a", {9}},
    {"OBJECT ENCODING k", {2}},
    {"MEMORY USAGE k SAMPLES 5", {2}},
    {"XGROUP CREATE s g $ MKSTREAM", {2}},
    {"xgroup setid s g 0", {2}},
    {"XINFO STREAM s FULL", {2}},
    {"LCS a b", {1, 2}},
    {"WATCH a b", {1, 2}},
    {"PFDEBUG GETREG k", {2}},
    {"RESTORE k 0 payload", {1}},
    {"HEXPIRE h 10 FIELDS 1 f", {1}},
    {"HPEXPIREAT h 1700000000000 FIELDS 2 f g", {1}},
    {"HPERSIST h FIELDS 1 f", {1}},
    {"HSETEX h EX 10 FIELDS 1 f v", {1}},
    {"HGETDEL h FIELDS 1 f", {1}},
    {"MSETEX 2 a 1 b 2 EX 10", {2, 4}},
    {"SPUBLISH ch msg", {1}},
    {"FLUSHALL ASYNC", {0}},
    {"PING", {0}},
    {"SWAPDB 0 1", {0}},
    {"SELECT 2", {0}},
    {"PUBLISH ch msg", {0}},
};

static void
test_keys(void **state)
{
    struct span argv[MAXARGS];
    size_t idx[MAXARGS], i;

    (void)state;
    for (i = 0; i < sizeof(keys_cases) / sizeof(keys_cases[0]); i++) {
        const struct keys_case *kc = &keys_cases[i];
        size_t argc = split(kc->cmd, argv), want = 0, n, j;
        const struct cmd_info *ci = cmdtable_find(argv[0].p, argv[0].len);
        const char *why = "x";

        if (ci == NULL) {
            fail_msg("%s: unknown", kc->cmd);
        }
        while (want < 8 && kc->keys[want] != 0) {
            want++;
        }
        if (cmdtable_check(ci, argc, argv, &why) != 0) {
            fail_msg("%s: check failed: %s", kc->cmd, why);
        }
        assert_null(why);
        n = cmdtable_keys(ci, argc, argv, idx, MAXARGS);
        if (n != want) {
            fail_msg("%s: %zu keys, want %zu", kc->cmd, n, want);
        }
        for (j = 0; j < n; j++) {
            if (idx[j] != (size_t)kc->keys[j]) {
                fail_msg("%s: key %zu at %zu, want %d", kc->cmd, j, idx[j],
                         kc->keys[j]);
            }
        }
        /* the resolved subcommand gives the same */
        assert_int_equal(
            cmdtable_keys(cmdtable_lookup(argc, argv), argc, argv, idx, 0),
            want);
        if (cmdtable_lookup(argc, argv)->flags & CMD_NOKEYS) {
            assert_int_equal(want, 0);
        }
    }
}

/* Room for fewer keys than there are: the first ones, and the count. */
static void
test_keys_truncated(void **state)
{
    struct span argv[MAXARGS];
    size_t idx[3] = {99, 99, 99};
    size_t argc = split("DEL a b c d e", argv);
    const struct cmd_info *ci = cmdtable_find(argv[0].p, argv[0].len);

    (void)state;
    assert_int_equal(cmdtable_keys(ci, argc, argv, idx, 2), 5);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 2);
    assert_int_equal(idx[2], 99);
    assert_int_equal(cmdtable_keys(ci, argc, argv, NULL, 0), 5);
}

struct bad_keys {
    const char *cmd; /* a malformed command */
    const char *why; /* part of the reason */
};

static const struct bad_keys bad_keys[] = {
    {"MSET a 1 b", "whole"},
    {"GET", "wrong number"},
    {"GET a b", "wrong number"},
    {"EVAL s 3 a b", "past the last"},
    {"EVAL s -1", "negative"},
    {"EVAL s x", "not an integer"},
    {"EVAL s 01 a", "not an integer"},
    {"EVAL s <empty> a", "not an integer"},
    {"ZUNION 0 a", "numkeys is 0"},
    {"ZUNIONSTORE d 3 a b", "past the last"},
    {"MSETEX 2 a 1 b", "past the last"},
    {"LMPOP 99999999999999999999 a LEFT", "not an integer"},
    {"XREAD STREAMS a b c", "as many IDs"},
    {"XREAD COUNT 1 BLOCK 0 a", "no STREAMS"},
    {"XREADGROUP GROUP g c STREAMS", "wrong number"},
    {"SORT a STORE", "without a destination"},
    {"GEORADIUS g 0 0 10 km STORE", "without a destination"},
    {"MIGRATE h p k 0 10 KEYS a", "empty key"},
    {"MIGRATE h p <empty> 0 10 KEYS", "without keys"},
    {"XGROUP", "without a subcommand"},
    {"XGROUP NOPE s", "unknown subcommand"},
    {"OBJECT ENCODING", "wrong number"},
};

static void
test_keys_malformed(void **state)
{
    struct span argv[MAXARGS];
    size_t idx[MAXARGS], i;
    const char *why;

    (void)state;
    for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        size_t argc = split(bad_keys[i].cmd, argv);
        const struct cmd_info *ci = cmdtable_find(argv[0].p, argv[0].len);

        assert_non_null(ci);
        assert_int_equal(cmdtable_keys(ci, argc, argv, idx, MAXARGS), 0);
        assert_int_equal(cmdtable_check(ci, argc, argv, &why),
                         -PROTO_EMALFORMED);
        if (why == NULL || strstr(why, bad_keys[i].why) == NULL) {
            fail_msg("%s: reason '%s', want '%s'", bad_keys[i].cmd,
                     why ? why : "(none)", bad_keys[i].why);
        }
        assert_int_equal(cmdtable_check(ci, argc, argv, NULL),
                         -PROTO_EMALFORMED);
    }
    assert_int_equal(cmdtable_keys(NULL, 0, argv, idx, MAXARGS), 0);
    assert_int_equal(cmdtable_check(NULL, 0, argv, &why), -PROTO_EMALFORMED);
    assert_string_equal(why, "unknown command");
}

/* The table is sorted, lowercase, and consistent with itself. */
static void
test_table_shape(void **state)
{
    size_t i, n = cmdtable_count(), subs = 0, writes = 0;

    (void)state;
    assert_true(n >= 380);
    assert_null(cmdtable_at(n));
    for (i = 0; i < n; i++) {
        const struct cmd_info *ci = cmdtable_at(i);
        const char *bar = strchr(ci->name, '|'), *c;
        size_t len = strlen(ci->name);

        assert_true(len > 0 && len <= CMDTABLE_NAME_MAX);
        if (i > 0) {
            assert_true(strcmp(cmdtable_at(i - 1)->name, ci->name) < 0);
        }
        for (c = ci->name; *c != '\0'; c++) {
            assert_false(*c >= 'A' && *c <= 'Z');
        }
        assert_true(ci->arity != 0);
        assert_true(ci->find < CMD_FIND_COUNT);
        assert_int_equal(ci->find == CMD_FIND_NONE,
                         (ci->flags & CMD_NOKEYS) != 0);
        if (ci->first != 0) {
            assert_true(ci->first > 0 && ci->step > 0);
            assert_true(ci->last < 0 || ci->last >= ci->first);
        }
        if (ci->find == CMD_FIND_RANGE) {
            assert_true(ci->first > 0);
        }
        if (ci->find == CMD_FIND_NUMKEYS) {
            assert_true(ci->kpos > 0 && ci->kstep > 0);
        }
        if (ci->find != CMD_FIND_RANGE && ci->find != CMD_FIND_NONE) {
            assert_true(ci->flags & CMD_MOVABLEKEYS);
        }
        assert_false((ci->flags & CMD_WRITE) && (ci->flags & CMD_READONLY));
        assert_true(ci->since >= 10000 && ci->since <= 90000);
        if (ci->flags & CMD_WRITE) {
            writes++;
        }
        if (bar != NULL) {
            const struct cmd_info *parent = cmdtable_find(
                (const uint8_t *)ci->name, (size_t)(bar - ci->name));

            assert_non_null(parent);
            assert_true(parent->flags & CMD_CONTAINER);
            assert_ptr_equal(cmdtable_find_sub(parent, (const uint8_t *)bar + 1,
                                               strlen(bar + 1)),
                             ci);
            subs++;
        } else {
            assert_ptr_equal(cmdtable_find((const uint8_t *)ci->name, len), ci);
        }
        if (ci->flags & CMD_CONTAINER) {
            assert_true(ci->flags & CMD_NOKEYS);
            /* COMMAND alone is a command too */
            assert_int_equal(ci->arity, strcmp(ci->name, "command") ? -2 : -1);
        }
    }
    assert_true(subs > 100);
    assert_true(writes > 100);
    assert_string_equal(cmd_find_name(CMD_FIND_STREAMS), "streams");
    assert_string_equal(cmd_find_name(CMD_FIND_COUNT), "unknown");
}

static const struct cmd_info *
find(const char *name)
{
    return cmdtable_find((const uint8_t *)name, strlen(name));
}

static const struct cmd_info *
sub(const char *container, const char *name)
{
    return cmdtable_find_sub(find(container), (const uint8_t *)name,
                             strlen(name));
}

static void
test_find(void **state)
{
    struct span argv[MAXARGS];
    const struct cmd_info *set = find("set");
    size_t argc;
    char longname[100];

    (void)state;
    assert_non_null(set);
    assert_string_equal(set->name, "set");
    assert_ptr_equal(find("SET"), set);
    assert_ptr_equal(find("sEt"), set);
    assert_null(find("se"));
    assert_null(find("sett"));
    assert_null(find(""));
    assert_null(find("nosuchcommand"));
    assert_null(find("xgroup|create"));
    assert_null(cmdtable_find((const uint8_t *)"get\0", 4));
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_null(find(longname));
    assert_non_null(find("zunionstore"));
    assert_non_null(find("RESTORE-ASKING"));
    assert_non_null(find("georadiusbymember_ro"));

    assert_true(find("xgroup")->flags & CMD_CONTAINER);
    assert_null(cmdtable_find_sub(set, (const uint8_t *)"x", 1));
    assert_null(cmdtable_find_sub(find("xgroup"), (const uint8_t *)"", 0));
    argc = split("XGROUP CREATE s g $", argv);
    assert_string_equal(cmdtable_lookup(argc, argv)->name, "xgroup|create");
    argc = split("object Encoding k", argv);
    assert_string_equal(cmdtable_lookup(argc, argv)->name, "object|encoding");
    argc = split("OBJECT", argv);
    assert_null(cmdtable_lookup(argc, argv));
    argc = split("command", argv);
    assert_ptr_equal(cmdtable_lookup(argc, argv), find("command"));
    assert_int_equal(cmdtable_check(find("command"), argc, argv, NULL), 0);
    argc = split("command info get", argv);
    assert_ptr_equal(cmdtable_lookup(argc, argv), sub("command", "info"));
    argc = split("OBJECT nope k", argv);
    assert_null(cmdtable_lookup(argc, argv));
    assert_null(cmdtable_lookup(0, argv));
    argc = split("get k", argv);
    assert_ptr_equal(cmdtable_lookup(argc, argv), find("get"));
}

static void
test_flags(void **state)
{
    static const char *const writes[] = {
        "set",         "del",       "hexpire", "hpexpireat", "hpersist",
        "hsetex",      "hgetdel",   "hgetex",  "lmpop",      "blmpop",
        "xadd",        "restore",   "copy",    "move",       "swapdb",
        "flushdb",     "flushall",  "expire",  "pexpireat",  "setex",
        "xackdel",     "xdelex",    "msetex",  "delex",      "getdel",
        "incrbyfloat", "georadius", "sort",    "xreadgroup", "bitop",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        const struct cmd_info *ci = find(writes[i]);

        if (ci == NULL || !(ci->flags & CMD_WRITE)) {
            fail_msg("%s is not a known write command", writes[i]);
        }
    }
    assert_true(find("get")->flags & CMD_READONLY);
    assert_false(find("get")->flags & CMD_WRITE);
    assert_true(find("waitaof") != NULL);
    assert_int_equal(find("waitaof")->since, 70200);
    assert_int_equal(find("hexpire")->since, 70400);
    assert_int_equal(find("select")->flags & CMD_SELECT_DB, CMD_SELECT_DB);
    assert_true(find("swapdb")->flags & CMD_MULTI_DB);
    assert_true(find("move")->flags & CMD_MULTI_DB);
    assert_true(find("copy")->flags & CMD_MULTI_DB);
    assert_true(find("flushall")->flags & CMD_MULTI_DB);
    assert_true(find("flushall")->flags & CMD_FLUSH);
    assert_true(find("flushdb")->flags & CMD_FLUSH);
    assert_false(find("flushdb")->flags & CMD_MULTI_DB);
    assert_false(find("del")->flags & CMD_FLUSH);
    assert_true(find("multi")->flags & CMD_TXN);
    assert_true(find("exec")->flags & CMD_TXN);
    assert_true(find("discard")->flags & CMD_TXN);
    assert_false(find("watch")->flags & CMD_TXN);
    assert_true(find("eval")->flags & CMD_SCRIPT);
    assert_true(find("fcall")->flags & CMD_SCRIPT);
    assert_true(sub("function", "load")->flags & CMD_SCRIPT);
    assert_true(sub("function", "load")->flags & CMD_WRITE);
    assert_true(sub("script", "flush")->flags & CMD_SCRIPT);
    assert_true(find("ping")->flags & CMD_REPLICATION);
    assert_true(find("replconf")->flags & CMD_REPLICATION);
    assert_true(find("replconf")->flags & CMD_ADMIN);
    assert_true(find("publish")->flags & CMD_PUBSUB);
    assert_true(find("spublish")->flags & CMD_NOT_KEY);
    assert_true(find("ping")->flags & CMD_NOKEYS);
    assert_true(find("blpop")->flags & CMD_BLOCKING);
    assert_true(find("eval")->flags & CMD_MOVABLEKEYS);
    assert_false(find("mset")->flags & CMD_MOVABLEKEYS);
    assert_int_equal(find("mset")->step, 2);
    assert_int_equal(find("get")->arity, 2);
    assert_int_equal(find("set")->arity, -3);
}

/* ---- cluster slots ---- */

static uint16_t
slot(const char *key)
{
    return crc16_slot((const uint8_t *)key, strlen(key));
}

static void
test_crc16(void **state)
{
    static const struct {
        const char *key;
        uint16_t slot;
    } slots[] = {
        /* CLUSTER KEYSLOT of redis-server 7.0.15 */
        {"123456789", 12739},
        {"foo", 12182},
        {"bar", 5061},
        {"", 0},
        {"{user1000}.following", 3443},
        {"{user1000}.followers", 3443},
        {"{}foo", 9500},
        {"foo{}{bar}", 8363},
        {"foo{{bar}}zap", 4015},
        {"foo{bar}{zap}", 5061},
        {"{", 4092},
        {"}", 12090},
        {"a{b", 13340},
        {"a}b{c}", 7365},
        {"user:1", 10778},
        {"key:{tag}", 8338},
        {"{tag}", 8338},
        {"hello world", 15332},
    };
    size_t i;

    (void)state;
    assert_int_equal(crc16_xmodem((const uint8_t *)"123456789", 9), 0x31c3);
    assert_int_equal(crc16_xmodem(NULL, 0), 0);
    for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        if (slot(slots[i].key) != slots[i].slot) {
            fail_msg("slot of '%s' is %u, want %u", slots[i].key,
                     slot(slots[i].key), slots[i].slot);
        }
    }
    /* only the tag is hashed, NUL bytes included */
    assert_int_equal(crc16_slot((const uint8_t *)"x{a\0b}y", 7),
                     crc16_xmodem((const uint8_t *)"a\0b", 3) &
                         (CRC16_SLOTS - 1));
    assert_int_equal(crc16_slot((const uint8_t *)"{a\0b}", 5),
                     crc16_slot((const uint8_t *)"zz{a\0b}zz", 9));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_keys_truncated),
        cmocka_unit_test(test_keys_malformed),
        cmocka_unit_test(test_crc16),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
