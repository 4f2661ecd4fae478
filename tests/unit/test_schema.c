/*
 * test_schema.c - the schema history (proto/mysql/schema.c).
 *
 * DDL sequences with the resulting columns checked exactly, charset and
 * collation resolution for both server families, temporary tables,
 * information_schema loading, TABLE_MAP checks (match and every mismatch
 * kind) and, over the real binlogs of the corpus, a replay that applies
 * every QUERY event and checks every TABLE_MAP against the history, down to
 * names, signedness, charsets and ENUM/SET members when the TABLE_MAP
 * carries optional metadata (binlog_row_metadata=FULL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "proto/buf.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/schema.h"
#include "proto/mysql/value.h"

static struct span
sp(const char *s)
{
    struct span v;

    v.p = (const uint8_t *)s;
    v.len = s != NULL ? strlen(s) : 0;
    return v;
}

static int
run(struct schema *s, const char *db, const char *sql)
{
    char err[512];
    int rc = schema_apply_ddl(s, db, sql, strlen(sql), err, sizeof(err));

    if (rc < 0) {
        print_message("apply [%s]: %s\n", sql, err);
    }
    return rc;
}

static void
ok(struct schema *s, const char *db, const char *sql)
{
    assert_int_equal(run(s, db, sql), 0);
}

static const struct schema_table *
get(const struct schema *s, const char *db, const char *name)
{
    return schema_find_table(s, sp(db), sp(name));
}

struct want_col {
    const char *name;             /* column name */
    uint8_t type;                 /* TABLE_MAP type */
    uint8_t real_type;            /* real type */
    bool is_unsigned;             /* UNSIGNED */
    uint16_t charset;             /* collation id */
};

static void
expect_cols(const struct schema_table *t, const struct want_col *w,
            uint32_t n)
{
    uint32_t i;

    assert_non_null(t);
    if (t->ncols != n) {
        print_error("%s.%s: %u columns, want %u\n", t->db, t->name, t->ncols,
                    n);
        for (i = 0; i < t->ncols; i++) {
            print_error("  %s\n", t->cols[i].name);
        }
    }
    assert_int_equal(t->ncols, n);
    for (i = 0; i < n; i++) {
        const struct schema_column *c = &t->cols[i];

        if (strcmp(c->name, w[i].name) != 0 || c->type != w[i].type ||
            c->real_type != w[i].real_type ||
            c->is_unsigned != w[i].is_unsigned ||
            c->charset != w[i].charset) {
            print_error("%s.%s col %u: %s type %u/%u unsigned %d cs %u; want "
                        "%s %u/%u %d %u\n",
                        t->db, t->name, i, c->name, c->type, c->real_type,
                        c->is_unsigned, c->charset, w[i].name, w[i].type,
                        w[i].real_type, w[i].is_unsigned, w[i].charset);
        }
        assert_string_equal(c->name, w[i].name);
        assert_int_equal(c->type, w[i].type);
        assert_int_equal(c->real_type, w[i].real_type);
        assert_int_equal(c->is_unsigned, w[i].is_unsigned);
        assert_int_equal(c->charset, w[i].charset);
    }
}

#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* ---- a DDL sequence, columns checked after each step ---- */

static void
test_sequence(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    const struct schema_table *t;
    uint64_t v;

    (void)state;
    ok(s, NULL, "CREATE DATABASE shop DEFAULT CHARSET latin1");
    ok(s, "shop",
       "CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT "
       "PRIMARY KEY, customer VARCHAR(40), total DECIMAL(10,2), note TEXT "
       "CHARACTER SET utf8mb4)");
    {
        static const struct want_col w[] = {
            {"id", MYT_LONG, MYT_LONG, true, 0},
            {"customer", MYT_VARCHAR, MYT_VARCHAR, false, 8},
            {"total", MYT_NEWDECIMAL, MYT_NEWDECIMAL, false, 0},
            {"note", MYT_BLOB, MYT_BLOB, false, 45},
        };
        t = get(s, "shop", "orders");
        expect_cols(t, w, N(w));
        assert_int_equal(t->cols[0].pk_pos, 1);
        assert_false(t->cols[0].nullable);
        assert_true(t->cols[1].nullable);
        assert_int_equal(t->collation, 8);
    }
    v = t->version;
    ok(s, "shop",
       "ALTER TABLE orders ADD COLUMN status ENUM('new','paid') NOT NULL "
       "DEFAULT 'new' AFTER customer");
    t = get(s, "shop", "orders");
    assert_true(t->version > v);
    assert_string_equal(t->cols[2].name, "status");
    assert_int_equal(t->cols[2].real_type, MYT_ENUM);
    assert_int_equal(t->cols[2].n_enum_values, 2);
    assert_memory_equal(t->cols[2].enum_values[1].p, "paid", 4);
    ok(s, "shop", "ALTER TABLE orders RENAME COLUMN customer TO buyer");
    ok(s, "shop",
       "ALTER TABLE `orders` CHANGE total amount BIGINT UNSIGNED AFTER id");
    ok(s, "shop", "ALTER TABLE orders MODIFY note VARCHAR(100) FIRST");
    {
        static const struct want_col w[] = {
            {"note", MYT_VARCHAR, MYT_VARCHAR, false, 8},
            {"id", MYT_LONG, MYT_LONG, true, 0},
            {"amount", MYT_LONGLONG, MYT_LONGLONG, true, 0},
            {"buyer", MYT_VARCHAR, MYT_VARCHAR, false, 8},
            {"status", MYT_STRING, MYT_ENUM, false, 8},
        };
        expect_cols(get(s, "shop", "orders"), w, N(w));
        assert_int_equal(get(s, "shop", "orders")->cols[1].pk_pos, 1);
    }
    ok(s, NULL, "CREATE DATABASE archive");
    ok(s, "shop",
       "RENAME TABLE orders TO orders_old, orders_old TO archive.orders");
    assert_null(get(s, "shop", "orders"));
    assert_null(get(s, "shop", "orders_old"));
    ok(s, "shop",
       "ALTER TABLE archive.orders DROP COLUMN buyer, ADD COLUMN (x INT, "
       "y INT), DROP PRIMARY KEY, ADD PRIMARY KEY (x, amount)");
    {
        static const struct want_col w[] = {
            {"note", MYT_VARCHAR, MYT_VARCHAR, false, 8},
            {"id", MYT_LONG, MYT_LONG, true, 0},
            {"amount", MYT_LONGLONG, MYT_LONGLONG, true, 0},
            {"status", MYT_STRING, MYT_ENUM, false, 8},
            {"x", MYT_LONG, MYT_LONG, false, 0},
            {"y", MYT_LONG, MYT_LONG, false, 0},
        };
        t = get(s, "archive", "orders");
        expect_cols(t, w, N(w));
        assert_int_equal(t->cols[1].pk_pos, 0);
        assert_int_equal(t->cols[4].pk_pos, 1);
        assert_int_equal(t->cols[2].pk_pos, 2);
    }
    ok(s, "shop", "ALTER TABLE archive.orders RENAME TO orders2");
    assert_null(get(s, "archive", "orders"));
    assert_non_null(get(s, "shop", "orders2"));
    ok(s, "shop", "DROP TABLE IF EXISTS orders2, nosuch");
    assert_null(get(s, "shop", "orders2"));
    /* Column names compare case-insensitively. */
    ok(s, "shop", "CREATE TABLE c (Id INT, Name TEXT)");
    ok(s, "shop", "ALTER TABLE c DROP COLUMN ID, CHANGE name NAME2 INT");
    assert_int_equal(get(s, "shop", "c")->ncols, 1);
    assert_string_equal(get(s, "shop", "c")->cols[0].name, "NAME2");
    /* IF NOT EXISTS on an existing table changes nothing. */
    v = get(s, "shop", "c")->version;
    ok(s, "shop", "CREATE TABLE IF NOT EXISTS c (z INT)");
    assert_int_equal(get(s, "shop", "c")->version, v);
    assert_string_equal(get(s, "shop", "c")->cols[0].name, "NAME2");
    ok(s, "shop", "CREATE OR REPLACE TABLE c (z INT)");
    assert_string_equal(get(s, "shop", "c")->cols[0].name, "z");
    /* DROP DATABASE takes its tables along. */
    ok(s, "shop", "DROP DATABASE shop");
    assert_null(get(s, "shop", "c"));
    /* Not schema changing. */
    assert_int_equal(run(s, "shop", "INSERT INTO c VALUES (1)"), 1);
    assert_int_equal(run(s, "shop", "TRUNCATE TABLE c"), 1);
    assert_int_equal(run(s, "shop", "GRANT ALL ON *.* TO 'a'@'%'"), 1);
    schema_free(s);
    schema_free(NULL);
}

/* ---- charsets and collations ---- */

