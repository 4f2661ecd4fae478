/*
 * copy.c - full synchronization (see copy.h).
 */
#include "src/task/copy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/task/schema_copy.h"

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

/* One column of the table being copied. */
struct copy_col {
    char *name;          /* source name (owned) */
    char *dest;          /* destination name (owned); NULL: not written */
    enum col_kind kind;  /* ... */
    bool pk;             /* part of the primary key */
};

/* One destination connection writing chunks. */
struct copy_writer {
    struct copy *cp;              /* owner */
    struct myconn *c;             /* connection */
    bool ready;                   /* its session is set up */
    bool busy;                    /* holds a chunk (being read or written) */
    struct pbuf ins;              /* the chunk's INSERTs, NUL-separated */
    size_t next;                  /* the next one to send */
    size_t ti;                    /* the chunk's table (messages) */
};

struct copy {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    const struct task_spec *spec; /* the task (borrowed) */
    const char *ctx;              /* log prefix (borrowed) */
    copy_done_cb done;            /* ... */
    void *arg;                    /* its argument */
    struct url su, du;            /* source, destination */
    struct myconn *src, *dst;     /* connections */
    unsigned ready;               /* connections ready (2 + writers) */
    bool finished;                /* done was called */

    struct schema_copy *sc;       /* schema statements */
    const struct schema_stmt *stmts; /* ... */
    size_t nstmts;                /* ... */
    size_t si;                    /* statement being run */
    bool resuming;                /* an earlier copy was interrupted */
    struct pbuf existing;         /* "db\0table\0" at the destination */

    char *file;                   /* snapshot position (owned) */
    uint64_t pos;                 /* ... */

    size_t ti;                    /* table: index of its CREATE TABLE */
    const struct task_table *rules; /* its rules, or NULL */
    struct copy_col *cols;        /* its columns (owned) */
    size_t ncols, npk;            /* ... */
    struct pbuf last;             /* the last chunk's key: "(1,'x')" */
    bool has_last;                /* ... */
    uint64_t rows;                /* rows copied of the table */
    uint64_t estimate;            /* its rows as the source estimates */
    unsigned chunk_rows;          /* rows per chunk for it */
    uint64_t bytes;               /* bytes of values written for it */
    uint64_t started_ms;          /* when its copy began */
    uint64_t logged_ms;           /* the last progress line */
    uint64_t total;               /* rows copied in all */
    struct pbuf q;                /* query being built */
    struct copy_writer *w;        /* writers (owned) */
    unsigned nw;                  /* ... */
    struct copy_writer *target;   /* the writer of the chunk being read */
    bool want_read;               /* the reader waits for a free writer */
    bool read_all;                /* every table has been read */
    bool ending;                  /* the snapshot is being closed */

    /* flow_control: what was read since pace_ms, while the limits hold */
    struct event *pace;           /* waits before the next chunk */
    bool pacing;                  /* the limits held at the last chunk */
    uint64_t pace_ms;             /* since when */
    uint64_t paced_rows;          /* ... rows read */
    uint64_t paced_bytes;         /* ... bytes */
};

static void next_table(struct copy *cp);
static void on_estimate(struct myconn *c, const struct myresult *res,
                        const char *err, void *arg);

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Rows copied, of the estimate, bytes, rate and time left of the table. */
static void
log_progress(struct copy *cp, bool last)
{
    const struct schema_stmt *st = &cp->stmts[cp->ti];
    uint64_t now = now_ms(), ms = now - cp->started_ms;
    double rate = ms > 0 ? (double)cp->rows * 1000.0 / (double)ms : 0.0;

    if (!last && now - cp->logged_ms < COPY_PROGRESS_MS) {
        return;
    }
    cp->logged_ms = now;
    if (last) {
        clog(LOG_INFO, cp->ctx, "copied `%s`.`%s`: %" PRIu64 " rows, %"
             PRIu64 " bytes in %.1f s", st->src_db, st->src_table, cp->rows,
             cp->bytes, (double)ms / 1000.0);
    } else if (cp->estimate > cp->rows && rate > 0) {
        clog(LOG_INFO, cp->ctx, "copying `%s`.`%s`: %" PRIu64 " of about %"
             PRIu64 " rows (%.0f%%), %" PRIu64 " bytes, %.0f rows/s, about "
             "%.0f s left", st->src_db, st->src_table, cp->rows,
             cp->estimate, 100.0 * (double)cp->rows /
             (double)cp->estimate, cp->bytes, rate,
             (double)(cp->estimate - cp->rows) / rate);
    } else {
        clog(LOG_INFO, cp->ctx, "copying `%s`.`%s`: %" PRIu64 " rows, %"
             PRIu64 " bytes, %.0f rows/s", st->src_db, st->src_table,
             cp->rows, cp->bytes, rate);
    }
}
static void read_chunk(struct copy *cp);

