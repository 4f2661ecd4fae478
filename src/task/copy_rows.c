/*
 * copy_rows.c - the rows of a full copy: readers take tables one at a
 * time and read them in chunks by primary key from their snapshot;
 * writers write each chunk in one destination transaction with the
 * table's progress row (see copy_int.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/source/myconn.h"
#include "src/task/copy_int.h"

/* Rows read, of the estimate, bytes, rate and time left of table t. */
static void
log_progress(struct copy *cp, struct copy_table *t, bool last)
{
    uint64_t now = copy_now_ms(), ms = now - t->started_ms;
    double rate = ms > 0 ? (double)(t->rows - t->rows0) * 1000.0 /
                  (double)ms : 0.0;

    if (!last && now - t->logged_ms < COPY_PROGRESS_MS) {
        return;
    }
    t->logged_ms = now;
    if (last && t->rows0 > 0) {
        clog(LOG_INFO, cp->ctx, "copied `%s`.`%s`: %" PRIu64 " rows, of "
             "which %" PRIu64 " (%" PRIu64 " bytes) in %.1f s now",
             t->st->src_db, t->st->src_table, t->rows, t->rows - t->rows0,
             t->bytes, (double)ms / 1000.0);
    } else if (last) {
        clog(LOG_INFO, cp->ctx, "copied `%s`.`%s`: %" PRIu64 " rows, %"
             PRIu64 " bytes in %.1f s", t->st->src_db, t->st->src_table,
             t->rows, t->bytes, (double)ms / 1000.0);
    } else if (t->estimate > t->rows && rate > 0) {
        clog(LOG_INFO, cp->ctx, "copying `%s`.`%s`: %" PRIu64 " of about %"
             PRIu64 " rows (%.0f%%), %" PRIu64 " bytes, %.0f rows/s, about "
             "%.0f s left", t->st->src_db, t->st->src_table, t->rows,
             t->estimate, 100.0 * (double)t->rows / (double)t->estimate,
             t->bytes, rate, (double)(t->estimate - t->rows) / rate);
    } else {
        clog(LOG_INFO, cp->ctx, "copying `%s`.`%s`: %" PRIu64 " rows, %"
             PRIu64 " bytes, %.0f rows/s", t->st->src_db, t->st->src_table,
             t->rows, t->bytes, rate);
    }
}

/* ---- flow control ---- */

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
    uint64_t now = copy_now_ms(), need = 0;

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

static void
on_pace(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    copy_pump(arg);
}

/* ---- committing ---- */

/* Chunk seq of table t is committed: the contiguous run grows over it
 * and over the chunks above it that it then reaches.  Takes w->key. */
static int
table_committed(struct copy_table *t, struct copy_writer *w)
{
    size_t i;

    if (w->seq != t->wm_seq + 1) {
        if (t->nabove == t->capabove) {
            size_t cap = t->capabove ? t->capabove * 2 : 8;
            struct copy_mark *m = realloc(t->above, cap * sizeof(*m));

            if (m == NULL) {
                return -1;
            }
            t->above = m;
            t->capabove = cap;
        }
        t->above[t->nabove++] = (struct copy_mark){w->seq, w->key, w->rows,
                                                   w->final};
        w->key = NULL;
        return 0;
    }
    free(t->wm_key);
    t->wm_key = w->key;
    w->key = NULL;
    t->wm_seq = w->seq;
    t->wm_rows += w->rows;
    t->done = w->final;
    for (i = 0; i < t->nabove;) {
        struct copy_mark *m = &t->above[i];

        if (m->seq != t->wm_seq + 1) {
            i++;
            continue;
        }
        free(t->wm_key);
        t->wm_key = m->key;
        t->wm_seq = m->seq;
        t->wm_rows += m->rows;
        t->done = m->final;
        *m = t->above[--t->nabove];
        i = 0;
    }
    return 0;
}

static void writer_send(struct copy_writer *w);

