/*
 * mysql.c - the MySQL/MariaDB destination writer (see mysql.h).
 *
 *   CONNECTING -> SETUP (session variables, checkpoint table, one query
 *   each) -> CHECKPOINT (read it) -> READY <-> APPLYING
 *
 * APPLYING sends one destination transaction statement by statement:
 * START TRANSACTION, the batch's statements, the checkpoint upsert,
 * COMMIT.  Only the COMMIT's OK frees the source transactions it covers.
 * A DDL is its own batch: the statement, then the checkpoint (DDL commits
 * implicitly, so a crash in between replays it; errors that say the
 * change is already there are taken as done).
 */
#include "src/sink/mysql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/packet.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/source/myconn.h"

#define SINK_STATES(X) \
    X(INIT)            \
    X(CONNECTING)      \
    X(SETUP)           \
    X(CHECKPOINT)      \
    X(READY)           \
    X(APPLYING)        \
    X(PRECHECK)        \
    X(FAILED)

enum sink_state {
#define X(s) SINK_##s,
    SINK_STATES(X)
#undef X
    SINK_STATE_COUNT /* sentinel */
};

static const char *const sink_state_names[] = {
#define X(s) #s,
    SINK_STATES(X)
#undef X
};

/* Largest statement built from a run of rows (the destination's
 * max_allowed_packet is at least 16 MiB on current servers). */
#define SINK_MAX_STATEMENT (4u * 1024u * 1024u)
/* Largest batch sent as one multi-statement query; a larger one goes
 * statement by statement. */
#define SINK_MAX_BATCH (8u * 1024u * 1024u)

/* Session set-up, one statement each: the settings the literals of
 * proto/mysql/sqlenc.h rely on, then the checkpoint table. */
static const char *const sink_setup_sql[] = {
    "SET NAMES utf8mb4",
    "SET time_zone = '+00:00'",
    "SET SESSION sql_mode = '" SQLENC_SQL_MODE "'",
    "SET foreign_key_checks = 0",
    "CREATE DATABASE IF NOT EXISTS tandem",
    "CREATE TABLE IF NOT EXISTS tandem.checkpoint ("
    " task VARCHAR(64) NOT NULL PRIMARY KEY,"
    " file VARCHAR(512) NOT NULL,"
    " pos BIGINT UNSIGNED NOT NULL,"
    " gtid VARCHAR(4096) NULL,"
    " updated TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    " ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB",
};

/* Server errors of a replayed DDL that mean "already done". */
static const unsigned ddl_done_errors[] = {
    1007, /* database exists */
    1008, /* database does not exist */
    1050, /* table exists */
    1051, /* unknown table */
    1054, /* unknown column */
    1060, /* duplicate column */
    1061, /* duplicate key name */
    1091, /* can't drop: does not exist */
    1146, /* table does not exist */
};

struct mysink {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    struct sink_opts o;           /* options; strings owned below */
    char *task_lit;               /* the task name as a SQL literal */
    struct sink_cbs cbs;          /* task callbacks */
    void *arg;                    /* their argument */
    enum sink_state state;        /* where the writer is */
    struct myconn *conn;          /* destination connection */
    unsigned step;                /* SETUP step */
    struct sink_table *tables;    /* registry */

    struct sink_txn *head;        /* queue: oldest first */
    struct sink_txn *tail;        /* newest */
    size_t queued;                /* bytes in the queue */
    bool over;                    /* went over queue_bytes */

    /* the batch being applied */
    size_t batch_txns;            /* txns in the batch, from head */
    struct pbuf stmts;            /* statements, NUL-separated */
    size_t next_stmt;             /* offset of the next to send */
    bool batch_is_ddl;            /* the batch is one DDL */
    bool multi;                   /* server takes multi-statements */
    bool in_big;                  /* a large transaction's destination
                                     transaction is open */
    bool batch_big_part;          /* the batch is a part that does not
                                     commit */
    bool joined;                  /* the batch went as one query */
    unsigned ddl_phase;           /* DDL: 0 use, 1 statement, 2 ckpt */

    void (*pre_cb)(struct myconn *, const struct myresult *, const char *,
                   void *);       /* PRECHECK callback */
    void *pre_arg;                /* its argument */
};

static void
set_state(struct mysink *k, enum sink_state s, const char *why)
{
    clog(LOG_DEBUG, k->o.log_ctx, "sink %s -> %s (%s)",
         sink_state_names[k->state], sink_state_names[s], why);
    k->state = s;
}

