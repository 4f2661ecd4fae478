/*
 * mysql_int.h - what the two halves of the binlog source share:
 * mysql_start.c (the connection, its start-up query chain, reconnects)
 * and mysql.c (decoding the stream and the public API).  Not for other
 * modules: they use mysql.h.
 */
#ifndef TANDEM_SOURCE_MYSQL_INT_H
#define TANDEM_SOURCE_MYSQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "proto/mysql/binlog.h"
#include "proto/mysql/gtid.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/schema.h"
#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/source/mysql.h"

#define MYSRC_STATES(X) \
    X(INIT)             \
    X(CONNECTING)       \
    X(VARS)             \
    X(ROW_METADATA)     \
    X(MASTER_STATUS)    \
    X(SCHEMATA)         \
    X(COLUMNS)          \
    X(SETUP)            \
    X(REGISTER)         \
    X(STREAMING)        \
    X(BACKOFF)          \
    X(DONE)             \
    X(FAILED)

enum mysrc_state {
#define X(s) MYSRC_##s,
    MYSRC_STATES(X)
#undef X
    MYSRC_STATE_COUNT /* sentinel */
};

const char *mysrc_state_name(enum mysrc_state s);

/* Backoff between reconnects: BACKOFF_MIN_MS doubling to BACKOFF_MAX_MS. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* Default heartbeat period asked of the server while streaming. */
#define DEFAULT_HEARTBEAT_MS 1000
/* Default reconnect attempts after a lost stream. */
#define DEFAULT_MAX_RETRIES 20
/* Table map cache buckets at first (table ids hash here); they double
 * when the maps outnumber them. */
#define TM_MIN_BUCKETS 8
/* ENUM/SET member views per table map from optional metadata. */
#define TM_MAX_ENUM_VALUES 65536

/* A TABLE_MAP kept until the rows events that use it. */
struct tm_entry {
    uint64_t table_id;              /* key */
    uint8_t *body;                  /* owned copy of the event body */
    size_t body_len;                /* bytes at body */
    struct binlog_table_map tm;     /* views into body */
    struct mysql_column *cols;      /* owned, tm.column_count entries */
    struct span *enum_store;        /* owned ENUM/SET member views */
    char *db;                       /* owned NUL-terminated db name */
    char *table;                    /* owned NUL-terminated table name */
    uint64_t schema_version;        /* history version cols were built at */
    uint64_t generation;            /* mysrc.tm_generation when rebuilt */
    uint32_t *pk;                   /* primary key column indexes (owned) */
    uint32_t npk;                   /* entries in pk; 0: no primary key */
    bool failed;                    /* rows of this table are refused */
    bool outside;                   /* its database is not wanted: rows
                                       are skipped unread (no columns) */
    char *error;                    /* why (owned), when failed */
    struct tm_entry *next;          /* hash chain */
};

struct mysrc {
    struct event_base *base;        /* the loop (borrowed) */
    struct evdns_base *dns;         /* resolver (borrowed), may be NULL */
    struct url url;                 /* parsed source URL (owned) */
    struct mysrc_opts opts;         /* copy; strings below are owned */
    struct mysrc_cbs cbs;           /* consumer callbacks */
    void *arg;                      /* consumer argument */
    char *ctx;                      /* log prefix (owned) */
    enum mysrc_state state;         /* where start-up or streaming is */
    struct myconn *conn;            /* current connection, or NULL */
    unsigned step;                  /* index within SETUP / schema steps */
    bool mariadb;                   /* server flavor */
    bool row_metadata_full;         /* binlog_row_metadata=FULL */
    bool streamed;                  /* reached STREAMING at least once */
    unsigned retries;               /* reconnects since the last event */
    unsigned backoff_ms;            /* next backoff */
    struct event *timer;            /* backoff timer */
    char checksum[16];              /* @@global.binlog_checksum */
    struct gtid_set start_gtids;    /* MYSRC_START_GTID parsed */
    char **dbs;                     /* opts.dbs copied (owned), or NULL */

    /* positions */
    char *file;                     /* current binlog file (owned) */
    uint64_t pos;                   /* end of the last event */
    char *commit_file;              /* last transaction boundary (owned) */
    uint64_t commit_pos;            /* its position */
    char *end_file;                 /* until_now: end file (owned) */
    uint64_t end_pos;               /* until_now: end position */
    struct pbuf gtid;               /* current transaction's GTID text */
    bool in_trx;                    /* between BEGIN and its end */
    bool standalone;                /* MariaDB GTID without BEGIN */
    uint64_t rows_in_trx;           /* rows delivered in the current trx */
    uint64_t skip_rows;             /* rows to skip after a reconnect */
    uint64_t commit_us;             /* the transaction's commit time from
                                       its GTID event (MySQL), or 0 */
    uint64_t read_bytes;            /* stream bytes read (packets) */

    /* decoding */
    struct binlog_decoder dec;      /* event decoder */
    struct schema *schema;          /* history */
    struct tm_entry **tms;          /* table maps by id (owned), or NULL */
    size_t ntm_buckets;             /* entries in tms: a power of two */
    size_t ntms;                    /* table maps kept */
    uint64_t tm_generation;         /* bumped at every table map rebuild */
    char **stopped;                 /* "db.table" of stopped tables (owned) */
    size_t n_stopped;               /* entries in stopped */
    struct mysql_value *before;     /* row image scratch */
    struct mysql_value *after;      /* row image scratch */
    size_t nvals;                   /* entries in before/after */
    struct pbuf scratch;            /* command encoding, misc */
    char *errbuf;                   /* failure reason (owned), or NULL */
};
void mysrc_set_state(struct mysrc *s, enum mysrc_state st, const char *why);

/* Fails the source once with a one-line reason (cause and fix): drops the
 * connection and calls on_end(reason).  Safe inside callbacks. */
void mysrc_fail(struct mysrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Frees the connection (deferred when inside its callback). */
void mysrc_drop_conn(struct mysrc *s);

/* Replaces *dst with a NUL-terminated copy of p[0..n) (kept on OOM). */
void mysrc_set_str(char **dst, const void *p, size_t n);

/* Forgets every table map (a new stream resends them). */
void mysrc_tm_clear(struct mysrc *s);

/* myconn stream callback: one packet of the binlog dump. */
void mysrc_on_packet(struct myconn *c, const uint8_t *p, size_t len,
                     void *arg);

/* mysql_start.c: opens a connection and runs the start-up chain (or, after
 * a lost stream, only what a dump session needs). */
void mysrc_start_connect(struct mysrc *s);

/* mysql_start.c: the backoff timer before a reconnect. */
void mysrc_on_backoff(evutil_socket_t fd, short what, void *arg);

#endif