static void
copy_fail(struct copy *cp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
copy_fail(struct copy *cp, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (cp->finished) {
        return;
    }
    cp->finished = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cp->done(cp, msg, NULL, 0, cp->arg);
}

static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct copy *cp = arg;

    copy_fail(cp, "%s: %s", c == cp->src ? "source" : "destination", err);
}

static void
copy_send(struct copy *cp, struct myconn *c, const char *sql, myconn_result_cb cb)
{
    clog(LOG_TRACE, cp->ctx, "copy %s <- %.200s", c == cp->src ? "source" :
         "destination", sql);
    if (myconn_query(c, sql, cb, cp) != 0) {
        copy_fail(cp, "%s connection not ready", c == cp->src ? "source" :
                  "destination");
    }
}

/* The query in cp->q, NUL-terminated. */
static const char *
qtext(struct copy *cp)
{
    pbuf_putc(&cp->q, '\0');
    return cp->q.failed ? "" : (const char *)cp->q.data;
}

static void
put_lit(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

/* ---- the end ---- */

static void
on_finished(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot record the end of the copy at the "
                  "destination: %s", err);
        return;
    }
    clog(LOG_INFO, cp->ctx, "full copy done: %" PRIu64 " rows; the stream "
         "starts at %s:%" PRIu64, cp->total, cp->file, cp->pos);
    cp->finished = true;
    cp->done(cp, NULL, cp->file, cp->pos, cp->arg);
}

/* The snapshot's position becomes the task's checkpoint, and the copy is
 * marked done, in one destination transaction. */
static void
finish(struct copy *cp)
{
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "START TRANSACTION;INSERT INTO tandem.checkpoint "
                      "(task, worker, file, pos, gtid, applied) VALUES (");
    put_lit(&cp->q, cp->spec->name);
    pbuf_puts(&cp->q, ",0,");
    put_lit(&cp->q, cp->file);
    pbuf_printf(&cp->q, ",%" PRIu64 ",NULL,NULL) ON DUPLICATE KEY UPDATE "
                "file = VALUES(file), pos = VALUES(pos), gtid = NULL, "
                "applied = NULL;UPDATE tandem.copy SET done = 1 WHERE "
                "task = ", cp->pos);
    put_lit(&cp->q, cp->spec->name);
    pbuf_puts(&cp->q, ";COMMIT");
    copy_send(cp, cp->dst, qtext(cp), on_finished);
}

static void
on_snapshot_end(struct myconn *c, const struct myresult *res,
                const char *err, void *arg)
{
    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(arg, "source: %s", err);
        return;
    }
    finish(arg);
}

/* ---- rows ---- */

static void writer_send(struct copy_writer *w);

/* Whether flow_control's limits hold now: all day, or inside one of its
 * daily windows (local time). */
static bool
limits_hold(const struct copy *cp)
{
    const struct task_flow_control *fc = &cp->spec->flow;
    time_t now = time(NULL);
    struct tm tm;
    unsigned m, i;

    if (fc->rows_per_sec == 0 && fc->bytes_per_sec == 0) {
        return false;
    }
    if (fc->nwindows == 0) {
        return true;
    }
    localtime_r(&now, &tm);
    m = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
    for (i = 0; i < fc->nwindows; i++) {
        unsigned from = fc->windows[i].from, to = fc->windows[i].to;

        if (from < to ? m >= from && m < to : m >= from || m < to) {
            return true;
        }
    }
    return false;
}

/* Milliseconds to wait before the next chunk so that what was read since
 * the limits began to hold stays within rows_per_sec and bytes_per_sec. */
static uint64_t
pace_wait_ms(struct copy *cp)
{
    const struct task_flow_control *fc = &cp->spec->flow;
    uint64_t now = now_ms(), need = 0;

    if (!limits_hold(cp)) {
        cp->pacing = false;
        return 0;
    }
    if (!cp->pacing) {
        cp->pacing = true;
        cp->pace_ms = now;
        cp->paced_rows = cp->paced_bytes = 0;
        return 0;
    }
    if (fc->rows_per_sec > 0) {
        need = cp->paced_rows * 1000u / fc->rows_per_sec;
    }
    if (fc->bytes_per_sec > 0 &&
        cp->paced_bytes * 1000u / fc->bytes_per_sec > need) {
        need = cp->paced_bytes * 1000u / fc->bytes_per_sec;
    }
    return cp->pace_ms + need > now ? cp->pace_ms + need - now : 0;
}

static void want_chunk(struct copy *cp);

static void
on_pace(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    want_chunk(arg);
}

/* The reader's next chunk, as soon as a writer is free to take it (and
 * flow_control lets it). */
static void
want_chunk(struct copy *cp)
{
    uint64_t wait = pace_wait_ms(cp);
    unsigned i;

    if (wait > 0) {
        struct timeval tv = {(time_t)(wait / 1000),
                             (suseconds_t)(wait % 1000) * 1000};

        if (cp->pace == NULL) {
            cp->pace = evtimer_new(cp->base, on_pace, cp);
        }
        if (cp->pace != NULL && evtimer_add(cp->pace, &tv) == 0) {
            return;
        }
    }

    for (i = 0; i < cp->nw; i++) {
        if (cp->w[i].ready && !cp->w[i].busy) {
            cp->target = &cp->w[i];
            cp->target->busy = true;
            read_chunk(cp);
            return;
        }
    }
    cp->want_read = true;
}

