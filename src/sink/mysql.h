/*
 * mysql.h - the MySQL/MariaDB destination writer.
 *
 * The task hands over whole source transactions (struct sink_txn: row
 * changes already mapped to destination names, values as SQL literals,
 * plus the source position the transaction ends at).  The writer groups
 * consecutive small transactions into one destination transaction, turns
 * runs of rows into multi-row statements, and writes the position into
 * tandem.checkpoint in that same destination transaction: a crash at any
 * instant neither loses nor repeats a change, because the task restarts
 * the source from the checkpoint the destination committed.
 *
 *   task --sink_push(txn)--> queue (bounded in bytes) --> one connection:
 *     START TRANSACTION; statements...; checkpoint; COMMIT --> on_applied
 *
 * A source transaction larger than the queue arrives in parts (the task
 * pushes each part as it fills, flagged partial); the parts are applied
 * inside one destination transaction that only the last part commits, so
 * memory stays at the queue bound whatever the transaction's size.
 *
 * Any failure of the destination connection is reported to the task
 * (on_error); the task tears down and restarts from the checkpoint.
 */
#ifndef TANDEM_SINK_MYSQL_H
#define TANDEM_SINK_MYSQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct event_base;
struct evdns_base;
struct myconn;
struct myresult;
struct mysink;

/* Conflict policies (the managed services' definitions). */
enum sink_conflict {
    SINK_CONFLICT_ERROR = 0,   /* duplicate key on insert fails the task */
    SINK_CONFLICT_IGNORE,      /* duplicate key on insert: keep the old row */
    SINK_CONFLICT_OVERWRITE,   /* duplicate key on insert: replace it */
    SINK_CONFLICT_COUNT        /* sentinel */
};

/* One destination table as statements name it. */
struct sink_table {
    char *qname;               /* `db`.`table`, owned */
    char *db;                  /* destination db, owned */
    char *name;                /* destination table, owned */
    bool has_pk;               /* rows are keyed by the primary key */
    bool keyed;                /* equal keys have equal literals (no
                                  collation, no float in the key) */
    bool unique2;              /* the destination table has a unique key
                                  besides the primary key */
    struct sink_table *next;   /* registry list */
};

/* One row change; texts live in the transaction's text buffer. */
struct sink_row {
    uint8_t op;                /* 'i', 'u', 'd' */
    bool key_changed;          /* update moved the primary key */
    bool lenient;              /* a value strict sql_mode refuses (ENUM
                                  error value): run without strict mode */
    bool full;                 /* the row written has every column */
    const struct sink_table *t; /* destination table (registry) */
    uint32_t cols_off, cols_len; /* "(`a`,`b`)" of the after image */
    uint32_t vals_off, vals_len; /* "(1,'x')" after image */
    uint32_t kcols_off, kcols_len; /* "(`id`)" key columns */
    uint32_t key_off, key_len; /* "(1)" old key, or a predicate for a
                                  table without primary key */
    uint32_t nkey_off, nkey_len; /* "(1)" key of the row written (insert,
                                    update; tables with a key) */
    uint32_t set_off, set_len; /* "`a`=1,`b`='x'" (updates of tables
                                  without key, and partial images) */
    uint32_t upd_off, upd_len; /* "`a`=VALUES(`a`),..." for upserts */
};

/* A source transaction (or a DDL) ready for the destination. */
struct sink_txn {
    struct sink_txn *next;     /* queue link */
    struct pbuf text;          /* every literal the rows point into */
    struct sink_row *rows;     /* owned */
    size_t nrows;              /* rows used */
    size_t cap;                /* rows allocated */
    bool partial;              /* a part of a large source transaction:
                                  more parts follow; no position */
    bool replay;               /* its rows may be at the destination
                                  already (a full copy read them): a
                                  duplicate key is written over */
    char *ddl;                 /* a DDL statement instead of rows, owned */
    char *ddl_db;              /* its default database, owned */
    char *file;                /* source position after it, owned */
    uint64_t pos;              /* ... */
    char *gtid;                /* its GTID, owned, may be NULL */
    size_t bytes;              /* memory it holds (queue accounting) */
    uint8_t state;             /* the writer's: queued, running, done */
    uint64_t src_us;           /* a source time (us since epoch) that
                                  counts as applied when this transaction
                                  commits (on_src_applied); 0: none */
};