static void
on_written(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    struct copy_writer *w = arg;
    struct copy *cp = w->cp;

    (void)c;
    (void)res;
    if (cp->finished) {
        return;
    }
    if (err != NULL && (strncmp(err, "1054 ", 5) == 0 ||
                        strncmp(err, "1136 ", 5) == 0)) {
        /* the columns read are not the table's at the destination */
        copy_fail(cp, "destination refused the copy of `%s`.`%s`: %s — "
                  "the destination table's columns are not the source's "
                  "(a table kept by \"existing_tables\", or a DDL at the "
                  "source while the table was copied): make them match, or "
                  "drop the destination table and delete its row of "
                  "tandem.copy_table (task '%s') to copy it again",
                  w->tab->st->src_db, w->tab->st->src_table, err,
                  cp->spec->name);
        return;
    }
    if (err != NULL) {
        copy_fail(cp, "destination refused the copy of `%s`.`%s`: %s",
                  w->tab->st->src_db, w->tab->st->src_table, err);
        return;
    }
    w->next += strlen((const char *)w->ins.data + w->next) + 1;
    if (w->next < w->ins.len) {
        writer_send(w);
        return;
    }
    if (table_committed(w->tab, w) != 0) {
        copy_fail(cp, "out of memory");
        return;
    }
    w->busy = false;
    copy_pump(cp);
    copy_add_keys(cp);
    copy_maybe_end(cp);
}

static void
writer_send(struct copy_writer *w)
{
    const char *stmt = (const char *)w->ins.data + w->next;

    clog(LOG_TRACE, w->cp->ctx, "copy writer <- %.200s", stmt);
    if (myconn_query(w->c, stmt, on_written, w) != 0) {
        copy_fail(w->cp, "destination connection not ready");
    }
}

/* ---- statements ---- */

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
put_insert_head(struct copy *cp, const struct copy_table *t, struct pbuf *b)
{
    const char *table = task_spec_map_table(cp->spec, t->st->src_db,
                                            t->st->src_table);
    bool first = true;
    size_t i;

    pbuf_puts(b, "INSERT INTO ");
    sqlenc_qualified(b, t->st->db, table);
    pbuf_puts(b, " (");
    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].dest == NULL) {
            continue;
        }
        if (!first) {
            pbuf_putc(b, ',');
        }
        first = false;
        sqlenc_ident(b, t->cols[i].dest, strlen(t->cols[i].dest));
    }
    pbuf_puts(b, ") VALUES ");
}

/* A duplicate key keeps the row there (existing_tables "ignore") without
 * hiding data errors as INSERT IGNORE would.  A resumed copy writes over
 * it instead: the row may come from the earlier run's older snapshot. */
static void
put_insert_tail(struct copy *cp, const struct copy_table *t, struct pbuf *b)
{
    size_t i;
    bool first = true;

    for (i = 0; i < t->ncols; i++) {
        const char *d = t->cols[i].dest;

        if (d == NULL || (!cp->resuming && !t->cols[i].pk)) {
            continue;
        }
        pbuf_puts(b, first ? " ON DUPLICATE KEY UPDATE " : ",");
        first = false;
        sqlenc_ident(b, d, strlen(d));
        pbuf_puts(b, cp->resuming ? "=VALUES(" : "=");
        sqlenc_ident(b, d, strlen(d));
        if (cp->resuming) {
            pbuf_putc(b, ')');
        } else {
            break;
        }
    }
    pbuf_putc(b, '\0');
}

/* The table's progress row as it stands once w's chunk commits (see
 * copy_int.h). */