/* Every table read and every chunk written: the snapshot ends. */
static void
maybe_end(struct copy *cp)
{
    unsigned i;

    if (!cp->read_all || cp->ending) {
        return;
    }
    for (i = 0; i < cp->nw; i++) {
        if (cp->w[i].busy) {
            return;
        }
    }
    cp->ending = true;
    copy_send(cp, cp->src, "COMMIT", on_snapshot_end);
}

static void
writer_free_again(struct copy_writer *w)
{
    struct copy *cp = w->cp;

    w->busy = false;
    if (cp->want_read) {
        cp->want_read = false;
        want_chunk(cp);
        return;
    }
    maybe_end(cp);
}

static void
on_inserted(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy_writer *w = arg;
    struct copy *cp = w->cp;

    (void)c;
    (void)res;
    if (cp->finished) {
        return;
    }
    if (err != NULL) {
        copy_fail(cp, "destination refused the copy of `%s`.`%s`: %s",
                  cp->stmts[w->ti].src_db, cp->stmts[w->ti].src_table, err);
        return;
    }
    w->next += strlen((const char *)w->ins.data + w->next) + 1;
    if (w->next < w->ins.len) {
        writer_send(w);
        return;
    }
    writer_free_again(w);
}

static void
writer_send(struct copy_writer *w)
{
    const char *stmt = (const char *)w->ins.data + w->next;

    clog(LOG_TRACE, w->cp->ctx, "copy writer <- %.200s", stmt);
    if (myconn_query(w->c, stmt, on_inserted, w) != 0) {
        copy_fail(w->cp, "destination connection not ready");
    }
}

/* Appends value v (kind k) of a result cell as a literal. */
static void
put_value(struct pbuf *b, enum col_kind k, const struct span *v, bool null)
{
    if (null) {
        pbuf_puts(b, "NULL");
    } else if (k == COL_HEX) {
        pbuf_puts(b, "X'");
        pbuf_put(b, v->p, v->len);
        pbuf_putc(b, '\'');
    } else if (k == COL_NUMBER || k == COL_BIT || k == COL_FLOAT) {
        pbuf_put(b, v->p, v->len);
    } else {
        sqlenc_text(b, v->p, v->len);
    }
}

/* INSERT head: INSERT INTO `db`.`t` (`a`,`b`) VALUES */
static void
put_insert_head(struct copy *cp, struct pbuf *b)
{
    const struct schema_stmt *st = &cp->stmts[cp->ti];
    const char *table = task_spec_map_table(cp->spec, st->src_db,
                                            st->src_table);
    bool first = true;
    size_t i;

    pbuf_puts(b, "INSERT INTO ");
    sqlenc_qualified(b, st->db, table);
    pbuf_puts(b, " (");
    for (i = 0; i < cp->ncols; i++) {
        if (cp->cols[i].dest == NULL) {
            continue;
        }
        if (!first) {
            pbuf_putc(b, ',');
        }
        first = false;
        sqlenc_ident(b, cp->cols[i].dest, strlen(cp->cols[i].dest));
    }
    pbuf_puts(b, ") VALUES ");
}

/* A duplicate key keeps the row there (existing_tables "ignore") without
 * hiding data errors as INSERT IGNORE would; after an interrupted copy
 * into kept tables it is replaced instead, as the row may come from the
 * earlier copy's older snapshot. */
static void
put_insert_tail(struct copy *cp, struct pbuf *b)
{
    size_t i;
    bool first = true;

    if (cp->resuming &&
        cp->spec->existing_tables == TASK_EXISTING_IGNORE) {
        for (i = 0; i < cp->ncols; i++) {
            if (cp->cols[i].dest == NULL) {
                continue;
            }
            pbuf_puts(b, first ? " ON DUPLICATE KEY UPDATE " : ",");
            first = false;
            sqlenc_ident(b, cp->cols[i].dest, strlen(cp->cols[i].dest));
            pbuf_puts(b, "=VALUES(");
            sqlenc_ident(b, cp->cols[i].dest, strlen(cp->cols[i].dest));
            pbuf_putc(b, ')');
        }
        pbuf_putc(b, '\0');
        return;
    }
    for (i = 0; i < cp->ncols; i++) {
        if (cp->cols[i].pk && cp->cols[i].dest != NULL) {
            pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
            sqlenc_ident(b, cp->cols[i].dest, strlen(cp->cols[i].dest));
            pbuf_putc(b, '=');
            sqlenc_ident(b, cp->cols[i].dest, strlen(cp->cols[i].dest));
            break;
        }
    }
    pbuf_putc(b, '\0');
}

