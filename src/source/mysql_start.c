/*
 * mysql_start.c - the binlog source's connection: start-up query chain,
 * replica registration, the dump command, and reconnects.
 *
 *   CONNECTING -> VARS -> ROW_METADATA -> MASTER_STATUS -> SCHEMATA ->
 *   SETUP (session variables, one per query) -> REGISTER -> STREAMING
 *
 * VARS checks that the source can be read (log_bin, binlog_format) and
 * picks the flavor; MASTER_STATUS gives the end for --until-now and the
 * position the schema history is read at; SCHEMATA loads the table
 * definitions (of the wanted databases only, when mysrc_opts.dbs says
 * which).  After a lost stream only SETUP and REGISTER run again and
 * the dump resumes at the last transaction boundary (mysql.c skips the
 * rows of the interrupted transaction already delivered).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "proto/mysql/replication.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/source/mysql_int.h"

static void next_query(struct mysrc *s);

void
mysrc_on_backoff(evutil_socket_t fd, short what, void *arg)
{
    struct mysrc *s = arg;

    (void)fd;
    (void)what;
    if (s->state == MYSRC_BACKOFF) {
        mysrc_start_connect(s);
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
    mysrc_drop_conn(s);               /* freed after this callback returns */
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
        if (s->schema == NULL ||
            (s->opts.dbs != NULL &&
             schema_set_scope(s->schema, s->opts.dbs, s->opts.ndbs) != 0)) {
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
    mysrc_set_str(&s->end_file, f, strlen(f));
    s->end_pos = strtoull(p, NULL, 10);
    if (s->opts.start == MYSRC_START_NOW) {
        mysrc_set_str(&s->commit_file, f, strlen(f));
        s->commit_pos = s->end_pos;
    }
    clog(LOG_INFO, s->ctx, "source binlog is at %s:%" PRIu64, f, s->end_pos);
    mysrc_set_state(s, MYSRC_SCHEMATA, "position read");
    s->step = 0;
    next_query(s);
}

/* The schema queries, in order; each row goes to load_row().  With
 * mysrc_opts.dbs, those about tables ask only for the wanted databases
 * (schema_step_query()); collations and charsets are the server's. */
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

/* The column naming the database in the query of <step>, or NULL when
 * the query is not about tables. */
static const char *
schema_step_db_column(unsigned step)
{
    switch (step) {
    case SS_SCHEMATA:
        return "SCHEMA_NAME";
    case SS_TABLES:
    case SS_COLUMNS:
    case SS_FUNC_INDEXES:
        return "TABLE_SCHEMA";
    case SS_VERSIONING:
        return "t.TABLE_SCHEMA";
    case SS_JSON_CHECKS:
        return "CONSTRAINT_SCHEMA";
    default:
        return NULL;
    }
}

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
        return SCHEMA_SQL_COLUMNS;
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

/*
 * The query of <step> into s->scratch, NUL-terminated: its SQL, the
 * wanted databases as " AND <column> IN ('a', 'b')", the ORDER BY of the
 * columns.  Returns false when there is nothing to ask (no database is
 * wanted) or out of memory (scratch.failed).
 */
static bool
schema_step_query(struct mysrc *s, unsigned step, const char *sql)
{
    const char *col = schema_step_db_column(step);
    size_t i;

    pbuf_reset(&s->scratch);
    pbuf_puts(&s->scratch, sql);
    if (col != NULL && s->opts.dbs != NULL) {
        if (s->opts.ndbs == 0) {
            return false;
        }
        pbuf_printf(&s->scratch, " AND %s IN (", col);
        for (i = 0; i < s->opts.ndbs; i++) {
            if (i > 0) {
                pbuf_puts(&s->scratch, ", ");
            }
            sqlenc_text(&s->scratch, s->opts.dbs[i], strlen(s->opts.dbs[i]));
        }
        pbuf_putc(&s->scratch, ')');
    }
    if (step == SS_COLUMNS) {
        pbuf_puts(&s->scratch, SCHEMA_SQL_COLUMNS_ORDER);
    }
    pbuf_putc(&s->scratch, '\0');
    return !s->scratch.failed;
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
        cr.extra = cell_span(r, i, 10);
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
    mysrc_tm_clear(s);
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
            mysrc_set_str(&s->file, file, strlen(file));
            s->pos = pos;
            if (s->commit_file == NULL) {
                mysrc_set_str(&s->commit_file, file, strlen(file));
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
    if (myconn_stream(s->conn, s->scratch.data, s->scratch.len, mysrc_on_packet,
                      s) != 0) {
        mysrc_fail(s, "cannot start the binlog dump: connection not ready");
    }
    pbuf_free(&s->scratch);     /* sent: streaming needs no scratch */
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
               ((sql = schema_step_sql(s, s->step)) == NULL ||
                !schema_step_query(s, s->step, sql))) {
            if (s->scratch.failed) {
                mysrc_fail(s, "out of memory");
                return;
            }
            s->step++;
        }
        if (s->step < SS_COUNT) {
            rc = myconn_query(s->conn, (const char *)s->scratch.data,
                              on_schema_step, s);
            break;
        }
        schema_trim(s->schema);
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

void
mysrc_start_connect(struct mysrc *s)
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