static void
put_progress(struct copy *cp, const struct copy_table *t,
             const struct copy_writer *w, struct pbuf *b)
{
    bool next = w->seq == t->wm_seq + 1;
    const char *key = next ? w->key : t->wm_key;

    pbuf_puts(b, "INSERT INTO tandem.copy_table (task, db, tbl, file, pos, "
                 "seq, last_key, `rows`, done) VALUES (");
    copy_put_lit(b, cp->spec->name);
    pbuf_putc(b, ',');
    copy_put_lit(b, t->st->src_db);
    pbuf_putc(b, ',');
    copy_put_lit(b, t->st->src_table);
    pbuf_putc(b, ',');
    copy_put_lit(b, t->from_file);
    pbuf_printf(b, ",%" PRIu64 ",%" PRIu64 ",", t->from_pos,
                next ? w->seq : t->wm_seq);
    if (key != NULL) {
        copy_put_lit(b, key);
    } else {
        pbuf_puts(b, "NULL");
    }
    pbuf_printf(b, ",%" PRIu64 ",%d) ON DUPLICATE KEY UPDATE "
                "last_key = IF(VALUES(seq) > seq, VALUES(last_key), "
                "last_key), `rows` = IF(VALUES(seq) > seq, VALUES(`rows`), "
                "`rows`), done = IF(VALUES(seq) > seq, VALUES(done), done), "
                "seq = GREATEST(seq, VALUES(seq))",
                next ? t->wm_rows + w->rows : t->wm_rows,
                next && w->final ? 1 : 0);
    pbuf_putc(b, '\0');
}

/* The key a chunk ended at: the trailing key columns of its last row
 * (the select list repeats them after the table's columns). */
static void
put_last_key(const struct copy_table *t, struct pbuf *b,
             const struct span *v, const bool *nul)
{
    size_t k, src, seen;

    pbuf_putc(b, '(');
    for (k = 0; k < t->npk; k++) {
        size_t ci = t->ncols + k;

        for (src = 0, seen = 0; src < t->ncols; src++) {
            if (t->cols[src].pk && seen++ == k) {
                break;
            }
        }
        if (k > 0) {
            pbuf_putc(b, ',');
        }
        put_value(b, t->cols[src].kind, &v[ci], nul[ci]);
    }
    pbuf_putc(b, ')');
}

/* ---- reading ---- */

static void
on_chunk(struct myconn *c, const struct myresult *res, const char *err,
         void *arg)
{
    struct copy_reader *r = arg;
    struct copy *cp = r->cp;
    struct copy_table *t = r->tab;
    struct copy_writer *w = r->target;
    size_t n = res != NULL ? res->nrows : 0, i, row, start = 0;
    bool open = false;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "source: reading `%s`.`%s`: %s", t->st->src_db,
                  t->st->src_table, err);
        return;
    }
    r->target = NULL;
    pbuf_reset(&w->ins);
    w->next = 0;
    w->tab = t;
    w->seq = t->next_seq++;
    w->rows = n;
    w->final = t->npk == 0 || n < t->chunk_rows;
    free(w->key);
    w->key = NULL;
    pbuf_puts(&w->ins, "START TRANSACTION");
    pbuf_putc(&w->ins, '\0');
    for (row = 0; row < n; row++) {
        const struct span *v = &res->cells[row * res->ncols];
        const bool *nul = &res->nulls[row * res->ncols];

        if (open && w->ins.len - start > COPY_MAX_STATEMENT) {
            put_insert_tail(cp, t, &w->ins);
            open = false;
        }
        if (!open) {
            start = w->ins.len;
            put_insert_head(cp, t, &w->ins);
            open = true;
        } else {
            pbuf_putc(&w->ins, ',');
        }
        pbuf_putc(&w->ins, '(');
        for (i = 0; i < t->ncols; i++) {
            if (t->cols[i].dest == NULL) {
                continue;
            }
            if (w->ins.data[w->ins.len - 1] != '(') {
                pbuf_putc(&w->ins, ',');
            }
            put_value(&w->ins, t->cols[i].kind, &v[i], nul[i]);
        }
        pbuf_putc(&w->ins, ')');
        if (row + 1 == n && t->npk > 0) {
            pbuf_reset(&t->last);
            put_last_key(t, &t->last, v, nul);
            t->has_last = true;
        }
    }
    if (open) {
        put_insert_tail(cp, t, &w->ins);
    }
    if (t->has_last && !t->last.failed) {
        w->key = strndup((const char *)t->last.data, t->last.len);
    }
    t->bytes += w->ins.len;
    cp->paced_bytes += w->ins.len;
    cp->paced_rows += n;
    t->rows += n;
    cp->total += n;
    put_progress(cp, t, w, &w->ins);
    pbuf_puts(&w->ins, "COMMIT");
    pbuf_putc(&w->ins, '\0');
    if (w->ins.failed || t->last.failed || (t->has_last && w->key == NULL)) {
        copy_fail(cp, "out of memory copying `%s`.`%s`", t->st->src_db,
                  t->st->src_table);
        return;
    }
    writer_send(w);
    /* the reader goes on while the writer writes */
    if (!w->final) {
        log_progress(cp, t, false);
        r->idle = true;
        copy_pump(cp);
    } else {
        log_progress(cp, t, true);
        copy_next_table(r);
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

/* The key columns, comma-separated. */
static void
put_key_cols(struct pbuf *b, const struct copy_table *t)
{
    bool first = true;
    size_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].pk) {
            if (!first) {
                pbuf_putc(b, ',');
            }
            first = false;
            sqlenc_ident(b, t->cols[i].name, strlen(t->cols[i].name));
        }
    }
}