static void
on_chunk(struct myconn *c, const struct myresult *res, const char *err,
         void *arg)
{
    struct copy *cp = arg;
    struct copy_writer *w;
    size_t r, i, start = 0;
    bool open = false, full;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "source: reading `%s`.`%s`: %s",
                  cp->stmts[cp->ti].src_db, cp->stmts[cp->ti].src_table,
                  err);
        return;
    }
    w = cp->target;
    cp->target = NULL;
    pbuf_reset(&w->ins);
    w->next = 0;
    w->ti = cp->ti;
    full = res != NULL && res->nrows >= cp->chunk_rows;
    for (r = 0; res != NULL && r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];
        const bool *nul = &res->nulls[r * res->ncols];

        if (open && w->ins.len - start > COPY_MAX_STATEMENT) {
            put_insert_tail(cp, &w->ins);
            open = false;
        }
        if (!open) {
            start = w->ins.len;
            put_insert_head(cp, &w->ins);
            open = true;
        } else {
            pbuf_putc(&w->ins, ',');
        }
        pbuf_putc(&w->ins, '(');
        for (i = 0; i < cp->ncols; i++) {
            if (cp->cols[i].dest == NULL) {
                continue;
            }
            if (w->ins.data[w->ins.len - 1] != '(') {
                pbuf_putc(&w->ins, ',');
            }
            put_value(&w->ins, cp->cols[i].kind, &v[i], nul[i]);
        }
        pbuf_putc(&w->ins, ')');
        if (r + 1 == res->nrows && cp->npk > 0) {
            /* the key after which the next chunk starts: the trailing
             * key columns of the select list */
            size_t k;

            pbuf_reset(&cp->last);
            pbuf_putc(&cp->last, '(');
            for (k = 0; k < cp->npk; k++) {
                size_t ci = cp->ncols + k, src = 0, seen = 0;

                for (src = 0; src < cp->ncols; src++) {
                    if (cp->cols[src].pk && seen++ == k) {
                        break;
                    }
                }
                if (k > 0) {
                    pbuf_putc(&cp->last, ',');
                }
                put_value(&cp->last, cp->cols[src].kind, &v[ci], nul[ci]);
            }
            pbuf_putc(&cp->last, ')');
            cp->has_last = true;
        }
    }
    if (open) {
        put_insert_tail(cp, &w->ins);
    }
    cp->bytes += w->ins.len;
    cp->paced_bytes += w->ins.len;
    cp->paced_rows += res != NULL ? res->nrows : 0;
    cp->rows += res != NULL ? res->nrows : 0;
    cp->total += res != NULL ? res->nrows : 0;
    if (w->ins.failed || cp->last.failed) {
        copy_fail(cp, "out of memory copying `%s`.`%s`",
                  cp->stmts[cp->ti].src_db, cp->stmts[cp->ti].src_table);
        return;
    }
    if (w->ins.len > 0) {
        writer_send(w);
    } else {
        w->busy = false;
    }
    /* the reader goes on while the writer writes */
    if (full && cp->npk > 0) {
        log_progress(cp, false);
        want_chunk(cp);
    } else {
        log_progress(cp, true);
        cp->ti++;
        next_table(cp);
    }
}

/* How column <name> is selected. */
static void
put_select(struct pbuf *b, const struct copy_col *c)
{
    if (c->kind == COL_HEX) {
        pbuf_puts(b, "HEX(");
    }
    sqlenc_ident(b, c->name, strlen(c->name));
    if (c->kind == COL_HEX) {
        pbuf_putc(b, ')');
    } else if (c->kind == COL_BIT) {
        pbuf_puts(b, "+0");
    } else if (c->kind == COL_FLOAT) {
        pbuf_puts(b, "+0e0");
    }
}

/* The next chunk: by key after the last one, filtered, in key order. */
static void
read_chunk(struct copy *cp)
{
    const struct schema_stmt *st = &cp->stmts[cp->ti];
    const char *filter = cp->rules != NULL ? cp->rules->filter : NULL;
    size_t i;
    bool where = false;

    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT ");
    for (i = 0; i < cp->ncols; i++) {
        if (i > 0) {
            pbuf_putc(&cp->q, ',');
        }
        put_select(&cp->q, &cp->cols[i]);
    }
    for (i = 0; i < cp->ncols; i++) {
        if (cp->cols[i].pk) {
            pbuf_putc(&cp->q, ',');
            put_select(&cp->q, &cp->cols[i]);
        }
    }
    pbuf_puts(&cp->q, " FROM ");
    sqlenc_qualified(&cp->q, st->src_db, st->src_table);
    if (filter != NULL) {
        pbuf_puts(&cp->q, " WHERE (");
        pbuf_puts(&cp->q, filter);
        pbuf_putc(&cp->q, ')');
        where = true;
    }
    if (cp->npk > 0) {
        bool first = true;

        if (cp->has_last) {
            pbuf_puts(&cp->q, where ? " AND (" : " WHERE (");
            for (i = 0; i < cp->ncols; i++) {
                if (cp->cols[i].pk) {
                    if (!first) {
                        pbuf_putc(&cp->q, ',');
                    }
                    first = false;
                    sqlenc_ident(&cp->q, cp->cols[i].name,
                                 strlen(cp->cols[i].name));
                }
            }
            pbuf_puts(&cp->q, ") > ");
            pbuf_put(&cp->q, cp->last.data, cp->last.len);
            first = true;
        }
        pbuf_puts(&cp->q, " ORDER BY ");
        for (i = 0; i < cp->ncols; i++) {
            if (cp->cols[i].pk) {
                if (!first) {
                    pbuf_putc(&cp->q, ',');
                }
                first = false;
                sqlenc_ident(&cp->q, cp->cols[i].name,
                             strlen(cp->cols[i].name));
            }
        }
        pbuf_printf(&cp->q, " LIMIT %u", cp->chunk_rows);
    }
    copy_send(cp, cp->src, qtext(cp), on_chunk);
}