static void
test_collations(void **state)
{
    struct schema *my = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    struct schema *my57 = schema_new(SCHEMA_FLAVOR_MYSQL57, 0);
    struct schema *ma = schema_new(SCHEMA_FLAVOR_MARIADB, 0);

    (void)state;
    assert_int_equal(schema_collation_id(my, "utf8_general_ci"), 33);
    assert_int_equal(schema_collation_id(ma, "utf8mb3_general_ci"), 33);
    assert_int_equal(schema_collation_id(my, "utf8mb3_bin"), 83);
    assert_int_equal(schema_collation_id(my, "UTF8MB4_GENERAL_CI"), 45);
    assert_int_equal(schema_collation_id(my, "utf8mb4_0900_ai_ci"), 255);
    assert_int_equal(schema_collation_id(my, "utf8mb4_mn_cyrl_0900_as_cs"),
                     323);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_0900_ai_ci"), 0);
    assert_int_equal(schema_collation_id(my, "utf8mb4_croatian_ci"), 245);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_croatian_ci"), 608);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_croatian_mysql561_ci"),
                     245);
    assert_int_equal(schema_collation_id(ma, "latin1_swedish_nopad_ci"),
                     1032);
    assert_int_equal(schema_collation_id(ma, "latin1_nopad_bin"), 1071);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_unicode_520_nopad_ci"),
                     1270);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_uca1400_ai_ci"), 2304);
    assert_int_equal(schema_collation_id(ma, "utf8mb3_uca1400_ai_ci"), 2048);
    assert_int_equal(
        schema_collation_id(ma, "utf8mb4_uca1400_swedish_ai_cs"), 2369);
    assert_int_equal(
        schema_collation_id(ma, "utf32_uca1400_croatian_nopad_as_cs"),
        0xc00 + 24 * 8 + 7);
    assert_int_equal(schema_collation_id(my, "binary"), 63);
    assert_int_equal(schema_collation_id(my, "gb18030_chinese_ci"), 248);
    assert_int_equal(schema_collation_id(my, "no_such_collation"), 0);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_uca1400_klingon_ai_ci"),
                     0);
    assert_int_equal(schema_charset_collation(my, "utf8"), 33);
    assert_int_equal(schema_charset_collation(my, "utf8mb4"), 255);
    assert_int_equal(schema_charset_collation(my57, "utf8mb4"), 45);
    assert_int_equal(schema_charset_collation(ma, "utf8mb4"), 45);
    assert_int_equal(schema_charset_collation(ma, "latin1"), 8);
    assert_int_equal(schema_charset_collation(ma, "binary"), 63);
    assert_int_equal(schema_charset_collation(ma, "nope"), 0);
    /* The server's own ids win over the built-in table. */
    assert_int_equal(schema_add_collation(my, "utf8mb4_0900_ai_ci", 777), 0);
    assert_int_equal(schema_collation_id(my, "utf8mb4_0900_ai_ci"), 777);
    assert_int_equal(schema_add_collation(my, "custom_ci", 1000), 0);
    assert_int_equal(schema_collation_id(my, "CUSTOM_CI"), 1000);
    /* MariaDB 11.x: utf8mb4 defaults to a UCA 14.0.0 collation. */
    assert_int_equal(schema_set_charset_collation(ma, "utf8mb4", 2304), 0);
    assert_int_equal(schema_charset_collation(ma, "utf8mb4"), 2304);
    assert_string_equal(schema_flavor_name(SCHEMA_FLAVOR_MARIADB), "mariadb");
    schema_free(my);
    schema_free(my57);
    schema_free(ma);
}

static void
test_charsets(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    struct schema_query_ctx ctx;
    char err[256];
    const char *sql;

    (void)state;
    ok(s, NULL, "CREATE DATABASE d");
    ok(s, "d",
       "CREATE TABLE t (a CHAR(1), b VARCHAR(5) CHARACTER SET utf8, c TEXT "
       "COLLATE utf8mb4_unicode_ci, d VARCHAR(3) BINARY, e NCHAR(2), f "
       "VARBINARY(2), g JSON, h INT, i ENUM('x') CHARSET latin1 COLLATE "
       "latin1_bin, j CHAR(2) CHARACTER SET utf8mb4 BINARY, k TEXT ASCII, "
       "l GEOMETRY, m CHAR(4) CHARACTER SET binary, n BLOB, o VARCHAR(3) "
       "CHARACTER SET utf8 BINARY) DEFAULT CHARSET=latin1");
    {
        static const struct want_col w[] = {
            {"a", MYT_STRING, MYT_STRING, false, 8},
            {"b", MYT_VARCHAR, MYT_VARCHAR, false, 33},
            {"c", MYT_BLOB, MYT_BLOB, false, 224},
            {"d", MYT_VARCHAR, MYT_VARCHAR, false, 47},
            {"e", MYT_STRING, MYT_STRING, false, 33},
            {"f", MYT_VARCHAR, MYT_VARCHAR, false, 63},
            {"g", MYT_JSON, MYT_JSON, false, 63},
            {"h", MYT_LONG, MYT_LONG, false, 0},
            {"i", MYT_STRING, MYT_ENUM, false, 47},
            {"j", MYT_STRING, MYT_STRING, false, 46},
            {"k", MYT_BLOB, MYT_BLOB, false, 8},
            {"l", MYT_GEOMETRY, MYT_GEOMETRY, false, 63},
            {"m", MYT_STRING, MYT_STRING, false, 63},
            {"n", MYT_BLOB, MYT_BLOB, false, 63},
            {"o", MYT_VARCHAR, MYT_VARCHAR, false, 83},
        };
        expect_cols(get(s, "d", "t"), w, N(w));
    }
    /* No table charset: the database's (MySQL 8 default utf8mb4). */
    ok(s, "d", "CREATE TABLE u (a VARCHAR(3), b VARCHAR(3) BINARY)");
    assert_int_equal(get(s, "d", "u")->cols[0].charset, 255);
    assert_int_equal(get(s, "d", "u")->cols[1].charset, 46);
    ok(s, NULL, "ALTER DATABASE d CHARACTER SET latin1");
    ok(s, "d", "CREATE TABLE v (a VARCHAR(3))");
    assert_int_equal(get(s, "d", "v")->cols[0].charset, 8);
    ok(s, "d", "ALTER DATABASE COLLATE latin1_german2_ci");
    ok(s, "d", "CREATE TABLE v2 (a VARCHAR(3))");
    assert_int_equal(get(s, "d", "v2")->cols[0].charset, 31);
    /* CONVERT TO changes character columns, not byte or number ones. */
    ok(s, "d", "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4");
    {
        const struct schema_table *t = get(s, "d", "t");

        assert_int_equal(t->collation, 255);
        assert_int_equal(t->cols[0].charset, 255);
        assert_int_equal(t->cols[1].charset, 255);
        assert_int_equal(t->cols[5].charset, 63);
        assert_int_equal(t->cols[7].charset, 0);
        assert_int_equal(t->cols[8].charset, 255);
        assert_int_equal(t->cols[12].charset, 63);
    }
    /* DEFAULT CHARSET changes only what comes later. */
    ok(s, "d", "ALTER TABLE t DEFAULT CHARSET=latin1, ADD COLUMN z TEXT");
    assert_int_equal(get(s, "d", "t")->cols[0].charset, 255);
    assert_int_equal(get(s, "d", "t")->cols[15].charset, 8);
    ok(s, "d", "ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT");
    assert_int_equal(get(s, "d", "t")->cols[0].charset, 31);
    /* The session: collation_server and default_collation_for_utf8mb4. */
    memset(&ctx, 0, sizeof(ctx));
    ctx.collation_server = 8;
    sql = "CREATE DATABASE e";
    assert_int_equal(schema_apply_query(s, &ctx, sql, strlen(sql), NULL, err,
                                        sizeof(err)),
                     0);
    ok(s, "e", "CREATE TABLE t (a TEXT)");
    assert_int_equal(get(s, "e", "t")->cols[0].charset, 8);
    ctx.db = "e";
    ctx.utf8mb4_collation = 45;
    sql = "CREATE TABLE u (a TEXT CHARACTER SET utf8mb4)";
    assert_int_equal(schema_apply_query(s, &ctx, sql, strlen(sql), NULL, err,
                                        sizeof(err)),
                     0);
    assert_int_equal(get(s, "e", "u")->cols[0].charset, 45);
    schema_free(s);

    /* MariaDB: JSON, UCA 14.0.0 collations, 11.x defaults. */
    s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    ok(s, "d",
       "CREATE TABLE t (j JSON, k LONGTEXT CHECK (json_valid(k)), a "
       "VARCHAR(3) CHARACTER SET utf8mb4 COLLATE uca1400_as_cs, b TEXT "
       "COLLATE utf8mb4_uca1400_ai_ci, c VARCHAR(1), u UUID) CHARSET "
       "utf8mb4");
    {
        const struct schema_table *t = get(s, "d", "t");

        assert_int_equal(t->cols[0].type, MYT_BLOB);
        assert_true(t->cols[0].is_json_text);
        assert_int_equal(t->cols[0].charset, 46);
        assert_true(t->cols[1].is_json_text);
        assert_int_equal(t->cols[2].charset, 2307);
        assert_int_equal(t->cols[3].charset, 2304);
        assert_int_equal(t->cols[4].charset, 45);
        assert_int_equal(t->cols[5].type, MYT_STRING);
        assert_int_equal(t->cols[5].charset, 63);
        assert_int_equal(t->cols[5].length, 16);
    }
    assert_int_equal(schema_set_charset_collation(s, "utf8mb4", 2304), 0);
    ok(s, "d", "CREATE TABLE u (c VARCHAR(1)) CHARSET utf8mb4");
    assert_int_equal(get(s, "d", "u")->cols[0].charset, 2304);
    /* No database known and no charset: the server default, latin1. */
    ok(s, "z", "CREATE TABLE u (c VARCHAR(1))");
    assert_int_equal(get(s, "z", "u")->cols[0].charset, 8);
    schema_set_server_collation(s, 45);
    ok(s, "z", "CREATE TABLE w (c VARCHAR(1))");
    assert_int_equal(get(s, "z", "w")->cols[0].charset, 45);
    schema_free(s);
}

