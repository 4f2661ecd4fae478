/*
 * mysql.c - the MySQL/MariaDB binlog source: decoding the stream (see
 * mysql.h; mysql_start.c opens the connection and starts the dump).
 *
 *   packet -> binlog_event_decode() -> handle_event()
 *     TABLE_MAP   kept by table id, columns from row metadata or history
 *     rows        binlog_rows_next() per row -> on_row
 *     QUERY       BEGIN/COMMIT bound transactions; DDL goes through the
 *                 schema history, then on_ddl
 *     XID, ...    transaction end -> on_commit, resume point moves
 *
 * Nothing is skipped silently: an event that cannot be decoded fails the
 * source with its type and position; a table whose definition is not known
 * is stopped (on_table_error) while the others go on.
 */
#include "src/source/mysql_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "proto/mysql/jsonb.h"
#include "proto/mysql/packet.h"
#include "proto/mysql/replication.h"
#include "proto/mysql/qstatus.h"
#include "src/core/log.h"
static const char *const mysrc_state_names[] = {
#define X(s) #s,
    MYSRC_STATES(X)
#undef X
};

const char *
mysrc_state_name(enum mysrc_state s)
{
    return (unsigned)s < MYSRC_STATE_COUNT ? mysrc_state_names[s] : "?";
}

void
mysrc_set_state(struct mysrc *s, enum mysrc_state st, const char *why)
{
    clog(LOG_DEBUG, s->ctx, "source %s -> %s (%s)", mysrc_state_name(s->state),
         mysrc_state_name(st), why);
    s->state = st;
}

static char *
xstrndup(const void *p, size_t n)
{
    char *r = malloc(n + 1);

    if (r != NULL) {
        memcpy(r, p, n);
        r[n] = '\0';
    }
    return r;
}

void
mysrc_set_str(char **dst, const void *p, size_t n)
{
    char *v;

    /* Mostly the same name again (the binlog file of every commit). */
    if (*dst != NULL && strlen(*dst) == n && memcmp(*dst, p, n) == 0) {
        return;
    }
    v = xstrndup(p, n);

    if (v != NULL) {
        free(*dst);
        *dst = v;
    }
}

/* ---- table map cache ---- */

static void
tm_entry_free(struct tm_entry *e)
{
    if (e == NULL) {
        return;
    }
    free(e->body);
    free(e->cols);
    free(e->enum_store);
    free(e->pk);
    free(e->db);
    free(e->table);
    free(e->error);
    free(e);
}

void
mysrc_tm_clear(struct mysrc *s)
{
    size_t i;

    for (i = 0; i < s->ntm_buckets; i++) {
        while (s->tms[i] != NULL) {
            struct tm_entry *e = s->tms[i];

            s->tms[i] = e->next;
            tm_entry_free(e);
        }
    }
    free(s->tms);
    s->tms = NULL;
    s->ntm_buckets = 0;
    s->ntms = 0;
}

static struct tm_entry *
tm_find(struct mysrc *s, uint64_t table_id)
{
    struct tm_entry *e;

    if (s->ntm_buckets == 0) {
        return NULL;
    }
    for (e = s->tms[table_id & (s->ntm_buckets - 1)]; e != NULL;
         e = e->next) {
        if (e->table_id == table_id) {
            return e;
        }
    }
    return NULL;
}

/* Links new entry <e>, growing the buckets as the maps grow in number
 * (a stream of one busy table needs a handful, one over a big schema
 * thousands).  Returns 0, or -1 when out of memory (<e> not linked). */
static int
tm_link(struct mysrc *s, struct tm_entry *e)
{
    if (s->ntms >= s->ntm_buckets) {
        size_t n = s->ntm_buckets ? s->ntm_buckets * 2 : TM_MIN_BUCKETS;
        struct tm_entry **b = calloc(n, sizeof(*b));
        size_t i;

        if (b == NULL) {
            return -1;
        }
        for (i = 0; i < s->ntm_buckets; i++) {
            while (s->tms[i] != NULL) {
                struct tm_entry *x = s->tms[i];

                s->tms[i] = x->next;
                x->next = b[x->table_id & (n - 1)];
                b[x->table_id & (n - 1)] = x;
            }
        }
        free(s->tms);
        s->tms = b;
        s->ntm_buckets = n;
    }
    e->next = s->tms[e->table_id & (s->ntm_buckets - 1)];
    s->tms[e->table_id & (s->ntm_buckets - 1)] = e;
    s->ntms++;
    return 0;
}

/* Index of db.table in the stopped list, or -1. */
static ssize_t
stopped_find(const struct mysrc *s, const char *db, const char *table)
{
    size_t i, n = strlen(db);

    for (i = 0; i < s->n_stopped; i++) {
        if (strncmp(s->stopped[i], db, n) == 0 && s->stopped[i][n] == '.' &&
            strcmp(s->stopped[i] + n + 1, table) == 0) {
            return (ssize_t)i;
        }
    }
    return -1;
}

/* Marks a table map's rows as refused; the consumer hears of a table once
 * until it decodes again. */
