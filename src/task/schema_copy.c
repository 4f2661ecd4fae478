/*
 * schema_copy.c - reads the selected tables' definitions at the source
 * and rewrites them for the destination (see schema_copy.h).
 *
 * One query at a time on the borrowed myconn; each result callback checks
 * the answer, records what it learnt and sends the next query.  The list
 * of tables is fixed after LIST_TABLES; SHOW_CREATE walks it.
 */
#include "src/task/schema_copy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/ddl_rewrite.h"
#include "proto/mysql/sqlenc.h"

/* Largest rewritten CREATE TABLE kept (a definition is kilobytes). */
#define SCHEMA_STMT_LIMIT (16u << 20)

/* One source table to read. */
struct schema_src {
    const struct task_object *obj; /* its object in the spec */
    char *table;                   /* owned; source table name */
};

struct schema_copy {
    const struct task_spec *spec; /* borrowed */
    struct myconn *conn;          /* borrowed, READY between queries */
    schema_copy_done_cb done;     /* end callback */
    void *arg;                    /* for done */
    enum schema_copy_step step;   /* where it is */
    struct ddl_opts opts;         /* how SHOW CREATE TABLE text reads */
    struct schema_src *srcs;      /* tables to read, output order */
    size_t nsrcs;                 /* entries in srcs */
    size_t next;                  /* the table SHOW_CREATE is reading */
    struct schema_stmt *stmts;    /* statements made so far */
    size_t nstmts;                /* entries in stmts */
    size_t cap;                   /* room in stmts */
    char err[1024];               /* the error handed to done */
};

static const char *const step_names[SCHEMA_COPY_STEP_COUNT] = {
    "init",        "set names",         "set session", "list databases",
    "list tables", "show create table", "done",        "failed",
};

const char *
schema_copy_step_name(enum schema_copy_step s)
{
    return (unsigned)s < SCHEMA_COPY_STEP_COUNT ? step_names[s] : "unknown";
}

static void on_result(struct myconn *c, const struct myresult *res,
                      const char *err, void *arg);


static void
finish(struct schema_copy *sc, const char *err)
{
    sc->step = err != NULL ? SCHEMA_COPY_FAILED : SCHEMA_COPY_DONE;
    sc->done(sc, err, sc->arg);
}

static void fail(struct schema_copy *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct schema_copy *sc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sc->err, sizeof(sc->err), fmt, ap);
    va_end(ap);
    finish(sc, sc->err);
}

/* Sends <q> (a pbuf holding a NUL-terminated query) for step <step>. */
static void
send_query(struct schema_copy *sc, enum schema_copy_step step, struct pbuf *q)
{
    pbuf_putc(q, '\0');
    if (q->failed) {
        pbuf_free(q);
        fail(sc, "out of memory while reading the source schema");
        return;
    }
    sc->step = step;
    if (myconn_query(sc->conn, (const char *)q->data, on_result, sc) != 0) {
        pbuf_free(q);
        fail(sc,
             "cannot send a query to the source while reading its "
             "schema (%s): the connection is not idle",
             schema_copy_step_name(step));
        return;
    }
    pbuf_free(q);
}

static void
send_text(struct schema_copy *sc, enum schema_copy_step step, const char *sql)
{
    struct pbuf q;

    memset(&q, 0, sizeof(q));
    pbuf_puts(&q, sql);
    send_query(sc, step, &q);
}