/* ---- transactions ---- */

struct sink_txn *
sink_txn_new(void)
{
    return calloc(1, sizeof(struct sink_txn));
}

void
sink_txn_free(struct sink_txn *t)
{
    if (t == NULL) {
        return;
    }
    pbuf_free(&t->text);
    free(t->rows);
    free(t->ddl);
    free(t->ddl_db);
    free(t->file);
    free(t->gtid);
    free(t);
}

struct sink_row *
sink_txn_add_row(struct sink_txn *t)
{
    struct sink_row *r;

    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;

        r = realloc(t->rows, cap * sizeof(*r));
        if (r == NULL) {
            return NULL;
        }
        t->rows = r;
        t->cap = cap;
    }
    r = &t->rows[t->nrows++];
    memset(r, 0, sizeof(*r));
    return r;
}

void
sink_txn_span(const struct sink_txn *t, size_t mark, uint32_t *off,
              uint32_t *len)
{
    *off = (uint32_t)mark;
    *len = (uint32_t)(t->text.len - mark);
}

static size_t
txn_bytes(const struct sink_txn *t)
{
    return sizeof(*t) + t->text.cap + t->cap * sizeof(struct sink_row) +
           (t->ddl ? strlen(t->ddl) : 0);
}

/* ---- registry ---- */

