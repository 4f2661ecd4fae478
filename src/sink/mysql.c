/*
 * mysql.c - the MySQL/MariaDB destination writer (see mysql.h).
 *
 * Worker 0 connects first and prepares the destination:
 *
 *   CONNECTING -> SETUP (session, checkpoint table, one query each)
 *   -> CHECKPOINT (read every worker's row) -> NORMALIZE (one row left)
 *   -> UNIQUE (which tables have unique keys besides the primary key)
 *   -> READY
 *
 * then the other workers connect and set up their sessions.  Source
 * transactions are dispatched in source order, a run of them per batch
 * and one batch per free worker; a batch waits while it would write a
 * row (or, for tables that cannot be ordered by key, a table) that a
 * running batch writes, so changes to one row apply in source order.
 * DDL and the parts of a transaction larger than the queue are barriers:
 * they run alone.
 *
 * Exactly once with parallel batches: each batch's destination
 * transaction upserts its worker's row of tandem.checkpoint with the low
 * watermark (every transaction up to it is committed) and the ranges of
 * transactions the worker committed above it, this batch's included.  On
 * start the highest watermark of the rows is where the source resumes,
 * and every transaction inside a recorded range above it is skipped: it
 * is already there.  A batch that starts at the oldest unfinished
 * transaction writes its own end as the watermark and needs no range.
 *
 * Buffers: a worker keeps its statement text and key set from batch to
 * batch while work keeps coming; once nothing is queued, idle workers
 * and the batch builder give theirs back (trim_idle()): an idle writer
 * holds no batch memory.  What bursts of transactions left free in the
 * process's heap goes back to the system too: a second after a writer
 * went idle having freed a MiB or more, malloc_trim() runs once for all
 * (otherwise a host of idle tasks keeps the resident size of its
 * busiest moment).
 */
#include "src/sink/mysql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>

#include "proto/mysql/packet.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/sink/mysql_int.h"
#include "src/source/myconn.h"

#define SINK_STATES(X) \
    X(INIT)            \
    X(CONNECTING)      \
    X(SETUP)           \
    X(CHECKPOINT)      \
    X(NORMALIZE)       \
    X(UNIQUE)          \
    X(READY)           \
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

/* What a worker is doing. */
enum worker_state {
    WORKER_OFF = 0,      /* not connected */
    WORKER_CONNECTING,   /* connecting, session set-up */
    WORKER_READY,        /* idle */
    WORKER_BUSY,         /* a batch or a query runs */
    WORKER_STATE_COUNT   /* sentinel */
};

/* What a worker's statements are. */
enum batch_kind {
    BATCH_ROWS = 0,      /* source transactions, committed with the row */
    BATCH_PART,          /* a part of a large transaction, not committed */
    BATCH_DDL,           /* USE, the DDL, the checkpoint row */
    BATCH_CONTROL,       /* the writer's own statements */
    BATCH_KIND_COUNT     /* sentinel */
};

/* Where a source transaction is in the writer (sink_txn.state). */
enum txn_state {
    TXN_QUEUED = 0,      /* waiting for a worker */
    TXN_RUNNING,         /* in a batch being applied */
    TXN_DONE,            /* committed */
    TXN_SKIPPED,         /* found committed before a restart */
};

/* Times a batch is sent again after a deadlock before the task restarts
 * from its checkpoint. */
#define SINK_MAX_RETRIES 5
/* Largest batch sent as one multi-statement query; a larger one goes
 * statement by statement. */
#define SINK_MAX_BATCH (8u * 1024u * 1024u)
/* Largest statement buffer a worker keeps between batches. */
#define SINK_KEEP_BUFFER (1u << 20)
/* Most workers (the spec's bound). */
#define SINK_MAX_WORKERS 64
/* Bytes freed, process-wide, after which an idle writer has the heap's
 * free pages given back to the system, SINK_TRIM_DELAY_MS later (the
 * other writers of a burst go idle meanwhile). */
#define SINK_TRIM_BYTES (1u << 20)
#define SINK_TRIM_DELAY_MS 1000

/* The writers of a process share its heap (one thread): what they freed
 * since the last malloc_trim() and the timer that runs it, on the loop
 * of the first writer alive (writers of other loops do without). */
static struct {
    struct event *ev;             /* one-shot: trim (owned), or NULL */
    struct event_base *base;      /* its loop */
    unsigned users;               /* writers alive on that loop */
    size_t freed;                 /* bytes freed since the last trim */
} sink_heap;

/* Session set-up of every worker: the settings the literals of
 * proto/mysql/sqlenc.h rely on. */
static const char *const sink_session_sql[] = {
    "SET NAMES utf8mb4",
    "SET time_zone = '+00:00'",
    "SET SESSION sql_mode = '" SQLENC_SQL_MODE "'",
    "SET foreign_key_checks = 0",
};

/* Then worker 0: the checkpoint table, one row per task and worker. */
static const char *const sink_table_sql[] = {
    "CREATE DATABASE IF NOT EXISTS tandem",
    ("CREATE TABLE IF NOT EXISTS tandem.checkpoint ("
     " task VARCHAR(64) NOT NULL,"
     " worker SMALLINT UNSIGNED NOT NULL DEFAULT 0,"
     " file VARCHAR(512) NOT NULL,"
     " pos BIGINT UNSIGNED NOT NULL,"
     " gtid VARCHAR(4096) NULL,"
     " applied MEDIUMTEXT NULL,"
     " updated TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
     " ON UPDATE CURRENT_TIMESTAMP(6),"
     " PRIMARY KEY (task, worker)) ENGINE=InnoDB"),
    /* a table of one row per task becomes one row per task and worker */
    ("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ="
     " 'tandem' AND TABLE_NAME = 'checkpoint' AND COLUMN_NAME = 'worker'"),
};

static const char sink_upgrade_sql[] =
    "ALTER TABLE tandem.checkpoint"
    " ADD COLUMN worker SMALLINT UNSIGNED NOT NULL DEFAULT 0 AFTER task,"
    " ADD COLUMN applied MEDIUMTEXT NULL AFTER gtid,"
    " DROP PRIMARY KEY, ADD PRIMARY KEY (task, worker)";

/* Destination tables with a unique key besides the primary key: their
 * rows are ordered by table, not by key. */
static const char sink_unique_sql[] =
    "SELECT DISTINCT TABLE_SCHEMA, TABLE_NAME FROM information_schema."
    "STATISTICS WHERE NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' AND "
    "TABLE_SCHEMA NOT IN ('mysql', 'information_schema', "
    "'performance_schema', 'sys', 'tandem')";

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

