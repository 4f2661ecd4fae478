/*
 * test_schema_scope.c - a schema history limited to some databases
 * (schema_set_scope() in proto/mysql/schema.c), and the server collations
 * it keeps only when they differ from the built-in tables.
 *
 * A scoped history ignores the information_schema rows and the DDL of
 * other databases; a table that a RENAME TABLE, ALTER TABLE ... RENAME or
 * CREATE TABLE ... LIKE brings in from outside is held unknown, with where
 * it came from in the TABLE_MAP check's error, unless the history already
 * holds a table of that name (loaded after the statement ran); a table
 * renamed out is forgotten.  Names of the scope compare under
 * lower_case_table_names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/schema.h"
#include "proto/mysql/schema_int.h"
#include "proto/mysql/value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct span
sp(const char *s)
{
    struct span v;

    v.p = (const uint8_t *)s;
    v.len = s != NULL ? strlen(s) : 0;
    return v;
}

static int
run(struct schema *s, const char *db, const char *sql, char *err,
    size_t errlen)
{
    return schema_apply_ddl(s, db, sql, strlen(sql), err, errlen);
}

static void
ok(struct schema *s, const char *db, const char *sql)
{
    char err[512];
    int rc = run(s, db, sql, err, sizeof(err));

    if (rc != 0) {
        print_message("apply [%s]: %d %s\n", sql, rc, err);
    }
    assert_int_equal(rc, 0);
}

static const struct schema_table *
get(const struct schema *s, const char *db, const char *name)
{
    return schema_find_table(s, sp(db), sp(name));
}

static int
load_col(struct schema *s, const char *db, const char *table,
         const char *name, uint32_t pos, const char *column_type)
{
    struct schema_column_row r;
    char err[256];

    memset(&r, 0, sizeof(r));
    r.table_schema = sp(db);
    r.table_name = sp(table);
    r.column_name = sp(name);
    r.ordinal_position = pos;
    r.data_type = sp(column_type);
    r.column_type = sp(column_type);
    r.is_nullable = sp("YES");
    r.column_key = sp(pos == 1 ? "PRI" : "");
    return schema_load_column(s, &r, err, sizeof(err));
}

/* A scoped history over databases "app" and "tandem". */
static struct schema *
scoped(enum schema_flavor flavor, int lctn)
{
    static const char *const dbs[] = {"app", "tandem"};
    struct schema *s = schema_new(flavor, lctn);

    assert_non_null(s);
    assert_int_equal(schema_set_scope(s, dbs, N(dbs)), 0);
    return s;
}

/* The TABLE_MAP check of a two-INT-column table: its result and error. */
static int
check2(const struct schema *s, const char *db, const char *table, char *err,
       size_t errlen)
{
    static const uint8_t types[] = {MYT_LONG, MYT_LONG};

    return schema_check_table_map(s, sp(db), sp(table), 2, types, NULL, NULL,
                                  err, errlen);
}

static void
test_scope_membership(void **state)
{
    static const char *const one[] = {"Shop"};
    struct schema *s = scoped(SCHEMA_FLAVOR_MARIADB, 0);
    struct schema *all = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    struct schema *ci = schema_new(SCHEMA_FLAVOR_MARIADB, 1);

    (void)state;
    assert_true(schema_in_scope(s, sp("app")));
    assert_true(schema_in_scope(s, sp("tandem")));
    assert_false(schema_in_scope(s, sp("mysql")));
    assert_false(schema_in_scope(s, sp("App")));   /* lctn 0: exact */
    assert_false(schema_in_scope(s, sp("ap")));
    /* without a scope every database is held */
    assert_true(schema_in_scope(all, sp("mysql")));
    /* lower_case_table_names=1: names compare case-insensitively */
    assert_int_equal(schema_set_scope(ci, one, 1), 0);
    assert_true(schema_in_scope(ci, sp("shop")));
    assert_false(schema_in_scope(ci, sp("shops")));
    /* a NULL list lifts the scope again; an empty one holds nothing */
    assert_int_equal(schema_set_scope(ci, NULL, 0), 0);
    assert_true(schema_in_scope(ci, sp("anything")));
    assert_int_equal(schema_set_scope(ci, one, 0), 0);
    assert_false(schema_in_scope(ci, sp("shop")));
    schema_free(s);
    schema_free(all);
    schema_free(ci);
}