static char *
dupstr(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* A string literal for our own values (task name, binlog positions). */
static void
put_text(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

const struct sink_table *
mysink_table(struct mysink *k, const char *db, const char *name, bool has_pk)
{
    struct sink_table *t;
    struct pbuf q = {0};

    for (t = k->tables; t != NULL; t = t->next) {
        if (strcmp(t->db, db) == 0 && strcmp(t->name, name) == 0) {
            t->has_pk = has_pk;
            return t;
        }
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    sqlenc_qualified(&q, db, name);
    pbuf_putc(&q, '\0');
    t->db = dupstr(db);
    t->name = dupstr(name);
    t->qname = q.failed ? NULL : (char *)q.data;
    if (t->db == NULL || t->name == NULL || t->qname == NULL) {
        free(t->db);
        free(t->name);
        pbuf_free(&q);
        free(t);
        return NULL;
    }
    t->has_pk = has_pk;
    t->next = k->tables;
    k->tables = t;
    return t;
}

/* ---- failure ---- */

static void
sink_fail(struct mysink *k, bool fatal, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sink_fail(struct mysink *k, bool fatal, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (k->state == SINK_FAILED) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    set_state(k, SINK_FAILED, msg);
    if (k->conn != NULL) {
        myconn_free(k->conn);
        k->conn = NULL;
    }
    if (k->cbs.on_error != NULL) {
        k->cbs.on_error(k->arg, msg, fatal);
    }
}

static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct mysink *k = arg;

    (void)c;
    sink_fail(k, false, "destination: %s", err);
}

/* ---- statements of a batch ---- */

static const char *
txt(const struct sink_txn *t, uint32_t off)
{
    return (const char *)t->text.data + off;
}

static void
put_span(struct pbuf *b, const struct sink_txn *t, uint32_t off, uint32_t len)
{
    pbuf_put(b, txt(t, off), len);
}

/* Rows of the same kind that one statement can carry. */
enum run_kind {
    RUN_INSERT = 0,   /* INSERT [IGNORE] ... VALUES (...),(...) */
    RUN_UPSERT,       /* INSERT ... ON DUPLICATE KEY UPDATE */
    RUN_DELETE_KEYS,  /* DELETE ... WHERE (key) IN (...) */
    RUN_SINGLE,       /* one statement per row */
};

/* MariaDB runs one statement under another sql_mode with this prefix. */
#define LENIENT_PREFIX \
    "SET STATEMENT sql_mode = '" SQLENC_SQL_MODE_LENIENT "' FOR "

static enum run_kind
row_kind(const struct mysink *k, const struct sink_row *r)
{
    if (r->lenient) {
        return RUN_SINGLE;
    }
    if (r->op == 'i') {
        return k->o.conflict == SINK_CONFLICT_OVERWRITE && r->t->has_pk ?
               RUN_UPSERT : RUN_INSERT;
    }
    if (!r->t->has_pk) {
        return RUN_SINGLE;
    }
    if (r->op == 'd') {
        return RUN_DELETE_KEYS;
    }
    return r->key_changed ? RUN_SINGLE : RUN_UPSERT;
}

/* Whether b can join the statement a started. */
static bool
same_run(const struct mysink *k, const struct sink_txn *ta,
         const struct sink_row *a, const struct sink_txn *tb,
         const struct sink_row *b)
{
    enum run_kind ka = row_kind(k, a);

    if (ka == RUN_SINGLE || ka != row_kind(k, b) || a->t != b->t) {
        return false;
    }
    if (ka == RUN_DELETE_KEYS) {
        return a->kcols_len == b->kcols_len &&
               memcmp(txt(ta, a->kcols_off), txt(tb, b->kcols_off),
                      a->kcols_len) == 0;
    }
    return a->cols_len == b->cols_len &&
           memcmp(txt(ta, a->cols_off), txt(tb, b->cols_off),
                  a->cols_len) == 0 &&
           (ka != RUN_UPSERT || (a->upd_len == b->upd_len &&
                                 memcmp(txt(ta, a->upd_off),
                                        txt(tb, b->upd_off),
                                        a->upd_len) == 0));
}

static void
end_stmt(struct pbuf *b)
{
    pbuf_putc(b, '\0');
}

/* The statements of a row that stands alone (no key, or a key change). */
static void
single_stmts(const struct mysink *k, struct pbuf *b, const struct sink_txn *t,
             const struct sink_row *r)
{
    const char *pre = r->lenient ? LENIENT_PREFIX : "";

    if (r->op == 'i' || (r->op == 'u' && r->t->has_pk && !r->key_changed)) {
        /* only lenient rows come here this way */
        pbuf_puts(b, pre);
        pbuf_puts(b, r->op == 'i' && k->o.conflict == SINK_CONFLICT_ERROR ?
                  "INSERT INTO " : r->op == 'i' && (!r->t->has_pk ||
                  k->o.conflict == SINK_CONFLICT_IGNORE) ?
                  "INSERT IGNORE INTO " : "INSERT INTO ");
        pbuf_puts(b, r->t->qname);
        put_span(b, t, r->cols_off, r->cols_len);
        pbuf_puts(b, " VALUES ");
        put_span(b, t, r->vals_off, r->vals_len);
        if (r->t->has_pk && (r->op == 'u' ||
                             k->o.conflict == SINK_CONFLICT_OVERWRITE)) {
            pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
            put_span(b, t, r->upd_off, r->upd_len);
        }
        end_stmt(b);
        return;
    }
    if (r->op == 'd' && r->t->has_pk) {
        pbuf_puts(b, "DELETE FROM ");
        pbuf_puts(b, r->t->qname);
        pbuf_puts(b, " WHERE ");
        put_span(b, t, r->kcols_off, r->kcols_len);
        pbuf_puts(b, " IN (");
        put_span(b, t, r->key_off, r->key_len);
        pbuf_puts(b, ")");
        end_stmt(b);
        return;
    }
    if (!r->t->has_pk) {
        pbuf_puts(b, pre);
        if (r->op == 'd') {
            pbuf_puts(b, "DELETE FROM ");
            pbuf_puts(b, r->t->qname);
            pbuf_puts(b, " WHERE ");
            put_span(b, t, r->key_off, r->key_len);
            pbuf_puts(b, " LIMIT 1");
        } else {
            pbuf_puts(b, "UPDATE ");
            pbuf_puts(b, r->t->qname);
            pbuf_puts(b, " SET ");
            put_span(b, t, r->set_off, r->set_len);
            pbuf_puts(b, " WHERE ");
            put_span(b, t, r->key_off, r->key_len);
            pbuf_puts(b, " LIMIT 1");
        }
        end_stmt(b);
        return;
    }
    /* An update that moves the key: the old row goes, the new one is
     * written (an update of a missing row becomes an insert). */
    (void)k;
    pbuf_puts(b, "DELETE FROM ");
    pbuf_puts(b, r->t->qname);
    pbuf_puts(b, " WHERE ");
    put_span(b, t, r->kcols_off, r->kcols_len);
    pbuf_puts(b, " IN (");
    put_span(b, t, r->key_off, r->key_len);
    pbuf_puts(b, ")");
    end_stmt(b);
    pbuf_puts(b, pre);
    pbuf_puts(b, "INSERT INTO ");
    pbuf_puts(b, r->t->qname);
    put_span(b, t, r->cols_off, r->cols_len);
    pbuf_puts(b, " VALUES ");
    put_span(b, t, r->vals_off, r->vals_len);
    pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
    put_span(b, t, r->upd_off, r->upd_len);
    end_stmt(b);
}

/* Builds the statements of txns [from, to) into k->stmts, opening the
 * destination transaction when begin is set. */
static void
build_batch(struct mysink *k, struct sink_txn *from, struct sink_txn *to,
            bool begin)
{
    struct pbuf *b = &k->stmts;
    const struct sink_txn *rt = NULL;   /* txn of the open run's first row */
    const struct sink_row *rr = NULL;   /* the open run's first row */
    size_t in_run = 0;
    struct sink_txn *t;
    size_t i;

    pbuf_reset(b);
    if (begin) {
        pbuf_puts(b, "START TRANSACTION");
        end_stmt(b);
    }
    for (t = from; t != to; t = t->next) {
        for (i = 0; i < t->nrows; i++) {
            const struct sink_row *r = &t->rows[i];
            enum run_kind kind = row_kind(k, r);

            if (rr != NULL && in_run < k->o.batch_rows &&
                b->len < SINK_MAX_STATEMENT &&
                same_run(k, rt, rr, t, r)) {
                pbuf_putc(b, ',');
                put_span(b, t, kind == RUN_DELETE_KEYS ? r->key_off :
                         r->vals_off, kind == RUN_DELETE_KEYS ? r->key_len :
                         r->vals_len);
                in_run++;
                continue;
            }
            if (rr != NULL) {
                /* close the open run */
                if (row_kind(k, rr) == RUN_DELETE_KEYS) {
                    pbuf_putc(b, ')');
                } else if (row_kind(k, rr) == RUN_UPSERT) {
                    pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
                    put_span(b, rt, rr->upd_off, rr->upd_len);
                }
                end_stmt(b);
                rr = NULL;
            }
            switch (kind) {
            case RUN_SINGLE:
                single_stmts(k, b, t, r);
                continue;
            case RUN_DELETE_KEYS:
                pbuf_puts(b, "DELETE FROM ");
                pbuf_puts(b, r->t->qname);
                pbuf_puts(b, " WHERE ");
                put_span(b, t, r->kcols_off, r->kcols_len);
                pbuf_puts(b, " IN (");
                put_span(b, t, r->key_off, r->key_len);
                break;
            case RUN_INSERT:
                pbuf_puts(b, k->o.conflict == SINK_CONFLICT_ERROR ?
                          "INSERT INTO " : "INSERT IGNORE INTO ");
                pbuf_puts(b, r->t->qname);
                put_span(b, t, r->cols_off, r->cols_len);
                pbuf_puts(b, " VALUES ");
                put_span(b, t, r->vals_off, r->vals_len);
                break;
            case RUN_UPSERT:
                pbuf_puts(b, "INSERT INTO ");
                pbuf_puts(b, r->t->qname);
                put_span(b, t, r->cols_off, r->cols_len);
                pbuf_puts(b, " VALUES ");
                put_span(b, t, r->vals_off, r->vals_len);
                break;
            }
            rr = r;
            rt = t;
            in_run = 1;
        }
    }
    if (rr != NULL) {
        if (row_kind(k, rr) == RUN_DELETE_KEYS) {
            pbuf_putc(b, ')');
        } else if (row_kind(k, rr) == RUN_UPSERT) {
            pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
            put_span(b, rt, rr->upd_off, rr->upd_len);
        }
        end_stmt(b);
    }
}

/* The checkpoint upsert for the position after txn last. */
static void
put_checkpoint(struct mysink *k, struct pbuf *b, const struct sink_txn *last)
{
    pbuf_puts(b, "INSERT INTO tandem.checkpoint (task, file, pos, gtid) "
                 "VALUES (");
    pbuf_puts(b, k->task_lit);
    pbuf_putc(b, ',');
    put_text(b, last->file ? last->file : "");
    pbuf_putc(b, ',');
    pbuf_put_u64(b, last->pos);
    pbuf_putc(b, ',');
    if (last->gtid != NULL) {
        put_text(b, last->gtid);
    } else {
        pbuf_puts(b, "NULL");
    }
    pbuf_puts(b, ") ON DUPLICATE KEY UPDATE file = VALUES(file), "
                 "pos = VALUES(pos), gtid = VALUES(gtid)");
    end_stmt(b);
}

/* ---- applying ---- */

static void kick(struct mysink *k);

static bool
ddl_already_done(const char *err)
{
    unsigned code = (unsigned)strtoul(err, NULL, 10);
    size_t i;

    for (i = 0; i < sizeof(ddl_done_errors) / sizeof(ddl_done_errors[0]);
         i++) {
        if (code == ddl_done_errors[i]) {
            return true;
        }
    }
    return false;
}

/* The batch committed: free its transactions, tell the task. */
static void
batch_done(struct mysink *k)
{
    struct sink_txn *t, *last = NULL;
    char *file = NULL;
    uint64_t pos = 0;

    /* Exactly the batch's transactions: more may have been queued behind
     * them while it ran. */
    while (k->batch_txns > 0 && k->head != NULL) {
        k->batch_txns--;
        t = k->head;
        k->head = t->next;
        k->queued -= t->bytes;
        if (last != NULL) {
            sink_txn_free(last);
        }
        last = t;
    }
    if (k->head == NULL) {
        k->tail = NULL;
    }
    if (last != NULL) {
        file = last->file;
        last->file = NULL;
        pos = last->pos;
        sink_txn_free(last);
    }
    set_state(k, SINK_READY, k->batch_big_part ? "part applied" :
              "batch committed");
    if (file != NULL && !k->batch_big_part && k->cbs.on_applied != NULL) {
        k->cbs.on_applied(k->arg, file, pos);
    }
    free(file);
    if (k->over && k->queued <= k->o.queue_bytes / 2) {
        k->over = false;
        if (k->cbs.on_drained != NULL) {
            k->cbs.on_drained(k->arg);
        }
    }
}

static void send_next(struct mysink *k);

static void
on_stmt(struct myconn *c, const struct myresult *res, const char *err,
        void *arg)
{
    struct mysink *k = arg;
    const char *stmt = (const char *)k->stmts.data + k->next_stmt;

    (void)c;
    (void)res;
    if (k->state != SINK_APPLYING) {
        return;
    }
    if (err != NULL) {
        unsigned code = (unsigned)strtoul(err, NULL, 10);

        if (k->batch_is_ddl && k->ddl_phase == 1 && ddl_already_done(err)) {
            clog(LOG_WARN, k->o.log_ctx, "DDL already applied at the "
                 "destination (%s): going on", err);
        } else if (code == 1213 || code == 1205) {
            sink_fail(k, false, "destination: %s (retrying the batch)",
                      err);
            return;
        } else if (code == 1062) {
            sink_fail(k, true, "conflict at the destination: %s — the "
                      "destination already has a row with this key; set "
                      "\"conflict\" to \"ignore\" or \"overwrite\", or "
                      "remove the row (statement: %.120s)", err, stmt);
            return;
        } else {
            sink_fail(k, true, "destination refused a statement: %s "
                      "(statement: %.160s)", err, stmt);
            return;
        }
    }
    k->next_stmt += strlen(stmt) + 1;
    if (k->joined) {
        k->next_stmt = k->stmts.len;
    }
    if (k->batch_is_ddl) {
        k->ddl_phase++;
    }
    if (k->next_stmt >= k->stmts.len) {
        batch_done(k);
        kick(k);
        return;
    }
    send_next(k);
}

static void
send_next(struct mysink *k)
{
    const char *stmt = (const char *)k->stmts.data + k->next_stmt;

    clog(LOG_TRACE, k->o.log_ctx, "destination <- %.200s", stmt);
    if (myconn_query(k->conn, stmt, on_stmt, k) != 0) {
        sink_fail(k, false, "destination connection not ready");
    }
}

/* Starts the next batch if the connection is free and work is queued. */
static void
kick(struct mysink *k)
{
    struct sink_txn *t, *last;
    size_t rows = 0;

    if (k->state != SINK_READY || k->head == NULL) {
        return;
    }
    pbuf_reset(&k->stmts);
    k->next_stmt = 0;
    k->batch_txns = 0;
    if (k->head->ddl != NULL && !k->in_big) {
        t = k->head;
        k->batch_is_ddl = true;
        k->ddl_phase = 0;
        pbuf_puts(&k->stmts, "USE ");
        {
            const char *db = t->ddl_db != NULL && t->ddl_db[0] != '\0' ?
                             t->ddl_db : "tandem";

            sqlenc_ident(&k->stmts, db, strlen(db));
        }
        end_stmt(&k->stmts);
        pbuf_puts(&k->stmts, t->ddl);
        end_stmt(&k->stmts);
        put_checkpoint(k, &k->stmts, t);
        k->batch_txns = 1;
    } else if (k->in_big || k->head->partial) {
        /* One part of a large transaction: opened by its first part,
         * committed by its last (the one with a position). */
        t = k->head;
        k->batch_is_ddl = false;
        build_batch(k, t, t->next, !k->in_big);
        k->batch_txns = 1;
        k->batch_big_part = t->partial;
        if (!t->partial) {
            put_checkpoint(k, &k->stmts, t);
            pbuf_puts(&k->stmts, "COMMIT");
            end_stmt(&k->stmts);
        }
        k->in_big = t->partial;
        if (k->stmts.len == 0) {
            /* a part without rows: nothing to send */
            pbuf_puts(&k->stmts, "DO 0");
            end_stmt(&k->stmts);
        }
    } else {
        k->batch_is_ddl = false;
        k->batch_big_part = false;
        last = NULL;
        for (t = k->head; t != NULL && t->ddl == NULL && !t->partial;
             t = t->next) {
            if (last != NULL && (k->batch_txns >= k->o.batch_txns ||
                                 rows + t->nrows > k->o.batch_rows)) {
                break;
            }
            rows += t->nrows;
            k->batch_txns++;
            last = t;
        }
        build_batch(k, k->head, t, true);
        put_checkpoint(k, &k->stmts, last);
        pbuf_puts(&k->stmts, "COMMIT");
        end_stmt(&k->stmts);
    }
    if (k->stmts.failed) {
        sink_fail(k, true, "out of memory building statements");
        return;
    }
    set_state(k, SINK_APPLYING, "batch");
    if (!k->batch_is_ddl && k->multi && k->stmts.len <= SINK_MAX_BATCH) {
        /* One round trip: the statements joined as a multi-statement;
         * the server stops at the first error, which leaves the
         * transaction uncommitted. */
        size_t i;

        for (i = 0; i + 1 < k->stmts.len; i++) {
            if (k->stmts.data[i] == '\0') {
                k->stmts.data[i] = ';';
            }
        }
        k->joined = true;
    } else {
        k->joined = false;
    }
    send_next(k);
}

bool
mysink_push(struct mysink *k, struct sink_txn *t)
{
    t->bytes = txn_bytes(t);
    t->next = NULL;
    if (k->tail != NULL) {
        k->tail->next = t;
    } else {
        k->head = t;
    }
    k->tail = t;
    k->queued += t->bytes;
    kick(k);
    if (k->queued > k->o.queue_bytes) {
        k->over = true;
    }
    return !k->over;
}

bool
mysink_idle(const struct mysink *k)
{
    return k->head == NULL && k->state == SINK_READY && !k->in_big;
}

/* ---- connecting and the checkpoint ---- */

static void
on_checkpoint(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct mysink *k = arg;
    char file[600], gtid[4200], pos[32];
    const struct span *v;

    (void)c;
    if (err != NULL) {
        sink_fail(k, true, "cannot read the checkpoint at the destination: "
                  "%s", err);
        return;
    }
    set_state(k, SINK_READY, "checkpoint read");
    if (res == NULL || res->nrows == 0) {
        k->cbs.on_ready(k->arg, NULL, 0, NULL);
        return;
    }
    v = res->cells;
    snprintf(file, sizeof(file), "%.*s", (int)v[0].len,
             v[0].p ? (const char *)v[0].p : "");
    snprintf(pos, sizeof(pos), "%.*s", (int)v[1].len,
             v[1].p ? (const char *)v[1].p : "0");
    snprintf(gtid, sizeof(gtid), "%.*s", (int)v[2].len,
             v[2].p ? (const char *)v[2].p : "");
    k->cbs.on_ready(k->arg, file, strtoull(pos, NULL, 10),
                    res->nulls[2] ? NULL : gtid);
}

static void
on_setup(struct myconn *c, const struct myresult *res, const char *err,
         void *arg)
{
    struct mysink *k = arg;
    struct pbuf q = {0};

    (void)c;
    (void)res;
    if (err != NULL) {
        sink_fail(k, true, "cannot prepare the destination session (%s): %s"
                  " — the account needs CREATE on the tandem database and "
                  "INSERT/UPDATE/DELETE on the replicated tables",
                  sink_setup_sql[k->step], err);
        return;
    }
    k->step++;
    if (k->step < sizeof(sink_setup_sql) / sizeof(sink_setup_sql[0])) {
        if (myconn_query(k->conn, sink_setup_sql[k->step], on_setup, k) !=
            0) {
            sink_fail(k, false, "destination connection not ready");
        }
        return;
    }
    set_state(k, SINK_CHECKPOINT, "session ready");
    pbuf_puts(&q, "SELECT file, pos, gtid FROM tandem.checkpoint WHERE "
                  "task = ");
    pbuf_puts(&q, k->task_lit);
    pbuf_putc(&q, '\0');
    if (q.failed || myconn_query(k->conn, (const char *)q.data,
                                 on_checkpoint, k) != 0) {
        sink_fail(k, false, "destination connection not ready");
    }
    pbuf_free(&q);
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct mysink *k = arg;

    (void)c;
    k->multi = (myconn_capabilities(k->conn) &
                MYSQL_CLIENT_MULTI_STATEMENTS) != 0;
    set_state(k, SINK_SETUP, "connected");
    k->step = 0;
    if (myconn_query(k->conn, sink_setup_sql[0], on_setup, k) != 0) {
        sink_fail(k, false, "destination connection not ready");
    }
}

struct mysink *
mysink_new(struct event_base *base, struct evdns_base *dns,
           const struct sink_opts *opts, const struct sink_cbs *cbs,
           void *arg)
{
    struct mysink *k = calloc(1, sizeof(*k));
    struct pbuf h = {0};

    if (k == NULL) {
        return NULL;
    }
    k->base = base;
    k->dns = dns;
    k->o = *opts;
    k->cbs = *cbs;
    k->arg = arg;
    if (k->o.batch_rows == 0) {
        k->o.batch_rows = 1000;
    }
    if (k->o.batch_txns == 0) {
        k->o.batch_txns = 100;
    }
    if (k->o.queue_bytes == 0) {
        k->o.queue_bytes = 64u * 1024u * 1024u;
    }
    put_text(&h, opts->task);
    pbuf_putc(&h, '\0');
    k->task_lit = h.failed ? NULL : (char *)h.data;
    if (k->task_lit == NULL) {
        pbuf_free(&h);
        free(k);
        return NULL;
    }
    return k;
}

int
mysink_start(struct mysink *k)
{
    struct myconn_opts o;

    memset(&o, 0, sizeof(o));
    o.host = k->o.host;
    o.port = k->o.port;
    o.user = k->o.user;
    o.password = k->o.password;
    o.tls = k->o.tls;
    o.ca_file = k->o.ca_file;
    o.connect_timeout_ms = 10000;
    o.log_ctx = k->o.log_ctx;
    k->conn = myconn_new(k->base, k->dns, &o);
    if (k->conn == NULL) {
        return -1;
    }
    myconn_set_io_timeout(k->conn, 600000);
    set_state(k, SINK_CONNECTING, "start");
    return myconn_connect(k->conn, on_ready, on_conn_error, k);
}

static void
on_precheck(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct mysink *k = arg;

    set_state(k, SINK_READY, "precheck answered");
    k->pre_cb(c, res, err, k->pre_arg);
    kick(k);
}

int
mysink_query(struct mysink *k, const char *sql,
             void (*cb)(struct myconn *c, const struct myresult *res,
                        const char *err, void *arg),
             void *arg)
{
    if (k->state != SINK_READY || k->head != NULL) {
        return -1;
    }
    k->pre_cb = cb;
    k->pre_arg = arg;
    set_state(k, SINK_PRECHECK, "query");
    if (myconn_query(k->conn, sql, on_precheck, k) != 0) {
        set_state(k, SINK_READY, "query refused");
        return -1;
    }
    return 0;
}

void
mysink_free(struct mysink *k)
{
    struct sink_table *t;

    if (k == NULL) {
        return;
    }
    if (k->conn != NULL) {
        myconn_free(k->conn);
    }
    while (k->head != NULL) {
        struct sink_txn *n = k->head->next;

        sink_txn_free(k->head);
        k->head = n;
    }
    while ((t = k->tables) != NULL) {
        k->tables = t->next;
        free(t->qname);
        free(t->db);
        free(t->name);
        free(t);
    }
    pbuf_free(&k->stmts);
    free(k->task_lit);
    free(k);
}