/* ---- temporary tables ---- */

static int
run_ctx(struct schema *s, uint32_t thread, const char *db, const char *sql)
{
    struct schema_query_ctx ctx;
    char err[256];

    memset(&ctx, 0, sizeof(ctx));
    ctx.db = db;
    ctx.thread_id = thread;
    return schema_apply_query(s, &ctx, sql, strlen(sql), NULL, err,
                              sizeof(err));
}

static void
test_temporary(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MYSQL57, 0);
    const struct schema_table *t;
    char name[64];
    int i;

    (void)state;
    assert_int_equal(run_ctx(s, 1, "d", "CREATE TABLE t (a INT)"), 0);
    assert_int_equal(run_ctx(s, 7, "d", "CREATE TEMPORARY TABLE t (b "
                                        "VARCHAR(3))"),
                     0);
    t = get(s, "d", "t");
    assert_false(t->temporary);
    assert_int_equal(t->ncols, 1);
    assert_string_equal(t->cols[0].name, "a");
    /* Session 7 alters its temporary table, session 8 the real one. */
    assert_int_equal(run_ctx(s, 7, "d", "ALTER TABLE t ADD c INT"), 0);
    assert_int_equal(get(s, "d", "t")->ncols, 1);
    assert_int_equal(run_ctx(s, 8, "d", "ALTER TABLE t ADD d INT"), 0);
    assert_int_equal(get(s, "d", "t")->ncols, 2);
    /* LIKE a temporary table copies the session's table. */
    assert_int_equal(run_ctx(s, 7, "d", "CREATE TABLE x LIKE t"), 0);
    t = get(s, "d", "x");
    assert_int_equal(t->ncols, 2);
    assert_string_equal(t->cols[0].name, "b");
    assert_false(t->temporary);
    /* DROP TEMPORARY drops only the temporary one... */
    assert_int_equal(run_ctx(s, 7, "d", "DROP TEMPORARY TABLE IF EXISTS t"),
                     0);
    assert_int_equal(get(s, "d", "t")->ncols, 2);
    assert_int_equal(run_ctx(s, 7, "d", "CREATE TEMPORARY TABLE t (b INT)"),
                     0);
    /* ...and a plain DROP TABLE in the binlog is the real table. */
    assert_int_equal(run_ctx(s, 7, "d", "DROP TABLE t"), 0);
    assert_null(get(s, "d", "t"));
    assert_int_equal(run_ctx(s, 7, "d", "DROP /*!40005 TEMPORARY */ TABLE "
                                        "IF EXISTS `t`"),
                     0);
    /* Sessions that never drop theirs cannot grow the schema forever. */
    for (i = 0; i < SCHEMA_MAX_TEMP_TABLES + 50; i++) {
        snprintf(name, sizeof(name), "CREATE TEMPORARY TABLE tt%d (a INT)", i);
        assert_int_equal(run_ctx(s, (uint32_t)i, "d", name), 0);
    }
    assert_null(get(s, "d", "tt1"));
    schema_free(s);
}

/* ---- TABLE_MAP checks ---- */

static void
test_table_map(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    const struct schema_table *t;
    char err[512];
    static const uint8_t types[] = {
        MYT_LONG,   MYT_VARCHAR,   MYT_STRING, MYT_STRING, MYT_STRING,
        MYT_DATETIME2, MYT_JSON,   MYT_BLOB,   MYT_NEWDECIMAL,
    };
    static const uint16_t metas[] = {
        0, 40, 0xf701, 0xf801, 0xfe0c, 6, 4, 2, (5 << 8) | 2,
    };
    uint8_t ty[9];
    uint16_t me[9];
    int rc;

    (void)state;
    ok(s, "shop",
       "CREATE TABLE orders (id INT, name VARCHAR(10), e ENUM('a','b'), st "
       "SET('x'), c CHAR(3), d DATETIME(6), j JSON, b BLOB, de "
       "DECIMAL(5,2))");
    rc = schema_check_table_map(s, sp("shop"), sp("orders"), 9, types, metas,
                                &t, err, sizeof(err));
    assert_int_equal(rc, SCHEMA_OK);
    assert_non_null(t);
    assert_string_equal(t->name, "orders");
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 9,
                                            types, NULL, NULL, err,
                                            sizeof(err)),
                     SCHEMA_OK);
    /* What servers legitimately vary. */
    memcpy(ty, types, sizeof(ty));
    memcpy(me, metas, sizeof(me));
    ty[1] = MYT_VAR_STRING;
    ty[5] = MYT_DATETIME;
    ty[6] = MYT_BLOB;
    ty[8] = MYT_DECIMAL;
    me[4] = 0xee90; /* CHAR(100) utf8mb4: 400 bytes, bits in the type */
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 9,
                                            ty, me, NULL, err, sizeof(err)),
                     SCHEMA_OK);
    /* A type that differs. */
    memcpy(ty, types, sizeof(ty));
    ty[0] = MYT_LONGLONG;
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 9,
                                            ty, metas, NULL, err,
                                            sizeof(err)),
                     SCHEMA_EMISMATCH);
    assert_string_equal(
        err, "table shop.orders: column 1 (id) is LONGLONG in the binlog "
             "TABLE_MAP but LONG in the schema history \xe2\x80\x94 the table "
             "changed by a DDL the history did not see; enable "
             "binlog_row_metadata=FULL on the source or start after that "
             "DDL");
    /* ENUM where the history has SET. */
    memcpy(me, metas, sizeof(me));
    me[3] = 0xf701;
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 9,
                                            types, me, NULL, err,
                                            sizeof(err)),
                     SCHEMA_EMISMATCH);
    assert_non_null(strstr(err, "column 4 (st) is ENUM in the binlog"));
    /* CHAR where the history has ENUM. */
    memcpy(me, metas, sizeof(me));
    me[2] = 0xfe01;
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 9,
                                            types, me, NULL, err,
                                            sizeof(err)),
                     SCHEMA_EMISMATCH);
    /* Column counts. */
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("orders"), 8,
                                            types, metas, NULL, err,
                                            sizeof(err)),
                     SCHEMA_EMISMATCH);
    ok(s, "shop", "CREATE TABLE o2 (id INT, name VARCHAR(9), q INT, n TEXT)");
    {
        static const uint8_t t5[] = {MYT_LONG, MYT_VARCHAR, MYT_LONG, MYT_BLOB,
                                     MYT_LONG};

        assert_int_equal(schema_check_table_map(s, sp("shop"), sp("o2"), 5, t5,
                                                NULL, NULL, err, sizeof(err)),
                         SCHEMA_EMISMATCH);
        assert_string_equal(
            err, "table shop.o2: binlog TABLE_MAP has 5 columns (LONG, "
                 "VARCHAR, LONG, BLOB, LONG) but the schema history has 4 "
                 "\xe2\x80\x94 the table changed by a DDL the history did not "
                 "see; enable binlog_row_metadata=FULL on the source or start "
                 "after that DDL");
    }
    /* No such table; a table whose columns are unknown. */
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("nope"), 9,
                                            types, metas, NULL, err,
                                            sizeof(err)),
                     SCHEMA_ENOTABLE);
    assert_string_equal(err, "table shop.nope is not in the schema history");
    ok(s, "shop", "CREATE TABLE sel SELECT * FROM orders");
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("sel"), 9,
                                            types, metas, NULL, err,
                                            sizeof(err)),
                     SCHEMA_EUNKNOWN);
    assert_non_null(strstr(err, "CREATE TABLE ... SELECT"));
    ok(s, "shop", "CREATE TABLE lk LIKE elsewhere.x");
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("lk"), 9, types,
                                            metas, NULL, err, sizeof(err)),
                     SCHEMA_EUNKNOWN);
    assert_non_null(strstr(err, "LIKE elsewhere.x"));
    /* A later full definition makes it known again. */
    ok(s, "shop", "DROP TABLE sel");
    ok(s, "shop", "CREATE TABLE sel (a INT)");
    assert_int_equal(schema_check_table_map(s, sp("shop"), sp("sel"), 1, types,
                                            metas, NULL, err, sizeof(err)),
                     SCHEMA_OK);
    /* ENUM storage size follows the member count. */
    {
        char sql[4096];
        size_t n = 0;
        int i;
        uint8_t te = MYT_STRING;
        uint16_t m1 = 0xf701, m2 = 0xf702;

        n += (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE big (e ENUM(");
        for (i = 0; i < 300; i++) {
            n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s'v%d'",
                                  i ? "," : "", i);
        }
        snprintf(sql + n, sizeof(sql) - n, "))");
        ok(s, "shop", sql);
        assert_int_equal(schema_check_table_map(s, sp("shop"), sp("big"), 1,
                                                &te, &m2, NULL, err,
                                                sizeof(err)),
                         SCHEMA_OK);
        assert_int_equal(schema_check_table_map(s, sp("shop"), sp("big"), 1,
                                                &te, &m1, NULL, err,
                                                sizeof(err)),
                         SCHEMA_EMISMATCH);
        assert_non_null(strstr(err, "of 300 members"));
    }
    schema_free(s);
}

/* ---- filling struct mysql_column ---- */

static void
test_fill(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    const struct schema_table *t;
    struct mysql_column cols[4];
    char err[256];

    (void)state;
    ok(s, "d",
       "CREATE TABLE t (id BIGINT UNSIGNED, e ENUM('x','y''z'), j JSON, "
       "s VARCHAR(4) CHARACTER SET utf8mb4)");
    t = get(s, "d", "t");
    memset(cols, 0, sizeof(cols));
    assert_int_equal(schema_fill_columns(t, cols, 4, err, sizeof(err)), 0);
    assert_true(span_eq(cols[0].name, "id"));
    assert_true(cols[0].is_unsigned);
    assert_true(span_eq(cols[1].name, "e"));
    assert_int_equal(cols[1].n_enum_values, 2);
    assert_true(span_eq(cols[1].enum_values[1], "y'z"));
    assert_int_equal(cols[1].charset, 8);
    assert_true(cols[2].is_json_text);
    assert_int_equal(cols[2].charset, 46);
    assert_null(cols[2].enum_values);
    assert_int_equal(cols[3].charset, 45);
    assert_int_equal(schema_fill_columns(t, cols, 3, err, sizeof(err)), -1);
    schema_free(s);
}

/* ---- MySQL functional indexes: hidden columns ---- */

static void
test_hidden_columns(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    const struct schema_table *t;
    struct mysql_column cols[3];
    char err[512];
    static const uint8_t with[] = {MYT_LONG, MYT_LONGLONG, MYT_BLOB};
    static const uint8_t without[] = {MYT_LONG, MYT_BLOB};

    (void)state;
    /* The corpus' rpl_unfiltered_hidden_gcol: 8.0.17 logs the column. */
    ok(s, "test", "CREATE TABLE t (a INT, INDEX i((a+1)))");
    ok(s, "test", "ALTER TABLE t ADD COLUMN b TEXT");
    t = get(s, "test", "t");
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->n_hidden, 1);
    assert_true(t->cols[1].hidden);
    assert_int_equal(schema_check_table_map(s, sp("test"), sp("t"), 3, with,
                                            NULL, NULL, err, sizeof(err)),
                     SCHEMA_OK);
    assert_int_equal(schema_check_table_map(s, sp("test"), sp("t"), 2,
                                            without, NULL, NULL, err,
                                            sizeof(err)),
                     SCHEMA_OK);
    memset(cols, 0, sizeof(cols));
    assert_int_equal(schema_fill_columns(t, cols, 2, err, sizeof(err)), 0);
    assert_true(span_eq(cols[0].name, "a"));
    assert_true(span_eq(cols[1].name, "b"));
    assert_int_equal(schema_fill_columns(t, cols, 3, err, sizeof(err)), 0);
    assert_true(span_eq(cols[1].name, "!hidden!i!0!0"));
    /* Hidden columns do not take names: b can still be added again. */
    ok(s, "test", "CREATE INDEX f ON t ((a * 2), (b(3)))");
    assert_int_equal(get(s, "test", "t")->ncols, 5);
    ok(s, "test", "DROP INDEX i ON t");
    ok(s, "test", "ALTER TABLE t RENAME INDEX f TO g");
    ok(s, "test", "ALTER TABLE t DROP INDEX g");
    assert_int_equal(get(s, "test", "t")->ncols, 2);
    assert_int_equal(get(s, "test", "t")->n_hidden, 0);
    /* Index statements without functional parts change nothing. */
    assert_int_equal(run(s, "test", "CREATE INDEX k ON t (a)"), 1);
    assert_int_equal(run(s, "test", "DROP INDEX k ON t"), 1);
    schema_free(s);

    /* MariaDB has no functional indexes: no hidden columns. */
    s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    ok(s, "test", "CREATE TABLE t (a INT, b INT AS (a+1) VIRTUAL, c INT "
                  "INVISIBLE)");
    assert_int_equal(get(s, "test", "t")->ncols, 3);
    assert_true(get(s, "test", "t")->cols[1].generated);
    assert_true(get(s, "test", "t")->cols[2].invisible);
    schema_free(s);
}