static void
test_scope_load(void **state)
{
    struct schema *s = scoped(SCHEMA_FLAVOR_MARIADB, 0);
    char err[256];

    (void)state;
    assert_int_equal(schema_load_database(s, sp("app"), sp("utf8mb4_bin"),
                                          err, sizeof(err)),
                     0);
    assert_int_equal(schema_load_database(s, sp("mysql"),
                                          sp("latin1_swedish_ci"), err,
                                          sizeof(err)),
                     1);
    assert_int_equal(schema_load_table(s, sp("app"), sp("t"), sp(NULL),
                                       sp("BASE TABLE"), err, sizeof(err)),
                     0);
    assert_int_equal(schema_load_table(s, sp("mysql"), sp("user"), sp(NULL),
                                       sp("BASE TABLE"), err, sizeof(err)),
                     1);
    assert_int_equal(load_col(s, "app", "t", "id", 1, "int(11)"), 0);
    assert_int_equal(load_col(s, "app", "t", "v", 2, "int(11)"), 0);
    assert_int_equal(load_col(s, "mysql", "user", "Host", 1, "char(255)"),
                     1);
    /* the facts beside the columns: ignored outside, an error inside */
    assert_int_equal(schema_load_implicit_versioning(s, sp("mysql"),
                                                     sp("user"), err,
                                                     sizeof(err)),
                     1);
    assert_int_equal(schema_load_json_check(s, sp("mysql"), sp("user"),
                                            sp("json_valid(`Priv`)"), err,
                                            sizeof(err)),
                     1);
    assert_int_equal(schema_load_functional_index(s, sp("mysql"), sp("user"),
                                                  err, sizeof(err)),
                     1);
    assert_int_equal(schema_load_functional_index(s, sp("app"), sp("nope"),
                                                  err, sizeof(err)),
                     -1);
    assert_non_null(get(s, "app", "t"));
    assert_null(get(s, "mysql", "user"));
    assert_int_equal(s->ntables, 1);
    assert_int_equal(s->ndbs, 1);
    assert_int_equal(check2(s, "app", "t", err, sizeof(err)), SCHEMA_OK);
    /* schema_trim() leaves no spare column slots and changes nothing */
    schema_trim(s);
    assert_int_equal(get(s, "app", "t")->cap, 2);
    assert_int_equal(check2(s, "app", "t", err, sizeof(err)), SCHEMA_OK);
    ok(s, "app", "ALTER TABLE t ADD COLUMN w INT");
    assert_int_equal(get(s, "app", "t")->ncols, 3);
    schema_free(s);
}