/* The next chunk of r's table: by key after the last one, filtered, in
 * key order. */
static void
read_chunk(struct copy_reader *r)
{
    const struct copy_table *t = r->tab;
    const char *filter = t->rules != NULL ? t->rules->filter : NULL;
    struct pbuf *q = &r->q;
    size_t i;

    pbuf_reset(q);
    pbuf_puts(q, "SELECT ");
    for (i = 0; i < t->ncols; i++) {
        if (i > 0) {
            pbuf_putc(q, ',');
        }
        put_select(q, &t->cols[i]);
    }
    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].pk) {
            pbuf_putc(q, ',');
            put_select(q, &t->cols[i]);
        }
    }
    pbuf_puts(q, " FROM ");
    sqlenc_qualified(q, t->st->src_db, t->st->src_table);
    if (filter != NULL) {
        pbuf_puts(q, " WHERE (");
        pbuf_puts(q, filter);
        pbuf_putc(q, ')');
    }
    if (t->npk > 0) {
        if (t->has_last) {
            pbuf_puts(q, filter != NULL ? " AND (" : " WHERE (");
            put_key_cols(q, t);
            pbuf_puts(q, ") > ");
            pbuf_put(q, t->last.data, t->last.len);
        }
        pbuf_puts(q, " ORDER BY ");
        put_key_cols(q, t);
        pbuf_printf(q, " LIMIT %u", t->chunk_rows);
    }
    copy_send(r->cp, r->c, copy_qtext(q), on_chunk, r);
}

void
copy_pump(struct copy *cp)
{
    unsigned i, j;

    for (i = 0; i < cp->nr && !cp->finished; i++) {
        struct copy_reader *r = &cp->r[i];
        uint64_t wait;

        if (!r->idle) {
            continue;
        }
        wait = pace_wait_ms(cp);
        if (wait > 0) {
            struct timeval tv = {(time_t)(wait / 1000),
                                 (suseconds_t)(wait % 1000) * 1000};

            if (cp->pace == NULL &&
                (cp->pace = evtimer_new(cp->base, on_pace, cp)) == NULL) {
                copy_fail(cp, "out of memory");
                return;
            }
            if (!evtimer_pending(cp->pace, NULL)) {
                evtimer_add(cp->pace, &tv);
            }
            return;
        }
        for (j = 0; j < cp->nw; j++) {
            if (cp->w[j].ready && !cp->w[j].busy) {
                break;
            }
        }
        if (j == cp->nw) {
            return;
        }
        r->idle = false;
        r->target = &cp->w[j];
        r->target->busy = true;
        read_chunk(r);
    }
}

