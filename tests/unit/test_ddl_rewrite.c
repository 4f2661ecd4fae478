/*
 * test_ddl_rewrite.c - DDL rewritten for mapped names and excluded
 * columns (proto/mysql/ddl_rewrite.c).
 *
 * One mapping serves every case (see the tables below): database m1 is
 * copied to m1_copy table by table, shop whole under its own name, every
 * other database not at all.  Each case gives a statement, its default
 * database, the result expected and the exact text (or a piece of the
 * reason when refused).  Every rewritten statement is read back with
 * ddl_parse(): it must parse as the same kind and name no source object
 * the mapping renames or drops.  The corpus' real DDL statements go
 * through an identity mapping (bytes unchanged) and a mapping renaming
 * everything (must parse again).
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

#include "proto/buf.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/ddl_rewrite.h"

/* ---- the mapping ---- */

struct tmap {
    const char *db;               /* source database */
    const char *name;             /* source table */
    const char *as;               /* destination table */
    bool rules;                   /* per-table rules */
};

/* m1's copied tables (no other m1 table is copied). */
static const struct tmap tables[] = {
    {"m1", "users", "customers", true},
    {"m1", "orders", "orders", false},
    {"m1", "orders_old", "orders_archive", false},
    {"m1", "parent", "parent", true},
    {"m1", "odd`name", "new name", true},
    {"m1", "seq1", "seq1", false},
};

struct cmap {
    const char *table;            /* m1 table */
    const char *from;             /* source column */
    const char *to;               /* destination column, NULL: excluded */
};

static const struct cmap columns[] = {
    {"users", "email", "mail"},
    {"users", "pw_hash", NULL},
    {"users", "secret", NULL},
    {"users", "day", "day2"},
    {"parent", "pid", "parent_id"},
    {"parent", "hidden", NULL},
    {"odd`name", "we`ird", "plain"},
    {"odd`name", "x y", "x`y"},
};

static const char *
map_db(void *arg, const char *db)
{
    (void)arg;
    if (strcmp(db, "m1") == 0) {
        return "m1_copy";
    }
    if (strcmp(db, "shop") == 0 || strcmp(db, "m2") == 0) {
        return db;
    }
    return NULL;
}

static const char *
map_table(void *arg, const char *db, const char *table, bool *rules)
{
    size_t i;

    (void)arg;
    if (strcmp(db, "m1") != 0) {
        return table;           /* whole databases */
    }
    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        if (strcmp(tables[i].name, table) == 0) {
            *rules = tables[i].rules;
            return tables[i].as;
        }
    }
    return NULL;
}

static bool
ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static const char *
map_column(void *arg, const char *db, const char *table, const char *col)
{
    size_t i;

    (void)arg;
    if (strcmp(db, "m1") != 0) {
        return col;
    }
    for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
        if (strcmp(columns[i].table, table) == 0 &&
            ieq(columns[i].from, col)) {
            return columns[i].to;
        }
    }
    return col;
}

static const struct ddl_rw_map the_map = {map_db, map_table, map_column,
                                          NULL};

/* Source names the mapped output must not use. */
static const char *const gone_tables[] = {"users", "orders_old", "odd`name"};
static const char *const gone_columns[] = {"email", "pw_hash", "secret",
                                           "day", "pid", "hidden", "we`ird",
                                           "x y"};

static bool
in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

#define GONE_TABLE(s)                                                    \
    in_list((s), gone_tables, sizeof(gone_tables) / sizeof(gone_tables[0]))
#define GONE_COLUMN(s)                                                   \
    in_list((s), gone_columns,                                           \
            sizeof(gone_columns) / sizeof(gone_columns[0]))

static void
check_table_name(const struct ddl_table_name *tn, const char *sql)
{
    if (tn->db != NULL && strcmp(tn->db, "m1") == 0) {
        fail_msg("source database m1 left in: %s", sql);
    }
    if (GONE_TABLE(tn->name)) {
        fail_msg("source table %s left in: %s", tn->name, sql);
    }
}

static void
check_index(const struct ddl_index *ix, const char *sql)
{
    const struct ddl_name_list *nl;

    for (nl = ix->cols; nl != NULL; nl = nl->next) {
        if (GONE_COLUMN(nl->name)) {
            fail_msg("source column %s left in a key: %s", nl->name, sql);
        }
    }
}

/* The rewritten text reads as <kind> and names no mapped source object. */
static void
round_trip(const char *sql, size_t len, enum ddl_kind kind,
           const struct ddl_opts *opts)
{
    struct ddl_stmt st;
    const struct ddl_column *c;
    const struct ddl_index *ix;
    const struct ddl_alter *a;
    const struct ddl_rename *r;
    const struct ddl_name_list *nl;
    char *text = strndup(sql, len);

    assert_non_null(text);
    memset(&st, 0, sizeof(st));
    if (ddl_parse(&st, sql, len, opts) != 0) {
        fail_msg("rewritten statement does not parse (%s): %s", st.err,
                 text);
    }
    assert_int_equal(st.kind, kind);
    check_table_name(&st.table, text);
    check_table_name(&st.like, text);
    if (st.db_name != NULL && strcmp(st.db_name, "m1") == 0) {
        fail_msg("source database left in: %s", text);
    }
    for (c = st.columns; c != NULL; c = c->next) {
        if (GONE_COLUMN(c->name)) {
            fail_msg("source column %s left in: %s", c->name, text);
        }
    }
    for (ix = st.indexes; ix != NULL; ix = ix->next) {
        check_index(ix, text);
    }
    if (st.index != NULL) {
        check_index(st.index, text);
    }
    for (a = st.alters; a != NULL; a = a->next) {
        if (a->kind != DDL_ALTER_DROP_INDEX &&
            a->kind != DDL_ALTER_RENAME_INDEX &&
            a->kind != DDL_ALTER_ADD_INDEX && GONE_COLUMN(a->name)) {
            fail_msg("source column %s left in an ALTER: %s", a->name,
                     text);
        }
        if (a->column != NULL && GONE_COLUMN(a->column->name)) {
            fail_msg("source column %s left in an ALTER: %s",
                     a->column->name, text);
        }
        if (a->index != NULL) {
            check_index(a->index, text);
        }
        if (a->kind == DDL_ALTER_RENAME_TABLE) {
            check_table_name(&a->table, text);
        }
    }
    for (r = st.renames; r != NULL; r = r->next) {
        check_table_name(&r->from, text);
        check_table_name(&r->to, text);
    }
    for (nl = st.tables; nl != NULL; nl = nl->next) {
        check_table_name(&nl->table, text);
    }
    ddl_stmt_free(&st);
    free(text);
}