static void
tm_fail(struct mysrc *s, struct tm_entry *e, const char *err)
{
    char **n;
    char *name;
    size_t len;

    e->failed = true;
    free(e->error);
    e->error = strdup(err);
    if (stopped_find(s, e->db, e->table) >= 0) {
        return;
    }
    len = strlen(e->db) + strlen(e->table) + 2;
    name = malloc(len);
    n = realloc(s->stopped, (s->n_stopped + 1) * sizeof(*n));
    if (name != NULL && n != NULL) {
        snprintf(name, len, "%s.%s", e->db, e->table);
        s->stopped = n;
        s->stopped[s->n_stopped++] = name;
    } else {
        free(name);
        if (n != NULL) {
            s->stopped = n;
        }
    }
    clog(LOG_ERROR, s->ctx, "table %s.%s stopped: %s", e->db, e->table, err);
    if (s->cbs.on_table_error != NULL) {
        s->cbs.on_table_error(s->arg, e->db, e->table, err);
    }
}

/* A table decodes again (a later DDL made its definition known). */
static void
tm_recovered(struct mysrc *s, const struct tm_entry *e)
{
    ssize_t i = stopped_find(s, e->db, e->table);

    if (i < 0) {
        return;
    }
    clog(LOG_INFO, s->ctx, "table %s.%s decodes again from %s:%" PRIu64,
         e->db, e->table, s->file ? s->file : "?", s->pos);
    free(s->stopped[i]);
    s->stopped[i] = s->stopped[--s->n_stopped];
}

/* Primary key column indexes from the history's pk_pos (TABLE_MAP order
 * equals the history's when the column counts agree). */
static void
pk_from_schema(struct tm_entry *e, const struct schema_table *t)
{
    uint32_t i, n = 0;

    for (i = 0; i < t->ncols; i++) {
        uint16_t p = t->cols[i].pk_pos;

        if (p > 0 && p <= t->ncols) {
            e->pk[p - 1] = i;
            if (p > n) {
                n = p;
            }
        }
    }
    e->npk = n;
}

/*
 * Builds the columns of a table map: from its optional metadata when the
 * server sent names (binlog_row_metadata=FULL), else from the history.
 */
static int
tm_build_columns(struct mysrc *s, struct tm_entry *e)
{
    struct binlog_table_map *tm = &e->tm;
    const struct schema_table *t = NULL;
    const char *reason = NULL;
    ssize_t nenum;
    uint16_t *metas;
    char err[400];
    uint32_t i;
    int rc;

    nenum = binlog_table_map_enum_value_count(tm);
    if (nenum < 0 || nenum > TM_MAX_ENUM_VALUES) {
        snprintf(err, sizeof(err), "TABLE_MAP has bad ENUM/SET metadata");
        tm_fail(s, e, err);
        return 0;
    }
    free(e->cols);
    free(e->enum_store);
    e->cols = calloc(tm->column_count ? tm->column_count : 1,
                     sizeof(*e->cols));
    e->enum_store = calloc(nenum ? (size_t)nenum : 1, sizeof(*e->enum_store));
    if (e->cols == NULL || e->enum_store == NULL) {
        mysrc_fail(s, "out of memory building table %s.%s", e->db, e->table);
        return -1;
    }
    rc = binlog_table_map_columns(tm, e->cols, tm->column_count,
                                  e->enum_store, (size_t)nenum, &reason);
    if (rc < 0) {
        snprintf(err, sizeof(err), "TABLE_MAP cannot be decoded: %s",
                 reason ? reason : proto_err_name(rc));
        tm_fail(s, e, err);
        return 0;
    }
    e->schema_version = schema_version(s->schema);
    free(e->pk);
    e->pk = calloc(tm->column_count ? tm->column_count : 1, sizeof(*e->pk));
    if (e->pk == NULL) {
        mysrc_fail(s, "out of memory building table %s.%s", e->db, e->table);
        return -1;
    }
    e->npk = 0;
    if (tm->column_name.len > 0) {
        ssize_t npk = binlog_table_map_primary_key(tm, e->pk, NULL,
                                                   tm->column_count);

        if (npk > 0 && (size_t)npk <= tm->column_count) {
            e->npk = (uint32_t)npk;
        } else {
            t = schema_find_table(s->schema, tm->db, tm->table);
            if (t != NULL && t->ncols == tm->column_count) {
                pk_from_schema(e, t);
            }
        }
        if (s->n_stopped > 0) {
            tm_recovered(s, e);
        }
        return 0;       /* names and the rest from the binlog itself */
    }
    metas = calloc(tm->column_count ? tm->column_count : 1, sizeof(*metas));
    if (metas == NULL) {
        mysrc_fail(s, "out of memory building table %s.%s", e->db, e->table);
        return -1;
    }
    for (i = 0; i < tm->column_count; i++) {
        metas[i] = e->cols[i].meta;
    }
    rc = schema_check_table_map(s->schema, tm->db, tm->table,
                                tm->column_count, tm->types, metas, &t, err,
                                sizeof(err));
    free(metas);
    if (rc == SCHEMA_OK) {
        rc = schema_fill_columns(t, e->cols, tm->column_count, err,
                                 sizeof(err));
    }
    if (rc != 0) {
        tm_fail(s, e, err);
        return 0;
    }
    if (t->ncols == tm->column_count) {
        pk_from_schema(e, t);
    }
    if (s->n_stopped > 0) {
        tm_recovered(s, e);
    }
    return 0;
}