/* One destination connection. */
struct sink_worker {
    struct mysink *k;             /* owner */
    unsigned id;                  /* 0.. workers - 1 */
    struct myconn *conn;          /* connection, or NULL */
    enum worker_state state;      /* ... */
    unsigned step;                /* set-up step */
    bool upgrading;               /* set-up: upgrading the checkpoint table */

    /* the batch being applied */
    enum batch_kind kind;         /* ... */
    struct sink_txn *first;       /* its first transaction */
    size_t ntxns;                 /* transactions from first */
    struct pbuf stmts;            /* statements, NUL-separated */
    size_t next_stmt;             /* offset of the next to send */
    bool joined;                  /* sent as one multi-statement */
    unsigned ddl_phase;           /* DDL: 0 use, 1 statement, 2 row */
    bool in_big;                  /* the batch is a part of a large
                                     transaction (the last one too) */
    bool whole;                   /* the batch is a whole destination
                                     transaction: it can be sent again */
    unsigned retries;             /* sent again after a deadlock */

    /* keys the batch writes (open addressing; 0 is empty) */
    uint64_t *keys;               /* owned */
    size_t nkeys, key_slots;      /* used, allocated (power of two) */

    struct binpos_ranges applied;   /* committed above the watermark */
    char *row_file;               /* the watermark the batch's row */
    uint64_t row_pos;             /* writes (owned), or NULL */
};

struct mysink {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    struct sink_opts o;           /* options; strings borrowed */
    char *task_lit;               /* the task name as a SQL literal */
    struct sink_cbs cbs;          /* task callbacks */
    void *arg;                    /* their argument */
    enum sink_state state;        /* where the writer is */
    struct sink_table *tables;    /* registry */
    struct pbuf unique;           /* "db\0table\0" pairs with unique2 */
    bool refreshing;              /* re-reading unique keys after a DDL */

    struct sink_worker *w;        /* workers (owned array) */
    unsigned nworkers;            /* ... */
    unsigned busy;                /* workers applying */
    struct sink_worker *big;      /* holds a large transaction open */
    struct sink_worker *barrier;  /* runs a batch that runs alone */
    struct sink_builder builder;  /* statements of a batch */
    uint64_t *scratch;            /* key hashes of one transaction */
    size_t nscratch;              /* ... allocated */
    struct event *kick_ev;        /* dispatch after the current burst */

    struct sink_txn *head;        /* queue: oldest unfinished first */
    struct sink_txn *tail;        /* newest */
    struct sink_txn *next;        /* oldest queued (not dispatched) */
    size_t queued;                /* bytes in the queue */
    bool over;                    /* went over queue_bytes */

    char *lwm_file;               /* low watermark: every transaction */
    uint64_t lwm_pos;             /* up to it is committed; NULL file */
    char *lwm_gtid;               /* before the first commit */
    struct binpos_ranges skip;      /* committed before a restart */
    char *saved_file;             /* the highest watermark a committed */
    uint64_t saved_pos;           /* row holds; NULL: none */

    uint64_t n_rows;              /* row changes committed */
    uint64_t n_txns;              /* source transactions committed */
    uint64_t n_sent;              /* statement bytes sent */
    bool closing_big;             /* the last freed was a part: the next
                                     ends a large transaction */

    void (*pre_cb)(struct myconn *, const struct myresult *, const char *,
                   void *);       /* query callback (prechecks) */
    void *pre_arg;                /* its argument */
    char *pre_sql;                /* that query, waiting for worker 0 to
                                     finish a checkpoint write (owned) */
};