static void
put_text(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

/* Appends a new statement; takes <sql> and copies the names.  Returns 0,
 * or -1 when out of memory (sql freed). */
static int
add_stmt(struct schema_copy *sc, enum schema_stmt_kind kind, char *sql,
         const char *db, const char *src_db, const char *src_table)
{
    struct schema_stmt *st;

    if (sc->nstmts == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 16;
        struct schema_stmt *v = realloc(sc->stmts, cap * sizeof(*v));

        if (v == NULL) {
            free(sql);
            return -1;
        }
        sc->stmts = v;
        sc->cap = cap;
    }
    st = &sc->stmts[sc->nstmts];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    st->sql = sql;
    st->db = strdup(db);
    st->src_db = strdup(src_db);
    st->src_table = src_table != NULL ? strdup(src_table) : NULL;
    sc->nstmts++;
    if (st->db == NULL || st->src_db == NULL ||
        (src_table != NULL && st->src_table == NULL)) {
        return -1;
    }
    return 0;
}

/* A character set or collation name safe to write bare. */
static bool
plain_word(struct span s)
{
    size_t i;

    if (s.len == 0 || s.len > 64) {
        return false;
    }
    for (i = 0; i < s.len; i++) {
        uint8_t ch = s.p[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_')) {
            return false;
        }
    }
    return true;
}

static bool
database_created(const struct schema_copy *sc, const char *db)
{
    size_t i;

    for (i = 0; i < sc->nstmts; i++) {
        if (sc->stmts[i].kind == SCHEMA_STMT_CREATE_DATABASE &&
            strcmp(sc->stmts[i].db, db) == 0) {
            return true;
        }
    }
    return false;
}

static void
list_dbs(struct schema_copy *sc)
{
    struct pbuf q;
    size_t i;

    memset(&q, 0, sizeof(q));
    pbuf_puts(&q, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, "
                  "DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                  "WHERE SCHEMA_NAME IN (");
    for (i = 0; i < sc->spec->nobjects; i++) {
        pbuf_puts(&q, i > 0 ? "," : "");
        put_text(&q, sc->spec->objects[i].db);
    }
    pbuf_putc(&q, ')');
    send_query(sc, SCHEMA_COPY_LIST_DBS, &q);
}

static void
list_tables(struct schema_copy *sc)
{
    const struct task_spec *s = sc->spec;
    struct pbuf q;
    size_t i, j;
    bool any = false;

    memset(&q, 0, sizeof(q));
    pbuf_puts(&q, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM "
                  "information_schema.TABLES WHERE 0");
    for (i = 0; i < s->nobjects; i++) {
        if (s->objects[i].whole_db) {
            pbuf_puts(&q, any ? "," : " OR TABLE_SCHEMA IN (");
            put_text(&q, s->objects[i].db);
            any = true;
        }
    }
    pbuf_puts(&q, any ? ")" : "");
    any = false;
    for (i = 0; i < s->nobjects; i++) {
        for (j = 0; j < s->objects[i].ntables; j++) {
            pbuf_puts(&q, any ? ",(" : " OR (TABLE_SCHEMA, TABLE_NAME) IN ((");
            put_text(&q, s->objects[i].db);
            pbuf_putc(&q, ',');
            put_text(&q, s->objects[i].tables[j].name);
            pbuf_putc(&q, ')');
            any = true;
        }
    }
    pbuf_puts(&q, any ? ")" : "");
    /* Name order within a database, byte-wise like the spec compares. */
    pbuf_puts(&q, " ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME");
    send_query(sc, SCHEMA_COPY_LIST_TABLES, &q);
}

static void
show_next(struct schema_copy *sc)
{
    struct pbuf q;
    const struct schema_src *t;

    if (sc->next == sc->nsrcs) {
        finish(sc, NULL);
        return;
    }
    t = &sc->srcs[sc->next];
    memset(&q, 0, sizeof(q));
    pbuf_puts(&q, "SHOW CREATE TABLE ");
    sqlenc_qualified(&q, t->obj->db, t->table);
    send_query(sc, SCHEMA_COPY_SHOW_CREATE, &q);
}

/* SCHEMATA: every selected database exists; one CREATE DATABASE per
 * destination database. */
static void
got_dbs(struct schema_copy *sc, const struct myresult *r)
{
    const struct task_spec *s = sc->spec;
    struct pbuf b;
    size_t i, row;

    if (r->ncols != 3) {
        fail(sc,
             "unexpected answer from the source's "
             "information_schema.SCHEMATA (%u columns, expected 3) — "
             "check that the source is MySQL or MariaDB",
             r->ncols);
        return;
    }
    for (i = 0; i < s->nobjects; i++) {
        const struct task_object *o = &s->objects[i];
        const struct span *c = NULL;

        for (row = 0; row < r->nrows; row++) {
            if (!r->nulls[row * 3] && span_eq(r->cells[row * 3], o->db)) {
                c = &r->cells[row * 3];
                break;
            }
        }
        if (c == NULL) {
            fail(sc,
                 "source database `%s` does not exist (or the source "
                 "account cannot see it) — create it at the source, "
                 "grant SELECT on it, or remove it from \"objects\" in "
                 "the task spec",
                 o->db);
            return;
        }
        if (database_created(sc, o->as)) {
            continue;
        }
        memset(&b, 0, sizeof(b));
        b.limit = SCHEMA_STMT_LIMIT;
        pbuf_puts(&b, "CREATE DATABASE IF NOT EXISTS ");
        sqlenc_ident(&b, o->as, strlen(o->as));
        if (!r->nulls[row * 3 + 1] && plain_word(c[1])) {
            pbuf_puts(&b, " CHARACTER SET ");
            pbuf_put(&b, c[1].p, c[1].len);
        }
        if (!r->nulls[row * 3 + 2] && plain_word(c[2])) {
            pbuf_puts(&b, " COLLATE ");
            pbuf_put(&b, c[2].p, c[2].len);
        }
        pbuf_putc(&b, '\0');
        if (b.failed || add_stmt(sc, SCHEMA_STMT_CREATE_DATABASE,
                                 (char *)b.data, o->as, o->db, NULL) != 0) {
            if (b.failed) {
                pbuf_free(&b);
            }
            fail(sc, "out of memory while reading the source schema");
            return;
        }
    }
    list_tables(sc);
}

/* Whether TABLE_TYPE <type> is a table with rows of its own. */
static bool
base_table(struct span type)
{
    /* MariaDB lists system-versioned tables as 'SYSTEM VERSIONED'. */
    return span_eq(type, "BASE TABLE") || span_eq(type, "SYSTEM VERSIONED");
}

static int
add_src(struct schema_copy *sc, const struct task_object *o, struct span name)
{
    struct schema_src *v;

    v = realloc(sc->srcs, (sc->nsrcs + 1) * sizeof(*v));
    if (v == NULL) {
        return -1;
    }
    sc->srcs = v;
    v[sc->nsrcs].obj = o;
    v[sc->nsrcs].table = span_strdup(name);
    if (v[sc->nsrcs].table == NULL) {
        return -1;
    }
    sc->nsrcs++;
    return 0;
}

/* TABLES: the list of tables to read, in output order. */
static void
got_tables(struct schema_copy *sc, const struct myresult *r)
{
    const struct task_spec *s = sc->spec;
    size_t i, j, row;

    if (r->ncols != 3) {
        fail(sc,
             "unexpected answer from the source's "
             "information_schema.TABLES (%u columns, expected 3) — "
             "check that the source is MySQL or MariaDB",
             r->ncols);
        return;
    }
    for (i = 0; i < r->nrows * 3; i++) {
        if (r->nulls[i]) {
            fail(sc, "unexpected NULL in the source's "
                     "information_schema.TABLES — check the source server");
            return;
        }
    }
    for (i = 0; i < s->nobjects; i++) {
        const struct task_object *o = &s->objects[i];

        for (row = 0; o->whole_db && row < r->nrows; row++) {
            const struct span *c = &r->cells[row * 3];

            if (span_eq(c[0], o->db) && base_table(c[2]) &&
                add_src(sc, o, c[1]) != 0) {
                fail(sc, "out of memory while reading the source schema");
                return;
            }
        }
        for (j = 0; j < o->ntables; j++) {
            const struct task_table *t = &o->tables[j];
            const struct span *c = NULL;

            for (row = 0; row < r->nrows; row++) {
                if (span_eq(r->cells[row * 3], o->db) &&
                    span_eq(r->cells[row * 3 + 1], t->name)) {
                    c = &r->cells[row * 3];
                    break;
                }
            }
            if (c == NULL) {
                fail(sc,
                     "source table `%s`.`%s` does not exist — create it "
                     "at the source or remove it from \"objects\" in the "
                     "task spec",
                     o->db, t->name);
                return;
            }
            if (!base_table(c[2])) {
                fail(sc,
                     "source table `%s`.`%s` is a %.*s, not a base "
                     "table — remove it from \"objects\" in the task "
                     "spec (only tables are copied)",
                     o->db, t->name, (int)(c[2].len > 32 ? 32 : c[2].len),
                     (const char *)c[2].p);
                return;
            }
            if (add_src(sc, o, c[1]) != 0) {
                fail(sc, "out of memory while reading the source schema");
                return;
            }
        }
    }
    sc->next = 0;
    show_next(sc);
}

/* SHOW CREATE TABLE of srcs[next]: rewritten into a statement. */
static void
got_create(struct schema_copy *sc, const struct myresult *r)
{
    const struct schema_src *t = &sc->srcs[sc->next];
    struct ddl_rw_map map;
    enum ddl_rw_result rw;
    struct pbuf out;
    char why[512];
    char *sql;

    task_spec_ddl_map(sc->spec, &map);
    if (r->nrows != 1 || r->ncols < 2 || r->nulls[1] ||
        !span_eq(r->col_names[0], "Table")) {
        fail(sc,
             "SHOW CREATE TABLE `%s`.`%s` at the source gave no table "
             "definition — check that it is a base table",
             t->obj->db, t->table);
        return;
    }
    memset(&out, 0, sizeof(out));
    out.limit = SCHEMA_STMT_LIMIT;
    rw = ddl_rewrite((const char *)r->cells[1].p, r->cells[1].len, t->obj->db,
                     &sc->opts, &map, &out, why, sizeof(why));
    switch (rw) {
    case DDL_RW_REWRITTEN:
        break;
    case DDL_RW_REFUSED:
        if (out.failed) {
            pbuf_free(&out);
            fail(sc,
                 "out of memory (or a definition over 16 MiB) while "
                 "rewriting source table `%s`.`%s`",
                 t->obj->db, t->table);
            return;
        }
        pbuf_free(&out);
        fail(sc,
             "cannot copy the definition of source table `%s`.`%s`: %s "
             "— change its rules in the task spec, or create the "
             "destination table by hand",
             t->obj->db, t->table, why);
        return;
    default:
        /* A CREATE TABLE of a selected table always has something left. */
        pbuf_free(&out);
        fail(sc,
             "cannot copy the definition of source table `%s`.`%s`: "
             "the rewriter gave nothing to run (%s) — create the "
             "destination table by hand",
             t->obj->db, t->table, ddl_rw_result_name(rw));
        return;
    }
    pbuf_putc(&out, '\0');
    if (out.failed) {
        pbuf_free(&out);
        fail(sc, "out of memory while rewriting source table `%s`.`%s`",
             t->obj->db, t->table);
        return;
    }
    sql = (char *)out.data; /* ownership moves to the statement */
    if (add_stmt(sc, SCHEMA_STMT_CREATE_TABLE, sql, t->obj->as, t->obj->db,
                 t->table) != 0) {
        fail(sc, "out of memory while reading the source schema");
        return;
    }
    sc->next++;
    show_next(sc);
}

static void
on_result(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct schema_copy *sc = arg;

    (void)c;
    if (err != NULL) {
        if (sc->step == SCHEMA_COPY_SHOW_CREATE) {
            fail(sc,
                 "SHOW CREATE TABLE `%s`.`%s` failed at the source: %s "
                 "— the source account needs SELECT on it",
                 sc->srcs[sc->next].obj->db, sc->srcs[sc->next].table, err);
        } else {
            fail(sc,
                 "reading the source schema failed (%s): %s — the "
                 "source account needs SELECT on the selected databases",
                 schema_copy_step_name(sc->step), err);
        }
        return;
    }
    switch (sc->step) {
    case SCHEMA_COPY_SET_NAMES:
        send_text(sc, SCHEMA_COPY_SET_SESSION,
                  "SET SESSION sql_quote_show_create = 1, "
                  "sql_mode = 'NO_ENGINE_SUBSTITUTION'");
        break;
    case SCHEMA_COPY_SET_SESSION:
        list_dbs(sc);
        break;
    case SCHEMA_COPY_LIST_DBS:
        got_dbs(sc, res);
        break;
    case SCHEMA_COPY_LIST_TABLES:
        got_tables(sc, res);
        break;
    case SCHEMA_COPY_SHOW_CREATE:
        got_create(sc, res);
        break;
    default:
        fail(sc, "internal error: a source answer in step %s",
             schema_copy_step_name(sc->step));
        break;
    }
}

struct schema_copy *
schema_copy_start(const struct task_spec *spec, struct myconn *conn,
                  schema_copy_done_cb done, void *arg, char *err, size_t errlen)
{
    struct schema_copy *sc;

    if (myconn_get_state(conn) != MYCONN_READY) {
        snprintf(err, errlen,
                 "cannot read the source schema: the source "
                 "connection is %s, not ready",
                 myconn_state_name(myconn_get_state(conn)));
        return NULL;
    }
    sc = calloc(1, sizeof(*sc));
    if (sc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sc->spec = spec;
    sc->conn = conn;
    sc->done = done;
    sc->arg = arg;
    sc->opts.sql_mode = 0; /* the session's, set in SET_SESSION */
    sc->opts.mariadb = myconn_is_mariadb(conn);
    sc->step = SCHEMA_COPY_SET_NAMES;
    /* myconn calls back from the loop, never from inside myconn_query(). */
    if (myconn_query(conn, "SET NAMES utf8mb4", on_result, sc) != 0) {
        free(sc);
        snprintf(err, errlen,
                 "cannot read the source schema: the source "
                 "connection is busy");
        return NULL;
    }
    return sc;
}

enum schema_copy_step
schema_copy_get_step(const struct schema_copy *sc)
{
    return sc->step;
}

const struct schema_stmt *
schema_copy_stmts(const struct schema_copy *sc, size_t *n)
{
    if (sc->step != SCHEMA_COPY_DONE) {
        *n = 0;
        return NULL;
    }
    *n = sc->nstmts;
    return sc->stmts;
}

void
schema_copy_free(struct schema_copy *sc)
{
    size_t i;

    if (sc == NULL) {
        return;
    }
    for (i = 0; i < sc->nstmts; i++) {
        free(sc->stmts[i].sql);
        free(sc->stmts[i].db);
        free(sc->stmts[i].src_db);
        free(sc->stmts[i].src_table);
    }
    free(sc->stmts);
    for (i = 0; i < sc->nsrcs; i++) {
        free(sc->srcs[i].table);
    }
    free(sc->srcs);
    free(sc);
}