/* A TABLE_MAP event: keep (or refresh) the entry for its table id. */
static int
handle_table_map(struct mysrc *s, const struct binlog_event *ev)
{
    const struct binlog_table_map *in = &ev->u.table_map;
    struct tm_entry *e = tm_find(s, in->table_id);
    const uint8_t *body = ev->body.p;
    size_t len = ev->body.len;
    const char *reason = NULL;
    int rc;

    /* The same map again (every transaction re-sends it): reuse unless
     * the history changed since (a table outside the wanted databases
     * stays outside). */
    if (e != NULL && e->body_len == len && memcmp(e->body, body, len) == 0 &&
        (e->outside || e->tm.column_name.len > 0 ||
         e->schema_version == schema_version(s->schema))) {
        return 0;
    }
    if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e == NULL) {
            mysrc_fail(s, "out of memory keeping a table map");
            return -1;
        }
        e->table_id = in->table_id;
        if (tm_link(s, e) != 0) {
            free(e);
            mysrc_fail(s, "out of memory keeping a table map");
            return -1;
        }
    }
    free(e->body);
    e->body = malloc(len ? len : 1);
    if (e->body == NULL) {
        mysrc_fail(s, "out of memory keeping a table map");
        return -1;
    }
    memcpy(e->body, body, len);
    e->body_len = len;
    e->failed = false;
    e->generation = ++s->tm_generation;
    rc = binlog_table_map_decode(&e->tm, e->body, len,
                                 s->dec.post_header_len[BINLOG_TABLE_MAP - 1],
                                 s->dec.is_mariadb, &reason);
    if (rc < 0) {
        mysrc_fail(s, "cannot decode TABLE_MAP at %s:%" PRIu64 ": %s",
                   s->file ? s->file : "?", (uint64_t)ev->h.log_pos,
                   reason ? reason : proto_err_name(rc));
        return -1;
    }
    mysrc_set_str(&e->db, e->tm.db.p, e->tm.db.len);
    mysrc_set_str(&e->table, e->tm.table.p, e->tm.table.len);
    e->outside = !schema_in_scope(s->schema, e->tm.db);
    if (e->outside) {
        free(e->cols);
        free(e->enum_store);
        free(e->pk);
        e->cols = NULL;
        e->enum_store = NULL;
        e->pk = NULL;
        e->npk = 0;
        return 0;       /* not wanted: its rows are skipped */
    }
    if (e->tm.column_count > s->nvals) {
        size_t n = e->tm.column_count;
        struct mysql_value *b = realloc(s->before, n * sizeof(*b));
        struct mysql_value *a;

        if (b == NULL) {
            mysrc_fail(s, "out of memory for a %zu-column row", n);
            return -1;
        }
        s->before = b;
        a = realloc(s->after, n * sizeof(*a));
        if (a == NULL) {
            mysrc_fail(s, "out of memory for a %zu-column row", n);
            return -1;
        }
        s->after = a;
        s->nvals = n;
    }
    return tm_build_columns(s, e);
}

/* ---- positions ---- */

/* Numeric suffix of a binlog file name ("bin.000012" -> 12), or -1. */
static long long
file_seq(const char *f)
{
    const char *dot = f ? strrchr(f, '.') : NULL;
    char *end;
    long long v;

    if (dot == NULL || dot[1] == '\0') {
        return -1;
    }
    v = strtoll(dot + 1, &end, 10);
    return *end == '\0' ? v : -1;
}

/* <0, 0, >0 as (fa, pa) is before, at, after (fb, pb). */
static int
pos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb)
{
    long long sa = file_seq(fa), sb = file_seq(fb);
    int c;

    if (sa >= 0 && sb >= 0) {
        c = sa < sb ? -1 : sa > sb;
    } else {
        c = strcmp(fa ? fa : "", fb ? fb : "");
    }
    if (c != 0) {
        return c;
    }
    return pa < pb ? -1 : pa > pb;
}

static struct mysrc_pos
cur_pos(const struct mysrc *s, const struct binlog_header *h)
{
    struct mysrc_pos p;

    p.file = s->file ? s->file : "";
    p.pos = s->pos;
    p.gtid = s->gtid.len > 0 ? (const char *)s->gtid.data : NULL;
    p.ts = h->timestamp;
    p.ts_us = s->commit_us;
    return p;
}

/* Whether --until-now has reached its end (only between transactions). */
static bool
reached_end(const struct mysrc *s)
{
    return s->opts.until_now && s->end_file != NULL && !s->in_trx &&
           s->file != NULL && pos_cmp(s->file, s->pos, s->end_file,
                                      s->end_pos) >= 0;
}