static void kick(struct mysink *k);
static void start_workers(struct mysink *k);

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
mysink_table(struct mysink *k, const char *db, const char *name, bool has_pk,
             bool keyed)
{
    struct sink_table *t;
    struct pbuf q = {0};

    for (t = k->tables; t != NULL; t = t->next) {
        if (strcmp(t->db, db) == 0 && strcmp(t->name, name) == 0) {
            t->has_pk = has_pk;
            t->keyed = keyed;
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
    t->keyed = keyed;
    t->unique2 = pbuf_has_pair(&k->unique, db, name);
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
    unsigned i;

    if (k->state == SINK_FAILED) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    set_state(k, SINK_FAILED, msg);
    for (i = 0; i < k->nworkers; i++) {
        if (k->w[i].conn != NULL) {
            myconn_free(k->w[i].conn);
            k->w[i].conn = NULL;
        }
        k->w[i].state = WORKER_OFF;
    }
    if (k->cbs.on_error != NULL) {
        k->cbs.on_error(k->arg, msg, fatal);
    }
}

static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct sink_worker *w = arg;

    (void)c;
    sink_fail(w->k, false, "destination: %s", err);
}

/* ---- keys of running batches ---- */

/* The keys a row writes: its old and new key in a table ordered by key,
 * else the table itself.  Returns how many (1 or 2). */
static unsigned
row_keys(const struct sink_txn *t, const struct sink_row *r, uint64_t h[2])
{
    uint64_t seed = (uint64_t)(uintptr_t)r->t;
    unsigned n = 0;

    if (!sink_table_by_key(r->t)) {
        h[0] = sink_hash(seed, "", 0);
        return 1;
    }
    if (r->op != 'i') {
        h[n++] = sink_hash(seed, t->text.data + r->key_off, r->key_len);
    }
    if (r->op != 'd' && (r->op != 'u' || r->key_changed)) {
        h[n++] = sink_hash(seed, t->text.data + r->nkey_off, r->nkey_len);
    }
    return n;
}

static bool
worker_holds(const struct sink_worker *w, uint64_t h)
{
    size_t mask, i;

    if (w->nkeys == 0) {
        return false;
    }
    h |= 1;
    mask = w->key_slots - 1;
    for (i = h & mask; w->keys[i] != 0; i = (i + 1) & mask) {
        if (w->keys[i] == h) {
            return true;
        }
    }
    return false;
}

static int
worker_hold(struct sink_worker *w, uint64_t h)
{
    size_t mask, i;

    h |= 1;             /* 0 marks an empty slot */
    if ((w->nkeys + 1) * 2 > w->key_slots) {
        size_t n = w->key_slots ? w->key_slots * 2 : 256, j;
        uint64_t *s = calloc(n, sizeof(*s));

        if (s == NULL) {
            return -1;
        }
        for (j = 0; j < w->key_slots; j++) {
            if (w->keys[j] != 0) {
                i = w->keys[j] & (n - 1);
                while (s[i] != 0) {
                    i = (i + 1) & (n - 1);
                }
                s[i] = w->keys[j];
            }
        }
        free(w->keys);
        w->keys = s;
        w->key_slots = n;
    }
    mask = w->key_slots - 1;
    for (i = h & mask; w->keys[i] != 0; i = (i + 1) & mask) {
        if (w->keys[i] == h) {
            return 0;
        }
    }
    w->keys[i] = h;
    w->nkeys++;
    return 0;
}

static void
worker_release(struct sink_worker *w)
{
    if (w->nkeys > 0) {
        memset(w->keys, 0, w->key_slots * sizeof(*w->keys));
        w->nkeys = 0;
    }
}

/* Claims txn t's keys for worker w: hashes them once, then, unless
 * another worker's running batch writes one of them, holds them all.
 * Returns 1 when claimed, 0 when t must wait, -1 when out of memory. */
static int
claim_txn(struct mysink *k, struct sink_worker *w, const struct sink_txn *t)
{
    size_t i, n = 0;
    unsigned j;

    if (t->nrows * 2 > k->nscratch) {
        uint64_t *p = realloc(k->scratch, t->nrows * 2 * sizeof(*p));

        if (p == NULL) {
            return -1;
        }
        k->scratch = p;
        k->nscratch = t->nrows * 2;
    }
    for (i = 0; i < t->nrows; i++) {
        n += row_keys(t, &t->rows[i], &k->scratch[n]);
    }
    for (i = 0; k->busy > 0 && i < n; i++) {
        for (j = 0; j < k->nworkers; j++) {
            if (&k->w[j] != w && k->w[j].state == WORKER_BUSY &&
                worker_holds(&k->w[j], k->scratch[i])) {
                return 0;
            }
        }
    }
    for (i = 0; i < n; i++) {
        if (worker_hold(w, k->scratch[i]) != 0) {
            return -1;
        }
    }
    return 1;
}

/* ---- the checkpoint row ---- */

/* The upsert of worker w's row: watermark (file, pos, gtid) and the
 * ranges it committed above it. */
static void
put_checkpoint(struct mysink *k, struct pbuf *b, struct sink_worker *w,
               const char *file, uint64_t pos, const char *gtid)
{
    free(w->row_file);
    w->row_file = dupstr(file);
    w->row_pos = pos;
    pbuf_puts(b, "INSERT INTO tandem.checkpoint (task, worker, file, pos, "
                 "gtid, applied) VALUES (");
    pbuf_puts(b, k->task_lit);
    pbuf_printf(b, ",%u,", w->id);
    put_text(b, file != NULL ? file : "");
    pbuf_putc(b, ',');
    pbuf_put_u64(b, pos);
    pbuf_putc(b, ',');
    if (gtid != NULL) {
        put_text(b, gtid);
    } else {
        pbuf_puts(b, "NULL");
    }
    pbuf_putc(b, ',');
    if (w->applied.n > 0) {
        struct pbuf r = {0};

        binpos_ranges_put(&r, &w->applied);
        sqlenc_text(b, (const char *)r.data, r.len);
        b->failed |= r.failed;
        pbuf_free(&r);
    } else {
        pbuf_puts(b, "NULL");
    }
    pbuf_puts(b, ") ON DUPLICATE KEY UPDATE file = VALUES(file), "
                 "pos = VALUES(pos), gtid = VALUES(gtid), "
                 "applied = VALUES(applied)");
    pbuf_putc(b, '\0');
}

/* The checkpoint row of a batch ending with txn last: a batch at the
 * queue's head has everything before it committed, so its own end is the
 * watermark; another records its range above the current watermark. */
static int
put_batch_checkpoint(struct mysink *k, struct sink_worker *w,
                     const struct sink_txn *last)
{
    if (w->first == k->head) {
        binpos_ranges_prune(&w->applied, last->file, last->pos);
        put_checkpoint(k, &w->stmts, w, last->file, last->pos, last->gtid);
        return 0;
    }
    binpos_ranges_prune(&w->applied, k->lwm_file, k->lwm_pos);
    if (binpos_ranges_add(&w->applied, w->first->file, w->first->pos, last->file,
                   last->pos) != 0) {
        return -1;
    }
    put_checkpoint(k, &w->stmts, w, k->lwm_file, k->lwm_pos, k->lwm_gtid);
    return 0;
}

/* ---- applying ---- */

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

/* Frees the finished transactions at the queue's head, moves the
 * watermark past them and tells the task. */
static void
advance(struct mysink *k)
{
    struct sink_txn *t;
    bool moved = false;
    uint64_t src_us = 0;

    while ((t = k->head) != NULL &&
           (t->state == TXN_DONE || t->state == TXN_SKIPPED)) {
        k->head = t->next;
        if (k->next == t) {
            k->next = t->next;
        }
        k->queued -= t->bytes;
        sink_heap.freed += t->bytes;
        if (t->src_us > src_us) {
            src_us = t->src_us;
        }
        if (t->state == TXN_DONE) {
            k->n_rows += t->nrows;
            if (t->file != NULL && (t->nrows > 0 || t->ddl != NULL ||
                                    k->closing_big)) {
                k->n_txns++;    /* not the empty ones moving the
                                   checkpoint */
            }
        }
        k->closing_big = t->partial;
        if (t->file != NULL) {
            free(k->lwm_file);
            free(k->lwm_gtid);
            k->lwm_file = t->file;
            k->lwm_pos = t->pos;
            k->lwm_gtid = t->gtid;
            t->file = NULL;
            t->gtid = NULL;
            moved = true;
        }
        sink_txn_free(t);
    }
    if (k->head == NULL) {
        k->tail = NULL;
    }
    if (src_us != 0 && k->cbs.on_src_applied != NULL) {
        k->cbs.on_src_applied(k->arg, src_us);
    }
    if (moved) {
        binpos_ranges_prune(&k->skip, k->lwm_file, k->lwm_pos);
        if (k->cbs.on_applied != NULL) {
            k->cbs.on_applied(k->arg, k->lwm_file, k->lwm_pos);
        }
    }
    if (k->over && k->queued <= k->o.queue_bytes / 2) {
        k->over = false;
        if (k->cbs.on_drained != NULL) {
            k->cbs.on_drained(k->arg);
        }
    }
}

static void refresh_unique(struct sink_worker *w);

/* Worker w's batch committed (or its part ran). */
static void
batch_done(struct sink_worker *w)
{
    struct mysink *k = w->k;
    struct sink_txn *t = w->first;
    size_t i;

    for (i = 0; i < w->ntxns && t != NULL; i++, t = t->next) {
        t->state = TXN_DONE;
    }
    w->first = NULL;
    w->ntxns = 0;
    worker_release(w);
    if (w->stmts.cap > SINK_KEEP_BUFFER) {
        pbuf_free(&w->stmts);   /* a large batch's text goes back */
    }
    if (w->row_file != NULL && (k->saved_file == NULL ||
                                binpos_cmp(w->row_file, w->row_pos,
                                        k->saved_file, k->saved_pos) > 0)) {
        free(k->saved_file);
        k->saved_file = w->row_file;
        k->saved_pos = w->row_pos;
        w->row_file = NULL;
    }
    free(w->row_file);
    w->row_file = NULL;
    w->state = WORKER_READY;
    k->busy--;
    if (k->barrier == w) {
        k->barrier = NULL;
    }
    if (w->kind == BATCH_DDL) {
        refresh_unique(w);      /* a DDL may add or drop a unique key */
    }
    advance(k);
    kick(k);
}

static void send_next(struct sink_worker *w);

static void
on_rollback(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct sink_worker *w = arg;

    (void)c;
    (void)res;
    if (w->k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(w->k, false, "destination: %s", err);
        return;
    }
    w->next_stmt = 0;
    send_next(w);
}

static void
on_stmt(struct myconn *c, const struct myresult *res, const char *err,
        void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;
    const char *stmt = (const char *)w->stmts.data + w->next_stmt;

    (void)c;
    (void)res;
    if (k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        unsigned code = (unsigned)strtoul(err, NULL, 10);

        if (w->kind == BATCH_DDL && w->ddl_phase == 1 &&
            ddl_already_done(err)) {
            clog(LOG_WARN, k->o.log_ctx, "DDL already applied at the "
                 "destination (%s): going on", err);
        } else if ((code == 1213 || code == 1205) && w->whole &&
                   w->retries < SINK_MAX_RETRIES) {
            /* a deadlock or lock wait with another session: the batch
             * goes again from its start */
            clog(LOG_DEBUG, k->o.log_ctx, "destination %u: %s: sending the "
                 "batch again", w->id, err);
            w->retries++;
            if (myconn_query(w->conn, "ROLLBACK", on_rollback, w) != 0) {
                sink_fail(k, false, "destination connection not ready");
            }
            return;
        } else if (code == 1213 || code == 1205) {
            sink_fail(k, false, "destination: %s (retrying from the "
                      "checkpoint)", err);
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
    w->next_stmt += strlen(stmt) + 1;
    if (w->joined) {
        w->next_stmt = w->stmts.len;
    }
    if (w->kind == BATCH_DDL) {
        w->ddl_phase++;
    }
    if (w->next_stmt >= w->stmts.len) {
        batch_done(w);
        return;
    }
    send_next(w);
}

static void
send_next(struct sink_worker *w)
{
    const char *stmt = (const char *)w->stmts.data + w->next_stmt;

    clog(LOG_TRACE, w->k->o.log_ctx, "destination %u <- %.200s", w->id,
         stmt);
    w->k->n_sent += strlen(stmt) + 5;   /* packet header, COM_QUERY */
    if (myconn_query(w->conn, stmt, on_stmt, w) != 0) {
        sink_fail(w->k, false, "destination connection not ready");
    }
}

/* Sends w's statements: joined into one round trip where the server
 * takes multi-statements (it stops at the first error, which leaves the
 * transaction uncommitted), else one by one. */
static void
worker_send(struct sink_worker *w)
{
    struct mysink *k = w->k;

    if (w->stmts.failed) {
        sink_fail(k, true, "out of memory building statements");
        return;
    }
    w->next_stmt = 0;
    w->retries = 0;
    w->whole = w->kind == BATCH_ROWS && !w->in_big;
    w->joined = false;
    if (w->kind != BATCH_DDL && w->stmts.len > 1 &&
        w->stmts.len <= SINK_MAX_BATCH &&
        (myconn_capabilities(w->conn) & MYSQL_CLIENT_MULTI_STATEMENTS)) {
        uint8_t *p = w->stmts.data, *end = p + w->stmts.len - 1;

        while ((p = memchr(p, '\0', (size_t)(end - p))) != NULL) {
            *p++ = ';';
        }
        w->joined = true;
    }
    w->state = WORKER_BUSY;
    k->busy++;
    send_next(w);
}

/* A DDL, alone: its default database, the statement, the row. */
static void
dispatch_ddl(struct sink_worker *w, struct sink_txn *t)
{
    const char *db = t->ddl_db != NULL && t->ddl_db[0] != '\0' ?
                     t->ddl_db : "tandem";

    w->kind = BATCH_DDL;
    w->ddl_phase = 0;
    pbuf_puts(&w->stmts, "USE ");
    sqlenc_ident(&w->stmts, db, strlen(db));
    pbuf_putc(&w->stmts, '\0');
    pbuf_puts(&w->stmts, t->ddl);
    pbuf_putc(&w->stmts, '\0');
    binpos_ranges_prune(&w->applied, t->file, t->pos);
    put_checkpoint(w->k, &w->stmts, w, t->file, t->pos, t->gtid);
}

/* One part of a large transaction: opened by its first part, committed
 * by its last (the one with a position). */
static void
dispatch_part(struct mysink *k, struct sink_worker *w, struct sink_txn *t)
{
    sink_build_rows(&k->builder, &w->stmts, t, t->next, k->big == NULL);
    w->kind = t->partial ? BATCH_PART : BATCH_ROWS;
    w->in_big = true;
    k->big = t->partial ? w : NULL;
    if (!t->partial) {
        binpos_ranges_prune(&w->applied, t->file, t->pos);
        put_checkpoint(k, &w->stmts, w, t->file, t->pos, t->gtid);
        pbuf_puts(&w->stmts, "COMMIT");
        pbuf_putc(&w->stmts, '\0');
    }
    if (w->stmts.len == 0) {
        pbuf_puts(&w->stmts, "DO 0");       /* a part without rows */
        pbuf_putc(&w->stmts, '\0');
    }
}

/* Source transactions from k->next that w can apply now; false when the
 * first must wait for a running batch. */
static bool
dispatch_rows(struct mysink *k, struct sink_worker *w)
{
    struct sink_txn *t, *last = NULL;
    size_t rows = 0;
    int rc;

    w->first = k->next;
    w->ntxns = 0;
    for (t = k->next; t != NULL && t->state == TXN_QUEUED &&
         t->ddl == NULL && !t->partial; t = t->next) {
        if (last != NULL && (w->ntxns >= k->o.batch_txns ||
                             rows + t->nrows > k->o.batch_rows)) {
            break;
        }
        rc = claim_txn(k, w, t);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            sink_fail(k, true, "out of memory ordering batches");
            return false;
        }
        rows += t->nrows;
        w->ntxns++;
        last = t;
    }
    if (last == NULL) {
        worker_release(w);
        w->first = NULL;
        return false;
    }
    w->kind = BATCH_ROWS;
    w->in_big = false;
    sink_build_rows(&k->builder, &w->stmts, w->first, last->next, true);
    if (put_batch_checkpoint(k, w, last) != 0) {
        sink_fail(k, true, "out of memory recording a batch");
        return false;
    }
    pbuf_puts(&w->stmts, "COMMIT");
    pbuf_putc(&w->stmts, '\0');
    return true;
}

static void
mark_running(struct sink_worker *w)
{
    struct sink_txn *t = w->first;
    size_t i;

    for (i = 0; i < w->ntxns; i++, t = t->next) {
        t->state = TXN_RUNNING;
    }
}

static struct sink_worker *
free_worker(struct mysink *k)
{
    unsigned i;

    for (i = 0; i < k->nworkers; i++) {
        if (k->w[i].state == WORKER_READY) {
            return &k->w[i];
        }
    }
    return NULL;
}

/* Whether the watermark is above what the destination's rows hold. */
static bool
watermark_unsaved(const struct mysink *k)
{
    if (k->lwm_file == NULL) {
        return false;
    }
    if (k->saved_file == NULL) {
        return true;
    }
    /* the idle case, asked every second: the very position is saved */
    if (k->lwm_pos == k->saved_pos && strcmp(k->lwm_file,
                                             k->saved_file) == 0) {
        return false;
    }
    return binpos_cmp(k->lwm_file, k->lwm_pos, k->saved_file,
                      k->saved_pos) > 0;
}

/* With nothing left to apply, writes the watermark the last batches
 * reached (those that ran beside others recorded ranges instead). */
static void
save_watermark(struct mysink *k)
{
    struct sink_worker *w;

    if (k->busy > 0 || k->head != NULL || !watermark_unsaved(k) ||
        (w = free_worker(k)) == NULL) {
        return;
    }
    pbuf_reset(&w->stmts);
    w->kind = BATCH_CONTROL;
    w->first = NULL;
    w->ntxns = 0;
    binpos_ranges_prune(&w->applied, k->lwm_file, k->lwm_pos);
    put_checkpoint(k, &w->stmts, w, k->lwm_file, k->lwm_pos, k->lwm_gtid);
    worker_send(w);
}

static void
on_heap_trim(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    sink_heap.freed = 0;
#ifdef __GLIBC__
    /* A burst over many tasks leaves megabytes free in holes of the heap
     * that glibc keeps otherwise. */
    malloc_trim(0);
#endif
}

/* A writer went idle: once enough was freed, the trim is due shortly. */
static void
return_free_memory(void)
{
    struct timeval tv = {SINK_TRIM_DELAY_MS / 1000,
                         (SINK_TRIM_DELAY_MS % 1000) * 1000};

    if (sink_heap.freed >= SINK_TRIM_BYTES && sink_heap.ev != NULL &&
        !evtimer_pending(sink_heap.ev, NULL)) {
        evtimer_add(sink_heap.ev, &tv);
    }
}

/* Counts writer <k> in (new) or out (freed) of the shared trim timer. */
static void
heap_user(struct mysink *k, bool in)
{
    if (in && sink_heap.users == 0) {
        sink_heap.ev = evtimer_new(k->base, on_heap_trim, NULL);
        sink_heap.base = k->base;
    }
    if (k->base != sink_heap.base) {
        return;
    }
    if (in) {
        sink_heap.users++;
    } else if (--sink_heap.users == 0) {
        if (sink_heap.ev != NULL) {
            event_free(sink_heap.ev);
        }
        sink_heap.ev = NULL;
        sink_heap.base = NULL;
    }
}

/* Nothing is queued: the workers without a batch and, when none runs,
 * the batch builder free their buffers until the next batch. */
static void
trim_idle(struct mysink *k)
{
    unsigned i;

    for (i = 0; i < k->nworkers; i++) {
        struct sink_worker *w = &k->w[i];

        if (w->state == WORKER_READY && w->first == NULL && w != k->big) {
            sink_heap.freed += w->stmts.cap;
            pbuf_free(&w->stmts);
            free(w->keys);
            w->keys = NULL;
            w->nkeys = 0;
            w->key_slots = 0;
        }
    }
    if (k->busy == 0) {
        free(k->builder.net);
        free(k->builder.slots);
        k->builder.net = NULL;
        k->builder.slots = NULL;
        k->builder.nnet = 0;
        k->builder.capnet = 0;
        k->builder.nslots = 0;
        free(k->scratch);
        k->scratch = NULL;
        k->nscratch = 0;
        return_free_memory();
    }
}

/* Starts batches while a worker is free and work can go. */
static void send_pre(struct mysink *k);

static void
kick(struct mysink *k)
{
    struct sink_worker *w;
    struct sink_txn *t;

    if (k->pre_sql != NULL) {
        /* a caller's query waits: it goes first, nothing else meanwhile */
        send_pre(k);
        return;
    }
    while (k->state == SINK_READY && !k->refreshing && k->barrier == NULL) {
        while (k->next != NULL && k->next->state != TXN_QUEUED) {
            k->next = k->next->next;
        }
        if ((t = k->next) == NULL) {
            save_watermark(k);
            trim_idle(k);
            return;
        }
        if (k->big != NULL || t->ddl != NULL || t->partial) {
            /* barriers: alone, and a large transaction on one worker */
            w = k->big != NULL ? k->big : free_worker(k);
            if (w == NULL || w->state != WORKER_READY || k->busy > 0) {
                return;
            }
            pbuf_reset(&w->stmts);
            w->first = t;
            w->ntxns = 1;
            if (t->ddl != NULL && k->big == NULL) {
                dispatch_ddl(w, t);
            } else {
                dispatch_part(k, w, t);
            }
            k->barrier = w;
        } else {
            /* until a first commit sets the watermark, batches start at
             * the head only: a crash must leave a position to resume at */
            if ((w = free_worker(k)) == NULL ||
                (k->lwm_file == NULL && t != k->head)) {
                return;
            }
            pbuf_reset(&w->stmts);
            if (!dispatch_rows(k, w)) {
                return;
            }
        }
        mark_running(w);
        worker_send(w);
    }
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kick(arg);
}

bool
mysink_push(struct mysink *k, struct sink_txn *t)
{
    t->bytes = txn_bytes(t);
    t->next = NULL;
    t->state = TXN_QUEUED;
    if (t->file != NULL && !t->partial && k->skip.n > 0 &&
        binpos_ranges_hold(&k->skip, t->file, t->pos)) {
        clog(LOG_DEBUG, k->o.log_ctx, "transaction ending at %s:%" PRIu64
             " was committed before the restart: skipped", t->file,
             t->pos);
        t->state = TXN_SKIPPED;
    }
    if (k->tail != NULL) {
        k->tail->next = t;
    } else {
        k->head = t;
    }
    k->tail = t;
    if (k->next == NULL) {
        k->next = t;
    }
    k->queued += t->bytes;
    if (t->state == TXN_SKIPPED) {
        advance(k);
    }
    /* Dispatch once the source has handed over what it read in one go,
     * so that a backlog goes in full batches, not one per transaction. */
    if (k->kick_ev == NULL) {
        kick(k);
    } else if (!event_pending(k->kick_ev, EV_TIMEOUT, NULL)) {
        event_active(k->kick_ev, EV_TIMEOUT, 0);
    }
    if (k->queued > k->o.queue_bytes) {
        k->over = true;
    }
    return !k->over;
}

bool
mysink_idle(const struct mysink *k)
{
    return k->head == NULL && k->busy == 0 && k->big == NULL &&
           k->state == SINK_READY && !watermark_unsaved(k);
}

bool
mysink_ride(struct mysink *k, uint64_t src_us)
{
    if (k->tail == NULL) {
        return false;
    }
    if (src_us > k->tail->src_us) {
        k->tail->src_us = src_us;
    }
    return true;
}

/* Transactions looked at by mysink_oldest_src(), at most: a long queue
 * carries a source time every second or so of the source's time. */
#define SINK_SCAN_SRC 10000

uint64_t
mysink_oldest_src(const struct mysink *k)
{
    const struct sink_txn *t;
    unsigned n = 0;

    for (t = k->head; t != NULL && n < SINK_SCAN_SRC; t = t->next, n++) {
        if (t->src_us != 0) {
            return t->src_us;
        }
    }
    return 0;
}

void
mysink_get_stats(const struct mysink *k, struct sink_stats *st)
{
    st->rows = k->n_rows;
    st->txns = k->n_txns;
    st->bytes_sent = k->n_sent;
    st->queued = k->queued;
}

/* ---- worker 0: the checkpoint, unique keys ---- */

static void
on_unique(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;
    struct sink_table *t;
    size_t i;

    (void)c;
    if (k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(k, false, "cannot read the destination's unique keys: %s",
                  err);
        return;
    }
    pbuf_reset(&k->unique);
    for (i = 0; res != NULL && i < res->nrows; i++) {
        const struct span *v = &res->cells[i * res->ncols];

        pbuf_put_pair(&k->unique, v[0], v[1]);
    }
    if (k->unique.failed) {
        sink_fail(k, true, "out of memory");
        return;
    }
    for (t = k->tables; t != NULL; t = t->next) {
        t->unique2 = pbuf_has_pair(&k->unique, t->db, t->name);
    }
    w->state = WORKER_READY;
    k->busy--;
    if (k->refreshing) {
        k->refreshing = false;
        kick(k);
        return;
    }
    set_state(k, SINK_READY, "destination ready");
    start_workers(k);
    if (k->state == SINK_FAILED) {
        return;
    }
    k->cbs.on_ready(k->arg, k->lwm_file, k->lwm_pos, k->lwm_gtid);
}

static void
read_unique(struct sink_worker *w)
{
    w->state = WORKER_BUSY;
    w->k->busy++;
    if (myconn_query(w->conn, sink_unique_sql, on_unique, w) != 0) {
        sink_fail(w->k, false, "destination connection not ready");
    }
}

/* After a DDL: dispatch waits until the unique keys are read again. */
static void
refresh_unique(struct sink_worker *w)
{
    w->k->refreshing = true;
    read_unique(w);
}

static void
on_normalized(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;

    (void)c;
    (void)res;
    if (k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(k, false, "cannot write the checkpoint at the destination:"
                  " %s", err);
        return;
    }
    w->next_stmt += strlen((const char *)w->stmts.data + w->next_stmt) + 1;
    if (w->next_stmt < w->stmts.len) {
        if (myconn_query(w->conn, (const char *)w->stmts.data + w->next_stmt,
                         on_normalized, w) != 0) {
            sink_fail(k, false, "destination connection not ready");
        }
        return;
    }
    w->state = WORKER_READY;
    k->busy--;
    set_state(k, SINK_UNIQUE, "checkpoint normalized");
    read_unique(w);
}

/* Rows of every worker of an earlier run: the highest watermark is where
 * the source resumes; ranges above it are skipped when they come again.
 * The rows become one (worker 0's), so that no later commit of another
 * worker can drop a range before the stream has passed it. */
static void
on_checkpoint(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;
    struct binpos_ranges all = {0};
    size_t i;
    bool simple;

    (void)c;
    if (k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(k, true, "cannot read the checkpoint at the destination: "
                  "%s", err);
        return;
    }
    for (i = 0; res != NULL && i < res->nrows; i++) {
        const struct span *v = &res->cells[i * res->ncols];
        const bool *nul = &res->nulls[i * res->ncols];
        char file[600];
        uint64_t p = span_u64(v[2]);

        snprintf(file, sizeof(file), "%.*s", (int)v[1].len,
                 v[1].p ? (const char *)v[1].p : "");
        if (file[0] != '\0' && (k->lwm_file == NULL ||
                                binpos_cmp(file, p, k->lwm_file,
                                        k->lwm_pos) > 0)) {
            free(k->lwm_file);
            free(k->lwm_gtid);
            k->lwm_file = strdup(file);
            k->lwm_pos = p;
            k->lwm_gtid = nul[3] ? NULL : strndup((const char *)v[3].p,
                                                  v[3].len);
        }
        if (!nul[4] && binpos_ranges_parse(&all, (const char *)v[4].p,
                                    v[4].len) != 0) {
            binpos_ranges_free(&all);
            sink_fail(k, true, "the checkpoint of task %s at the destination"
                      " is damaged (tandem.checkpoint.applied) — restore it "
                      "or reset the task", k->o.task);
            return;
        }
    }
    simple = res == NULL || res->nrows == 0 ||
             (res->nrows == 1 && all.n == 0 && res->cells[0].len == 1 &&
              res->cells[0].p[0] == '0');
    binpos_ranges_prune(&all, k->lwm_file, k->lwm_pos);
    for (i = 0; i < all.n; i++) {
        if (binpos_ranges_add(&k->skip, all.r[i].first_file, all.r[i].first_pos,
                       all.r[i].last_file, all.r[i].last_pos) != 0 ||
            binpos_ranges_add(&w->applied, all.r[i].first_file, all.r[i].first_pos,
                       all.r[i].last_file, all.r[i].last_pos) != 0) {
            binpos_ranges_free(&all);
            sink_fail(k, true, "out of memory");
            return;
        }
    }
    binpos_ranges_free(&all);
    if (k->skip.n > 0) {
        clog(LOG_INFO, k->o.log_ctx, "%zu range(s) of transactions above "
             "the checkpoint were committed before the restart: they are "
             "skipped", k->skip.n);
    }
    if (simple || k->lwm_file == NULL) {
        set_state(k, SINK_UNIQUE, "checkpoint read");
        w->state = WORKER_READY;
        read_unique(w);
        return;
    }
    set_state(k, SINK_NORMALIZE, "checkpoint read");
    pbuf_reset(&w->stmts);
    pbuf_puts(&w->stmts, "START TRANSACTION");
    pbuf_putc(&w->stmts, '\0');
    pbuf_puts(&w->stmts, "DELETE FROM tandem.checkpoint WHERE task = ");
    pbuf_puts(&w->stmts, k->task_lit);
    pbuf_putc(&w->stmts, '\0');
    put_checkpoint(k, &w->stmts, w, k->lwm_file, k->lwm_pos, k->lwm_gtid);
    pbuf_puts(&w->stmts, "COMMIT");
    pbuf_putc(&w->stmts, '\0');
    if (w->stmts.failed) {
        sink_fail(k, true, "out of memory");
        return;
    }
    w->next_stmt = 0;
    w->state = WORKER_BUSY;
    k->busy++;
    if (myconn_query(w->conn, (const char *)w->stmts.data, on_normalized,
                     w) != 0) {
        sink_fail(k, false, "destination connection not ready");
    }
}

static void
read_checkpoint(struct sink_worker *w)
{
    struct mysink *k = w->k;
    struct pbuf q = {0};

    set_state(k, SINK_CHECKPOINT, "session ready");
    pbuf_puts(&q, "SELECT worker, file, pos, gtid, applied FROM "
                  "tandem.checkpoint WHERE task = ");
    pbuf_puts(&q, k->task_lit);
    pbuf_putc(&q, '\0');
    if (q.failed || myconn_query(w->conn, (const char *)q.data,
                                 on_checkpoint, w) != 0) {
        sink_fail(k, false, "destination connection not ready");
    }
    pbuf_free(&q);
}

/* ---- connecting ---- */

#define N_SESSION (sizeof(sink_session_sql) / sizeof(sink_session_sql[0]))
#define N_TABLE (sizeof(sink_table_sql) / sizeof(sink_table_sql[0]))

/* Every worker session holds a lock named after the task and its id for
 * as long as it lives.  Before reading the checkpoint, worker 0 takes
 * the locks of every id: it waits until each session of an earlier
 * writer of the task has ended, so that a batch a killed process left
 * running at the destination has committed or rolled back by then.  A
 * lock still held after FENCE_WAIT_S means another process writes the
 * task. */
#define FENCE_WAIT_S 60

static void
put_lock(const struct mysink *k, struct pbuf *b, const char *fn, unsigned id,
         bool wait)
{
    pbuf_printf(b, "%s('tandem:%016" PRIx64 ":%u'", fn,
                sink_hash(0, k->o.task, strlen(k->o.task)), id);
    if (wait) {
        pbuf_printf(b, ",%d", FENCE_WAIT_S);
    }
    pbuf_putc(b, ')');
}

static void
fence_query(struct sink_worker *w, const struct pbuf *q, myconn_result_cb cb)
{
    if (q->failed || myconn_query(w->conn, (const char *)q->data, cb,
                                  w) != 0) {
        sink_fail(w->k, false, "destination connection not ready");
    }
}

/* The locks' results: one number, their sum. */
static bool
fence_held(struct mysink *k, const struct myresult *res, const char *err,
           unsigned want)
{
    if (err != NULL) {
        sink_fail(k, false, "destination: %s", err);
        return false;
    }
    if (res != NULL && res->nrows == 1 && res->ncols == 1 &&
        !res->nulls[0] && span_u64(res->cells[0]) == want) {
        return true;
    }
    sink_fail(k, true, "another process is writing task %s at the "
              "destination (its sessions held the task's locks for %d s) "
              "— stop it, or give this task another name", k->o.task,
              FENCE_WAIT_S);
    return false;
}

static void
on_own_lock(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct sink_worker *w = arg;

    (void)c;
    if (w->k->state == SINK_FAILED || !fence_held(w->k, res, err, 1)) {
        return;
    }
    w->state = WORKER_READY;
    kick(w->k);
}

static void
on_unfenced(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct sink_worker *w = arg;

    (void)c;
    (void)res;
    if (w->k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(w->k, false, "destination: %s", err);
        return;
    }
    read_checkpoint(w);
}

static void
on_fenced(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct sink_worker *w = arg;
    struct pbuf q = {0};
    unsigned i;

    (void)c;
    if (w->k->state == SINK_FAILED ||
        !fence_held(w->k, res, err, SINK_MAX_WORKERS)) {
        return;
    }
    /* worker 0 keeps its own; the others take theirs */
    pbuf_puts(&q, "DO ");
    for (i = 1; i < SINK_MAX_WORKERS; i++) {
        if (i > 1) {
            pbuf_putc(&q, ',');
        }
        put_lock(w->k, &q, "RELEASE_LOCK", i, false);
    }
    pbuf_putc(&q, '\0');
    fence_query(w, &q, on_unfenced);
    pbuf_free(&q);
}

/* A worker's session is set up: its lock (worker 0: every lock, then
 * the checkpoint). */
static void
fence(struct sink_worker *w)
{
    struct pbuf q = {0};
    unsigned i, end = w->id == 0 ? SINK_MAX_WORKERS : w->id + 1;

    pbuf_puts(&q, "SELECT ");
    for (i = w->id; i < end; i++) {
        if (i > w->id) {
            pbuf_putc(&q, '+');
        }
        put_lock(w->k, &q, "GET_LOCK", i, true);
    }
    pbuf_putc(&q, '\0');
    fence_query(w, &q, w->id == 0 ? on_fenced : on_own_lock);
    pbuf_free(&q);
}

/* Set-up statement number step of worker w, or NULL after the last. */
static const char *
setup_sql(const struct sink_worker *w, unsigned step)
{
    if (step < N_SESSION) {
        return sink_session_sql[step];
    }
    if (w->id == 0 && step < N_SESSION + N_TABLE) {
        return sink_table_sql[step - N_SESSION];
    }
    return NULL;
}

static void
on_setup(struct myconn *c, const struct myresult *res, const char *err,
         void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;
    const char *sql;

    (void)c;
    if (k->state == SINK_FAILED) {
        return;
    }
    if (err != NULL) {
        sink_fail(k, true, "cannot prepare the destination session (%s): %s"
                  " — the account needs CREATE and ALTER on the tandem "
                  "database and INSERT/UPDATE/DELETE on the replicated "
                  "tables", w->upgrading ? sink_upgrade_sql :
                  setup_sql(w, w->step), err);
        return;
    }
    if (!w->upgrading && w->id == 0 && w->step == N_SESSION + N_TABLE - 1 &&
        res != NULL && res->nrows == 1 && res->cells[0].len == 1 &&
        res->cells[0].p[0] == '0') {
        clog(LOG_INFO, k->o.log_ctx, "tandem.checkpoint gets a row per "
             "worker: upgrading the table");
        w->upgrading = true;
        sql = sink_upgrade_sql;
    } else {
        sql = w->upgrading ? NULL : setup_sql(w, ++w->step);
    }
    if (sql != NULL) {
        if (myconn_query(w->conn, sql, on_setup, w) != 0) {
            sink_fail(k, false, "destination connection not ready");
        }
        return;
    }
    fence(w);
}

static void
on_connected(struct myconn *c, void *arg)
{
    struct sink_worker *w = arg;

    (void)c;
    w->step = 0;
    if (myconn_query(w->conn, sink_session_sql[0], on_setup, w) != 0) {
        sink_fail(w->k, false, "destination connection not ready");
    }
}

static int
worker_connect(struct sink_worker *w)
{
    struct mysink *k = w->k;
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
    w->conn = myconn_new(k->base, k->dns, &o);
    if (w->conn == NULL) {
        return -1;
    }
    myconn_set_io_timeout(w->conn, 600000);
    w->state = WORKER_CONNECTING;
    return myconn_connect(w->conn, on_connected, on_conn_error, w);
}

/* Workers 1.. connect once worker 0 has prepared the destination. */
static void
start_workers(struct mysink *k)
{
    unsigned i;

    for (i = 1; i < k->nworkers; i++) {
        if (k->w[i].state == WORKER_OFF && worker_connect(&k->w[i]) != 0) {
            sink_fail(k, false, "cannot start connecting to the "
                      "destination");
            return;
        }
    }
}

struct mysink *
mysink_new(struct event_base *base, struct evdns_base *dns,
           const struct sink_opts *opts, const struct sink_cbs *cbs,
           void *arg)
{
    struct mysink *k = calloc(1, sizeof(*k));
    struct pbuf h = {0};
    unsigned i;

    if (k == NULL) {
        return NULL;
    }
    k->base = base;
    k->dns = dns;
    k->o = *opts;
    k->cbs = *cbs;
    k->arg = arg;
    if (k->o.workers == 0) {
        k->o.workers = 1;
    }
    if (k->o.workers > SINK_MAX_WORKERS) {
        k->o.workers = SINK_MAX_WORKERS;
    }
    if (k->o.batch_rows == 0) {
        k->o.batch_rows = 1000;
    }
    if (k->o.batch_txns == 0) {
        k->o.batch_txns = 100;
    }
    if (k->o.queue_bytes == 0) {
        k->o.queue_bytes = 64u * 1024u * 1024u;
    }
    k->builder.conflict = k->o.conflict;
    k->builder.batch_rows = k->o.batch_rows;
    put_text(&h, opts->task);
    pbuf_putc(&h, '\0');
    k->task_lit = h.failed ? NULL : (char *)h.data;
    k->w = calloc(k->o.workers, sizeof(*k->w));
    if (k->task_lit == NULL || k->w == NULL) {
        pbuf_free(&h);
        free(k->w);
        free(k);
        return NULL;
    }
    k->kick_ev = event_new(base, -1, 0, on_kick, k);
    k->nworkers = k->o.workers;
    for (i = 0; i < k->nworkers; i++) {
        k->w[i].k = k;
        k->w[i].id = i;
    }
    heap_user(k, true);
    return k;
}

int
mysink_start(struct mysink *k)
{
    set_state(k, SINK_CONNECTING, "start");
    return worker_connect(&k->w[0]);
}

static void
on_query(struct myconn *c, const struct myresult *res, const char *err,
         void *arg)
{
    struct sink_worker *w = arg;
    struct mysink *k = w->k;

    w->state = WORKER_READY;
    k->busy--;
    k->pre_cb(c, res, err, k->pre_arg);
    kick(k);
}

/* Sends the waiting query on worker 0 once it is free. */
static void
send_pre(struct mysink *k)
{
    struct sink_worker *w = &k->w[0];
    char *sql = k->pre_sql;

    if (k->state != SINK_READY || k->refreshing ||
        w->state != WORKER_READY) {
        return;                 /* kick() comes again when it is */
    }
    k->pre_sql = NULL;
    w->state = WORKER_BUSY;
    k->busy++;
    if (myconn_query(w->conn, sql, on_query, w) != 0) {
        w->state = WORKER_READY;
        k->busy--;
        sink_fail(k, false, "destination connection not ready");
    }
    free(sql);
}

int
mysink_query(struct mysink *k, const char *sql,
             void (*cb)(struct myconn *c, const struct myresult *res,
                        const char *err, void *arg),
             void *arg)
{
    if (k->state != SINK_READY || k->head != NULL || k->pre_sql != NULL) {
        return -1;
    }
    /* worker 0 may be writing the checkpoint of a worker that just
     * connected: the query waits for it */
    k->pre_sql = strdup(sql);
    if (k->pre_sql == NULL) {
        return -1;
    }
    k->pre_cb = cb;
    k->pre_arg = arg;
    send_pre(k);
    return 0;
}

void
mysink_free(struct mysink *k)
{
    struct sink_table *t;
    unsigned i;

    if (k == NULL) {
        return;
    }
    for (i = 0; i < k->nworkers; i++) {
        struct sink_worker *w = &k->w[i];

        if (w->conn != NULL) {
            myconn_free(w->conn);
        }
        pbuf_free(&w->stmts);
        free(w->keys);
        free(w->row_file);
        binpos_ranges_free(&w->applied);
    }
    free(k->pre_sql);
    free(k->w);
    if (k->kick_ev != NULL) {
        event_free(k->kick_ev);
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
    sink_builder_free(&k->builder);
    free(k->scratch);
    binpos_ranges_free(&k->skip);
    pbuf_free(&k->unique);
    free(k->lwm_file);
    free(k->lwm_gtid);
    free(k->saved_file);
    free(k->task_lit);
    heap_user(k, false);
    free(k);
}