/* ---- cases ---- */

struct rw_case {
    const char *sql;              /* statement */
    const char *db;               /* default database, NULL: none */
    enum ddl_rw_result res;       /* expected result */
    const char *want;             /* REWRITTEN: the exact text; REFUSED: a
                                     piece of the reason */
};

static void
run_case(const struct rw_case *c, const struct ddl_opts *opts)
{
    struct pbuf out;
    struct ddl_stmt st;
    char err[256];
    enum ddl_rw_result res;

    memset(&out, 0, sizeof(out));
    res = ddl_rewrite(c->sql, strlen(c->sql), c->db, opts, &the_map, &out,
                      err, sizeof(err));
    if (res != c->res) {
        fail_msg("%s: got %s (%s%.*s), want %s", c->sql,
                 ddl_rw_result_name(res), err, (int)out.len,
                 out.data != NULL ? (const char *)out.data : "",
                 ddl_rw_result_name(c->res));
    }
    switch (res) {
    case DDL_RW_REWRITTEN:
        if (out.len != strlen(c->want) ||
            memcmp(out.data, c->want, out.len) != 0) {
            fail_msg("%s:\n got: %.*s\nwant: %s", c->sql, (int)out.len,
                     (const char *)out.data, c->want);
        }
        memset(&st, 0, sizeof(st));
        assert_int_equal(ddl_parse(&st, c->sql, strlen(c->sql), opts), 0);
        round_trip((const char *)out.data, out.len, st.kind, opts);
        ddl_stmt_free(&st);
        break;
    case DDL_RW_REFUSED:
        if (strstr(err, c->want) == NULL) {
            fail_msg("%s: reason \"%s\" lacks \"%s\"", c->sql, err,
                     c->want);
        }
        assert_null(strchr(err, '\n'));
        assert_int_equal(out.len, 0);
        break;
    default:
        assert_int_equal(out.len, 0);
        break;
    }
    pbuf_free(&out);
}

static void
run_cases(const struct rw_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        run_case(&cases[i], NULL);
    }
}

#define RUN(cases) run_cases((cases), sizeof(cases) / sizeof((cases)[0]))

static const struct rw_case db_cases[] = {
    {"CREATE DATABASE m1", NULL, DDL_RW_REWRITTEN,
     "CREATE DATABASE `m1_copy`"},
    {"CREATE DATABASE IF NOT EXISTS `m1` CHARACTER SET utf8mb4", "m1",
     DDL_RW_REWRITTEN,
     "CREATE DATABASE IF NOT EXISTS `m1_copy` CHARACTER SET utf8mb4"},
    {"CREATE OR REPLACE SCHEMA m1 /* c */ COLLATE utf8mb4_bin", NULL,
     DDL_RW_REWRITTEN,
     "CREATE OR REPLACE SCHEMA `m1_copy` /* c */ COLLATE utf8mb4_bin"},
    {"DROP DATABASE IF EXISTS m1", NULL, DDL_RW_REWRITTEN,
     "DROP DATABASE IF EXISTS `m1_copy`"},
    {"drop schema `m1`;", NULL, DDL_RW_REWRITTEN, "drop schema `m1_copy`;"},
    {"ALTER DATABASE m1 DEFAULT CHARACTER SET latin1", NULL,
     DDL_RW_REWRITTEN, "ALTER DATABASE `m1_copy` DEFAULT CHARACTER SET "
     "latin1"},
    /* No name: the default database's, selected at the destination. */
    {"ALTER DATABASE CHARACTER SET latin1", "m1", DDL_RW_REWRITTEN,
     "ALTER DATABASE CHARACTER SET latin1"},
    {"ALTER DATABASE CHARACTER SET latin1", "other", DDL_RW_NOT_SELECTED,
     NULL},
    {"ALTER DATABASE CHARACTER SET latin1", NULL, DDL_RW_NOT_SELECTED, NULL},
    {"CREATE DATABASE other", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"DROP DATABASE shop", NULL, DDL_RW_REWRITTEN, "DROP DATABASE shop"},
};

static void
test_databases(void **state)
{
    (void)state;
    RUN(db_cases);
}