/* A transaction ended at the current position. */
static int
trx_end(struct mysrc *s, const struct binlog_header *h)
{
    struct mysrc_pos p = cur_pos(s, h);

    s->in_trx = false;
    s->standalone = false;
    s->rows_in_trx = 0;
    s->skip_rows = 0;
    mysrc_set_str(&s->commit_file, p.file, strlen(p.file));
    s->commit_pos = s->pos;
    s->retries = 0;
    if (s->cbs.on_commit != NULL && s->cbs.on_commit(s->arg, &p) != 0) {
        mysrc_fail(s, "stopped by the consumer");
        return -1;
    }
    pbuf_reset(&s->gtid);
    return 0;
}

/* ---- rows ---- */

static int
handle_rows(struct mysrc *s, const struct binlog_event *ev)
{
    const struct binlog_rows_event *re = &ev->u.rows;
    struct tm_entry *e = tm_find(s, re->table_id);
    struct binlog_rows_iter it;
    struct mysrc_row row;
    int rc;

    if (e == NULL) {
        mysrc_fail(s, "rows event at %s:%" PRIu64 " refers to table id %"
                   PRIu64 " without a TABLE_MAP before it — the binlog is "
                   "damaged; start from another position",
                   s->file ? s->file : "?", (uint64_t)ev->h.log_pos,
                   re->table_id);
        return -1;
    }
    if (e->failed || e->outside) {
        return 0;       /* reported once by tm_fail(), or not wanted */
    }
    if (re->width != e->tm.column_count) {
        tm_fail(s, e, "rows event column count differs from its TABLE_MAP");
        return 0;
    }
    if (binlog_rows_init(&it, re) != 0) {
        mysrc_fail(s, "malformed rows event at %s:%" PRIu64,
                   s->file ? s->file : "?", (uint64_t)ev->h.log_pos);
        return -1;
    }
    memset(&row, 0, sizeof(row));
    row.op = re->kind == BINLOG_ROWS_WRITE ? 'i' :
             re->kind == BINLOG_ROWS_DELETE ? 'd' : 'u';
    row.db = e->db;
    row.table = e->table;
    row.ncols = e->tm.column_count;
    row.cols = e->cols;
    row.table_generation = e->generation;
    row.pk = e->pk;
    row.npk = e->npk;
    row.before = row.op == 'i' ? NULL : s->before;
    row.after = row.op == 'd' ? NULL : s->after;
    row.pos = cur_pos(s, &ev->h);
    while ((rc = binlog_rows_next(&it, e->cols, s->nvals,
                                  row.op == 'i' ? NULL : s->before,
                                  row.op == 'd' ? NULL : s->after)) == 1) {
        if (it.has_partial) {
            row.partial = &it;
        } else {
            row.partial = NULL;
        }
        if (s->skip_rows > 0) {
            s->skip_rows--;     /* delivered before the reconnect */
            s->rows_in_trx++;
            continue;
        }
        if (s->cbs.on_row != NULL && s->cbs.on_row(s->arg, &row) != 0) {
            mysrc_fail(s, "stopped by the consumer");
            return -1;
        }
        s->rows_in_trx++;
    }
    if (rc < 0) {
        mysrc_fail(s, "cannot decode a row of %s.%s at %s:%" PRIu64
                   " (column %d, offset %zu): %s", e->db, e->table,
                   s->file ? s->file : "?", (uint64_t)ev->h.log_pos,
                   (int)it.column, it.offset,
                   it.reason ? it.reason : proto_err_name(rc));
        return -1;
    }
    return 0;
}

/* ---- QUERY events ---- */

/* Skips blanks and comments at the start of a statement. */
static const char *
skip_lead(const char *p, const char *end)
{
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
                           *p == '\r')) {
            p++;
        }
        if (end - p >= 2 && p[0] == '/' && p[1] == '*' &&
            !(end - p >= 3 && (p[2] == '!' || p[2] == 'M'))) {
            const char *c = p + 2;

            while (end - c >= 2 && !(c[0] == '*' && c[1] == '/')) {
                c++;
            }
            p = end - c >= 2 ? c + 2 : end;
            continue;
        }
        return p;
    }
}

/* Whether the statement starts with keyword kw (case-insensitive). */
static bool
starts_with_kw(const char *p, const char *end, const char *kw)
{
    size_t n = strlen(kw);

    return (size_t)(end - p) >= n && strncasecmp(p, kw, n) == 0 &&
           ((size_t)(end - p) == n || !((p[n] >= 'a' && p[n] <= 'z') ||
                                        (p[n] >= 'A' && p[n] <= 'Z') ||
                                        p[n] == '_'));
}