/* ---- tables ---- */

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
free_cols(struct copy_table *t)
{
    size_t i;

    for (i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].dest);
    }
    free(t->cols);
    t->cols = NULL;
    t->ncols = t->npk = 0;
}

void
copy_table_free(struct copy_table *t)
{
    size_t i;

    free_cols(t);
    free(t->from_file);
    free(t->wm_key);
    for (i = 0; i < t->nabove; i++) {
        free(t->above[i].key);
    }
    free(t->above);
    pbuf_free(&t->last);
    pbuf_free(&t->keys);
}

/* Columns: name, type, generated, position in the key chunks follow
 * (the first rows), its name. */
static void
on_columns(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    struct copy_reader *r = arg;
    struct copy *cp = r->cp;
    struct copy_table *t = r->tab;
    size_t row;

    (void)c;
    if (err != NULL || res == NULL || res->nrows == 0) {
        copy_fail(cp, "source: cannot read the columns of `%s`.`%s`%s%s",
                  t->st->src_db, t->st->src_table, err ? ": " : "",
                  err ? err : "");
        return;
    }
    free_cols(t);
    t->cols = calloc(res->nrows, sizeof(*t->cols));
    if (t->cols == NULL) {
        copy_fail(cp, "out of memory");
        return;
    }
    for (row = 0; row < res->nrows; row++) {
        const struct span *v = &res->cells[row * res->ncols];
        struct copy_col *col = &t->cols[t->ncols++];
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
        col->pk = v[3].len > 0 && !res->nulls[row * res->ncols + 3];
        t->npk += col->pk;
        to = task_spec_map_column(t->rules, col->name);
        /* generated columns are computed by the destination */
        if (to != NULL && strstr(extra, "GENERATED") == NULL) {
            col->dest = strdup(to);
        }
        free(type);
        free(extra);
    }
    if (t->npk == 0) {
        clog(LOG_WARN, cp->ctx, "`%s`.`%s` has neither a primary key nor a "
             "unique key of NOT NULL columns: it is read in one piece",
             t->st->src_db, t->st->src_table);
    } else if (!res->nulls[4] && (res->cells[4].len != 7 ||
                                  memcmp(res->cells[4].p, "PRIMARY", 7))) {
        clog(LOG_INFO, cp->ctx, "`%s`.`%s` has no primary key: it is read "
             "in chunks of its unique key `%.*s`", t->st->src_db,
             t->st->src_table, (int)res->cells[4].len,
             (const char *)res->cells[4].p);
    }
    if (t->has_last) {
        clog(LOG_INFO, cp->ctx, "resuming the copy of `%s`.`%s` after its "
             "%" PRIu64 " finished chunks (%" PRIu64 " rows)",
             t->st->src_db, t->st->src_table, t->wm_seq, t->wm_rows);
    } else {
        clog(LOG_INFO, cp->ctx, "copying `%s`.`%s` (about %" PRIu64
             " rows)", t->st->src_db, t->st->src_table, t->estimate);
    }
    r->idle = true;
    copy_pump(cp);
}