/* ---- MariaDB: sequences, system versioning, compressed columns ---- */

static void
test_mariadb(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    const struct schema_table *t;
    char err[512];
    static const uint8_t seq[] = {MYT_LONGLONG, MYT_LONGLONG, MYT_LONGLONG,
                                  MYT_LONGLONG, MYT_LONGLONG, MYT_LONGLONG,
                                  MYT_TINY,     MYT_LONGLONG};
    static const uint8_t sv[] = {MYT_LONG, MYT_LONG, MYT_TIMESTAMP2,
                                 MYT_TIMESTAMP2};
    static const uint8_t cc[] = {MYT_LONG, SCHEMA_MYT_BLOB_COMPRESSED,
                                 SCHEMA_MYT_VARCHAR_COMPRESSED};

    (void)state;
    /* Sequences are tables of eight columns (checked on 10.11.19). */
    ok(s, "x", "CREATE SEQUENCE s1");
    assert_int_equal(schema_check_table_map(s, sp("x"), sp("s1"), 8, seq,
                                            NULL, NULL, err, sizeof(err)),
                     SCHEMA_OK);
    assert_true(get(s, "x", "s1")->cols[5].is_unsigned);
    ok(s, "x", "DROP SEQUENCE s1");
    assert_null(get(s, "x", "s1"));
    /* Implicit row_start/row_end stay last when columns are added. */
    ok(s, "x", "CREATE TABLE sv (a INT) WITH SYSTEM VERSIONING");
    ok(s, "x", "ALTER TABLE sv ADD COLUMN z INT");
    t = get(s, "x", "sv");
    assert_int_equal(t->ncols, 4);
    assert_string_equal(t->cols[1].name, "z");
    assert_string_equal(t->cols[2].name, "row_start");
    assert_int_equal(schema_check_table_map(s, sp("x"), sp("sv"), 4, sv, NULL,
                                            NULL, err, sizeof(err)),
                     SCHEMA_OK);
    ok(s, "x", "ALTER TABLE sv DROP SYSTEM VERSIONING");
    assert_int_equal(get(s, "x", "sv")->ncols, 2);
    ok(s, "x", "ALTER TABLE sv ADD SYSTEM VERSIONING");
    assert_int_equal(get(s, "x", "sv")->ncols, 4);
    /* A column-level WITH SYSTEM VERSIONING versions the table. */
    ok(s, "x", "CREATE TABLE sv4 (a INT WITH SYSTEM VERSIONING, b INT)");
    assert_int_equal(get(s, "x", "sv4")->ncols, 4);
    /* Explicit period columns are the table's own. */
    ok(s, "x",
       "CREATE TABLE sv2 (a INT, s TIMESTAMP(6) GENERATED ALWAYS AS ROW "
       "START INVISIBLE, e TIMESTAMP(6) GENERATED ALWAYS AS ROW END "
       "INVISIBLE, PERIOD FOR SYSTEM_TIME(s, e)) WITH SYSTEM VERSIONING");
    assert_int_equal(get(s, "x", "sv2")->ncols, 3);
    ok(s, "x", "ALTER TABLE sv2 ADD COLUMN z INT");
    assert_string_equal(get(s, "x", "sv2")->cols[3].name, "z");
    ok(s, "x", "ALTER TABLE sv2 DROP SYSTEM VERSIONING, DROP PERIOD FOR "
               "SYSTEM_TIME, DROP COLUMN s, DROP COLUMN e");
    assert_int_equal(get(s, "x", "sv2")->ncols, 2);
    /* COMPRESSED columns have their own binlog types (140, 141). */
    ok(s, "x", "CREATE TABLE cc (a INT, b TEXT COMPRESSED, c VARCHAR(100) "
               "COMPRESSED)");
    assert_int_equal(schema_check_table_map(s, sp("x"), sp("cc"), 3, cc, NULL,
                                            NULL, err, sizeof(err)),
                     SCHEMA_OK);
    assert_int_equal(get(s, "x", "cc")->cols[1].type,
                     SCHEMA_MYT_BLOB_COMPRESSED);
    /* ALTER TABLE ... CONVERT PARTITION p TO TABLE t creates t. */
    ok(s, "x", "CREATE TABLE pt (a INT, b INT) PARTITION BY RANGE (a) "
               "(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES "
               "LESS THAN MAXVALUE)");
    ok(s, "x", "ALTER TABLE pt CONVERT PARTITION p0 TO TABLE pt0");
    assert_int_equal(get(s, "x", "pt0")->ncols, 2);
    ok(s, "x", "ALTER TABLE pt CONVERT TABLE pt0 TO PARTITION p0 VALUES LESS "
               "THAN (10)");
    assert_null(get(s, "x", "pt0"));
    schema_free(s);
}

/* ---- statements that cannot be applied ---- */