static int
handle_query(struct mysrc *s, const struct binlog_event *ev)
{
    const struct binlog_query *q = &ev->u.query;
    const char *sql = (const char *)q->sql.p;
    const char *end = sql + q->sql.len;
    const char *st = skip_lead(sql, end);
    struct schema_query_ctx qc;
    struct qstatus qs;
    enum ddl_kind kind = DDL_NONE;
    char db[256], err[400];
    int rc;

    if (starts_with_kw(st, end, "BEGIN") ||
        starts_with_kw(st, end, "XA START") ||
        (starts_with_kw(st, end, "XA BEGIN"))) {
        s->in_trx = true;
        return 0;
    }
    if (starts_with_kw(st, end, "COMMIT") ||
        starts_with_kw(st, end, "XA PREPARE") ||
        (starts_with_kw(st, end, "ROLLBACK") && !s->standalone)) {
        return trx_end(s, &ev->h);
    }
    if (starts_with_kw(st, end, "XA END") ||
        starts_with_kw(st, end, "SAVEPOINT")) {
        return 0;
    }
    if (starts_with_kw(st, end, "XA COMMIT") ||
        starts_with_kw(st, end, "XA ROLLBACK")) {
        return s->in_trx ? 0 : trx_end(s, &ev->h);
    }
    if (starts_with_kw(st, end, "INSERT") ||
        starts_with_kw(st, end, "UPDATE") ||
        starts_with_kw(st, end, "DELETE") ||
        starts_with_kw(st, end, "REPLACE") ||
        starts_with_kw(st, end, "LOAD")) {
        if (q->error_code == 0) {
            mysrc_fail(s, "statement-based DML at %s:%" PRIu64 " (%.60s) "
                       "cannot be decoded as rows — set binlog_format=ROW "
                       "on the source and start after this position",
                       s->file ? s->file : "?", s->pos, st);
            return -1;
        }
        return 0;
    }

    memset(&qc, 0, sizeof(qc));
    snprintf(db, sizeof(db), "%.*s", (int)q->db.len,
             q->db.len ? (const char *)q->db.p : "");
    qc.db = db[0] ? db : NULL;
    qc.thread_id = q->thread_id;
    if (qstatus_parse(q->status_vars, &qs) == 0 || qs.has_sql_mode) {
        qc.sql_mode = qs.sql_mode;
        qc.collation_server = qs.server_collation;
        qc.utf8mb4_collation = qs.utf8mb4_collation;
    }
    rc = schema_apply_query(s->schema, &qc, sql, q->sql.len, &kind, err,
                            sizeof(err));
    if (rc < 0) {
        clog(LOG_WARN, s->ctx, "DDL at %s:%" PRIu64 " not understood: %s — "
             "rows of the table it changes will stop unless the binlog "
             "carries row metadata (binlog_row_metadata=FULL)",
             s->file ? s->file : "?", s->pos, err);
    }
    if ((rc == 0 || rc < 0 || kind != DDL_NONE) && s->cbs.on_ddl != NULL) {
        struct mysrc_ddl d;

        d.db = db;
        d.sql = sql;
        d.sql_len = q->sql.len;
        d.pos = cur_pos(s, &ev->h);
        if (s->cbs.on_ddl(s->arg, &d) != 0) {
            mysrc_fail(s, "stopped by the consumer");
            return -1;
        }
    }
    /* A statement outside BEGIN...COMMIT is its own transaction. */
    if (!s->in_trx) {
        return trx_end(s, &ev->h);
    }
    return 0;
}

/* ---- events ---- */

static int handle_event(struct mysrc *s, const struct binlog_event *ev,
                        bool inner);

static int
handle_payload(struct mysrc *s)
{
    struct binlog_event inner;
    ssize_t n;

    while ((n = binlog_payload_next(&s->dec, &inner)) > 0) {
        if (handle_event(s, &inner, true) != 0) {
            return -1;
        }
        if (s->state != MYSRC_STREAMING) {
            return 0;
        }
    }
    if (n < 0) {
        mysrc_fail(s, "cannot decode the compressed transaction at %s:%"
                   PRIu64 ": %s", s->file ? s->file : "?", s->pos,
                   binlog_decoder_strerror(&s->dec));
        return -1;
    }
    return 0;
}

static void
set_gtid_mysql(struct mysrc *s, const struct binlog_gtid *g)
{
    char tag[33];
    size_t n = g->tag.len < sizeof(tag) - 1 ? g->tag.len : sizeof(tag) - 1;

    memcpy(tag, g->tag.p ? (const char *)g->tag.p : "", n);
    tag[n] = '\0';
    pbuf_reset(&s->gtid);
    gtid_format_mysql(&s->gtid, g->sid, tag, (uint64_t)g->gno);
    pbuf_putc(&s->gtid, '\0');
    s->gtid.len--;
}