struct sink_txn *sink_txn_new(void);
void sink_txn_free(struct sink_txn *t);
/* Appends a row and returns it (texts appended by the caller through
 * sink_txn_text()); NULL when out of memory. */
struct sink_row *sink_txn_add_row(struct sink_txn *t);
/* Records t->text bytes appended since *mark as [off, len). */
void sink_txn_span(const struct sink_txn *t, size_t mark, uint32_t *off,
                   uint32_t *len);

struct sink_opts {
    const char *task;          /* task name: the checkpoint key */
    const char *host;          /* destination */
    uint16_t port;             /* ... */
    const char *user;          /* ... */
    const char *password;      /* ... */
    int tls;                   /* myconn_opts.tls */
    const char *ca_file;       /* ... */
    enum sink_conflict conflict; /* policy */
    unsigned workers;          /* destination connections applying in
                                  parallel (1..64) */
    size_t batch_rows;         /* rows per statement and per transaction */
    size_t batch_txns;         /* source transactions per destination one */
    size_t queue_bytes;        /* high watermark of queued bytes */
    const char *log_ctx;       /* log prefix */
};

struct sink_cbs {
    /* Connected, checkpoint table ready; file NULL when the task has no
     * checkpoint yet. */
    void (*on_ready)(void *arg, const char *file, uint64_t pos,
                     const char *gtid);
    /* Transactions up to (file, pos) are committed at the destination. */
    void (*on_applied)(void *arg, const char *file, uint64_t pos);
    /* Queue fell below half of queue_bytes after being over it. */
    void (*on_drained)(void *arg);
    /* The destination failed: one line naming cause and fix.  fatal: a
     * retry cannot help (conflict policy error, bad DDL...). */
    void (*on_error)(void *arg, const char *err, bool fatal);
    /* Optional: transactions carrying source times are committed (and
     * everything before them): src_us is the latest of those times.
     * Called before on_applied. */
    void (*on_src_applied)(void *arg, uint64_t src_us);
};

/* What the writer has done since it was created. */
struct sink_stats {
    uint64_t rows;             /* row changes committed */
    uint64_t txns;             /* source transactions committed (with
                                  rows or a DDL) */
    uint64_t bytes_sent;       /* statement bytes sent (with packet
                                  headers) */
    uint64_t queued;           /* bytes of transactions not yet freed */
};

struct mysink *mysink_new(struct event_base *base, struct evdns_base *dns,
                          const struct sink_opts *opts,
                          const struct sink_cbs *cbs, void *arg);
/* Connects, prepares the session and the checkpoint table, reads the
 * checkpoint, then calls on_ready. */
int mysink_start(struct mysink *k);
/* Registry of destination tables (owned by the sink). */
const struct sink_table *mysink_table(struct mysink *k, const char *db,
                                      const char *name, bool has_pk,
                                      bool keyed);
/* Queues a complete transaction (ownership passes).  Returns true while
 * the queue is under its bound; false asks the caller to pause its
 * source until on_drained. */
bool mysink_push(struct mysink *k, struct sink_txn *t);
/* Runs a query on the destination connection while nothing is queued
 * (prechecks before streaming); cb as for myconn_query().  It waits
 * while worker 0 writes a checkpoint.  Returns 0, or -1 when transactions
 * are queued or another query waits. */
int mysink_query(struct mysink *k, const char *sql,
                 void (*cb)(struct myconn *c, const struct myresult *res,
                            const char *err, void *arg),
                 void *arg);
/* True when nothing is queued or in flight. */
bool mysink_idle(const struct mysink *k);
/* Lets source time <src_us> ride with the newest transaction queued or
 * in flight: it counts (on_src_applied) when that one commits.  Returns
 * false when there is none: everything handed over is applied, and the
 * caller counts it at once. */
bool mysink_ride(struct mysink *k, uint64_t src_us);
/* The source time of the oldest transaction not yet committed that
 * carries one, or 0. */
uint64_t mysink_oldest_src(const struct mysink *k);
void mysink_get_stats(const struct mysink *k, struct sink_stats *st);
void mysink_free(struct mysink *k);


#endif
