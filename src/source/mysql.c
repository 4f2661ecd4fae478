/*
 * mysql.c - the MySQL/MariaDB binlog source (see mysql.h).
 *
 * Start-up is a chain of queries on one connection, one state each:
 *
 *   CONNECTING -> VARS -> ROW_METADATA -> MASTER_STATUS -> SCHEMATA ->
 *   COLUMNS -> SETUP (session variables, one per query) -> REGISTER ->
 *   STREAMING -> DONE | FAILED
 *
 * A lost connection while streaming goes to BACKOFF, then back to
 * CONNECTING with the start point moved to the last transaction boundary;
 * rows of the interrupted transaction that were already delivered are
 * skipped on replay.  Server errors that retrying cannot fix (auth,
 * privileges, purged binlog, bad checksum) fail at once with one line
 * naming the cause and the fix.
 */
#include "src/source/mysql.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "proto/mysql/binlog.h"
#include "proto/mysql/gtid.h"
#include "proto/mysql/jsonb.h"
#include "proto/mysql/packet.h"
#include "proto/mysql/qstatus.h"
#include "proto/mysql/replication.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/schema.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"

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

static const char *const mysrc_state_names[] = {
#define X(s) #s,
    MYSRC_STATES(X)
#undef X
};

static const char *
mysrc_state_name(enum mysrc_state s)
{
    return (unsigned)s < MYSRC_STATE_COUNT ? mysrc_state_names[s] : "?";
}

/* Backoff between reconnects: BACKOFF_MIN_MS doubling to BACKOFF_MAX_MS. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* Default heartbeat period asked of the server while streaming. */
#define DEFAULT_HEARTBEAT_MS 1000
/* Default reconnect attempts after a lost stream. */
#define DEFAULT_MAX_RETRIES 20
/* Table map cache buckets (table ids hash here). */
#define TM_BUCKETS 256
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
    bool failed;                    /* rows of this table are refused */
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
    char ctx[160];                  /* log prefix */
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
    uint64_t rows_delivered;        /* total */

    /* decoding */
    struct binlog_decoder dec;      /* event decoder */
    struct schema *schema;          /* history */
    struct tm_entry *tms[TM_BUCKETS]; /* table maps by id */
    char **stopped;                 /* "db.table" of stopped tables (owned) */
    size_t n_stopped;               /* entries in stopped */
    struct mysql_value *before;     /* row image scratch */
    struct mysql_value *after;      /* row image scratch */
    size_t nvals;                   /* entries in before/after */
    struct pbuf scratch;            /* command encoding, misc */
    char errbuf[512];               /* failure reason */
};