static int
handle_event(struct mysrc *s, const struct binlog_event *ev, bool inner)
{
    const struct binlog_header *h = &ev->h;

    /* Artificial events (the fake ROTATE and FDE a dump starts with) and
     * inner events of a payload do not move the position. */
    if (!inner && h->log_pos != 0 && !(h->flags & BINLOG_F_ARTIFICIAL)) {
        s->pos = h->log_pos;
    }
    if (binlog_is_rows_event(ev->type)) {
        return handle_rows(s, ev);
    }
    switch (ev->type) {
    case BINLOG_ROTATE:
        mysrc_set_str(&s->file, ev->u.rotate.next_file.p,
                ev->u.rotate.next_file.len);
        s->pos = ev->u.rotate.pos;
        if (!s->in_trx) {
            mysrc_set_str(&s->commit_file, s->file, strlen(s->file));
            s->commit_pos = s->pos;
        }
        return 0;
    case BINLOG_FORMAT_DESCRIPTION:
        /* A new file may come from a server of another version: table
         * ids restart. */
        if (!(h->flags & BINLOG_F_ARTIFICIAL) && h->log_pos != 0) {
            mysrc_tm_clear(s);
        }
        return 0;
    case BINLOG_MARIA_GTID:
        s->commit_us = 0;
        pbuf_reset(&s->gtid);
        gtid_format_maria(&s->gtid, ev->u.maria_gtid.domain_id, h->server_id,
                          ev->u.maria_gtid.seq_no);
        pbuf_putc(&s->gtid, '\0');
        s->gtid.len--;
        s->standalone = (ev->u.maria_gtid.flags &
                         BINLOG_MARIA_FL_STANDALONE) != 0;
        s->in_trx = !s->standalone;
        return 0;
    case BINLOG_GTID:
    case BINLOG_GTID_TAGGED:
        set_gtid_mysql(s, &ev->u.gtid);
        s->commit_us = ev->u.gtid.has_commit_ts ?
                       ev->u.gtid.immediate_commit_ts : 0;
        return 0;
    case BINLOG_HEARTBEAT:
    case BINLOG_HEARTBEAT_V2:
        /* sent only when the server had nothing newer for a period */
        if (!inner && !s->in_trx && s->cbs.on_heartbeat != NULL) {
            struct mysrc_pos p = cur_pos(s, h);

            s->cbs.on_heartbeat(s->arg, &p);
        }
        return 0;
    case BINLOG_ANONYMOUS_GTID:
        s->commit_us = ev->u.gtid.has_commit_ts ?
                       ev->u.gtid.immediate_commit_ts : 0;
        pbuf_reset(&s->gtid);
        return 0;
    case BINLOG_QUERY:
    case BINLOG_MARIA_QUERY_COMPRESSED:
        return handle_query(s, ev);
    case BINLOG_XID:
    case BINLOG_XA_PREPARE:
        return trx_end(s, h);
    case BINLOG_TABLE_MAP:
        return handle_table_map(s, ev);
    case BINLOG_TRANSACTION_PAYLOAD:
        if (inner) {
            mysrc_fail(s, "nested TRANSACTION_PAYLOAD at %s:%" PRIu64,
                       s->file ? s->file : "?", s->pos);
            return -1;
        }
        return handle_payload(s);
    case BINLOG_LOAD:
    case BINLOG_CREATE_FILE:
    case BINLOG_EXEC_LOAD:
    case BINLOG_NEW_LOAD:
    case BINLOG_EXECUTE_LOAD_QUERY:
        mysrc_fail(s, "statement-based LOAD DATA at %s:%" PRIu64 " cannot "
                   "be decoded as rows — set binlog_format=ROW on the "
                   "source and start after this position",
                   s->file ? s->file : "?", s->pos);
        return -1;
    case BINLOG_INCIDENT:
        mysrc_fail(s, "the source logged an incident at %s:%" PRIu64
                   " (%.*s): changes may be missing from its binlog — "
                   "resynchronize (full sync) and start after it",
                   s->file ? s->file : "?", s->pos,
                   (int)ev->u.incident.message.len,
                   (const char *)ev->u.incident.message.p);
        return -1;
    case BINLOG_MARIA_START_ENCRYPTION:
        mysrc_fail(s, "encrypted binlog at %s:%" PRIu64 " — the source "
                   "must send decrypted events (read it over the "
                   "replication protocol, not from the file)",
                   s->file ? s->file : "?", s->pos);
        return -1;
    default:
        /* Position-only and session events (FDE, PREVIOUS_GTIDS, GTID_LIST,
         * BINLOG_CHECKPOINT, ANNOTATE_ROWS, ROWS_QUERY, INTVAR, RAND,
         * USER_VAR, HEARTBEAT, STOP, ignorable events) carry no row. */
        return 0;
    }
}

/* One stream packet: 0x00 + event, an ERR, or the EOF of a non-blocking
 * dump. */
