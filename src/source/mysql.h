/*
 * mysql.h - the MySQL/MariaDB binlog source.
 *
 * Registers as a replica, starts a binlog dump at a file+position or a GTID
 * set, decodes the stream (proto/mysql/binlog.c, rows.c) and hands each row
 * change, DDL and transaction end to its consumer, with the position a
 * resume would continue from.  Reconnects with backoff after a lost
 * connection and resumes at the last transaction boundary without
 * repeating a row already handed over.
 *
 *   myconn (socket) --packets--> binlog decoder --events--> mysrc
 *        ^                                                   |
 *        +------ pause/resume (consumer backpressure) <------+--> callbacks
 */
#ifndef TANDEM_SOURCE_MYSQL_H
#define TANDEM_SOURCE_MYSQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mysql/value.h"

struct event_base;
struct evdns_base;
struct mysrc;
struct binlog_rows_iter;

/* Where the stream starts. */
enum mysrc_start {
    MYSRC_START_NOW = 0,    /* the current end of the binlog */
    MYSRC_START_FILE_POS,   /* file + position */
    MYSRC_START_GTID,       /* after the transactions of a GTID set */
    MYSRC_START_COUNT       /* sentinel */
};

struct mysrc_opts {
    const char *url;            /* mysql://user:pw@host:port[...] */
    uint32_t server_id;         /* our replica server_id, unique */
    enum mysrc_start start;     /* start kind */
    const char *start_file;     /* MYSRC_START_FILE_POS */
    uint64_t start_pos;         /* MYSRC_START_FILE_POS */
    const char *start_gtid;     /* MYSRC_START_GTID: MySQL set/MariaDB list */
    bool until_now;             /* stop at the binlog end as of start-up */
    unsigned heartbeat_ms;      /* server heartbeat period; 0: default */
    unsigned max_retries;       /* reconnect attempts before failing */
    const char *log_ctx;        /* logfmt prefix, e.g. "task=x" */
    const char *const *dbs;     /* the databases whose rows are wanted
                                   (copied): only their table definitions
                                   are loaded, and rows of the others are
                                   skipped unread; NULL: every database */
    size_t ndbs;                /* entries in dbs */
};

/* A change's place in the binlog. */
struct mysrc_pos {
    const char *file;           /* binlog file name */
    uint64_t pos;               /* end of the event */
    const char *gtid;           /* the transaction's GTID, or NULL */
    uint32_t ts;                /* event timestamp, seconds since epoch */
    uint64_t ts_us;             /* the transaction's commit time on the
                                   source, us since epoch (MySQL 8.0.1+
                                   GTID events); 0 when not known */
};

/* One row change.  Everything is borrowed and valid during the callback. */
struct mysrc_row {
    int op;                          /* 'i', 'u' or 'd' */
    const char *db;                  /* database name */
    const char *table;               /* table name */
    size_t ncols;                    /* columns in the table */
    const struct mysql_column *cols; /* their definitions */
    uint64_t table_generation;       /* changes whenever db, table or cols
                                        may have changed: a consumer may
                                        cache what it derives from them */
    const uint32_t *pk;              /* primary key column indexes */
    uint32_t npk;                    /* columns in pk; 0: no primary key */
    const struct mysql_value *before; /* update/delete, else NULL */
    const struct mysql_value *after;  /* insert/update, else NULL */
    struct mysrc_pos pos;            /* where it is */
    /* PARTIAL_UPDATE_ROWS (MySQL binlog_row_value_options=PARTIAL_JSON):
     * when not NULL, a JSON column i with binlog_rows_is_partial(partial, i)
     * holds in after[i] a diff vector to apply to before[i]. */
    const struct binlog_rows_iter *partial;
};

/* A DDL statement, applied to the schema history before the callback. */
struct mysrc_ddl {
    const char *db;             /* default database of the statement */
    const char *sql;            /* statement text */
    size_t sql_len;             /* bytes at sql */
    struct mysrc_pos pos;       /* where it is */
};

struct mysrc_cbs {
    /* Each returns 0, or -1 to stop the source (it then fails with the
     * consumer's reason given by mysrc_fail()). */
    int (*on_row)(void *arg, const struct mysrc_row *row);
    int (*on_ddl)(void *arg, const struct mysrc_ddl *ddl);
    int (*on_commit)(void *arg, const struct mysrc_pos *pos);
    /* The stream ended: err NULL after --until-now reached its end or a
     * stop; else one line naming the cause and the fix. */
    void (*on_end)(void *arg, const char *err);
    /* A table was stopped (its rows are no longer delivered) because its
     * definition is not known or disagrees with the binlog.  Never for
     * the tables of databases outside mysrc_opts.dbs: their rows are
     * skipped without a word. */
    void (*on_table_error)(void *arg, const char *db, const char *table,
                           const char *err);
    /* Optional: the server sent a heartbeat event between transactions:
     * it had nothing newer to send (pos: where the stream is). */
    void (*on_heartbeat)(void *arg, const struct mysrc_pos *pos);
};

/* Parses and checks options; NULL on error with the reason in err. */
struct mysrc *mysrc_new(struct event_base *base, struct evdns_base *dns,
                        const struct mysrc_opts *opts,
                        const struct mysrc_cbs *cbs, void *arg,
                        char *err, size_t errlen);

/* Connects and starts streaming.  Returns 0 or -1 (err filled). */
int mysrc_start(struct mysrc *s, char *err, size_t errlen);

/* Stops after the current event; on_end(NULL) follows. */
void mysrc_stop(struct mysrc *s);

/* Consumer backpressure: stop and restart reading from the server. */
void mysrc_pause(struct mysrc *s);
void mysrc_resume(struct mysrc *s);

/* The last transaction boundary read (where a resume would start), while
 * streaming; false before.  *file is valid until the next event. */
bool mysrc_position(const struct mysrc *s, const char **file,
                    uint64_t *pos);

/* True while the stream is behind the binlog end seen at start-up (or
 * runs with until_now): a consumer may batch its output then. */
bool mysrc_catching_up(const struct mysrc *s);

/* Bytes of binlog stream packets read from the server so far. */
uint64_t mysrc_read_bytes(const struct mysrc *s);

void mysrc_free(struct mysrc *s);

#endif