static void
test_failures(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    static const uint8_t one[] = {MYT_LONG};
    static const uint8_t two[] = {MYT_LONG, MYT_LONG};
    char err[512];
    const char *sql;
    enum ddl_kind kind;

    (void)state;
    ok(s, "d", "CREATE TABLE t (a INT)");
    sql = "ALTER TABLE t ADD COLUMN b INT MYSTERY";
    assert_int_equal(schema_apply_ddl(s, "d", sql, strlen(sql), err,
                                      sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "cannot parse ALTER TABLE statement on t"));
    assert_non_null(strstr(err, "offset 31"));
    assert_int_equal(schema_check_table_map(s, sp("d"), sp("t"), 2, two, NULL,
                                            NULL, err, sizeof(err)),
                     SCHEMA_EUNKNOWN);
    assert_non_null(strstr(err, "could not be applied"));
    /* A spec that fails half-way leaves the original, marked unknown. */
    ok(s, "d", "CREATE TABLE u (a INT)");
    sql = "ALTER TABLE u ADD COLUMN b INT, DROP COLUMN nosuch";
    assert_int_equal(schema_apply_ddl(s, "d", sql, strlen(sql), err,
                                      sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "DROP COLUMN nosuch: no such column"));
    assert_int_equal(get(s, "d", "u")->ncols, 1);
    assert_true(get(s, "d", "u")->unknown);
    /* A duplicate column (never logged by a server) leaves it unknown. */
    assert_int_equal(run(s, "d", "CREATE TABLE dup (a INT, A INT)"), -1);
    assert_true(get(s, "d", "dup")->unknown);
    /* Without an error buffer the reason still reaches the table. */
    sql = "ALTER TABLE dup2 ADD";
    ok(s, "d", "CREATE TABLE dup2 (a INT)");
    assert_int_equal(schema_apply_query(s, NULL, sql, strlen(sql), NULL, NULL,
                                        0),
                     -1);
    assert_int_equal(schema_apply_ddl(s, "d", sql, strlen(sql), NULL, 0), -1);
    assert_non_null(strstr(get(s, "d", "dup2")->unknown_reason,
                           "cannot parse ALTER TABLE statement on dup2"));
    /* IF EXISTS makes it fine. */
    ok(s, "d", "CREATE TABLE w (a INT)");
    ok(s, "d", "ALTER TABLE w DROP COLUMN IF EXISTS nosuch, ADD COLUMN IF "
               "NOT EXISTS a INT");
    assert_int_equal(get(s, "d", "w")->ncols, 1);
    /* A CREATE TABLE that cannot be read leaves an unknown table. */
    sql = "CREATE TABLE v (a INT, b";
    assert_int_equal(schema_apply_query(s, NULL, sql, strlen(sql), &kind, err,
                                        sizeof(err)),
                     -1);
    assert_int_equal(kind, DDL_CREATE_TABLE);
    assert_null(get(s, "d", "v")); /* no database: nothing to mark */
    assert_int_equal(schema_apply_ddl(s, "d", sql, strlen(sql), err,
                                      sizeof(err)),
                     -1);
    assert_true(get(s, "d", "v")->unknown);
    ok(s, "d", "CREATE OR REPLACE TABLE v (a INT)");
    assert_int_equal(schema_check_table_map(s, sp("d"), sp("v"), 1, one, NULL,
                                            NULL, err, sizeof(err)),
                     SCHEMA_OK);
    /* Errors without a database. */
    assert_int_equal(run(s, NULL, "CREATE TABLE nodb (a INT)"), -1);
    assert_int_equal(run(s, NULL, "ALTER TABLE nodb ADD b INT"), -1);
    /* ALTER of a table the history does not hold: nothing to do. */
    assert_int_equal(run(s, "d", "ALTER TABLE ghost ADD b INT"), 0);
    assert_null(get(s, "d", "ghost"));
    schema_free(s);
}

/* ---- lower_case_table_names ---- */

static void
test_name_case(void **state)
{
    struct schema *s0 = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    struct schema *s1 = schema_new(SCHEMA_FLAVOR_MYSQL, 1);

    (void)state;
    ok(s0, "Db", "CREATE TABLE Tab (a INT)");
    ok(s0, "Db", "CREATE TABLE tab (b INT)");
    assert_non_null(get(s0, "Db", "Tab"));
    assert_string_equal(get(s0, "Db", "tab")->cols[0].name, "b");
    assert_null(get(s0, "db", "Tab"));
    ok(s1, "Db", "CREATE TABLE Tab (a INT)");
    ok(s1, "DB", "ALTER TABLE TAB ADD b INT");
    assert_int_equal(get(s1, "db", "tab")->ncols, 2);
    ok(s1, "db", "RENAME TABLE tAB TO x");
    assert_null(get(s1, "db", "tab"));
    assert_non_null(get(s1, "DB", "X"));
    schema_free(s0);
    schema_free(s1);
}

/* ---- information_schema loading ---- */

static int
load_col(struct schema *s, const char *db, const char *table,
         const char *name, uint32_t pos, const char *data_type,
         const char *column_type, const char *charset, const char *collation,
         const char *nullable, const char *key)
{
    struct schema_column_row r;
    char err[256];
    int rc;

    memset(&r, 0, sizeof(r));
    r.table_schema = sp(db);
    r.table_name = sp(table);
    r.column_name = sp(name);
    r.ordinal_position = pos;
    r.data_type = sp(data_type);
    r.column_type = sp(column_type);
    r.character_set_name = sp(charset);
    r.collation_name = sp(collation);
    r.is_nullable = sp(nullable);
    r.column_key = sp(key);
    rc = schema_load_column(s, &r, err, sizeof(err));
    if (rc < 0) {
        print_message("load %s.%s.%s: %s\n", db, table, name, err);
    }
    return rc;
}

static void
test_load(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    struct schema_column c;
    char err[256];

    (void)state;
    assert_int_equal(schema_load_database(s, sp("x"),
                                          sp("latin1_swedish_ci"), err,
                                          sizeof(err)),
                     0);
    assert_int_equal(schema_load_table(s, sp("x"), sp("t"), sp("utf8mb4_bin"),
                                       sp("BASE TABLE"), err, sizeof(err)),
                     0);
    assert_int_equal(schema_load_table(s, sp("x"), sp("v"), sp(NULL),
                                       sp("VIEW"), err, sizeof(err)),
                     1);
    assert_null(get(s, "x", "v"));
    assert_int_equal(load_col(s, "x", "t", "id", 1, "int", "int(10) unsigned",
                              NULL, NULL, "NO", "PRI"),
                     0);
    assert_int_equal(load_col(s, "x", "t", "e", 2, "enum",
                              "enum('a\\\\b','x\\ny','q''r')", "utf8mb4",
                              "utf8mb4_general_ci", "YES", ""),
                     0);
    assert_int_equal(load_col(s, "x", "t", "b", 3, "mediumtext",
                              "mediumtext /*M!100301 COMPRESSED*/", "latin1",
                              "latin1_swedish_ci", "YES", ""),
                     0);
    assert_int_equal(load_col(s, "x", "t", "u", 4, "uuid", "uuid", NULL, NULL,
                              "YES", ""),
                     0);
    assert_int_equal(load_col(s, "x", "t", "j", 5, "longtext", "longtext",
                              "utf8mb4", "utf8mb4_bin", "YES", ""),
                     0);
    assert_int_equal(load_col(s, "x", "t", "d", 6, "decimal", "decimal(10,3)",
                              NULL, NULL, "YES", "PRI"),
                     0);
    {
        static const struct want_col w[] = {
            {"id", MYT_LONG, MYT_LONG, true, 0},
            {"e", MYT_STRING, MYT_ENUM, false, 45},
            {"b", SCHEMA_MYT_BLOB_COMPRESSED, SCHEMA_MYT_BLOB_COMPRESSED,
             false, 8},
            {"u", MYT_STRING, MYT_STRING, false, 63},
            {"j", MYT_BLOB, MYT_BLOB, false, 46},
            {"d", MYT_NEWDECIMAL, MYT_NEWDECIMAL, false, 0},
        };
        const struct schema_table *t = get(s, "x", "t");

        expect_cols(t, w, N(w));
        assert_int_equal(t->collation, 46);
        assert_false(t->cols[0].nullable);
        assert_int_equal(t->cols[0].pk_pos, 1);
        assert_int_equal(t->cols[5].pk_pos, 2);
        assert_true(span_eq(t->cols[1].enum_values[0], "a\\b"));
        assert_true(span_eq(t->cols[1].enum_values[1], "x\ny"));
        assert_true(span_eq(t->cols[1].enum_values[2], "q'r"));
    }
    /* Generated columns from EXTRA; a DEFAULT expression is not one. */
    {
        static const char *const extras[] = {
            "VIRTUAL GENERATED", "STORED GENERATED", "DEFAULT_GENERATED",
            "on update current_timestamp()",
        };
        static const bool generated[] = {true, true, false, false};
        size_t i;

        for (i = 0; i < N(extras); i++) {
            struct schema_column_row r;

            memset(&r, 0, sizeof(r));
            r.table_schema = sp("x");
            r.table_name = sp("g");
            r.column_name = sp("c");
            r.ordinal_position = 1;
            r.data_type = sp("int");
            r.column_type = sp("int(11)");
            r.is_nullable = sp("YES");
            r.column_key = sp("");
            r.extra = sp(extras[i]);
            assert_int_equal(schema_load_column(s, &r, err, sizeof(err)), 0);
            assert_int_equal(get(s, "x", "g")->cols[0].generated,
                             generated[i]);
        }
    }
    /* MariaDB JSON is found through its check constraint. */
    assert_int_equal(schema_load_json_check(s, sp("x"), sp("t"),
                                            sp("json_valid(`j`)"), err,
                                            sizeof(err)),
                     0);
    assert_true(get(s, "x", "t")->cols[4].is_json_text);
    assert_int_equal(schema_load_json_check(s, sp("x"), sp("t"),
                                            sp("json_valid(`j`) and 1"), err,
                                            sizeof(err)),
                     1);
    assert_int_equal(schema_load_json_check(s, sp("x"), sp("t"),
                                            sp("json_valid(`id`)"), err,
                                            sizeof(err)),
                     1);
    /* Implicit versioning columns are not in COLUMNS. */
    assert_int_equal(load_col(s, "x", "sv", "a", 1, "int", "int(11)", NULL,
                              NULL, "YES", ""),
                     0);
    assert_int_equal(schema_load_implicit_versioning(s, sp("x"), sp("sv"),
                                                     err, sizeof(err)),
                     0);
    assert_int_equal(get(s, "x", "sv")->ncols, 3);
    assert_int_equal(schema_load_implicit_versioning(s, sp("x"), sp("nope"),
                                                     err, sizeof(err)),
                     -1);
    /* Then DDL moves the loaded table on. */
    ok(s, "x", "ALTER TABLE sv ADD COLUMN b VARCHAR(2)");
    assert_string_equal(get(s, "x", "sv")->cols[1].name, "b");
    assert_int_equal(get(s, "x", "sv")->cols[1].charset, 8);
    ok(s, "x", "ALTER TABLE t ADD COLUMN z VARCHAR(2)");
    assert_int_equal(get(s, "x", "t")->cols[6].charset, 46);
    /* Out of order rows are refused; column 1 again restarts. */
    assert_int_equal(load_col(s, "x", "t", "zz", 9, "int", "int", NULL, NULL,
                              "YES", ""),
                     -1);
    assert_int_equal(load_col(s, "x", "t", "only", 1, "int", "int", NULL, NULL,
                              "YES", ""),
                     0);
    assert_int_equal(get(s, "x", "t")->ncols, 1);
    assert_int_equal(load_col(s, "x", "t", "bad", 2, "int", "int(", NULL,
                              NULL, "YES", ""),
                     -1);
    assert_true(get(s, "x", "t")->unknown);
    assert_int_equal(load_col(s, "x", "t", "next", 3, "int", "int", NULL,
                              NULL, "YES", ""),
                     1);
    assert_int_equal(load_col(s, "x", "t", "again", 1, "int", "int", NULL,
                              NULL, "YES", ""),
                     0);
    assert_false(get(s, "x", "t")->unknown);
    schema_free(s);

    /* MySQL: functional indexes whose hidden columns have no position. */
    s = schema_new(SCHEMA_FLAVOR_MYSQL, 0);
    assert_int_equal(load_col(s, "m", "f", "a", 1, "int", "int", NULL, NULL,
                              "YES", ""),
                     0);
    assert_int_equal(load_col(s, "m", "f", "j", 2, "json", "json", NULL, NULL,
                              "YES", ""),
                     0);
    assert_int_equal(get(s, "m", "f")->cols[1].type, MYT_JSON);
    assert_int_equal(get(s, "m", "f")->cols[1].charset, 63);
    assert_int_equal(schema_load_functional_index(s, sp("m"), sp("f"), err,
                                                  sizeof(err)),
                     0);
    {
        static const uint8_t ty[] = {MYT_LONG, MYT_JSON, MYT_LONGLONG};

        assert_int_equal(schema_check_table_map(s, sp("m"), sp("f"), 2, ty,
                                                NULL, NULL, err, sizeof(err)),
                         SCHEMA_OK);
        assert_int_equal(schema_check_table_map(s, sp("m"), sp("f"), 3, ty,
                                                NULL, NULL, err, sizeof(err)),
                         SCHEMA_EMISMATCH);
        assert_non_null(strstr(err, "hidden functional-index"));
    }
    assert_int_equal(schema_parse_column_type(s, "varchar(10)", 11,
                                              "utf8mb4_0900_ai_ci", &c, err,
                                              sizeof(err)),
                     0);
    assert_int_equal(c.type, MYT_VARCHAR);
    assert_int_equal(c.charset, 255);
    assert_int_equal(c.length, 10);
    schema_column_clear(&c);
    schema_free(s);
}