/* The source's estimate of the table's rows, then its columns. */
static void
on_estimate(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy_reader *r = arg;
    struct copy *cp = r->cp;
    struct copy_table *t = r->tab;
    struct pbuf *q = &r->q;

    (void)c;
    t->chunk_rows = COPY_CHUNK_ROWS;
    if (cp->spec->flow.rows_per_sec > 0 &&
        cp->spec->flow.rows_per_sec < t->chunk_rows) {
        t->chunk_rows = (unsigned)cp->spec->flow.rows_per_sec;
    }
    if (err == NULL && res != NULL && res->nrows == 1 && res->ncols == 2) {
        uint64_t avg = span_u64(res->cells[1]);

        t->estimate = span_u64(res->cells[0]);
        if (avg > 0 && COPY_CHUNK_BYTES / avg < t->chunk_rows) {
            t->chunk_rows = COPY_CHUNK_BYTES / avg > 0 ?
                            (unsigned)(COPY_CHUNK_BYTES / avg) : 1;
        }
    }
    pbuf_reset(q);
    /* the key chunks follow: the primary key, else a unique key of NOT
     * NULL whole columns (it orders and identifies rows as well) */
    pbuf_puts(q, "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.EXTRA, "
                 "s.SEQ_IN_INDEX, s.INDEX_NAME FROM "
                 "information_schema.COLUMNS c LEFT JOIN "
                 "information_schema.STATISTICS s ON "
                 "s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = "
                 "c.TABLE_NAME AND s.COLUMN_NAME = c.COLUMN_NAME AND "
                 "s.INDEX_NAME = (SELECT x.INDEX_NAME FROM "
                 "information_schema.STATISTICS x WHERE x.TABLE_SCHEMA = ");
    copy_put_lit(q, t->st->src_db);
    pbuf_puts(q, " AND x.TABLE_NAME = ");
    copy_put_lit(q, t->st->src_table);
    pbuf_puts(q, " AND x.NON_UNIQUE = 0 GROUP BY x.INDEX_NAME HAVING "
                 "SUM(x.NULLABLE = 'YES') = 0 AND SUM(x.SUB_PART IS NOT "
                 "NULL) = 0 AND SUM(x.COLUMN_NAME IS NULL) = 0 ORDER BY "
                 "x.INDEX_NAME <> 'PRIMARY', x.INDEX_NAME LIMIT 1) "
                 "WHERE c.TABLE_SCHEMA = ");
    copy_put_lit(q, t->st->src_db);
    pbuf_puts(q, " AND c.TABLE_NAME = ");
    copy_put_lit(q, t->st->src_table);
    pbuf_puts(q, " ORDER BY s.SEQ_IN_INDEX IS NULL, s.SEQ_IN_INDEX, "
                 "c.ORDINAL_POSITION");
    copy_send(cp, r->c, copy_qtext(q), on_columns, r);
}

static void
on_closed(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct copy_reader *r = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(r->cp, "source: %s", err);
        return;
    }
    r->finished = true;
    copy_maybe_end(r->cp);
}

void
copy_next_table(struct copy_reader *r)
{
    struct copy *cp = r->cp;
    struct copy_table *t = NULL;
    struct pbuf *q = &r->q;
    size_t i;

    r->tab = NULL;
    r->idle = false;
    for (i = 0; i < cp->ntabs && t == NULL; i++) {
        if (!cp->tabs[i].claimed && !cp->tabs[i].done) {
            t = &cp->tabs[i];
        }
    }
    if (t == NULL) {
        /* nothing left for it: its snapshot ends now */
        copy_send(cp, r->c, "COMMIT", on_closed, r);
        return;
    }
    t->claimed = true;
    r->tab = t;
    if (t->from_file == NULL) {
        t->from_file = strdup(r->file);
        t->from_pos = r->pos;
        if (t->from_file == NULL) {
            copy_fail(cp, "out of memory");
            return;
        }
    }
    t->bytes = 0;
    t->rows0 = t->rows;
    t->started_ms = t->logged_ms = copy_now_ms();
    pbuf_reset(q);
    pbuf_puts(q, "SELECT TABLE_ROWS, AVG_ROW_LENGTH FROM "
                 "information_schema.TABLES WHERE TABLE_SCHEMA = ");
    copy_put_lit(q, t->st->src_db);
    pbuf_puts(q, " AND TABLE_NAME = ");
    copy_put_lit(q, t->st->src_table);
    copy_send(cp, r->c, copy_qtext(q), on_estimate, r);
}