void
mysrc_on_packet(struct myconn *c, const uint8_t *p, size_t len, void *arg)
{
    struct mysrc *s = arg;
    struct binlog_event ev;
    struct mysql_err e;
    char msg[400];
    ssize_t n;

    (void)c;
    if (s->state != MYSRC_STREAMING) {
        return;
    }
    s->read_bytes += len + 4;   /* and the packet header */
    switch (repl_packet_classify(p, len)) {
    case REPL_PACKET_EVENT:
        break;
    case REPL_PACKET_EOF:
        mysrc_set_state(s, MYSRC_DONE, "end of binlog");
        if (s->cbs.on_end != NULL) {
            s->cbs.on_end(s->arg, NULL);
        }
        return;
    case REPL_PACKET_ERROR:
        if (mysql_err_parse(p, len, &e) < 0) {
            mysrc_fail(s, "malformed error packet from the source");
            return;
        }
        mysql_err_format(&e, msg, sizeof(msg));
        if (e.code == 1236) {
            mysrc_fail(s, "the source cannot send its binlog from %s:%"
                       PRIu64 ": %s — the position is purged or was never "
                       "written; start from a position SHOW BINARY LOGS "
                       "still lists, or resynchronize with a full sync",
                       s->commit_file ? s->commit_file : "?",
                       s->commit_pos, msg);
        } else if (e.code == 1227 || e.code == 1045 || e.code == 1044) {
            mysrc_fail(s, "the source refused the binlog dump: %s — grant "
                       "it: GRANT REPLICATION SLAVE ON *.* TO '%s'", msg,
                       s->url.user);
        } else {
            mysrc_fail(s, "the source stopped the binlog stream: %s", msg);
        }
        return;
    default:
        hexdump32(msg, sizeof(msg), p, len);
        mysrc_fail(s, "unexpected packet in the binlog stream after %s:%"
                   PRIu64 " (%zu bytes: %s)", s->file ? s->file : "?",
                   s->pos, len, msg);
        return;
    }

    n = binlog_event_decode(&s->dec, p + 1, len - 1, &ev);
    if (n == 0 || (n > 0 && (size_t)n != len - 1)) {
        mysrc_fail(s, "truncated binlog event after %s:%" PRIu64 " (packet "
                   "of %zu bytes, event needs %zu) — the stream is damaged; "
                   "check the network path and the source's "
                   "max_allowed_packet", s->file ? s->file : "?", s->pos,
                   len - 1, n == 0 ? s->dec.need : (size_t)n);
        return;
    }
    if (n < 0) {
        if (n == -PROTO_ECHECKSUM) {
            mysrc_fail(s, "binlog event after %s:%" PRIu64 " failed its "
                       "CRC32 check: %s — the event was corrupted on the "
                       "way or on disk; check the network path and the "
                       "source's binlog (mysqlbinlog --verify-binlog-"
                       "checksum)", s->file ? s->file : "?", s->pos,
                       binlog_decoder_strerror(&s->dec));
        } else {
            mysrc_fail(s, "cannot decode the binlog event after %s:%" PRIu64
                       ": %s — tandem stops rather than skip it",
                       s->file ? s->file : "?", s->pos,
                       binlog_decoder_strerror(&s->dec));
        }
        return;
    }
    if (handle_event(s, &ev, false) != 0) {
        return;
    }
    if (s->state == MYSRC_STREAMING && reached_end(s)) {
        mysrc_set_state(s, MYSRC_DONE, "reached the end given");
        if (s->cbs.on_end != NULL) {
            s->cbs.on_end(s->arg, NULL);
        }
    }
}

void
mysrc_drop_conn(struct mysrc *s)
{
    if (s->conn != NULL) {
        myconn_free(s->conn);    /* deferred when inside its callback */
        s->conn = NULL;
    }
}

/* The failure reason when even it cannot be allocated. */
static char fail_oom[] = "out of memory";

void
mysrc_fail(struct mysrc *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (s->state == MYSRC_FAILED || s->state == MYSRC_DONE) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (s->errbuf != fail_oom) {
        free(s->errbuf);
    }
    s->errbuf = strdup(msg);
    if (s->errbuf == NULL) {
        s->errbuf = fail_oom;
    }
    mysrc_set_state(s, MYSRC_FAILED, s->errbuf);
    mysrc_drop_conn(s);
    if (s->timer != NULL) {
        event_del(s->timer);
    }
    if (s->cbs.on_end != NULL) {
        s->cbs.on_end(s->arg, s->errbuf);
    }
}

/* ---- public API ---- */