/* ---- real binlogs: replay QUERY events, check every TABLE_MAP ---- */

struct replay {
    const char *file;             /* binlog path, for messages */
    struct schema *s;             /* history of this binlog */
    bool mariadb;                 /* written by MariaDB */
    bool checksum;                /* events end in a CRC32 */
    unsigned queries;             /* QUERY events applied */
    unsigned ddl_errors;          /* schema_apply_query() < 0 */
    unsigned maps;                /* TABLE_MAP events */
    unsigned matched;             /* SCHEMA_OK */
    unsigned notable;             /* SCHEMA_ENOTABLE */
    unsigned unknown;             /* SCHEMA_EUNKNOWN */
    unsigned mismatched;          /* SCHEMA_EMISMATCH */
    unsigned meta_checked;        /* columns checked against optional meta */
    unsigned meta_bad;            /* optional metadata disagreements */
};

static uint64_t
rd(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* Length-encoded integer from p[0..len); sets *used; false if short. */
static bool
lenenc(const uint8_t *p, size_t len, uint64_t *v, size_t *used)
{
    if (len < 1) {
        return false;
    }
    if (p[0] < 0xfb) {
        *v = p[0];
        *used = 1;
        return true;
    }
    if (p[0] == 0xfc && len >= 3) {
        *v = rd(p + 1, 2);
        *used = 3;
        return true;
    }
    if (p[0] == 0xfd && len >= 4) {
        *v = rd(p + 1, 3);
        *used = 4;
        return true;
    }
    if (p[0] == 0xfe && len >= 9) {
        *v = rd(p + 1, 8);
        *used = 9;
        return true;
    }
    return false;
}

static void
replay_query(struct replay *r, const uint8_t *b, size_t len, bool compressed)
{
    struct schema_query_ctx ctx;
    char db[256], err[512];
    size_t dblen, svlen, pos;
    const uint8_t *sv;
    uint8_t *text = NULL;
    size_t tlen;
    size_t i;

    if (len < 13) {
        return;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.thread_id = (uint32_t)rd(b, 4);
    dblen = b[8];
    svlen = (size_t)rd(b + 11, 2);
    if (13 + svlen + dblen + 1 > len) {
        return;
    }
    sv = b + 13;
    /* Status variables we use: sql_mode and the server collation. */
    for (i = 0; i < svlen;) {
        uint8_t code = sv[i++];
        size_t n = 0;

        switch (code) {
        case 0: n = 4; break;
        case 1:
            if (i + 8 <= svlen) {
                ctx.sql_mode = rd(sv + i, 8);
            }
            n = 8;
            break;
        case 2: n = i < svlen ? 1u + sv[i] + 1u : 1; break;
        case 3: n = 4; break;
        case 4:
            if (i + 6 <= svlen) {
                ctx.collation_server = (uint16_t)rd(sv + i + 4, 2);
            }
            n = 6;
            break;
        case 5: case 6: n = i < svlen ? 1u + sv[i] : 1; break;
        case 7: case 8: n = 2; break;
        case 9: n = 8; break;
        case 10: n = 4; break;
        case 11:
            if (i < svlen) {
                n = 1u + sv[i];
                if (i + n < svlen) {
                    n += 1u + sv[i + n];
                }
            }
            break;
        case 12:
            if (i < svlen) {
                size_t cnt = sv[i], k = 1;

                if (cnt != 254) {
                    while (cnt-- > 0 && i + k < svlen) {
                        while (i + k < svlen && sv[i + k] != 0) {
                            k++;
                        }
                        k++;
                    }
                }
                n = k;
            }
            break;
        case 13: n = 3; break;
        case 14: n = 8; break;
        case 15: n = 8; break;
        case 16: n = 1; break;
        case 17: n = 8; break;
        case 18:
            if (i + 2 <= svlen) {
                ctx.utf8mb4_collation = (uint16_t)rd(sv + i, 2);
            }
            n = 2;
            break;
        case 19: case 20: n = 1; break;
        case 128: n = 3; break;
        case 129: n = 8; break;
        default: n = svlen; break;
        }
        i += n;
    }
    pos = 13 + svlen;
    memcpy(db, b + pos, dblen);
    db[dblen] = '\0';
    ctx.db = dblen > 0 ? db : NULL;
    pos += dblen + 1;
    tlen = len - pos;
    if (compressed) {
        /* MariaDB: 0x80 | width, big-endian length, zlib data. */
        unsigned w;
        uLongf out = 0;

        if (tlen < 1) {
            return;
        }
        w = b[pos] & 7;
        if (w == 0 || 1 + w > tlen) {
            return;
        }
        for (i = 0; i < w; i++) {
            out = (out << 8) | b[pos + 1 + i];
        }
        text = malloc(out + 1);
        assert_non_null(text);
        if (uncompress(text, &out, b + pos + 1 + w, tlen - 1 - w) != Z_OK) {
            free(text);
            return;
        }
        tlen = out;
    }
    r->queries++;
    if (getenv("TANDEM_TEST_VERBOSE") != NULL) {
        print_message("query db=%s [%.*s]\n", ctx.db ? ctx.db : "-",
                      (int)(tlen > 60 ? 60 : tlen),
                      compressed ? (const char *)text
                                 : (const char *)b + pos);
    }
    if (schema_apply_query(r->s, &ctx,
                           compressed ? (const char *)text
                                      : (const char *)b + pos,
                           tlen, NULL, err, sizeof(err)) < 0) {
        r->ddl_errors++;
        print_error("%s: %s\n", r->file, err);
    }
    free(text);
}

/* Metadata bytes a TABLE_MAP column takes. */
static size_t
meta_len(uint8_t t)
{
    switch (t) {
    case MYT_FLOAT: case MYT_DOUBLE: case MYT_BLOB: case MYT_GEOMETRY:
    case MYT_JSON: case MYT_TIMESTAMP2: case MYT_DATETIME2: case MYT_TIME2:
    case SCHEMA_MYT_BLOB_COMPRESSED: case MYT_VECTOR:
        return 1;
    case MYT_VARCHAR: case MYT_VAR_STRING: case MYT_BIT: case MYT_NEWDECIMAL:
    case MYT_STRING: case MYT_ENUM: case MYT_SET:
    case SCHEMA_MYT_VARCHAR_COMPRESSED:
        return 2;
    default:
        return 0;
    }
}

static bool
is_numeric(uint8_t t)
{
    switch (t) {
    case MYT_TINY: case MYT_SHORT: case MYT_INT24: case MYT_LONG:
    case MYT_LONGLONG: case MYT_NEWDECIMAL: case MYT_FLOAT: case MYT_DOUBLE:
    case MYT_DECIMAL: case MYT_YEAR:
        return true;
    default:
        return false;
    }
}

/* Compares the filled columns with the TABLE_MAP's optional metadata. */
static void
check_optional_meta(struct replay *r, const struct schema_table *t,
                    uint32_t n, const uint8_t *types, const uint16_t *metas,
                    const uint8_t *opt, size_t optlen)
{
    struct mysql_column *cols = calloc(n ? n : 1, sizeof(*cols));
    char err[256];
    size_t i = 0;
    uint32_t k;

    assert_non_null(cols);
    for (k = 0; k < n; k++) {
        cols[k].type = types[k];
        cols[k].meta = metas[k];
    }
    assert_int_equal(schema_fill_columns(t, cols, n, err, sizeof(err)), 0);
    while (i + 1 < optlen) {
        uint8_t kind = opt[i++];
        uint64_t l;
        size_t used;
        const uint8_t *v;

        if (!lenenc(opt + i, optlen - i, &l, &used) || l > optlen - i - used) {
            break;
        }
        v = opt + i + used;
        i += used + l;
        if (kind == 4) { /* COLUMN_NAME */
            size_t p = 0;

            for (k = 0; k < n && p < l; k++) {
                uint64_t nl;

                if (!lenenc(v + p, l - p, &nl, &used) || nl > l - p - used) {
                    break;
                }
                r->meta_checked++;
                if (cols[k].name.len != nl ||
                    strncasecmp((const char *)cols[k].name.p,
                                (const char *)v + p + used, nl) != 0) {
                    r->meta_bad++;
                    print_error("%s: %s.%s column %u named %.*s, history "
                                "%.*s\n",
                                r->file, t->db, t->name, k, (int)nl,
                                (const char *)v + p + used,
                                (int)cols[k].name.len,
                                (const char *)cols[k].name.p);
                }
                p += used + nl;
            }
        } else if (kind == 1) { /* SIGNEDNESS: a bit per numeric column */
            uint32_t bit = 0;

            for (k = 0; k < n; k++) {
                bool u;

                if (!is_numeric(types[k])) {
                    continue;
                }
                if (bit / 8 >= l) {
                    break;
                }
                u = (v[bit / 8] >> (7 - bit % 8)) & 1;
                bit++;
                r->meta_checked++;
                if (u != cols[k].is_unsigned) {
                    r->meta_bad++;
                    print_error("%s: %s.%s column %u unsigned=%d, history "
                                "%d\n",
                                r->file, t->db, t->name, k, u,
                                cols[k].is_unsigned);
                }
            }
        } else if (kind == 5 || kind == 6) { /* SET / ENUM values */
            size_t p = 0;
            uint8_t want = kind == 5 ? MYT_SET : MYT_ENUM;

            for (k = 0; k < n && p < l; k++) {
                uint64_t cnt, vl;
                uint32_t e;

                if (types[k] != MYT_STRING || (metas[k] >> 8) != want) {
                    continue;
                }
                if (!lenenc(v + p, l - p, &cnt, &used)) {
                    break;
                }
                p += used;
                r->meta_checked++;
                if (cnt != cols[k].n_enum_values) {
                    r->meta_bad++;
                    print_error("%s: %s.%s column %u: %u members, history "
                                "%u\n",
                                r->file, t->db, t->name, k, (unsigned)cnt,
                                cols[k].n_enum_values);
                }
                for (e = 0; e < cnt && p < l; e++) {
                    if (!lenenc(v + p, l - p, &vl, &used) ||
                        vl > l - p - used) {
                        p = l;
                        break;
                    }
                    if (e < cols[k].n_enum_values &&
                        (cols[k].enum_values[e].len != vl ||
                         memcmp(cols[k].enum_values[e].p, v + p + used,
                                vl) != 0)) {
                        r->meta_bad++;
                        print_error("%s: %s.%s column %u member %u differs\n",
                                    r->file, t->db, t->name, k, e);
                    }
                    p += used + vl;
                }
            }
        } else if (kind == 2 || kind == 3) { /* DEFAULT_/COLUMN_CHARSET */
            uint64_t def = 0, idx, cs;
            size_t p = 0;
            uint32_t nth = 0;
            uint16_t *want = calloc(n ? n : 1, sizeof(*want));

            assert_non_null(want);
            if (kind == 2) {
                if (!lenenc(v, l, &def, &used)) {
                    free(want);
                    continue;
                }
                p = used;
                while (p < l && lenenc(v + p, l - p, &idx, &used)) {
                    p += used;
                    if (!lenenc(v + p, l - p, &cs, &used)) {
                        break;
                    }
                    p += used;
                    /* idx counts character columns. */
                    nth = 0;
                    for (k = 0; k < n; k++) {
                        bool ch = (types[k] == MYT_STRING &&
                                   (metas[k] >> 8) != MYT_ENUM &&
                                   (metas[k] >> 8) != MYT_SET) ||
                                  types[k] == MYT_VARCHAR ||
                                  types[k] == MYT_BLOB ||
                                  types[k] == MYT_VECTOR ||
                                  (r->mariadb && types[k] == MYT_GEOMETRY);

                        if (ch && nth++ == idx) {
                            want[k] = (uint16_t)cs;
                        }
                    }
                }
            }
            nth = 0;
            for (k = 0; k < n; k++) {
                bool ch = (types[k] == MYT_STRING &&
                           (metas[k] >> 8) != MYT_ENUM &&
                           (metas[k] >> 8) != MYT_SET) ||
                          types[k] == MYT_VARCHAR || types[k] == MYT_BLOB ||
                          types[k] == MYT_VECTOR ||
                          (r->mariadb && types[k] == MYT_GEOMETRY);
                uint16_t expect;

                if (!ch) {
                    continue;
                }
                if (kind == 3) {
                    if (p >= l || !lenenc(v + p, l - p, &cs, &used)) {
                        break;
                    }
                    p += used;
                    expect = (uint16_t)cs;
                } else {
                    expect = want[k] ? want[k] : (uint16_t)def;
                }
                nth++;
                r->meta_checked++;
                if (cols[k].charset != expect &&
                    !(cols[k].is_json_text && expect == 46)) {
                    r->meta_bad++;
                    print_error("%s: %s.%s column %u charset %u, history "
                                "%u\n",
                                r->file, t->db, t->name, k, expect,
                                cols[k].charset);
                }
            }
            free(want);
        }
    }
    free(cols);
}

static void
replay_table_map(struct replay *r, const uint8_t *b, size_t len,
                 size_t post_header)
{
    size_t p = post_header, dblen, tlen, ml, used;
    uint64_t n, mlen;
    const uint8_t *db, *tb, *types;
    uint16_t *metas;
    const struct schema_table *t;
    char err[512];
    uint32_t k;
    int rc;

    if (p + 1 > len) {
        return;
    }
    dblen = b[p];
    db = b + p + 1;
    p += 1 + dblen + 1;
    if (p + 1 > len) {
        return;
    }
    tlen = b[p];
    tb = b + p + 1;
    p += 1 + tlen + 1;
    if (p > len || !lenenc(b + p, len - p, &n, &used) || n > len) {
        return;
    }
    p += used;
    if (p + n > len) {
        return;
    }
    types = b + p;
    p += n;
    if (!lenenc(b + p, len - p, &mlen, &used) || mlen > len - p - used) {
        return;
    }
    p += used;
    metas = calloc(n ? n : 1, sizeof(*metas));
    assert_non_null(metas);
    for (k = 0, ml = 0; k < n; k++) {
        size_t m = meta_len(types[k]);

        if (ml + m > mlen) {
            break;
        }
        if (m == 1) {
            metas[k] = b[p + ml];
        } else if (m == 2) {
            if (types[k] == MYT_STRING || types[k] == MYT_ENUM ||
                types[k] == MYT_SET || types[k] == MYT_NEWDECIMAL ||
                types[k] == MYT_BIT) {
                metas[k] = (uint16_t)((b[p + ml] << 8) | b[p + ml + 1]);
            } else {
                metas[k] = (uint16_t)rd(b + p + ml, 2);
            }
        }
        ml += m;
    }
    p += mlen + (n + 7) / 8;
    r->maps++;
    rc = schema_check_table_map(r->s, (struct span){db, dblen},
                                (struct span){tb, tlen}, (uint32_t)n, types,
                                metas, &t, err, sizeof(err));
    switch (rc) {
    case SCHEMA_OK:
        r->matched++;
        if (p < len) {
            check_optional_meta(r, t, (uint32_t)n, types, metas, b + p,
                                len - p);
        }
        break;
    case SCHEMA_ENOTABLE:
        r->notable++;
        if (getenv("TANDEM_TEST_VERBOSE") != NULL) {
            print_message("%s: %s\n", r->file, err);
        }
        break;
    case SCHEMA_EUNKNOWN:
        r->unknown++;
        break;
    default:
        r->mismatched++;
        print_error("%s: %s\n", r->file, err);
        break;
    }
    free(metas);
}

static void replay_events(struct replay *r, const uint8_t *p, size_t len,
                          bool inner);

static void
replay_payload(struct replay *r, const uint8_t *b, size_t len)
{
    size_t p = 0, used;
    uint64_t type, flen, v, comp = 0, usize = 0;
    uint8_t *out;
    size_t got;

    while (p < len) {
        if (!lenenc(b + p, len - p, &type, &used)) {
            return;
        }
        p += used;
        if (type == 0) {
            break;
        }
        if (!lenenc(b + p, len - p, &flen, &used) || flen > len - p - used) {
            return;
        }
        p += used;
        if (lenenc(b + p, flen, &v, &used)) {
            if (type == 2) {
                comp = v;
            } else if (type == 3) {
                usize = v;
            }
        }
        p += flen;
    }
    if (comp != 0 || usize == 0 || usize > (64u << 20)) {
        return; /* only zstd (0) */
    }
    out = malloc(usize);
    assert_non_null(out);
    got = ZSTD_decompress(out, usize, b + p, len - p);
    if (!ZSTD_isError(got)) {
        replay_events(r, out, got, true);
    }
    free(out);
}

static void
replay_events(struct replay *r, const uint8_t *p, size_t len, bool inner)
{
    size_t off = 0;

    while (off + 19 <= len) {
        uint8_t type = p[off + 4];
        size_t size = (size_t)rd(p + off + 9, 4);
        size_t body;

        if (size < 19 || off + size > len) {
            return;
        }
        body = size - 19;
        if (type != 15 && body >= 4) {
            /* Inner events of a transaction payload carry no checksum;
             * tell by computing it. */
            bool crc = r->checksum;

            if (inner) {
                crc = crc32(0, p + off, (uInt)(size - 4)) ==
                      (uLong)rd(p + off + size - 4, 4);
            }
            if (crc) {
                body -= 4;
            }
        }
        switch (type) {
        case 2:
            replay_query(r, p + off + 19, body, false);
            break;
        case 165:
            replay_query(r, p + off + 19, body, true);
            break;
        case 19:
            replay_table_map(r, p + off + 19, body, 8);
            break;
        case 40:
            replay_payload(r, p + off + 19, body);
            break;
        default:
            break;
        }
        off += size;
    }
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    int got;

    if (g == NULL) {
        return NULL;
    }
    for (;;) {
        if (n + 65536 > cap) {
            cap = (n + 65536) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = gzread(g, buf + n, 65536);
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
    }
    gzclose(g);
    *len = n;
    return buf;
}

struct replay_total {
    unsigned files;               /* binlogs replayed */
    unsigned queries;             /* QUERY events */
    unsigned ddl_errors;          /* statements that failed */
    unsigned maps;                /* TABLE_MAP events */
    unsigned matched;             /* matched the history */
    unsigned notable;             /* table not in the history */
    unsigned unknown;             /* columns unknown */
    unsigned mismatched;          /* mismatches */
    unsigned meta_checked;        /* optional metadata items compared */
    unsigned meta_bad;            /* disagreements */
};

/*
 * Replays one binlog into *chain (created on first use): consecutive files
 * of one server (mysql-bin.000002, .000003) share a history.
 */
static void
replay_file(struct replay_total *tot, const char *path, struct schema **chain,
            char *chain_ver)
{
    struct replay r;
    uint8_t *buf;
    size_t len, off, size;
    char ver[51];

    buf = read_file(path, &len);
    if (buf == NULL || len < 4 + 19 + 57 ||
        memcmp(buf, "\xfe" "bin", 4) != 0) {
        free(buf);
        return;
    }
    memset(&r, 0, sizeof(r));
    r.file = path;
    off = 4;
    /* The first event is the FORMAT_DESCRIPTION. */
    if (buf[off + 4] != 15) {
        free(buf);
        return;
    }
    size = (size_t)rd(buf + off + 9, 4);
    if (size < 19 + 57 || off + size > len) {
        free(buf);
        return;
    }
    memcpy(ver, buf + off + 19 + 2, 50);
    ver[50] = '\0';
    r.mariadb = strstr(ver, "MariaDB") != NULL;
    {
        int a = 0, b = 0, c = 0;

        sscanf(ver, "%d.%d.%d", &a, &b, &c);
        if (a * 10000 + b * 100 + c >= 50601) {
            r.checksum = buf[off + size - 5] == 1;
        }
    }
    if (*chain != NULL && strcmp(chain_ver, ver) != 0) {
        schema_free(*chain);
        *chain = NULL;
    }
    memcpy(chain_ver, ver, sizeof(ver));
    if (*chain == NULL) {
        *chain = schema_new(r.mariadb ? SCHEMA_FLAVOR_MARIADB
                                      : (strncmp(ver, "8.", 2) == 0 ||
                                         strncmp(ver, "9.", 2) == 0)
                                            ? SCHEMA_FLAVOR_MYSQL
                                            : SCHEMA_FLAVOR_MYSQL57,
                            0);
    }
    r.s = *chain;
    assert_non_null(r.s);
    replay_events(&r, buf + 4, len - 4, false);
    tot->files++;
    tot->queries += r.queries;
    tot->ddl_errors += r.ddl_errors;
    tot->maps += r.maps;
    tot->matched += r.matched;
    tot->notable += r.notable;
    tot->unknown += r.unknown;
    tot->mismatched += r.mismatched;
    tot->meta_checked += r.meta_checked;
    tot->meta_bad += r.meta_bad;
    free(buf);
}

/* The number after the last dot ("mysql-bin.000002" -> 2), or 0. */
static unsigned long
file_seq(const char *name)
{
    const char *dot = strrchr(name, '.');
    char *end;
    unsigned long v;

    if (dot == NULL || dot[1] < '0' || dot[1] > '9') {
        return 0;
    }
    v = strtoul(dot + 1, &end, 10);
    return *end == '\0' ? v : 0;
}

static int
cmp_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    unsigned long sx = file_seq(x), sy = file_seq(y);

    if (sx != sy) {
        return sx < sy ? -1 : 1;
    }
    return strcmp(x, y);
}

static void
replay_dir(struct replay_total *tot, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096], **names = NULL;
    size_t n = 0, cap = 0, i;
    struct stat sb;
    struct schema *chain = NULL;
    char chain_ver[51] = "";

    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "decoded") == 0) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = realloc(names, cap * sizeof(*names));
            assert_non_null(names);
        }
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    if (n > 1) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 5) {
            replay_dir(tot, path, depth + 1);
        } else if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            /*
             * Files of one server in sequence (same version, increasing
             * numbers) share a history, as a replicator's would.
             */
            if (chain != NULL &&
                (i == 0 || file_seq(names[i - 1]) == 0 ||
                 file_seq(names[i]) <= file_seq(names[i - 1]))) {
                schema_free(chain);
                chain = NULL;
            }
            replay_file(tot, path, &chain, chain_ver);
        }
    }
    schema_free(chain);
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