static enum col_kind
kind_of(const char *type)
{
    static const char *const numbers[] = {
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal",
        "double", "year", NULL,
    };
    static const char *const hex[] = {
        "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
        "geometry", "point", "linestring", "polygon", "multipoint",
        "multilinestring", "multipolygon", "geometrycollection", NULL,
    };
    size_t i;

    for (i = 0; numbers[i] != NULL; i++) {
        if (strcmp(type, numbers[i]) == 0) {
            return COL_NUMBER;
        }
    }
    for (i = 0; hex[i] != NULL; i++) {
        if (strcmp(type, hex[i]) == 0) {
            return COL_HEX;
        }
    }
    if (strcmp(type, "float") == 0) {
        return COL_FLOAT;
    }
    return strcmp(type, "bit") == 0 ? COL_BIT : COL_TEXT;
}

static void
free_cols(struct copy *cp)
{
    size_t i;

    for (i = 0; i < cp->ncols; i++) {
        free(cp->cols[i].name);
        free(cp->cols[i].dest);
    }
    free(cp->cols);
    cp->cols = NULL;
    cp->ncols = cp->npk = 0;
}


/* Columns: name, type, generated, position in the primary key. */
static void
on_columns(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    struct copy *cp = arg;
    const struct schema_stmt *st = &cp->stmts[cp->ti];
    size_t r;

    (void)c;
    if (err != NULL || res == NULL || res->nrows == 0) {
        copy_fail(cp, "source: cannot read the columns of `%s`.`%s`%s%s",
                  st->src_db, st->src_table, err ? ": " : "",
                  err ? err : "");
        return;
    }
    free_cols(cp);
    cp->cols = calloc(res->nrows, sizeof(*cp->cols));
    if (cp->cols == NULL) {
        copy_fail(cp, "out of memory");
        return;
    }
    for (r = 0; r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];
        struct copy_col *col = &cp->cols[cp->ncols++];
        char *type = span_strdup(v[1]), *extra = span_strdup(v[2]);
        const char *to;

        col->name = span_strdup(v[0]);
        if (col->name == NULL || type == NULL || extra == NULL) {
            free(type);
            free(extra);
            copy_fail(cp, "out of memory");
            return;
        }
        col->kind = kind_of(type);
        col->pk = v[3].len > 0 && !res->nulls[r * res->ncols + 3];
        cp->npk += col->pk;
        to = task_spec_map_column(cp->rules, col->name);
        /* generated columns are computed by the destination */
        if (to != NULL && strstr(extra, "GENERATED") == NULL) {
            col->dest = strdup(to);
        }
        free(type);
        free(extra);
    }
    if (cp->npk == 0) {
        clog(LOG_WARN, cp->ctx, "`%s`.`%s` has no primary key: it is read "
             "in one piece", st->src_db, st->src_table);
    }
    clog(LOG_INFO, cp->ctx, "copying `%s`.`%s` (about %" PRIu64 " rows)",
         st->src_db, st->src_table, cp->estimate);
    want_chunk(cp);
}

/* The next CREATE TABLE's table, or the end. */
static void
next_table(struct copy *cp)
{
    const struct schema_stmt *st;

    while (cp->ti < cp->nstmts &&
           cp->stmts[cp->ti].kind != SCHEMA_STMT_CREATE_TABLE) {
        cp->ti++;
    }
    if (cp->ti == cp->nstmts) {
        cp->read_all = true;
        maybe_end(cp);
        return;
    }
    st = &cp->stmts[cp->ti];
    cp->rules = task_spec_find_table(cp->spec, st->src_db, st->src_table,
                                     NULL);
    cp->has_last = false;
    cp->rows = cp->bytes = cp->estimate = 0;
    cp->started_ms = cp->logged_ms = now_ms();
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT TABLE_ROWS, AVG_ROW_LENGTH FROM "
                      "information_schema.TABLES WHERE TABLE_SCHEMA = ");
    put_lit(&cp->q, st->src_db);
    pbuf_puts(&cp->q, " AND TABLE_NAME = ");
    put_lit(&cp->q, st->src_table);
    copy_send(cp, cp->src, qtext(cp), on_estimate);
}

