/*
 * copy_int.h - what copy.c (connections, schema, snapshots, the end) and
 * copy_rows.c (tables read in chunks and written) share.
 *
 * Progress at the destination, in tandem.copy_table, one row per source
 * table, written in the same destination transaction as each chunk:
 *   file, pos   the snapshot the table's first chunk was read in: events
 *               at or before it are in its rows;
 *   seq, last_key, rows
 *               the last chunk of the contiguous run of committed chunks
 *               1..seq, the key it ended at ("(1,'x')", NULL before the
 *               first), and the rows up to it;
 *   done        that run holds the table's last chunk.
 * Chunks are written by several connections and commit in any order: a
 * chunk records its own seq only when every earlier chunk has committed,
 * else the run it knows of.  A copy resumed after a crash goes on after
 * last_key, writing over rows a later chunk may have left.
 */
#ifndef TANDEM_TASK_COPY_INT_H
#define TANDEM_TASK_COPY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"
#include "src/core/url.h"
#include "src/task/copy.h"
#include "src/task/schema_copy.h"

struct myconn;
struct myresult;

/* Rows read and written per chunk, at most; fewer for wide rows, so
 * that a chunk stays near COPY_CHUNK_BYTES (the source's average row
 * length tells). */
#define COPY_CHUNK_ROWS 2000
#define COPY_CHUNK_BYTES (4u << 20)
/* Progress lines at most this often. */
#define COPY_PROGRESS_MS 5000
/* Largest INSERT statement; a chunk that would be larger is split. */
#define COPY_MAX_STATEMENT (4u << 20)

/* How a column's value is read and written back. */
enum col_kind {
    COL_TEXT = 0,        /* read as printed, written as a string literal */
    COL_NUMBER,          /* read as printed, written as it is */
    COL_HEX,             /* read with HEX(), written as X'...' */
    COL_BIT,             /* read as `c`+0, written as a number */
    COL_FLOAT,           /* read as a double (`c`+0e0: every FLOAT digit),
                            written as a number */
};

/* One column of a table being copied. */
struct copy_col {
    char *name;          /* source name (owned) */
    char *dest;          /* destination name (owned); NULL: not written */
    enum col_kind kind;  /* ... */
    bool pk;             /* part of the key chunks follow: the primary
                            key, or a unique key of NOT NULL columns */
};

/* A chunk committed out of order, above the table's contiguous run. */
struct copy_mark {
    uint64_t seq;        /* ... */
    char *key;           /* its last key (owned), NULL: none */
    uint64_t rows;       /* rows in it */
    bool final;          /* the table's last chunk */
};

/* One table to copy: a CREATE TABLE statement of the schema. */
struct copy_table {
    const struct schema_stmt *st; /* its statement (the copy's) */
    const struct task_table *rules; /* its rules, or NULL */
    struct copy_col *cols;        /* its columns (owned) */
    size_t ncols, npk;            /* ... */
    char *from_file;              /* snapshot of its first chunk (owned), */
    uint64_t from_pos;            /* NULL while none was read */
    bool progress;                /* tandem.copy_table has its row */
    bool claimed;                 /* a reader has taken it */
    bool done;                    /* every chunk of it is committed */
    struct pbuf last;             /* the last chunk read ended at this
                                     key: "(1,'x')" */
    bool has_last;                /* ... */
    uint64_t next_seq;            /* seq of the next chunk read (from 1) */
    uint64_t wm_seq;              /* chunks 1..wm_seq are committed */
    char *wm_key;                 /* the key chunk wm_seq ended at (owned) */
    uint64_t wm_rows;             /* rows of chunks 1..wm_seq */
    struct copy_mark *above;      /* committed above wm_seq (owned) */
    size_t nabove, capabove;      /* ... */
    uint64_t rows;                /* rows read, earlier runs included */
    uint64_t rows0;               /* ... when this run began reading it */
    uint64_t estimate;            /* rows as the source estimates */
    uint64_t bytes;               /* bytes of values read in this run */
    unsigned chunk_rows;          /* rows per chunk */
    struct pbuf keys;             /* secondary indexes added after the
                                     rows: "ADD KEY ..." clauses,
                                     NUL-terminated (see ddl_keys.h) */
    size_t nkeys;                 /* ... how many; 0 once added */
    size_t key_next;              /* one by one: the next clause's offset,
                                     or SIZE_MAX while all go at once */
    uint64_t started_ms;          /* when this run began reading it */
    uint64_t logged_ms;           /* the last progress line */
};

/* A source connection with its own consistent snapshot, reading one
 * table at a time. */