struct mysrc *
mysrc_new(struct event_base *base, struct evdns_base *dns,
          const struct mysrc_opts *opts, const struct mysrc_cbs *cbs,
          void *arg, char *err, size_t errlen)
{
    static const char *const params[] = {"tls", "ca", NULL};
    struct mysrc *s = calloc(1, sizeof(*s));
    const char *why = NULL;
    size_t n;

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = base;
    s->dns = dns;
    s->opts = *opts;
    s->opts.start_file = NULL;   /* owned copies made below */
    s->opts.start_gtid = NULL;
    s->cbs = *cbs;
    s->arg = arg;
    s->backoff_ms = BACKOFF_MIN_MS;
    if (s->opts.max_retries == 0) {
        s->opts.max_retries = DEFAULT_MAX_RETRIES;
    }
    if (opts->url == NULL ||
        url_parse(opts->url, &s->url, err, errlen) != 0 ||
        url_check_params(&s->url, params, err, errlen) != 0) {
        if (opts->url == NULL) {
            snprintf(err, errlen, "no source URL given");
        }
        mysrc_free(s);
        return NULL;
    }
    if (strcmp(s->url.scheme, "mysql") != 0 &&
        strcmp(s->url.scheme, "mariadb") != 0) {
        snprintf(err, errlen, "source URL scheme '%s' is not mysql:// — use "
                 "mysql://user:password@host:port", s->url.scheme);
        mysrc_free(s);
        return NULL;
    }
    n = (opts->log_ctx ? strlen(opts->log_ctx) + 1 : 0) +
        strlen(s->url.host) + sizeof("peer=mysql@:65535");
    s->ctx = malloc(n);
    if (s->ctx == NULL) {
        snprintf(err, errlen, "out of memory");
        mysrc_free(s);
        return NULL;
    }
    snprintf(s->ctx, n, "%s%speer=mysql@%s:%u",
             opts->log_ctx ? opts->log_ctx : "", opts->log_ctx ? " " : "",
             s->url.host, s->url.port);
    s->opts.log_ctx = s->ctx;
    s->opts.url = NULL;          /* parsed copy lives in s->url */
    if (opts->start == MYSRC_START_FILE_POS) {
        if (opts->start_file == NULL || opts->start_file[0] == '\0') {
            snprintf(err, errlen, "a start position needs a binlog file "
                     "name (--from-file)");
            mysrc_free(s);
            return NULL;
        }
        mysrc_set_str((char **)&s->opts.start_file, opts->start_file,
                strlen(opts->start_file));
        if (opts->start_pos < 4) {
            s->opts.start_pos = 4;
        }
    }
    if (opts->start == MYSRC_START_GTID) {
        if (gtid_set_parse(&s->start_gtids, opts->start_gtid ?
                           opts->start_gtid : "", false, &why) != 0) {
            snprintf(err, errlen, "bad GTID set '%s': %s",
                     opts->start_gtid ? opts->start_gtid : "", why);
            mysrc_free(s);
            return NULL;
        }
        mysrc_set_str((char **)&s->opts.start_gtid, opts->start_gtid,
                strlen(opts->start_gtid));
    }
    if (opts->dbs != NULL) {
        size_t i;

        s->dbs = calloc(opts->ndbs ? opts->ndbs : 1, sizeof(*s->dbs));
        for (i = 0; s->dbs != NULL && i < opts->ndbs; i++) {
            mysrc_set_str(&s->dbs[i], opts->dbs[i], strlen(opts->dbs[i]));
            if (s->dbs[i] == NULL) {
                break;
            }
        }
        if (s->dbs == NULL || i < opts->ndbs) {
            snprintf(err, errlen, "out of memory");
            mysrc_free(s);
            return NULL;
        }
        s->opts.dbs = (const char *const *)s->dbs;
    }
    s->timer = evtimer_new(base, mysrc_on_backoff, s);
    if (s->timer == NULL) {
        snprintf(err, errlen, "out of memory");
        mysrc_free(s);
        return NULL;
    }
    return s;
}

int
mysrc_start(struct mysrc *s, char *err, size_t errlen)
{
    if (s->state != MYSRC_INIT) {
        snprintf(err, errlen, "source already started");
        return -1;
    }
    mysrc_start_connect(s);
    return 0;
}

void
mysrc_stop(struct mysrc *s)
{
    if (s->state == MYSRC_DONE || s->state == MYSRC_FAILED) {
        return;
    }
    mysrc_set_state(s, MYSRC_DONE, "stop requested");
    mysrc_drop_conn(s);
    if (s->timer != NULL) {
        event_del(s->timer);
    }
    if (s->cbs.on_end != NULL) {
        s->cbs.on_end(s->arg, NULL);
    }
}

void
mysrc_pause(struct mysrc *s)
{
    if (s->conn != NULL) {
        myconn_pause(s->conn);
    }
}

void
mysrc_resume(struct mysrc *s)
{
    if (s->conn != NULL) {
        myconn_resume(s->conn);
    }
}

bool
mysrc_position(const struct mysrc *s, const char **file, uint64_t *pos)
{
    if (s->state != MYSRC_STREAMING || s->commit_file == NULL) {
        return false;
    }
    *file = s->commit_file;
    *pos = s->commit_pos;
    return true;
}

uint64_t
mysrc_read_bytes(const struct mysrc *s)
{
    return s->read_bytes;
}

bool
mysrc_catching_up(const struct mysrc *s)
{
    return s->opts.until_now ||
           (s->end_file != NULL && s->file != NULL &&
            pos_cmp(s->file, s->pos, s->end_file, s->end_pos) < 0);
}

void
mysrc_free(struct mysrc *s)
{
    size_t i;

    if (s == NULL) {
        return;
    }
    mysrc_drop_conn(s);
    if (s->timer != NULL) {
        event_free(s->timer);
    }
    mysrc_tm_clear(s);
    while (s->n_stopped > 0) {
        free(s->stopped[--s->n_stopped]);
    }
    free(s->stopped);
    for (i = 0; s->dbs != NULL && i < s->opts.ndbs; i++) {
        free(s->dbs[i]);
    }
    free(s->dbs);
    binlog_decoder_free(&s->dec);
    schema_free(s->schema);
    gtid_set_free(&s->start_gtids);
    url_free(&s->url);
    free((char *)s->opts.start_file);
    free((char *)s->opts.start_gtid);
    free(s->file);
    free(s->commit_file);
    free(s->end_file);
    free(s->before);
    free(s->after);
    pbuf_free(&s->gtid);
    pbuf_free(&s->scratch);
    free(s->ctx);
    if (s->errbuf != fail_oom) {
        free(s->errbuf);
    }
    free(s);
}