/* The source's estimate of the table's rows, then its columns. */
static void
on_estimate(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    const struct schema_stmt *st = &cp->stmts[cp->ti];

    (void)c;
    cp->chunk_rows = COPY_CHUNK_ROWS;
    if (cp->spec->flow.rows_per_sec > 0 &&
        cp->spec->flow.rows_per_sec < cp->chunk_rows) {
        cp->chunk_rows = (unsigned)cp->spec->flow.rows_per_sec;
    }
    if (err == NULL && res != NULL && res->nrows == 1 && res->ncols == 2) {
        char n[32];
        uint64_t avg;

        snprintf(n, sizeof(n), "%.*s", (int)res->cells[0].len,
                 res->nulls[0] ? "0" : (const char *)res->cells[0].p);
        cp->estimate = strtoull(n, NULL, 10);
        snprintf(n, sizeof(n), "%.*s", (int)res->cells[1].len,
                 res->nulls[1] ? "0" : (const char *)res->cells[1].p);
        avg = strtoull(n, NULL, 10);
        if (avg > 0 && COPY_CHUNK_BYTES / avg < cp->chunk_rows) {
            cp->chunk_rows = COPY_CHUNK_BYTES / avg > 0 ?
                             (unsigned)(COPY_CHUNK_BYTES / avg) : 1;
        }
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.EXTRA, "
                      "s.SEQ_IN_INDEX FROM information_schema.COLUMNS c "
                      "LEFT JOIN information_schema.STATISTICS s ON "
                      "s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = "
                      "c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND "
                      "s.INDEX_NAME = 'PRIMARY' WHERE c.TABLE_SCHEMA = ");
    put_lit(&cp->q, st->src_db);
    pbuf_puts(&cp->q, " AND c.TABLE_NAME = ");
    put_lit(&cp->q, st->src_table);
    pbuf_puts(&cp->q, " ORDER BY s.SEQ_IN_INDEX IS NULL, s.SEQ_IN_INDEX, "
                      "c.ORDINAL_POSITION");
    copy_send(cp, cp->src, qtext(cp), on_columns);
}

/* ---- the snapshot ---- */

static void
on_recorded(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot record the copy at the destination: %s", err);
        return;
    }
    cp->ti = 0;
    next_table(cp);
}

static void
on_snapshot_pos(struct myconn *c, const struct myresult *res,
                const char *err, void *arg)
{
    struct copy *cp = arg;
    char pos[32] = "";
    size_t r;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "source: %s", err);
        return;
    }
    for (r = 0; res != NULL && r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];

        if (v[0].len == 20 && memcmp(v[0].p, "Binlog_snapshot_file", 20) ==
            0) {
            free(cp->file);
            cp->file = span_strdup(v[1]);
        } else if (v[0].len == 24 &&
                   memcmp(v[0].p, "Binlog_snapshot_position", 24) == 0) {
            snprintf(pos, sizeof(pos), "%.*s", (int)v[1].len,
                     (const char *)v[1].p);
        }
    }
    if (cp->file == NULL || cp->file[0] == '\0' || pos[0] == '\0') {
        copy_fail(cp, "the source gives no binlog position for a "
                  "consistent snapshot (binlog_snapshot_file is empty) — "
                  "full sync needs MariaDB with the binlog on; MySQL "
                  "sources are not supported for full sync yet");
        return;
    }
    cp->pos = strtoull(pos, NULL, 10);
    clog(LOG_INFO, cp->ctx, "consistent snapshot of the source at %s:%"
         PRIu64, cp->file, cp->pos);
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "INSERT INTO tandem.copy (task, file, pos, done) "
                      "VALUES (");
    put_lit(&cp->q, cp->spec->name);
    pbuf_putc(&cp->q, ',');
    put_lit(&cp->q, cp->file);
    pbuf_printf(&cp->q, ",%" PRIu64 ",0) ON DUPLICATE KEY UPDATE "
                "file = VALUES(file), pos = VALUES(pos), done = 0", cp->pos);
    copy_send(cp, cp->dst, qtext(cp), on_recorded);
}

static void
on_snapshot(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(arg, "source: cannot open a consistent snapshot: %s",
                  err);
        return;
    }
    copy_send(arg, ((struct copy *)arg)->src,
         "SHOW STATUS LIKE 'binlog_snapshot_%'", on_snapshot_pos);
}

static void
on_isolation(struct myconn *c, const struct myresult *res, const char *err,
             void *arg)
{
    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(arg, "source: %s", err);
        return;
    }
    copy_send(arg, ((struct copy *)arg)->src,
         "START TRANSACTION WITH CONSISTENT SNAPSHOT", on_snapshot);
}

static void
snapshot(struct copy *cp)
{
    copy_send(cp, cp->src, "SET time_zone = '+00:00';SET SESSION "
                           "TRANSACTION ISOLATION LEVEL REPEATABLE READ",
              on_isolation);
}

/* ---- the schema ---- */


static void run_schema(struct copy *cp);