struct copy_reader {
    struct copy *cp;              /* owner */
    struct myconn *c;             /* connection */
    char *file;                   /* its snapshot's position (owned) */
    uint64_t pos;                 /* ... */
    struct copy_table *tab;       /* table being read, or NULL */
    struct copy_writer *target;   /* writer of the chunk being read */
    bool idle;                    /* waits to read the next chunk */
    bool finished;                /* no table left: snapshot closed */
    struct pbuf q;                /* query being built */
};

/* A destination connection writing one chunk at a time, each in one
 * transaction with its progress row. */
struct copy_writer {
    struct copy *cp;              /* owner */
    struct myconn *c;             /* connection */
    bool ready;                   /* its session is set up */
    bool busy;                    /* holds a chunk (being read or written) */
    struct pbuf ins;              /* the chunk's statements, NUL-separated */
    size_t next;                  /* the next one to send */
    struct copy_table *tab;       /* the chunk's table */
    uint64_t seq;                 /* ... its number */
    char *key;                    /* ... the key it ends at (owned) */
    uint64_t rows;                /* ... rows in it */
    bool final;                   /* ... the table's last */
};

struct copy {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    const struct task_spec *spec; /* the task (borrowed) */
    const char *ctx;              /* log prefix (borrowed) */
    copy_done_cb done;            /* ... */
    void *arg;                    /* its argument */
    struct url su, du;            /* source, destination */
    struct myconn *src, *dst;     /* schema and bookkeeping connections */
    unsigned ready;               /* connections ready (2 + writers) */
    bool finished;                /* done was called */

    struct schema_copy *sc;       /* schema statements */
    const struct schema_stmt *stmts; /* ... */
    size_t nstmts;                /* ... */
    size_t si;                    /* statement being run */
    bool resuming;                /* an earlier copy was interrupted */
    bool adding;                  /* tables added to a task whose copy is
                                     done: the checkpoint stays */
    bool defer_keys;              /* tables get their plain secondary
                                     indexes after their rows */
    struct pbuf existing;         /* "db\0table\0" at the destination */
    struct pbuf q;                /* query being built (src, dst) */

    struct copy_table *tabs;      /* tables to copy (owned) */
    size_t ntabs;                 /* ... */
    char *until_file;             /* latest snapshot any chunk at the */
    uint64_t until_pos;           /* destination may come from (owned) */
    char *start_file;             /* where the stream starts: the */
    uint64_t start_pos;           /* earliest snapshot (owned) */

    struct copy_reader *r;        /* readers (owned) */
    unsigned nr;                  /* ... */
    unsigned nsnap;               /* readers whose snapshot is open */
    bool lock;                    /* snapshots open under a brief global
                                     read lock (see spec "snapshot") */
    unsigned nsession;            /* ... readers ready for it */
    unsigned lock_tries;          /* ... attempts to take it */
    uint64_t lock_ms;             /* ... when it was taken */
    bool binary_log_status;       /* ... SHOW MASTER STATUS was refused */
    struct event *lock_retry;     /* ... the next attempt */
    struct copy_writer *w;        /* writers (owned) */
    unsigned nw;                  /* ... */
    bool ending;                  /* the end is being recorded */
    struct copy_table *altering;  /* indexes being added (cp->dst) */
    bool reading;                 /* snapshots recorded: readers read */
    uint64_t total;               /* rows copied in this run */

    /* flow_control: what was read since pace_ms, while the limits hold */
    struct event *pace;           /* waits before the next chunk */
    bool pacing;                  /* the limits held at the last chunk */
    uint64_t pace_ms;             /* since when */
    uint64_t paced_rows;          /* ... rows read */
    uint64_t paced_bytes;         /* ... bytes */
};

/* copy.c */
void copy_fail(struct copy *cp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void copy_send(struct copy *cp, struct myconn *c, const char *sql,
               void (*cb)(struct myconn *c, const struct myresult *res,
                          const char *err, void *arg),
               void *arg);
const char *copy_qtext(struct pbuf *q);
void copy_put_lit(struct pbuf *b, const char *s);
uint64_t copy_now_ms(void);
/* Every reader finished, every chunk committed and every index added:
 * the end. */
void copy_maybe_end(struct copy *cp);
/* Adds the secondary indexes of a table whose rows are all there, one
 * table at a time on the main destination connection. */
void copy_add_keys(struct copy *cp);

/* copy_rows.c */
/* Reader r takes the next table, or closes its snapshot. */
void copy_next_table(struct copy_reader *r);
/* Readers waiting for a chunk read one where a writer is free and
 * flow_control lets them. */
void copy_pump(struct copy *cp);
void copy_table_free(struct copy_table *t);

#endif