static const struct rw_case create_cases[] = {
    {"CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(50), "
     "pw_hash VARCHAR(50), n INT)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT PRIMARY KEY, `mail` VARCHAR(50), "
     "n INT)"},
    /* The excluded column first, last, and two in a row. */
    {"CREATE TABLE users (pw_hash CHAR(1), id INT, PRIMARY KEY (id))", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT, PRIMARY KEY (id))"},
    {"CREATE TABLE users (id INT, secret INT)", "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT)"},
    {"CREATE TABLE users (id INT, pw_hash INT, SECRET INT, n INT)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT, n INT)"},
    {"CREATE TABLE users (pw_hash INT, secret INT, n INT)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (n INT)"},
    /* Qualified, and from another default database. */
    {"CREATE TABLE m1.users (id INT, `Email` TEXT)", "shop",
     DDL_RW_REWRITTEN,
     "CREATE TABLE `m1_copy`.`customers` (id INT, `mail` TEXT)"},
    {"CREATE TABLE IF NOT EXISTS `m1` . `orders` (id INT)", NULL,
     DDL_RW_REWRITTEN,
     "CREATE TABLE IF NOT EXISTS `m1_copy` . `orders` (id INT)"},
    {"CREATE OR REPLACE TABLE users (id INT, email TEXT) WITH SYSTEM "
     "VERSIONING",
     "m1", DDL_RW_REWRITTEN,
     "CREATE OR REPLACE TABLE `customers` (id INT, `mail` TEXT) WITH SYSTEM "
     "VERSIONING"},
    {"CREATE TEMPORARY TABLE orders (id INT)", "m1", DDL_RW_REWRITTEN,
     "CREATE TEMPORARY TABLE orders (id INT)"},
    /* Not copied. */
    {"CREATE TABLE nope (a INT)", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"CREATE TABLE other.t (a INT)", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"CREATE TABLE t (a INT)", NULL, DDL_RW_NOT_SELECTED, NULL},
    {"CREATE TABLE t (a INT)", "", DDL_RW_NOT_SELECTED, NULL},
    /* A whole database under its own name: unchanged. */
    {"CREATE TABLE shop.t (a INT, KEY (a))", "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE shop.t (a INT, KEY (a))"},
    /* Keys. */
    {"CREATE TABLE users (id INT, pw_hash INT, KEY k (pw_hash), UNIQUE KEY "
     "u (email))",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, UNIQUE KEY u (`mail`))"},
    {"CREATE TABLE users (id INT, pw_hash INT, KEY k (id, pw_hash))", "m1",
     DDL_RW_REFUSED, "index k of m1.users mixes excluded column pw_hash"},
    {"CREATE TABLE users (id INT, PRIMARY KEY (pw_hash, secret), n INT)",
     "m1", DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT, n INT)"},
    {"CREATE TABLE users (id INT, email TEXT, INDEX ((lower(email))), "
     "INDEX ((upper(pw_hash))))",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, `mail` TEXT, INDEX "
     "((lower(`mail`))))"},
    {"CREATE TABLE users (id INT, KEY ((id + length(pw_hash))))", "m1",
     DDL_RW_REFUSED, "mixes excluded column pw_hash"},
    {"CREATE TABLE users (id INT, email TEXT, FULLTEXT KEY ft (email) WITH "
     "PARSER ngram, KEY `email` (`email`(10) DESC) USING BTREE COMMENT "
     "'email')",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, `mail` TEXT, FULLTEXT KEY ft "
     "(`mail`) WITH PARSER ngram, KEY `email` (`mail`(10) DESC) USING BTREE "
     "COMMENT 'email')"},
    /* Generated columns, CHECK, DEFAULT expressions. */
    {"CREATE TABLE users (id INT, pw_hash INT, h INT AS (length(pw_hash)) "
     "VIRTUAL)",
     "m1", DDL_RW_REFUSED, "column h of m1.users is computed from"},
    {"CREATE TABLE users (id INT, email VARCHAR(9), e2 VARCHAR(9) AS "
     "(upper(email)) STORED, e3 VARCHAR(9) DEFAULT (concat(email, "
     "_utf8mb4'x' COLLATE utf8mb4_bin)))",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, `mail` VARCHAR(9), e2 VARCHAR(9) AS "
     "(upper(`mail`)) STORED, e3 VARCHAR(9) DEFAULT (concat(`mail`, "
     "_utf8mb4'x' COLLATE utf8mb4_bin)))"},
    {"CREATE TABLE users (id INT, pw_hash INT, CONSTRAINT c1 CHECK (pw_hash "
     "> 0 AND pw_hash IS NOT NULL))",
     "m1", DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT)"},
    {"CREATE TABLE users (id INT, pw_hash INT, CHECK (pw_hash > id))", "m1",
     DDL_RW_REFUSED, "CHECK constraint of m1.users mixes excluded column"},
    {"CREATE TABLE users (id INT, email TEXT, CONSTRAINT `c` CHECK ((email "
     "LIKE '%@%')) /*!80016 NOT ENFORCED */)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, `mail` TEXT, CONSTRAINT `c` CHECK "
     "((`mail` LIKE '%@%')) /*!80016 NOT ENFORCED */)"},
    {"CREATE TABLE users (id INT CHECK (id > 0), n INT CHECK (n > "
     "secret))",
     "m1", DDL_RW_REFUSED, "column n of m1.users is computed from or "
     "checked against excluded column secret"},
    /* A word whose role cannot be told is refused when it is mapped... */
    {"CREATE TABLE users (id INT, d DATE, e DATE AS (d + INTERVAL 1 day))",
     "m1", DDL_RW_REFUSED, "cannot tell whether day"},
    {"CREATE TABLE users (id INT, e DATE AS (CAST(id AS day)))", "m1",
     DDL_RW_REFUSED, "cannot tell whether day"},
    {"CREATE TABLE users (id INT, e INT AS (t.email))", "m1",
     DDL_RW_REFUSED, "qualified column reference to email"},
    /* ... and rewritten where it can only be the column. */
    {"CREATE TABLE users (day INT, e INT AS (day + 1), f DATE AS "
     "(DATE_ADD(d, INTERVAL day HOUR)))",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (`day2` INT, e INT AS (`day2` + 1), f DATE "
     "AS (DATE_ADD(d, INTERVAL `day2` HOUR)))"},
    {"CREATE TABLE users (day INT, f DATE AS (DATE_ADD(d, INTERVAL `day` "
     "DAY)))",
     "m1", DDL_RW_REFUSED, "cannot tell whether DAY"},
    /* DEFAULT / ON UPDATE values without parentheses (MariaDB). */
    {"CREATE TABLE users (id INT, n INT DEFAULT email, m INT DEFAULT 1 + "
     "day ON UPDATE -day, k INT DEFAULT NULL, ts TIMESTAMP DEFAULT "
     "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, n INT DEFAULT `mail`, m INT DEFAULT "
     "1 + `day2` ON UPDATE -`day2`, k INT DEFAULT NULL, ts TIMESTAMP DEFAULT "
     "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)"},
    {"CREATE TABLE users (id INT, n INT DEFAULT secret)", "m1",
     DDL_RW_REFUSED, "column n of m1.users is computed from or checked "
     "against excluded column secret"},
    /* Foreign keys. */
    {"CREATE TABLE orders (id INT, p INT, FOREIGN KEY (p) REFERENCES "
     "parent (pid) ON DELETE CASCADE)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE orders (id INT, p INT, FOREIGN KEY (p) REFERENCES "
     "parent (`parent_id`) ON DELETE CASCADE)"},
    {"CREATE TABLE m1.orders (id INT, CONSTRAINT fk FOREIGN KEY fk_i (id) "
     "REFERENCES m1.parent (pid, hidden2) MATCH FULL)",
     "other", DDL_RW_REWRITTEN,
     "CREATE TABLE `m1_copy`.orders (id INT, CONSTRAINT fk FOREIGN KEY fk_i "
     "(id) REFERENCES `m1_copy`.parent (`parent_id`, hidden2) MATCH FULL)"},
    {"CREATE TABLE orders (id INT, FOREIGN KEY (id) REFERENCES nope (id))",
     "m1", DDL_RW_REFUSED,
     "FOREIGN KEY of m1.orders references table m1.nope, which is not "
     "copied"},
    {"CREATE TABLE orders (id INT, FOREIGN KEY (id) REFERENCES parent "
     "(hidden))",
     "m1", DDL_RW_REFUSED, "references excluded column hidden of m1.parent"},
    {"CREATE TABLE users (id INT, pw_hash INT, FOREIGN KEY (pw_hash) "
     "REFERENCES nope (x))",
     "m1", DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT)"},
    {"CREATE TABLE users (id INT, FOREIGN KEY (id, pw_hash) REFERENCES "
     "parent (pid, x))",
     "m1", DDL_RW_REFUSED, "FOREIGN KEY of m1.users mixes excluded column"},
    {"CREATE TABLE orders (p INT REFERENCES parent(pid))", "m1",
     DDL_RW_REWRITTEN,
     "CREATE TABLE orders (p INT REFERENCES parent(`parent_id`))"},
    {"CREATE TABLE orders (p INT REFERENCES other.p(pid))", "m1",
     DDL_RW_REFUSED, "column p of m1.orders references table other.p"},
    /* LIKE */
    {"CREATE TABLE orders_old LIKE orders", "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `orders_archive` LIKE orders"},
    {"CREATE TABLE m1.orders_old (LIKE m1.orders)", NULL, DDL_RW_REWRITTEN,
     "CREATE TABLE `m1_copy`.`orders_archive` (LIKE `m1_copy`.orders)"},
    {"CREATE TABLE orders_old LIKE users", "m1", DDL_RW_REFUSED,
     "per-table rules"},
    {"CREATE TABLE orders_old LIKE nope", "m1", DDL_RW_REFUSED,
     "CREATE TABLE ... LIKE of m1.orders_old names table m1.nope, which is "
     "not copied"},
    {"CREATE TABLE nope LIKE orders", "m1", DDL_RW_NOT_SELECTED, NULL},
    /* Refused outright. */
    {"CREATE TABLE users (pw_hash INT, secret INT)", "m1", DDL_RW_REFUSED,
     "every column of m1.users is excluded"},
    {"CREATE TABLE orders SELECT * FROM users", "m1", DDL_RW_REFUSED,
     "SELECT is not rewritten"},
    {"CREATE TABLE orders (id INT) AS SELECT 1 AS id", "m1",
     DDL_RW_REFUSED, "SELECT is not rewritten"},
    /* Quoting: names with backquotes, spaces, other case. */
    {"CREATE TABLE `odd``name` (`we``ird` INT, `x y` INT, `X Y2` INT)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `new name` (`plain` INT, `x``y` INT, `X Y2` INT)"},
    {"CREATE TABLE `users` (`EMAIL` INT)", "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (`mail` INT)"},
    {"CREATE TABLE `users` (`ID` INT)", "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (`ID` INT)"},
    /* Comments and executable comments are kept. */
    {"CREATE TABLE /* c1 */ users ( -- cm\n id INT, /* before */ pw_hash "
     "INT /* after */, email INT # tail\n) /*!50100 ENGINE=InnoDB */",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE /* c1 */ `customers` ( -- cm\n id INT /* after */, "
     "`mail` INT # tail\n) /*!50100 ENGINE=InnoDB */"},
    {"CREATE TABLE users (id INT /*!50100 , pw_hash INT */)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT /*!50100  */)"},
    {"CREATE TABLE users (id INT, pw_hash /*!50100 INT */)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT)"},
    {"CREATE TABLE users (pw_hash /*!50100 INT */, id INT)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT)"},
    {"CREATE TABLE users (id INT /*!50100 , pw_hash INT */ /*!50100 , n "
     "INT */)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT /*!50100  */ /*!50100 , n INT */)"},
    {"CREATE TABLE users (id INT, pw_hash INT /*!50100 , n INT */)", "m1",
     DDL_RW_REWRITTEN, "CREATE TABLE `customers` (id INT /*!50100 , n INT "
     "*/)"},
    {"CREATE TABLE users (id INT, pw_hash /*!50100 INT, n INT */)", "m1",
     DDL_RW_REFUSED, "straddles an executable comment"},
    {"CREATE TABLE users (pw_hash INT, /*!50100 id INT */)", "m1",
     DDL_RW_REFUSED, "straddles an executable comment"},
    /* Partitioning, MERGE unions, sequences. */
    {"CREATE TABLE users (id INT, email VARCHAR(9)) ENGINE=InnoDB "
     "PARTITION BY KEY ALGORITHM=2 (email) PARTITIONS 4",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT, `mail` VARCHAR(9)) ENGINE=InnoDB "
     "PARTITION BY KEY ALGORITHM=2 (`mail`) PARTITIONS 4"},
    {"CREATE TABLE users (id INT) /*!50100 PARTITION BY RANGE COLUMNS(id, "
     "email) (PARTITION email VALUES LESS THAN (10, 'a'), PARTITION p1 "
     "VALUES LESS THAN (MAXVALUE, MAXVALUE)) */",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (id INT) /*!50100 PARTITION BY RANGE "
     "COLUMNS(id, `mail`) (PARTITION email VALUES LESS THAN (10, 'a'), "
     "PARTITION p1 VALUES LESS THAN (MAXVALUE, MAXVALUE)) */"},
    {"CREATE TABLE users (id INT) PARTITION BY HASH (pw_hash)", "m1",
     DDL_RW_REFUSED, "partitioning of m1.users uses excluded column"},
    {"CREATE TABLE orders (id INT) ENGINE=MERGE UNION=(orders_old, "
     "shop.x)",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE orders (id INT) ENGINE=MERGE UNION=(`orders_archive`, "
     "shop.x)"},
    {"CREATE TABLE orders (id INT) ENGINE=MERGE UNION=(nope)", "m1",
     DDL_RW_REFUSED, "UNION of m1.orders names table m1.nope"},
    {"CREATE TABLE orders (id INT DEFAULT nextval(m1.seq1), n INT DEFAULT "
     "(NEXT VALUE FOR seq1))",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE orders (id INT DEFAULT nextval(`m1_copy`.seq1), n INT "
     "DEFAULT (NEXT VALUE FOR seq1))"},
    {"CREATE TABLE orders (id INT DEFAULT nextval(s2))", "m1",
     DDL_RW_REFUSED, "sequence m1.s2, which is not copied"},
    /* What SHOW CREATE TABLE prints (MariaDB 10.11). */
    {"CREATE TABLE `users` (\n"
     "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
     "  `email` varchar(50) DEFAULT NULL,\n"
     "  `pw_hash` varchar(50) DEFAULT NULL,\n"
     "  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL "
     "CHECK (json_valid(`j`)),\n"
     "  PRIMARY KEY (`id`),\n"
     "  KEY `email` (`email`),\n"
     "  KEY `pw` (`pw_hash`)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (\n"
     "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
     "  `mail` varchar(50) DEFAULT NULL,\n"
     "  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL "
     "CHECK (json_valid(`j`)),\n"
     "  PRIMARY KEY (`id`),\n"
     "  KEY `email` (`mail`)\n"
     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"},
    /* MySQL 8 (invisible columns, functional keys, NOT ENFORCED). */
    {"CREATE TABLE `users` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  "
     "`secret` int NOT NULL /*!80023 INVISIBLE */,\n  `email` json DEFAULT "
     "(json_array()),\n  `g` varchar(10) GENERATED ALWAYS AS "
     "(concat(`id`,_utf8mb4'x')) VIRTUAL,\n  PRIMARY KEY (`id`) USING "
     "BTREE,\n  KEY `k` (`secret`) COMMENT 'c' /*!80000 INVISIBLE */,\n  "
     "KEY `f` ((lower(`g`))),\n  CONSTRAINT `t_chk_1` CHECK ((`secret` > "
     "0)) /*!80016 NOT ENFORCED */\n) ENGINE=InnoDB /*!50100 PARTITION BY "
     "KEY (id) PARTITIONS 4 */",
     "m1", DDL_RW_REWRITTEN,
     "CREATE TABLE `customers` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  "
     "`mail` json DEFAULT (json_array()),\n  `g` varchar(10) GENERATED "
     "ALWAYS AS (concat(`id`,_utf8mb4'x')) VIRTUAL,\n  PRIMARY KEY (`id`) "
     "USING BTREE,\n  KEY `f` ((lower(`g`)))\n) ENGINE=InnoDB /*!50100 "
     "PARTITION BY KEY (id) PARTITIONS 4 */"},
};

static void
test_create_table(void **state)
{
    (void)state;
    RUN(create_cases);
}

static const struct rw_case alter_cases[] = {
    {"ALTER TABLE users ADD COLUMN age INT AFTER email", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ADD COLUMN age INT AFTER `mail`"},
    {"ALTER TABLE users ADD COLUMN age INT AFTER pw_hash, ADD b INT FIRST",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ADD COLUMN age INT , ADD b INT FIRST"},
    {"ALTER TABLE users ADD COLUMN secret INT", "m1", DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users ADD secret INT, ADD age INT", "m1",
     DDL_RW_REWRITTEN, "ALTER TABLE `customers` ADD age INT"},
    {"ALTER TABLE users ADD age INT, DROP COLUMN pw_hash", "m1",
     DDL_RW_REWRITTEN, "ALTER TABLE `customers` ADD age INT"},
    {"ALTER TABLE users ADD a INT, DROP pw_hash, DROP secret, ADD b INT",
     "m1", DDL_RW_REWRITTEN, "ALTER TABLE `customers` ADD a INT, ADD b INT"},
    {"ALTER TABLE users DROP COLUMN email", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` DROP COLUMN `mail`"},
    {"ALTER TABLE users DROP pw_hash, DROP secret", "m1", DDL_RW_EMPTY,
     NULL},
    {"ALTER TABLE users DROP COLUMN IF EXISTS pw_hash, ALGORITHM=INPLACE, "
     "LOCK=NONE",
     "m1", DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users CHANGE email email2 VARCHAR(80)", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` CHANGE `mail` email2 VARCHAR(80)"},
    {"ALTER TABLE users CHANGE COLUMN n email VARCHAR(80) AFTER id", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` CHANGE COLUMN n `mail` VARCHAR(80) AFTER id"},
    {"ALTER TABLE users CHANGE pw_hash pw_hash VARCHAR(80)", "m1",
     DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users CHANGE pw_hash pw2 INT", "m1", DDL_RW_REFUSED,
     "column pw_hash of m1.users is renamed to pw2, and only one"},
    {"ALTER TABLE users CHANGE n secret INT", "m1", DDL_RW_REFUSED,
     "only one of the two names is excluded"},
    {"ALTER TABLE users MODIFY email TEXT NOT NULL FIRST", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` MODIFY `mail` TEXT NOT NULL FIRST"},
    {"ALTER TABLE users MODIFY COLUMN IF EXISTS secret TEXT, MODIFY n "
     "BIGINT",
     "m1", DDL_RW_REWRITTEN, "ALTER TABLE `customers` MODIFY n BIGINT"},
    {"ALTER TABLE users RENAME COLUMN email TO mail2", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` RENAME COLUMN `mail` TO mail2"},
    {"ALTER TABLE users RENAME COLUMN secret TO pw_hash", "m1",
     DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users RENAME COLUMN secret TO s2", "m1", DDL_RW_REFUSED,
     "only one of the two names"},
    {"ALTER TABLE users ADD INDEX idx (email, n)", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ADD INDEX idx (`mail`, n)"},
    {"ALTER TABLE users ADD INDEX idx (pw_hash), ALGORITHM=INPLACE", "m1",
     DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users ADD UNIQUE idx (pw_hash, n)", "m1", DDL_RW_REFUSED,
     "index idx of m1.users mixes excluded column pw_hash"},
    {"ALTER TABLE users DROP INDEX email, DROP KEY pw_hash", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` DROP INDEX email, DROP KEY pw_hash"},
    {"ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (email) REFERENCES "
     "parent (pid)",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ADD CONSTRAINT fk FOREIGN KEY (`mail`) "
     "REFERENCES parent (`parent_id`)"},
    {"ALTER TABLE users ADD CONSTRAINT CHECK (secret > 0)", "m1",
     DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users ADD (secret INT, a INT, KEY (secret))", "m1",
     DDL_RW_REWRITTEN, "ALTER TABLE `customers` ADD (a INT)"},
    {"ALTER TABLE users ADD COLUMN (secret INT, KEY (pw_hash))", "m1",
     DDL_RW_EMPTY, NULL},
    {"ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x', ALTER pw_hash "
     "DROP DEFAULT",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ALTER COLUMN `mail` SET DEFAULT 'x'"},
    {"ALTER TABLE users ALTER n SET DEFAULT (secret + 1)", "m1",
     DDL_RW_REFUSED, "the default of column n of m1.users uses excluded"},
    {"ALTER TABLE users ALTER COLUMN n SET DEFAULT (email), ALTER secret "
     "SET DEFAULT 1, ALTER email SET INVISIBLE",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ALTER COLUMN n SET DEFAULT (`mail`), ALTER "
     "`mail` SET INVISIBLE"},
    /* Clauses after options without a ',' (ddl.c reads them so). */
    {"ALTER TABLE users DEFAULT CHARSET=utf8mb4 DROP COLUMN email", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` DEFAULT CHARSET=utf8mb4 DROP COLUMN `mail`"},
    {"ALTER TABLE users ENGINE=InnoDB DROP COLUMN pw_hash", "m1",
     DDL_RW_REWRITTEN, "ALTER TABLE `customers` ENGINE=InnoDB "},
    {"ALTER TABLE users ORDER BY pw_hash, email, ENGINE=InnoDB", "m1",
     DDL_RW_REWRITTEN, "ALTER TABLE `customers` ENGINE=InnoDB"},
    {"ALTER TABLE users ORDER BY email DESC", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ORDER BY `mail` DESC"},
    /* MariaDB: ONLINE, IGNORE, IF EXISTS, WAIT, IF NOT EXISTS. */
    {"ALTER ONLINE IGNORE TABLE IF EXISTS m1.users WAIT 5 ADD COLUMN IF NOT "
     "EXISTS email INT",
     NULL, DDL_RW_REWRITTEN,
     "ALTER ONLINE IGNORE TABLE IF EXISTS `m1_copy`.`customers` WAIT 5 ADD "
     "COLUMN IF NOT EXISTS `mail` INT"},
    /* Renames of the table. */
    {"ALTER TABLE orders RENAME TO orders_old", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE orders RENAME TO `orders_archive`"},
    {"ALTER TABLE m1.orders RENAME m1.orders_old, ADD x INT", NULL,
     DDL_RW_REWRITTEN,
     "ALTER TABLE `m1_copy`.orders RENAME `m1_copy`.`orders_archive`, ADD "
     "x INT"},
    {"ALTER TABLE orders RENAME TO nope", "m1", DDL_RW_REFUSED,
     "renames it to m1.nope, which is not copied"},
    {"ALTER TABLE nope RENAME TO orders", "m1", DDL_RW_REFUSED,
     "changes copied table m1.orders"},
    {"ALTER TABLE orders RENAME TO parent", "m1", DDL_RW_REFUSED,
     "per-table rules"},
    {"ALTER TABLE nope ADD x INT", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"ALTER TABLE nope EXCHANGE PARTITION p WITH TABLE orders", "m1",
     DDL_RW_REFUSED, "exchanges a partition with copied table m1.orders"},
    {"ALTER TABLE orders EXCHANGE PARTITION p WITH TABLE nope", "m1",
     DDL_RW_REFUSED, "EXCHANGE PARTITION of m1.orders names table m1.nope"},
    {"ALTER TABLE orders EXCHANGE PARTITION p WITH TABLE orders_old "
     "WITHOUT VALIDATION",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE orders EXCHANGE PARTITION p WITH TABLE `orders_archive` "
     "WITHOUT VALIDATION"},
    /* Partitioning and options kept. */
    {"ALTER TABLE users PARTITION BY HASH(email) PARTITIONS 2", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` PARTITION BY HASH(`mail`) PARTITIONS 2"},
    {"ALTER TABLE users DROP PARTITION p0, p1", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` DROP PARTITION p0, p1"},
    {"ALTER TABLE users ENGINE=InnoDB, DROP secret, ROW_FORMAT=DYNAMIC",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ENGINE=InnoDB, ROW_FORMAT=DYNAMIC"},
    {"ALTER TABLE users FORCE", "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` FORCE"},
    {"ALTER TABLE `users` /* x */ DROP `pw_hash` /* y */, ADD z INT -- e\n",
     "m1", DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` /* x */ ADD z INT -- e\n"},
    {"ALTER TABLE users ADD COLUMN s INT /*!50000 , DROP secret */", "m1",
     DDL_RW_REWRITTEN,
     "ALTER TABLE `customers` ADD COLUMN s INT /*!50000  */"},
};

static void
test_alter_table(void **state)
{
    (void)state;
    RUN(alter_cases);
}

static const struct rw_case other_cases[] = {
    /* DROP TABLE lists keep what is copied. */
    {"DROP TABLE users, nope, orders", "m1", DDL_RW_REWRITTEN,
     "DROP TABLE `customers`, orders"},
    {"DROP TABLE IF EXISTS nope, users", "m1", DDL_RW_REWRITTEN,
     "DROP TABLE IF EXISTS `customers`"},
    {"DROP TABLE nope, other.x", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"DROP TABLE `users` /* generated by server */", "m1",
     DDL_RW_REWRITTEN, "DROP TABLE `customers` /* generated by server */"},
    {"DROP /*!40005 TEMPORARY */ TABLE IF EXISTS m1.users, `m1`.`nope`",
     "", DDL_RW_REWRITTEN,
     "DROP /*!40005 TEMPORARY */ TABLE IF EXISTS `m1_copy`.`customers`"},
    {"DROP TABLE users, nope /*!50000 , orders */", "m1", DDL_RW_REWRITTEN,
     "DROP TABLE `customers` /*!50000 , orders */"},
    {"DROP TABLE users, orders_old, shop.t, other.t RESTRICT", "m1",
     DDL_RW_REWRITTEN,
     "DROP TABLE `customers`, `orders_archive`, shop.t RESTRICT"},
    /* RENAME TABLE pairs. */
    {"RENAME TABLE orders TO orders_old", "m1", DDL_RW_REWRITTEN,
     "RENAME TABLE orders TO `orders_archive`"},
    {"RENAME TABLE orders TO orders_old, nope TO nope2", "m1",
     DDL_RW_REWRITTEN, "RENAME TABLE orders TO `orders_archive`"},
    {"RENAME TABLE nope TO a, orders TO orders_old", "m1",
     DDL_RW_REWRITTEN, "RENAME TABLE orders TO `orders_archive`"},
    {"RENAME TABLE nope TO nope2, other.a TO other.b", "m1",
     DDL_RW_NOT_SELECTED, NULL},
    {"RENAME TABLE orders TO nope", "m1", DDL_RW_REFUSED,
     "moves m1.orders out of the copied tables (to m1.nope)"},
    {"RENAME TABLE nope TO orders", "m1", DDL_RW_REFUSED,
     "moves m1.nope, which is not copied, to copied table name m1.orders"},
    {"RENAME TABLE users TO orders_old", "m1", DDL_RW_REFUSED,
     "per-table rules"},
    {"RENAME TABLE m1.orders TO shop.orders, shop.a WAIT 1 TO shop.b",
     NULL, DDL_RW_REWRITTEN,
     "RENAME TABLE `m1_copy`.orders TO shop.orders, shop.a WAIT 1 TO "
     "shop.b"},
    /* TRUNCATE */
    {"TRUNCATE TABLE users", "m1", DDL_RW_REWRITTEN,
     "TRUNCATE TABLE `customers`"},
    {"TRUNCATE m1.orders", "other", DDL_RW_REWRITTEN,
     "TRUNCATE `m1_copy`.orders"},
    {"TRUNCATE nope", "m1", DDL_RW_NOT_SELECTED, NULL},
    /* CREATE / DROP INDEX */
    {"CREATE INDEX i ON users (email(10), n DESC)", "m1", DDL_RW_REWRITTEN,
     "CREATE INDEX i ON `customers` (`mail`(10), n DESC)"},
    {"CREATE UNIQUE INDEX IF NOT EXISTS i USING BTREE ON m1.users (email) "
     "ALGORITHM=INPLACE LOCK=NONE",
     NULL, DDL_RW_REWRITTEN,
     "CREATE UNIQUE INDEX IF NOT EXISTS i USING BTREE ON "
     "`m1_copy`.`customers` (`mail`) ALGORITHM=INPLACE LOCK=NONE"},
    {"CREATE OR REPLACE INDEX i ON users ((lower(email)))", "m1",
     DDL_RW_REWRITTEN,
     "CREATE OR REPLACE INDEX i ON `customers` ((lower(`mail`)))"},
    {"CREATE UNIQUE INDEX i ON users (pw_hash)", "m1", DDL_RW_EMPTY, NULL},
    {"CREATE INDEX i ON users (pw_hash, n)", "m1", DDL_RW_REFUSED,
     "index i of m1.users mixes excluded column pw_hash"},
    {"CREATE INDEX i ON nope (a)", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"DROP INDEX i ON users", "m1", DDL_RW_REWRITTEN,
     "DROP INDEX i ON `customers`"},
    {"DROP INDEX IF EXISTS `on` ON m1.orders_old ALGORITHM=COPY", "x",
     DDL_RW_REWRITTEN,
     "DROP INDEX IF EXISTS `on` ON `m1_copy`.`orders_archive` "
     "ALGORITHM=COPY"},
    {"DROP INDEX i ON nope", "m1", DDL_RW_NOT_SELECTED, NULL},
    /* Sequences (MariaDB). */
    {"CREATE SEQUENCE IF NOT EXISTS seq1 START WITH 10", "m1",
     DDL_RW_REWRITTEN, "CREATE SEQUENCE IF NOT EXISTS seq1 START WITH 10"},
    {"CREATE SEQUENCE s9", "m1", DDL_RW_NOT_SELECTED, NULL},
    {"DROP SEQUENCE IF EXISTS nope, m1.seq1", "other", DDL_RW_REWRITTEN,
     "DROP SEQUENCE IF EXISTS `m1_copy`.seq1"},
    /* Not schema changes, and statements that do not parse. */
    {"INSERT INTO users VALUES (1)", "m1", DDL_RW_NOT_DDL, NULL},
    {"CREATE VIEW v AS SELECT email FROM users", "m1", DDL_RW_NOT_DDL,
     NULL},
    {"CREATE TABLE users (id INT, email FOO(", "m1", DDL_RW_REFUSED,
     "cannot read the statement"},
};

static void
test_other_statements(void **state)
{
    (void)state;
    RUN(other_cases);
}

/* ANSI_QUOTES: "x" is a name, and stays one after the rewrite. */
static void
test_ansi_quotes(void **state)
{
    struct ddl_opts o = {DDL_MODE_ANSI_QUOTES, true};
    static const struct rw_case c[] = {
        {"CREATE TABLE \"users\" (\"email\" INT, \"pw_hash\" INT, \"n\" "
         "INT)",
         "m1", DDL_RW_REWRITTEN,
         "CREATE TABLE `customers` (`mail` INT, \"n\" INT)"},
        {"ALTER TABLE \"m1\".\"orders\" ADD \"x\" INT", NULL,
         DDL_RW_REWRITTEN, "ALTER TABLE `m1_copy`.\"orders\" ADD \"x\" INT"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        run_case(&c[i], &o);
    }
}

/* Without a mapping (or with an identity one) nothing changes. */
static void
test_identity(void **state)
{
    static const char *const stmts[] = {
        "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `a` int "
        "NOT NULL /*!80023 INVISIBLE */,\n  KEY `f` ((lower(`a`))),\n  "
        "CONSTRAINT `t_chk_1` CHECK ((`a` > 0)) /*!80016 NOT ENFORCED */\n) "
        "ENGINE=InnoDB /*!50100 PARTITION BY KEY (id) PARTITIONS 4 */",
        "ALTER TABLE t ADD c INT AFTER b, DROP d, ALGORITHM=INPLACE",
        "DROP TABLE `t1`,`t2` /* generated by server */",
        "RENAME TABLE a TO b, c TO d",
        "CREATE INDEX i ON t (a(10) DESC, b)",
        "TRUNCATE t",
        "CREATE DATABASE x",
    };
    struct pbuf out;
    char err[200];
    size_t i;

    (void)state;
    memset(&out, 0, sizeof(out));
    for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        assert_int_equal(ddl_rewrite(stmts[i], strlen(stmts[i]), "db", NULL,
                                     NULL, &out, err, sizeof(err)),
                         DDL_RW_REWRITTEN);
        assert_int_equal(out.len, strlen(stmts[i]));
        assert_memory_equal(out.data, stmts[i], out.len);
    }
    pbuf_free(&out);
    assert_string_equal(ddl_rw_result_name(DDL_RW_EMPTY), "EMPTY");
    assert_string_equal(ddl_rw_result_name(DDL_RW_COUNT), "UNKNOWN");
}

/* A full output buffer is a refusal, not a truncated statement. */
static void
test_out_of_room(void **state)
{
    struct pbuf out;
    char err[200];
    const char *sql = "CREATE TABLE users (id INT, email TEXT)";

    (void)state;
    memset(&out, 0, sizeof(out));
    out.limit = 10;
    assert_int_equal(ddl_rewrite(sql, strlen(sql), "m1", NULL, &the_map,
                                 &out, err, sizeof(err)),
                     DDL_RW_REFUSED);
    assert_string_equal(err, "out of memory");
    assert_int_equal(out.len, 0);
    assert_true(out.failed);
    pbuf_free(&out);
}

/* ---- the corpus' statements ---- */

static const char *
corpora_dir(void)
{
    const char *d = getenv("TANDEM_CORPORA");

    return d != NULL && d[0] != '\0' ? d : "../shared/corpora";
}

struct corpus_stats {
    unsigned files;               /* decoded files read */
    unsigned ddl;                 /* schema changes seen */
    unsigned renamed;             /* rewritten under the renaming map */
    unsigned refused;             /* refused under it */
};

/* Everything renamed: db -> db_x, table -> t_table, column -> column_c. */
struct rename_all {
    char buf[8][300];             /* returned names */
    unsigned next;                /* next buf to use */
};

static const char *
ra_put(struct rename_all *ra, const char *a, const char *b, const char *c)
{
    char *d = ra->buf[ra->next++ % 8];

    snprintf(d, sizeof(ra->buf[0]), "%s%s%s", a, b, c);
    return d;
}

static const char *
ra_db(void *arg, const char *db)
{
    return ra_put(arg, db, "_x", "");
}

static const char *
ra_table(void *arg, const char *db, const char *t, bool *rules)
{
    (void)db;
    *rules = false;
    return ra_put(arg, "t_", t, "");
}

static const char *
ra_column(void *arg, const char *db, const char *t, const char *c)
{
    (void)db;
    (void)t;
    return ra_put(arg, c, "_c", "");
}

static void
corpus_statement(struct corpus_stats *cs, const char *db, const char *sql,
                 size_t len)
{
    struct rename_all ra;
    const struct ddl_rw_map map = {ra_db, ra_table, ra_column, &ra};
    struct ddl_opts o = {0, true};
    struct ddl_stmt st, st2;
    struct pbuf out;
    char err[300];
    enum ddl_rw_result res;

    memset(&st, 0, sizeof(st));
    memset(&out, 0, sizeof(out));
    memset(&ra, 0, sizeof(ra));
    if (ddl_parse(&st, sql, len, &o) != 0 || st.kind == DDL_NONE) {
        ddl_stmt_free(&st);
        return;
    }
    cs->ddl++;
    /* Identity: the same bytes (or not selected without a database). */
    res = ddl_rewrite(sql, len, db, &o, NULL, &out, err, sizeof(err));
    if (res == DDL_RW_REWRITTEN) {
        if (out.len != len || memcmp(out.data, sql, len) != 0) {
            fail_msg("identity rewrite changed: %.*s\n-> %.*s", (int)len,
                     sql, (int)out.len, (const char *)out.data);
        }
    } else if (res != DDL_RW_NOT_SELECTED && res != DDL_RW_REFUSED) {
        fail_msg("identity rewrite: %s for %.*s", ddl_rw_result_name(res),
                 (int)len, sql);
    }
    /* Everything renamed: parses again as the same kind. */
    res = ddl_rewrite(sql, len, db, &o, &map, &out, err, sizeof(err));
    if (res == DDL_RW_REWRITTEN) {
        cs->renamed++;
        memset(&st2, 0, sizeof(st2));
        if (ddl_parse(&st2, (const char *)out.data, out.len, &o) != 0 ||
            st2.kind != st.kind) {
            fail_msg("renamed statement does not read back (%s): %.*s",
                     st2.err, (int)out.len, (const char *)out.data);
        }
        if (st2.table.name != NULL && st.table.name != NULL &&
            strncmp(st2.table.name, "t_", 2) != 0) {
            fail_msg("table not renamed: %.*s", (int)out.len,
                     (const char *)out.data);
        }
        ddl_stmt_free(&st2);
    } else if (res == DDL_RW_REFUSED) {
        cs->refused++;
        print_message("refused (%s): %.100s\n", err, sql);
    }
    pbuf_free(&out);
    ddl_stmt_free(&st);
}

static void
scan_decoded(struct corpus_stats *cs, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, *buf = NULL;
    size_t cap = 0, blen = 0, bcap = 0;
    ssize_t n;
    bool inq = false;
    char db[256] = "";

    if (f == NULL) {
        return;
    }
    cs->files++;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        if (line[0] == '#' && (strstr(line, "\tQuery\t") != NULL ||
                               strstr(line, "\tQuery_compressed\t") != NULL)) {
            inq = true;
            blen = 0;
            continue;
        }
        if (!inq) {
            continue;
        }
        if (strncmp(line, "# at ", 5) == 0) {
            inq = false;
            continue;
        }
        if (strcmp(line, "/*!*/;") == 0) {
            corpus_statement(cs, db, buf != NULL ? buf : "", blen);
            inq = false;
            continue;
        }
        if (strncmp(line, "use `", 5) == 0) {
            const char *e = strchr(line + 5, '`');

            snprintf(db, sizeof(db), "%.*s",
                     e != NULL ? (int)(e - line - 5) : 0, line + 5);
            continue;
        }
        if ((strncmp(line, "SET ", 4) == 0 ||
             strncmp(line, "/*!\\C", 5) == 0) &&
            n >= 6 && strcmp(line + n - 6, "/*!*/;") == 0) {
            continue;
        }
        if (strncmp(line, "# Ignored", 9) == 0) {
            continue;
        }
        if (blen + (size_t)n + 2 > bcap) {
            bcap = (blen + (size_t)n + 2) * 2;
            buf = realloc(buf, bcap);
            assert_non_null(buf);
        }
        if (blen > 0) {
            buf[blen++] = '\n';
        }
        memcpy(buf + blen, line, (size_t)n);
        blen += (size_t)n;
        buf[blen] = '\0';
    }
    free(line);
    free(buf);
    fclose(f);
}

static void
scan_dir(struct corpus_stats *cs, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    struct stat sb;

    if (d == NULL || depth > 8) {
        if (d != NULL) {
            closedir(d);
        }
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0) {
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            scan_dir(cs, path, depth + 1);
        } else if (strstr(path, "/decoded/") != NULL &&
                   strstr(path, ".txt") != NULL) {
            scan_decoded(cs, path);
        }
    }
    closedir(d);
}

static void
test_corpus_statements(void **state)
{
    struct corpus_stats cs;
    struct stat sb;

    (void)state;
    if (stat(corpora_dir(), &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        print_message("corpus not found at %s (set TANDEM_CORPORA)\n",
                      corpora_dir());
        skip();
        return;
    }
    memset(&cs, 0, sizeof(cs));
    scan_dir(&cs, corpora_dir(), 0);
    if (cs.files == 0) {
        print_message("no decoded/ files under %s: skipping\n",
                      corpora_dir());
        skip();
        return;
    }
    print_message("corpus: %u files, %u DDL, %u renamed, %u refused\n",
                  cs.files, cs.ddl, cs.renamed, cs.refused);
    assert_true(cs.ddl > 50);
    /* Refusals are rare and named (CREATE ... SELECT and the like). */
    assert_true(cs.renamed >= cs.ddl - cs.ddl / 20);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_databases),
        cmocka_unit_test(test_create_table),
        cmocka_unit_test(test_alter_table),
        cmocka_unit_test(test_other_statements),
        cmocka_unit_test(test_ansi_quotes),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_out_of_room),
        cmocka_unit_test(test_corpus_statements),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