static void
on_schema_stmt(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "destination refused the schema (%.80s): %s",
                  cp->stmts[cp->si].sql, err);
        return;
    }
    cp->si++;
    run_schema(cp);
}

/* The schema statements one by one: a database, then per table the
 * existing_tables decision. */
static void
run_schema(struct copy *cp)
{
    for (; cp->si < cp->nstmts; cp->si++) {
        const struct schema_stmt *st = &cp->stmts[cp->si];
        const char *table;

        if (st->kind == SCHEMA_STMT_CREATE_DATABASE) {
            if (cp->spec->schema_sync) {
                copy_send(cp, cp->dst, st->sql, on_schema_stmt);
                return;
            }
            continue;
        }
        table = task_spec_map_table(cp->spec, st->src_db, st->src_table);
        pbuf_reset(&cp->q);
        if (pbuf_has_pair(&cp->existing, st->db, table)) {
            if (cp->spec->existing_tables == TASK_EXISTING_IGNORE) {
                /* the user's rows stay; after an interrupted copy the
                 * rows it wrote are overwritten (see put_insert_tail) */
                continue;
            }
            /* clear, or a table an interrupted copy created */
            pbuf_puts(&cp->q, "TRUNCATE TABLE ");
            sqlenc_qualified(&cp->q, st->db, table);
        } else if (!cp->spec->schema_sync) {
            copy_fail(cp, "destination table `%s`.`%s` does not exist — "
                      "create it, or set \"schema_sync\" to true",
                      st->db, table);
            return;
        } else {
            pbuf_puts(&cp->q, "USE ");
            sqlenc_ident(&cp->q, st->db, strlen(st->db));
            pbuf_puts(&cp->q, ";");
            pbuf_puts(&cp->q, st->sql);
        }
        copy_send(cp, cp->dst, qtext(cp), on_schema_stmt);
        return;
    }
    snapshot(cp);
}

static void
on_existing(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    size_t r, i;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    pbuf_reset(&cp->existing);
    for (r = 0; res != NULL && r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];

        pbuf_put_pair(&cp->existing, v[0], v[1]);
    }
    if (!cp->resuming &&
        cp->spec->existing_tables == TASK_EXISTING_INTERCEPT) {
        for (i = 0; i < cp->nstmts; i++) {
            const struct schema_stmt *st = &cp->stmts[i];
            const char *table;

            if (st->kind != SCHEMA_STMT_CREATE_TABLE) {
                continue;
            }
            table = task_spec_map_table(cp->spec, st->src_db,
                                        st->src_table);
            if (pbuf_has_pair(&cp->existing, st->db, table)) {
                copy_fail(cp, "destination table `%s`.`%s` already exists "
                          "and \"existing_tables\" is \"intercept\" — drop "
                          "or rename it, map the table to another name, or "
                          "set \"existing_tables\" to \"ignore\" or "
                          "\"clear\"", st->db, table);
                return;
            }
        }
    }
    cp->si = 0;
    run_schema(cp);
}

static void
on_copy_state(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct copy *cp = arg;
    size_t i;
    bool first = true;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    cp->resuming = res != NULL && res->nrows > 0;
    if (cp->resuming) {
        clog(LOG_INFO, cp->ctx, "an earlier full copy was interrupted: "
             "copying again from the start");
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM "
                      "information_schema.TABLES WHERE TABLE_SCHEMA IN (");
    for (i = 0; i < cp->nstmts; i++) {
        if (cp->stmts[i].kind == SCHEMA_STMT_CREATE_TABLE) {
            if (!first) {
                pbuf_putc(&cp->q, ',');
            }
            first = false;
            put_lit(&cp->q, cp->stmts[i].db);
        }
    }
    if (first) {
        pbuf_puts(&cp->q, "NULL");
    }
    pbuf_putc(&cp->q, ')');
    copy_send(cp, cp->dst, qtext(cp), on_existing);
}

static void
on_copy_table(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot prepare the destination for the copy: %s — "
                  "the account needs CREATE on the tandem database", err);
        return;
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT done FROM tandem.copy WHERE done = 0 AND "
                      "task = ");
    put_lit(&cp->q, cp->spec->name);
    copy_send(cp, cp->dst, qtext(cp), on_copy_state);
}

static void
on_schema(struct schema_copy *sc, const char *err, void *arg)
{
    struct copy *cp = arg;

    if (err != NULL) {
        copy_fail(cp, "%s", err);
        return;
    }
    cp->stmts = schema_copy_stmts(sc, &cp->nstmts);
    copy_send(cp, cp->dst, "CREATE TABLE IF NOT EXISTS tandem.copy ("
                      " task VARCHAR(64) NOT NULL PRIMARY KEY,"
                      " file VARCHAR(512) NOT NULL,"
                      " pos BIGINT UNSIGNED NOT NULL,"
                      " done TINYINT NOT NULL) ENGINE=InnoDB",
         on_copy_table);
}

/* ---- connecting ---- */

/* The destination session every writer and the main connection use:
 * the settings the literals rely on (UTC, utf8mb4, strict). */