static void mysrc_fail(struct mysrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void start_connect(struct mysrc *s);
static void next_query(struct mysrc *s);

static void
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

static void
set_str(char **dst, const void *p, size_t n)
{
    char *v = xstrndup(p, n);

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
    free(e->db);
    free(e->table);
    free(e->error);
    free(e);
}

static void
tm_clear(struct mysrc *s)
{
    size_t i;

    for (i = 0; i < TM_BUCKETS; i++) {
        while (s->tms[i] != NULL) {
            struct tm_entry *e = s->tms[i];

            s->tms[i] = e->next;
            tm_entry_free(e);
        }
    }
}

static struct tm_entry *
tm_find(struct mysrc *s, uint64_t table_id)
{
    struct tm_entry *e;

    for (e = s->tms[table_id % TM_BUCKETS]; e != NULL; e = e->next) {
        if (e->table_id == table_id) {
            return e;
        }
    }
    return NULL;
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
    if (tm->column_name.len > 0) {
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
    } else if (s->n_stopped > 0) {
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
     * the history changed since. */
    if (e != NULL && e->body_len == len && memcmp(e->body, body, len) == 0 &&
        (e->tm.column_name.len > 0 ||
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
        e->next = s->tms[in->table_id % TM_BUCKETS];
        s->tms[in->table_id % TM_BUCKETS] = e;
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
    rc = binlog_table_map_decode(&e->tm, e->body, len,
                                 s->dec.post_header_len[BINLOG_TABLE_MAP - 1],
                                 s->dec.is_mariadb, &reason);
    if (rc < 0) {
        mysrc_fail(s, "cannot decode TABLE_MAP at %s:%" PRIu64 ": %s",
                   s->file ? s->file : "?", (uint64_t)ev->h.log_pos,
                   reason ? reason : proto_err_name(rc));
        return -1;
    }
    set_str(&e->db, e->tm.db.p, e->tm.db.len);
    set_str(&e->table, e->tm.table.p, e->tm.table.len);
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
    set_str(&s->commit_file, p.file, strlen(p.file));
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
    if (e->failed) {
        return 0;       /* reported once by tm_fail() */
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
        s->rows_delivered++;
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
    switch (ev->type) {
    case BINLOG_ROTATE:
        set_str(&s->file, ev->u.rotate.next_file.p,
                ev->u.rotate.next_file.len);
        s->pos = ev->u.rotate.pos;
        if (!s->in_trx) {
            set_str(&s->commit_file, s->file, strlen(s->file));
            s->commit_pos = s->pos;
        }
        return 0;
    case BINLOG_FORMAT_DESCRIPTION:
        /* A new file may come from a server of another version: table
         * ids restart. */
        if (!(h->flags & BINLOG_F_ARTIFICIAL) && h->log_pos != 0) {
            tm_clear(s);
        }
        return 0;
    case BINLOG_MARIA_GTID:
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
        return 0;
    case BINLOG_ANONYMOUS_GTID:
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
    case BINLOG_PRE_GA_WRITE_ROWS:
    case BINLOG_PRE_GA_UPDATE_ROWS:
    case BINLOG_PRE_GA_DELETE_ROWS:
    case BINLOG_WRITE_ROWS_V1:
    case BINLOG_UPDATE_ROWS_V1:
    case BINLOG_DELETE_ROWS_V1:
    case BINLOG_WRITE_ROWS_V2:
    case BINLOG_UPDATE_ROWS_V2:
    case BINLOG_DELETE_ROWS_V2:
    case BINLOG_PARTIAL_UPDATE_ROWS:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
        return handle_rows(s, ev);
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
static void
on_packet(struct myconn *c, const uint8_t *p, size_t len, void *arg)
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

/* ---- failure, backoff, reconnect ---- */

static void
drop_conn(struct mysrc *s)
{
    if (s->conn != NULL) {
        myconn_free(s->conn);    /* deferred when inside its callback */
        s->conn = NULL;
    }
}

static void
mysrc_fail(struct mysrc *s, const char *fmt, ...)
{
    va_list ap;

    if (s->state == MYSRC_FAILED || s->state == MYSRC_DONE) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s->errbuf, sizeof(s->errbuf), fmt, ap);
    va_end(ap);
    mysrc_set_state(s, MYSRC_FAILED, s->errbuf);
    drop_conn(s);
    if (s->timer != NULL) {
        event_del(s->timer);
    }
    if (s->cbs.on_end != NULL) {
        s->cbs.on_end(s->arg, s->errbuf);
    }
}

static void
on_backoff(evutil_socket_t fd, short what, void *arg)
{
    struct mysrc *s = arg;

    (void)fd;
    (void)what;
    if (s->state == MYSRC_BACKOFF) {
        start_connect(s);
    }
}

/* The connection died.  Before streaming ever worked, that is the answer
 * (wrong host, password...): fail.  Afterwards, retry with backoff. */
static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct mysrc *s = arg;
    struct timeval tv;

    (void)c;
    drop_conn(s);               /* freed after this callback returns */
    if (s->state == MYSRC_DONE || s->state == MYSRC_FAILED) {
        return;
    }
    if (!s->streamed || s->retries >= s->opts.max_retries) {
        if (s->streamed) {
            mysrc_fail(s, "%s (gave up after %u reconnects)", err,
                       s->retries);
        } else {
            mysrc_fail(s, "%s", err);
        }
        return;
    }
    s->retries++;
    clog(LOG_WARN, s->ctx, "lost the source: %s; reconnecting in %u ms "
         "(attempt %u of %u) to resume at %s:%" PRIu64, err, s->backoff_ms,
         s->retries, s->opts.max_retries,
         s->commit_file ? s->commit_file : "start", s->commit_pos);
    mysrc_set_state(s, MYSRC_BACKOFF, err);
    tv.tv_sec = s->backoff_ms / 1000;
    tv.tv_usec = (s->backoff_ms % 1000) * 1000;
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
                    s->backoff_ms * 2;
    evtimer_add(s->timer, &tv);
}

/* ---- the start-up query chain ---- */

static const char *
cell(const struct myresult *r, size_t row, unsigned col, char *buf,
     size_t buflen)
{
    const struct span *v;

    if (r == NULL || row >= r->nrows || col >= r->ncols ||
        r->nulls[row * r->ncols + col]) {
        return NULL;
    }
    v = &r->cells[row * r->ncols + col];
    snprintf(buf, buflen, "%.*s", (int)v->len, v->p ? (const char *)v->p : "");
    return buf;
}

static struct span
cell_span(const struct myresult *r, size_t row, unsigned col)
{
    struct span none = {NULL, 0};

    if (row >= r->nrows || col >= r->ncols || r->nulls[row * r->ncols + col]) {
        return none;
    }
    return r->cells[row * r->ncols + col];
}

static void
on_vars(struct myconn *c, const struct myresult *r, const char *err,
        void *arg)
{
    struct mysrc *s = arg;
    char v[128], fmt[64], img[64];
    long lctn;

    (void)c;
    if (err != NULL || r == NULL || r->nrows != 1 || r->ncols < 8) {
        mysrc_fail(s, "cannot read the source's settings: %s",
                   err ? err : "unexpected result");
        return;
    }
    if (cell(r, 0, 2, v, sizeof(v)) == NULL || strcmp(v, "1") != 0) {
        mysrc_fail(s, "binary logging is disabled on the source (log_bin="
                   "OFF) — start it with log_bin=ON, binlog_format=ROW and "
                   "a server_id, then restart the server");
        return;
    }
    if (cell(r, 0, 3, fmt, sizeof(fmt)) == NULL ||
        strcasecmp(fmt, "ROW") != 0) {
        mysrc_fail(s, "the source writes binlog_format=%s; tandem decodes "
                   "rows only — SET GLOBAL binlog_format='ROW' (and in the "
                   "server config), then restart the writers' sessions",
                   fmt[0] ? fmt : "?");
        return;
    }
    if (cell(r, 0, 4, img, sizeof(img)) != NULL &&
        strcasecmp(img, "FULL") != 0) {
        clog(LOG_WARN, s->ctx, "the source writes binlog_row_image=%s: "
             "row changes carry only some columns; set binlog_row_image="
             "FULL for complete before/after images", img);
    }
    if (cell(r, 0, 5, s->checksum, sizeof(s->checksum)) == NULL) {
        s->checksum[0] = '\0';
    }
    lctn = cell(r, 0, 6, v, sizeof(v)) ? strtol(v, NULL, 10) : 0;
    s->mariadb = myconn_is_mariadb(s->conn);
    if (s->opts.start == MYSRC_START_GTID &&
        s->start_gtids.mariadb != s->mariadb &&
        (s->start_gtids.n_doms + s->start_gtids.n_sids) > 0) {
        mysrc_fail(s, "--from-gtid %s is a %s GTID but the source is %s — "
                   "give a %s", s->opts.start_gtid,
                   s->start_gtids.mariadb ? "MariaDB" : "MySQL",
                   s->mariadb ? "MariaDB" : "MySQL",
                   s->mariadb ? "domain-server-seq list such as 0-1-100" :
                   "uuid:interval set such as 3e11fa47-...:1-100");
        return;
    }
    if (s->schema == NULL) {
        const char *ver = myconn_server_version(s->conn);
        enum schema_flavor fl = s->mariadb ? SCHEMA_FLAVOR_MARIADB :
                                strncmp(ver, "5.", 2) == 0 ?
                                SCHEMA_FLAVOR_MYSQL57 : SCHEMA_FLAVOR_MYSQL;

        s->schema = schema_new(fl, (int)lctn);
        if (s->schema == NULL) {
            mysrc_fail(s, "out of memory");
            return;
        }
    }
    if (cell(r, 0, 7, v, sizeof(v)) != NULL) {
        uint16_t id = schema_collation_id(s->schema, v);

        if (id != 0) {
            schema_set_server_collation(s->schema, id);
        }
    }
    clog(LOG_INFO, s->ctx, "source %s, binlog_format=%s binlog_row_image=%s "
         "binlog_checksum=%s", myconn_server_version(s->conn), fmt, img,
         s->checksum);
    mysrc_set_state(s, MYSRC_ROW_METADATA, "settings checked");
    next_query(s);
}

static void
on_row_metadata(struct myconn *c, const struct myresult *r, const char *err,
                void *arg)
{
    struct mysrc *s = arg;
    char v[32];

    (void)c;
    /* Servers before MySQL 8.0.1 / MariaDB 10.5 have no such variable. */
    s->row_metadata_full = err == NULL && cell(r, 0, 0, v, sizeof(v)) &&
                           strcasecmp(v, "FULL") == 0;
    mysrc_set_state(s, MYSRC_MASTER_STATUS, "row metadata known");
    next_query(s);
}

static void
on_master_status(struct myconn *c, const struct myresult *r, const char *err,
                 void *arg)
{
    struct mysrc *s = arg;
    char f[256], p[32];

    (void)c;
    if (err != NULL) {
        if (strncmp(err, "1227", 4) == 0 || strncmp(err, "1045", 4) == 0) {
            mysrc_fail(s, "the source account cannot read the binlog "
                       "position: %s — GRANT REPLICATION CLIENT ON *.* TO "
                       "'%s' (MariaDB: BINLOG MONITOR)", err, s->url.user);
        } else {
            mysrc_fail(s, "SHOW MASTER STATUS failed: %s", err);
        }
        return;
    }
    if (r == NULL || r->nrows == 0 || cell(r, 0, 0, f, sizeof(f)) == NULL ||
        cell(r, 0, 1, p, sizeof(p)) == NULL) {
        mysrc_fail(s, "binary logging is disabled on the source (SHOW "
                   "MASTER STATUS is empty) — start it with log_bin=ON and "
                   "binlog_format=ROW, then restart the server");
        return;
    }
    set_str(&s->end_file, f, strlen(f));
    s->end_pos = strtoull(p, NULL, 10);
    if (s->opts.start == MYSRC_START_NOW) {
        set_str(&s->commit_file, f, strlen(f));
        s->commit_pos = s->end_pos;
    }
    clog(LOG_INFO, s->ctx, "source binlog is at %s:%" PRIu64, f, s->end_pos);
    mysrc_set_state(s, MYSRC_SCHEMATA, "position read");
    s->step = 0;
    next_query(s);
}

/* The schema queries, in order; each row goes to load_row(). */
enum schema_step {
    SS_GIPK = 0,        /* MySQL 8.0.30+: show generated invisible PKs */
    SS_COLLATIONS,
    SS_CHARSETS,
    SS_SCHEMATA,
    SS_TABLES,
    SS_COLUMNS,
    SS_VERSIONING,      /* MariaDB only */
    SS_JSON_CHECKS,     /* MariaDB only */
    SS_FUNC_INDEXES,    /* MySQL only */
    SS_COUNT            /* sentinel */
};

static const char *
schema_step_sql(const struct mysrc *s, unsigned step)
{
    switch (step) {
    case SS_GIPK:
        return s->mariadb ? NULL : "SET SESSION show_gipk_in_create_table_"
                                   "and_information_schema = ON";
    case SS_COLLATIONS:
        return s->mariadb ? SCHEMA_SQL_MARIADB_COLLATIONS :
                            SCHEMA_SQL_COLLATIONS;
    case SS_CHARSETS:
        return SCHEMA_SQL_CHARSETS;
    case SS_SCHEMATA:
        return SCHEMA_SQL_SCHEMATA;
    case SS_TABLES:
        return SCHEMA_SQL_TABLES;
    case SS_COLUMNS:
        return SCHEMA_SQL_COLUMNS SCHEMA_SQL_COLUMNS_ORDER;
    case SS_VERSIONING:
        return s->mariadb ? SCHEMA_SQL_MARIADB_IMPLICIT_VERSIONING : NULL;
    case SS_JSON_CHECKS:
        return s->mariadb ? SCHEMA_SQL_MARIADB_JSON_CHECKS : NULL;
    case SS_FUNC_INDEXES:
        return s->mariadb ? NULL : SCHEMA_SQL_MYSQL_FUNCTIONAL_INDEXES;
    default:
        return NULL;
    }
}

/* Steps whose failure is not fatal (older servers lack the table or the
 * variable). */
static bool
schema_step_optional(unsigned step)
{
    return step == SS_GIPK || step == SS_COLLATIONS ||
           step == SS_VERSIONING || step == SS_JSON_CHECKS ||
           step == SS_FUNC_INDEXES;
}

static int
load_row(struct mysrc *s, unsigned step, const struct myresult *r, size_t i,
         char *err, size_t errlen)
{
    struct schema_column_row cr;
    char a[256], b[256];

    switch (step) {
    case SS_COLLATIONS:
        if (cell(r, i, 0, a, sizeof(a)) && cell(r, i, 1, b, sizeof(b))) {
            return schema_add_collation(s->schema, b,
                                        (uint16_t)strtoul(a, NULL, 10));
        }
        return 0;
    case SS_CHARSETS:
        if (cell(r, i, 0, a, sizeof(a)) && cell(r, i, 1, b, sizeof(b))) {
            uint16_t id = schema_collation_id(s->schema, b);

            if (id != 0) {
                return schema_set_charset_collation(s->schema, a, id);
            }
        }
        return 0;
    case SS_SCHEMATA:
        return schema_load_database(s->schema, cell_span(r, i, 0),
                                    cell_span(r, i, 1), err, errlen);
    case SS_TABLES:
        return schema_load_table(s->schema, cell_span(r, i, 0),
                                 cell_span(r, i, 1), cell_span(r, i, 2),
                                 cell_span(r, i, 3), err, errlen);
    case SS_COLUMNS:
        memset(&cr, 0, sizeof(cr));
        cr.table_schema = cell_span(r, i, 0);
        cr.table_name = cell_span(r, i, 1);
        cr.column_name = cell_span(r, i, 2);
        cr.ordinal_position = cell(r, i, 3, a, sizeof(a)) ?
                              (uint32_t)strtoul(a, NULL, 10) : 0;
        cr.data_type = cell_span(r, i, 4);
        cr.column_type = cell_span(r, i, 5);
        cr.character_set_name = cell_span(r, i, 6);
        cr.collation_name = cell_span(r, i, 7);
        cr.is_nullable = cell_span(r, i, 8);
        cr.column_key = cell_span(r, i, 9);
        return schema_load_column(s->schema, &cr, err, errlen);
    case SS_VERSIONING:
        return schema_load_implicit_versioning(s->schema, cell_span(r, i, 0),
                                               cell_span(r, i, 1), err,
                                               errlen);
    case SS_JSON_CHECKS:
        return schema_load_json_check(s->schema, cell_span(r, i, 0),
                                      cell_span(r, i, 1), cell_span(r, i, 2),
                                      err, errlen);
    case SS_FUNC_INDEXES:
        return schema_load_functional_index(s->schema, cell_span(r, i, 0),
                                            cell_span(r, i, 1), err, errlen);
    default:
        return 0;
    }
}

static void
on_schema_step(struct myconn *c, const struct myresult *r, const char *err,
               void *arg)
{
    struct mysrc *s = arg;
    char why[300];
    size_t i;

    (void)c;
    if (err != NULL && !schema_step_optional(s->step)) {
        mysrc_fail(s, "cannot read table definitions from the source: %s — "
                   "the account needs SELECT on the replicated tables", err);
        return;
    }
    for (i = 0; err == NULL && r != NULL && i < r->nrows; i++) {
        why[0] = '\0';
        if (load_row(s, s->step, r, i, why, sizeof(why)) < 0) {
            clog(LOG_WARN, s->ctx, "table definition not understood: %s — "
                 "rows of that table will stop unless the binlog carries "
                 "row metadata", why[0] ? why : "out of memory");
        }
    }
    s->step++;
    next_query(s);
}

/* Session variables a dump connection needs, one statement per step;
 * fills buf and returns it, or NULL after the last. */
static const char *
setup_sql(struct mysrc *s, unsigned step, char *buf, size_t buflen)
{
    unsigned hb = s->opts.heartbeat_ms ? s->opts.heartbeat_ms :
                  DEFAULT_HEARTBEAT_MS;
    bool gtid_start = s->opts.start == MYSRC_START_GTID &&
                      s->commit_file == NULL;

    switch (step) {
    case 0:
        /* Have the server send (and us verify) the checksums the binlog
         * was written with. */
        return "SET @master_binlog_checksum = @@global.binlog_checksum";
    case 1:
        snprintf(buf, buflen, "SET @master_heartbeat_period = %llu",
                 (unsigned long long)hb * 1000000ull);
        return buf;
    case 2:
        if (!s->mariadb) {
            return "";
        }
        snprintf(buf, buflen, "SET @mariadb_slave_capability = %d",
                 MARIADB_SLAVE_CAPABILITY_GTID);
        return buf;
    case 3: {
        struct pbuf g = {0};

        if (!s->mariadb || !gtid_start) {
            return "";
        }
        gtid_set_format(&s->start_gtids, &g);
        snprintf(buf, buflen, "SET @slave_connect_state = '%.*s'",
                 (int)g.len, g.data ? (const char *)g.data : "");
        pbuf_free(&g);
        return buf;
    }
    case 4:
        return s->mariadb && gtid_start ?
               "SET @slave_gtid_strict_mode = 0" : "";
    case 5:
        return s->mariadb && gtid_start ?
               "SET @slave_gtid_ignore_duplicates = 0" : "";
    default:
        return NULL;
    }
}

static void
on_setup(struct myconn *c, const struct myresult *r, const char *err,
         void *arg)
{
    struct mysrc *s = arg;

    (void)c;
    (void)r;
    if (err != NULL) {
        mysrc_fail(s, "cannot prepare the binlog dump session: %s", err);
        return;
    }
    s->step++;
    next_query(s);
}

static void
start_dump(struct mysrc *s)
{
    uint16_t flags = s->opts.until_now ? BINLOG_DUMP_NON_BLOCK : 0;
    const char *file;
    uint64_t pos;

    pbuf_reset(&s->scratch);
    binlog_decoder_free(&s->dec);
    memset(&s->dec, 0, sizeof(s->dec));
    if (strcasecmp(s->checksum, "CRC32") == 0) {
        binlog_decoder_set_checksum(&s->dec, BINLOG_CHECKSUM_CRC32);
    }
    tm_clear(s);
    s->in_trx = false;
    s->standalone = false;
    pbuf_reset(&s->gtid);
    s->skip_rows = s->rows_in_trx;
    s->rows_in_trx = 0;

    if (s->commit_file != NULL) {
        file = s->commit_file;
        pos = s->commit_pos;
    } else if (s->opts.start == MYSRC_START_FILE_POS) {
        file = s->opts.start_file;
        pos = s->opts.start_pos;
    } else {
        file = "";
        pos = 4;
    }
    if (s->commit_file == NULL && s->opts.start == MYSRC_START_GTID &&
        !s->mariadb) {
        repl_encode_binlog_dump_gtid(&s->scratch, s->opts.server_id, flags,
                                     "", 4, &s->start_gtids);
        clog(LOG_INFO, s->ctx, "streaming from GTID set %s",
             s->opts.start_gtid);
    } else {
        if (pos > UINT32_MAX) {
            mysrc_fail(s, "binlog position %" PRIu64 " is beyond 4 GiB: "
                       "start from a GTID instead", pos);
            return;
        }
        repl_encode_binlog_dump(&s->scratch, s->opts.server_id, flags, file,
                                (uint32_t)pos);
        if (file[0] != '\0') {
            set_str(&s->file, file, strlen(file));
            s->pos = pos;
            if (s->commit_file == NULL) {
                set_str(&s->commit_file, file, strlen(file));
                s->commit_pos = pos;
            }
            clog(LOG_INFO, s->ctx, "streaming from %s:%" PRIu64 "%s", file,
                 pos, s->skip_rows ? " (replaying a partial transaction)" :
                 "");
        } else {
            clog(LOG_INFO, s->ctx, "streaming from GTID position %s",
                 s->opts.start_gtid);
        }
    }
    if (s->scratch.failed) {
        mysrc_fail(s, "out of memory");
        return;
    }
    mysrc_set_state(s, MYSRC_STREAMING, "dump sent");
    s->streamed = true;
    s->backoff_ms = BACKOFF_MIN_MS;
    if (!s->opts.until_now) {
        unsigned hb = s->opts.heartbeat_ms ? s->opts.heartbeat_ms :
                      DEFAULT_HEARTBEAT_MS;

        /* Three missed heartbeats mean the link is dead. */
        myconn_set_io_timeout(s->conn, hb * 3 + 2000);
    } else {
        myconn_set_io_timeout(s->conn, 60000);
    }
    if (myconn_stream(s->conn, s->scratch.data, s->scratch.len, on_packet,
                      s) != 0) {
        mysrc_fail(s, "cannot start the binlog dump: connection not ready");
    }
}

static void
on_register(struct myconn *c, const struct myresult *r, const char *err,
            void *arg)
{
    struct mysrc *s = arg;

    (void)c;
    (void)r;
    if (err != NULL) {
        if (strncmp(err, "1227", 4) == 0 || strncmp(err, "1045", 4) == 0) {
            mysrc_fail(s, "the source refused to register tandem as a "
                       "replica: %s — GRANT REPLICATION SLAVE ON *.* TO "
                       "'%s'", err, s->url.user);
        } else {
            mysrc_fail(s, "COM_REGISTER_SLAVE failed: %s", err);
        }
        return;
    }
    start_dump(s);
}

/* Issues the query (or command) of the current state and step. */
static void
next_query(struct mysrc *s)
{
    char buf[1024];
    const char *sql;
    int rc = 0;

    switch (s->state) {
    case MYSRC_VARS:
        rc = myconn_query(s->conn, "SELECT @@version, @@server_id, @@log_bin,"
                          " @@binlog_format, @@binlog_row_image, "
                          "@@global.binlog_checksum, @@lower_case_table_names,"
                          " @@collation_server", on_vars, s);
        break;
    case MYSRC_ROW_METADATA:
        rc = myconn_query(s->conn, "SELECT @@binlog_row_metadata",
                          on_row_metadata, s);
        break;
    case MYSRC_MASTER_STATUS:
        rc = myconn_query(s->conn, "SHOW MASTER STATUS", on_master_status, s);
        break;
    case MYSRC_SCHEMATA:
        while (s->step < SS_COUNT &&
               (sql = schema_step_sql(s, s->step)) == NULL) {
            s->step++;
        }
        if (s->step < SS_COUNT) {
            rc = myconn_query(s->conn, sql, on_schema_step, s);
            break;
        }
        mysrc_set_state(s, MYSRC_SETUP, "table definitions loaded");
        s->step = 0;
        /* fallthrough */
    case MYSRC_SETUP:
        while ((sql = setup_sql(s, s->step, buf, sizeof(buf))) != NULL &&
               sql[0] == '\0') {
            s->step++;
        }
        if (sql != NULL) {
            rc = myconn_query(s->conn, sql, on_setup, s);
            break;
        }
        mysrc_set_state(s, MYSRC_REGISTER, "session ready");
        pbuf_reset(&s->scratch);
        repl_encode_register_slave(&s->scratch, s->opts.server_id, "tandem",
                                   "", "", 0);
        rc = myconn_command(s->conn, s->scratch.data, s->scratch.len,
                            on_register, s);
        break;
    default:
        return;
    }
    if (rc != 0) {
        mysrc_fail(s, "internal error: connection busy in state %s",
                   mysrc_state_name(s->state));
    }
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct mysrc *s = arg;

    (void)c;
    s->step = 0;
    /* A reconnect keeps what it learned: the history is already at the
     * resume point. */
    mysrc_set_state(s, s->schema != NULL ? MYSRC_SETUP : MYSRC_VARS,
                    "connected");
    next_query(s);
}

static void
start_connect(struct mysrc *s)
{
    struct myconn_opts o;

    memset(&o, 0, sizeof(o));
    o.host = s->url.host;
    o.port = s->url.port;
    o.user = s->url.user;
    o.password = s->url.password;
    o.db = NULL;
    o.tls = (int)s->url.tls;
    o.ca_file = s->url.ca_file;
    o.connect_timeout_ms = 10000;
    o.log_ctx = s->ctx;
    s->conn = myconn_new(s->base, s->dns, &o);
    if (s->conn == NULL) {
        mysrc_fail(s, "out of memory");
        return;
    }
    mysrc_set_state(s, MYSRC_CONNECTING, "connect");
    if (myconn_connect(s->conn, on_ready, on_conn_error, s) != 0) {
        mysrc_fail(s, "cannot start connecting to %s:%u", s->url.host,
                   s->url.port);
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
    snprintf(s->ctx, sizeof(s->ctx), "%s%speer=mysql@%s:%u",
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
        set_str((char **)&s->opts.start_file, opts->start_file,
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
        set_str((char **)&s->opts.start_gtid, opts->start_gtid,
                strlen(opts->start_gtid));
    }
    s->timer = evtimer_new(base, on_backoff, s);
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
    start_connect(s);
    return 0;
}

void
mysrc_stop(struct mysrc *s)
{
    if (s->state == MYSRC_DONE || s->state == MYSRC_FAILED) {
        return;
    }
    mysrc_set_state(s, MYSRC_DONE, "stop requested");
    drop_conn(s);
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
mysrc_catching_up(const struct mysrc *s)
{
    return s->opts.until_now ||
           (s->end_file != NULL && s->file != NULL &&
            pos_cmp(s->file, s->pos, s->end_file, s->end_pos) < 0);
}

uint64_t
mysrc_rows_delivered(const struct mysrc *s)
{
    return s->rows_delivered;
}

void
mysrc_free(struct mysrc *s)
{
    if (s == NULL) {
        return;
    }
    drop_conn(s);
    if (s->timer != NULL) {
        event_free(s->timer);
    }
    tm_clear(s);
    while (s->n_stopped > 0) {
        free(s->stopped[--s->n_stopped]);
    }
    free(s->stopped);
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
    free(s);
}