static void
test_scope_ddl_outside(void **state)
{
    struct schema *s = scoped(SCHEMA_FLAVOR_MYSQL, 0);

    (void)state;
    ok(s, NULL, "CREATE DATABASE other");
    ok(s, "other", "CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    ok(s, "other", "CREATE TABLE IF NOT EXISTS u (id INT)");
    ok(s, "other", "ALTER TABLE t ADD COLUMN w INT");
    ok(s, "other", "CREATE SEQUENCE seq");
    ok(s, "other", "CREATE TEMPORARY TABLE tmp (a INT)");
    ok(s, NULL, "ALTER DATABASE other CHARACTER SET latin1");
    assert_null(get(s, "other", "t"));
    assert_null(get(s, "other", "u"));
    assert_null(get(s, "other", "seq"));
    assert_int_equal(s->ntables, 0);
    assert_int_equal(s->ntemps, 0);
    assert_int_equal(s->ndbs, 0);
    /* a statement that cannot be parsed is no error outside: nothing
     * there is tracked */
    {
        char err[512];

        assert_int_equal(run(s, "other", "CREATE TABLE x (a INT,, b)", err,
                             sizeof(err)),
                         0);
        assert_null(get(s, "other", "x"));
        assert_int_equal(run(s, NULL, "ALTER TABLE other.t ADD COLUMN ((",
                             err, sizeof(err)),
                         0);
    }
    /* inside, all goes on as before */
    ok(s, NULL, "CREATE DATABASE app");
    ok(s, "app", "CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    assert_non_null(get(s, "app", "t"));
    assert_int_equal(s->ndbs, 1);
    {
        char err[512];

        assert_int_equal(run(s, "app", "CREATE TABLE x (a INT,, b)", err,
                             sizeof(err)),
                         -1);
        assert_true(get(s, "app", "x")->unknown);
        assert_false(get(s, "app", "x")->outside);
    }
    schema_free(s);
}

static void
test_scope_rename_in(void **state)
{
    struct schema *s = scoped(SCHEMA_FLAVOR_MARIADB, 0);
    const struct schema_table *t;
    char err[512];

    (void)state;
    ok(s, "app", "CREATE TABLE kept (id INT PRIMARY KEY, v INT)");

    /* RENAME TABLE from outside: held unknown, saying where from */
    ok(s, NULL, "RENAME TABLE other.t TO app.t");
    t = get(s, "app", "t");
    assert_non_null(t);
    assert_true(t->unknown);
    assert_true(t->outside);
    assert_int_equal(check2(s, "app", "t", err, sizeof(err)),
                     SCHEMA_EUNKNOWN);
    assert_non_null(strstr(err, "table app.t was renamed from other.t"));
    assert_non_null(strstr(err, "restart"));

    /* ALTER TABLE ... RENAME from outside, qualified or in the session's
     * database */
    ok(s, NULL, "ALTER TABLE other.u RENAME TO app.u");
    assert_true(get(s, "app", "u")->outside);
    ok(s, "app", "ALTER TABLE other.u2 RENAME TO u2");
    assert_true(get(s, "app", "u2")->outside);

    /* CREATE TABLE ... LIKE a table outside */
    ok(s, "app", "CREATE TABLE l LIKE other.model");
    t = get(s, "app", "l");
    assert_true(t->unknown && t->outside);
    assert_int_equal(check2(s, "app", "l", err, sizeof(err)),
                     SCHEMA_EUNKNOWN);
    assert_non_null(strstr(err, "created LIKE other.model"));

    /* onto a name the history holds: the server refuses to rename onto
     * an existing table, so the held one was loaded later: it stays */
    ok(s, NULL, "RENAME TABLE other.k TO app.kept");
    t = get(s, "app", "kept");
    assert_false(t->unknown);
    assert_int_equal(check2(s, "app", "kept", err, sizeof(err)), SCHEMA_OK);

    /* a later CREATE TABLE of that name defines it again */
    ok(s, "app", "DROP TABLE t");
    ok(s, "app", "CREATE TABLE t (a INT, b INT)");
    assert_false(get(s, "app", "t")->unknown);
    assert_false(get(s, "app", "t")->outside);

    /* an ALTER of an unknown table keeps it unknown, outside or not */
    ok(s, "app", "ALTER TABLE u ADD COLUMN z INT");
    assert_true(get(s, "app", "u")->outside);
    schema_free(s);
}

static void
test_scope_rename_out(void **state)
{
    struct schema *s = scoped(SCHEMA_FLAVOR_MYSQL, 0);
    char err[512];

    (void)state;
    ok(s, "app", "CREATE TABLE a (id INT PRIMARY KEY, v INT)");
    ok(s, "app", "CREATE TABLE b (id INT PRIMARY KEY, v INT)");
    ok(s, "app", "CREATE TABLE c (id INT PRIMARY KEY, v INT)");
    ok(s, NULL, "RENAME TABLE app.a TO other.a");
    assert_null(get(s, "app", "a"));
    assert_null(get(s, "other", "a"));
    ok(s, "app", "ALTER TABLE b RENAME TO other.b");
    assert_null(get(s, "app", "b"));
    assert_null(get(s, "other", "b"));
    /* within the scope a rename moves the definition as always */
    ok(s, NULL, "RENAME TABLE app.c TO tandem.c");
    assert_null(get(s, "app", "c"));
    assert_int_equal(check2(s, "tandem", "c", err, sizeof(err)), SCHEMA_OK);
    assert_int_equal(s->ntables, 1);
    /* out and back in within one statement: unknown on the way back */
    ok(s, NULL, "RENAME TABLE tandem.c TO other.c, other.c TO app.c");
    assert_null(get(s, "tandem", "c"));
    assert_true(get(s, "app", "c")->outside);
    schema_free(s);
}

/* Without a scope a rename from a table the history does not hold still
 * leaves nothing under the target name (the behaviour before scopes). */
static void
test_unscoped_rename_unknown(void **state)
{
    struct schema *s = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    char err[512];

    (void)state;
    ok(s, "app", "CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    ok(s, NULL, "RENAME TABLE other.x TO app.t");
    assert_null(get(s, "app", "t"));
    assert_int_equal(check2(s, "app", "t", err, sizeof(err)),
                     SCHEMA_ENOTABLE);
    ok(s, "other", "CREATE TABLE y (id INT, v INT)");
    assert_non_null(get(s, "other", "y"));
    schema_free(s);
}

/* Collations and charset defaults the built-in tables already know are
 * not stored; those that differ are, and win. */
static void
test_collations_kept_only_when_new(void **state)
{
    struct schema *ma = schema_new(SCHEMA_FLAVOR_MARIADB, 0);
    struct schema *my = schema_new(SCHEMA_FLAVOR_MYSQL, 0);

    (void)state;
    assert_int_equal(schema_add_collation(ma, "utf8mb4_general_ci", 45), 0);
    assert_int_equal(schema_add_collation(ma, "utf8_general_ci", 33), 0);
    assert_int_equal(schema_add_collation(ma, "latin1_swedish_nopad_ci",
                                          1032),
                     0);
    assert_int_equal(schema_add_collation(ma, "utf8mb4_uca1400_ai_ci", 2304),
                     0);
    assert_int_equal(schema_add_collation(ma, "binary", 63), 0);
    assert_int_equal(ma->ncolls, 0);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_general_ci"), 45);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_uca1400_ai_ci"), 2304);

    /* a collation the tables do not know, and one the server numbers
     * differently: kept, and the server's id wins */
    assert_int_equal(schema_add_collation(ma, "custom_ci", 1500), 0);
    assert_int_equal(schema_add_collation(ma, "utf8mb4_bin", 999), 0);
    assert_int_equal(ma->ncolls, 2);
    assert_int_equal(schema_collation_id(ma, "custom_ci"), 1500);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_bin"), 999);
    /* a name kept takes a later report even when it is the built-in id */
    assert_int_equal(schema_add_collation(ma, "utf8mb4_bin", 46), 0);
    assert_int_equal(schema_collation_id(ma, "utf8mb4_bin"), 46);

    /* MySQL 8: utf8mb4 defaults to 255 */
    assert_int_equal(schema_add_collation(my, "utf8mb4_0900_ai_ci", 255), 0);
    assert_int_equal(schema_set_charset_collation(my, "utf8mb4", 255), 0);
    assert_int_equal(schema_set_charset_collation(my, "latin1", 8), 0);
    assert_int_equal(my->ncolls, 0);
    assert_int_equal(my->ncsdefs, 0);
    assert_int_equal(schema_charset_collation(my, "utf8mb4"), 255);

    /* MariaDB 11.x: utf8mb4 defaults to a UCA 14.0.0 collation */
    assert_int_equal(schema_set_charset_collation(ma, "utf8mb4", 2304), 0);
    assert_int_equal(ma->ncsdefs, 1);
    assert_int_equal(schema_charset_collation(ma, "utf8mb4"), 2304);
    assert_int_equal(schema_set_charset_collation(ma, "utf8mb4", 45), 0);
    assert_int_equal(schema_charset_collation(ma, "utf8mb4"), 45);
    schema_free(ma);
    schema_free(my);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_membership),
        cmocka_unit_test(test_scope_load),
        cmocka_unit_test(test_scope_ddl_outside),
        cmocka_unit_test(test_scope_rename_in),
        cmocka_unit_test(test_scope_rename_out),
        cmocka_unit_test(test_unscoped_rename_unknown),
        cmocka_unit_test(test_collations_kept_only_when_new),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