#define COPY_DST_SESSION                                                  \
    "SET NAMES utf8mb4;SET time_zone = '+00:00';"                          \
    "SET SESSION sql_mode = '" SQLENC_SQL_MODE "';"                        \
    "SET foreign_key_checks = 0"

static void conn_ready(struct copy *cp);

static void
on_writer_session(struct myconn *c, const struct myresult *res,
                  const char *err, void *arg)
{
    struct copy_writer *w = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(w->cp, "destination: %s", err);
        return;
    }
    w->ready = true;
    conn_ready(w->cp);
}

static void
on_writer_ready(struct myconn *c, void *arg)
{
    struct copy_writer *w = arg;

    if (myconn_query(c, COPY_DST_SESSION, on_writer_session, w) != 0) {
        copy_fail(w->cp, "destination connection not ready");
    }
}

static void
on_writer_error(struct myconn *c, const char *err, void *arg)
{
    struct copy_writer *w = arg;

    (void)c;
    copy_fail(w->cp, "destination: %s", err);
}

static void
on_dst_session(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    conn_ready(cp);
}

/* Once every connection is ready: the schema. */
static void
conn_ready(struct copy *cp)
{
    char why[300];

    if (++cp->ready < 2 + cp->nw) {
        return;
    }
    cp->sc = schema_copy_start(cp->spec, cp->src, on_schema, cp, why,
                               sizeof(why));
    if (cp->sc == NULL) {
        copy_fail(cp, "%s", why);
    }
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct copy *cp = arg;

    if (c == cp->dst) {
        copy_send(cp, c, COPY_DST_SESSION ";CREATE DATABASE IF NOT EXISTS "
                         "tandem", on_dst_session);
    } else {
        conn_ready(cp);
    }
}

static struct myconn *
connect_to(struct copy *cp, const struct url *u)
{
    struct myconn_opts o;
    struct myconn *c;

    memset(&o, 0, sizeof(o));
    o.host = u->host;
    o.port = u->port;
    o.user = u->user;
    o.password = u->password;
    o.tls = (int)u->tls;
    o.ca_file = u->ca_file;
    o.connect_timeout_ms = 10000;
    o.log_ctx = cp->ctx;
    c = myconn_new(cp->base, cp->dns, &o);
    if (c != NULL) {
        myconn_set_io_timeout(c, 600000);
    }
    return c;
}

/* apply.workers connections write chunks in parallel. */
static int
start_writers(struct copy *cp)
{
    unsigned i;

    cp->nw = cp->spec->apply.workers > 0 ? cp->spec->apply.workers : 1;
    cp->w = calloc(cp->nw, sizeof(*cp->w));
    if (cp->w == NULL) {
        cp->nw = 0;
        return -1;
    }
    for (i = 0; i < cp->nw; i++) {
        cp->w[i].cp = cp;
        cp->w[i].c = connect_to(cp, &cp->du);
        if (cp->w[i].c == NULL ||
            myconn_connect(cp->w[i].c, on_writer_ready, on_writer_error,
                           &cp->w[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

struct copy *
copy_start(struct event_base *base, struct evdns_base *dns,
           const struct task_spec *spec, const char *log_ctx,
           copy_done_cb done, void *arg, char *err, size_t errlen)
{
    struct copy *cp = calloc(1, sizeof(*cp));

    if (cp == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cp->base = base;
    cp->dns = dns;
    cp->spec = spec;
    cp->ctx = log_ctx;
    cp->done = done;
    cp->arg = arg;
    if (url_parse(spec->source.url, &cp->su, err, errlen) != 0 ||
        url_parse(spec->destination.url, &cp->du, err, errlen) != 0 ||
        (cp->src = connect_to(cp, &cp->su)) == NULL ||
        (cp->dst = connect_to(cp, &cp->du)) == NULL ||
        myconn_connect(cp->src, on_ready, on_conn_error, cp) != 0 ||
        myconn_connect(cp->dst, on_ready, on_conn_error, cp) != 0 ||
        start_writers(cp) != 0) {
        if (err[0] == '\0') {
            snprintf(err, errlen, "cannot start connecting for the copy");
        }
        copy_free(cp);
        return NULL;
    }
    return cp;
}

void
copy_free(struct copy *cp)
{
    unsigned i;

    if (cp == NULL) {
        return;
    }
    /* the conns first: a query still running points at the copy */
    myconn_free(cp->src);
    myconn_free(cp->dst);
    for (i = 0; i < cp->nw; i++) {
        myconn_free(cp->w[i].c);
        pbuf_free(&cp->w[i].ins);
    }
    free(cp->w);
    if (cp->pace != NULL) {
        event_free(cp->pace);
    }
    schema_copy_free(cp->sc);
    free_cols(cp);
    url_free(&cp->su);
    url_free(&cp->du);
    free(cp->file);
    pbuf_free(&cp->existing);
    pbuf_free(&cp->last);
    pbuf_free(&cp->q);
    free(cp);
}