static void
test_corpus_binlogs(void **state)
{
    struct replay_total tot;
    const char *base = getenv("TANDEM_CORPORA");
    char dir[4096];
    struct stat sb;

    (void)state;
    if (base == NULL || base[0] == '\0') {
        base = "../shared/corpora";
    }
    memset(&tot, 0, sizeof(tot));
    snprintf(dir, sizeof(dir), "%s/mysql-binlog", base);
    if (stat(dir, &sb) == 0) {
        replay_dir(&tot, dir, 0);
    }
    snprintf(dir, sizeof(dir), "%s/mariadb-binlog", base);
    if (stat(dir, &sb) == 0) {
        replay_dir(&tot, dir, 0);
    }
    if (tot.files == 0) {
        print_message("no binlogs under %s (set TANDEM_CORPORA): skipping\n",
                      base);
        skip();
        return;
    }
    print_message("binlogs: %u files, %u queries (%u failed), %u TABLE_MAPs: "
                  "%u matched, %u not in history, %u unknown, %u mismatched; "
                  "%u optional metadata items compared, %u differ\n",
                  tot.files, tot.queries, tot.ddl_errors, tot.maps,
                  tot.matched, tot.notable, tot.unknown, tot.mismatched,
                  tot.meta_checked, tot.meta_bad);
    assert_int_equal(tot.ddl_errors, 0);
    assert_int_equal(tot.mismatched, 0);
    assert_int_equal(tot.meta_bad, 0);
    assert_true(tot.matched > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_collations),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_temporary),
        cmocka_unit_test(test_table_map),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_hidden_columns),
        cmocka_unit_test(test_mariadb),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_name_case),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_corpus_binlogs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
