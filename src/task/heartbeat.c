/*
 * heartbeat.c - the heartbeat writers of a process, one per source server
 * (see heartbeat.h).
 *
 *   OFF --connect--> CONNECTING --SELECT @@server_id--> READY
 *   READY --tick--> BUSY: INSERT ... ON DUPLICATE KEY UPDATE
 *                         [missing: CREATE DATABASE, CREATE TABLE, again]
 *                         SHOW BINARY LOGS --> READY
 *   any error of the connection --> OFF, reconnect after a backoff
 *
 * One persistent event per writer on the registry's shared one-second
 * common timeout drives it all; a tick that finds the previous round
 * still running does nothing.
 */
#include "src/task/heartbeat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "proto/mysql/binpos.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/source/mysql.h"

/* Written values remembered for heartbeat_unseen_since(). */
#define HB_RING 32
/* Reconnect backoff, ms. */
#define HB_BACKOFF_MIN_MS 1000
#define HB_BACKOFF_MAX_MS 30000
/* After a refusal, the next attempt to write, ms. */
#define HB_DENIED_RETRY_MS 300000
/* A query that waits longer than this fails the connection, ms. */
#define HB_IO_TIMEOUT_MS 10000

static const char hb_create_db_sql[] = "CREATE DATABASE IF NOT EXISTS tandem";
static const char hb_create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS tandem.heartbeat ("
    " server_id INT UNSIGNED NOT NULL,"
    " host VARCHAR(255) NOT NULL,"
    " ts BIGINT NOT NULL,"
    " PRIMARY KEY (server_id, host)) ENGINE=InnoDB";

enum hb_state {
    HB_OFF = 0,          /* no connection: connect at retry_at_ms */
    HB_CONNECTING,       /* connecting, reading @@server_id */
    HB_READY,            /* connected, idle until the next tick */
    HB_BUSY,             /* a round of queries runs */
    HB_STATE_COUNT       /* sentinel */
};

struct heartbeats {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed), may be NULL */
    const struct timeval *period; /* the shared one-second timeout */
    struct heartbeat *list;       /* writers */
    char host[256];               /* this host's name */
    char *host_lit;               /* ... as a SQL literal (owned) */
};

/* One binlog file of SHOW BINARY LOGS. */
struct hb_file {
    char *name;                   /* owned */
    uint64_t size;                /* bytes */
};

struct heartbeat {
    struct heartbeats *hbs;       /* registry */
    struct heartbeat *next;       /* registry list */
    unsigned refs;                /* tasks holding it */
    char *host;                   /* source host (owned) */
    uint16_t port;                /* ... port */
    char *user;                   /* account (owned) */
    char *password;               /* ... (owned, never logged), or NULL */
    int tls;                      /* myconn_opts.tls */
    char *ca_file;                /* ... (owned), or NULL */
    char ctx[200];                /* log prefix */
    enum hb_state state;          /* ... */
    struct myconn *c;             /* connection, or NULL */
    struct event *tick;           /* every period */
    uint64_t retry_at_ms;         /* HB_OFF: when to connect */
    unsigned backoff_ms;          /* next backoff */
    uint32_t server_id;           /* the source's @@server_id */
    bool have_server_id;          /* ... known */
    bool created;                 /* this connection created the table */
    unsigned create_step;         /* ... 0: the database, 1: the table */
    bool denied;                  /* writes refused: tasks fall back */
    bool warned;                  /* ... and it was said once */
    uint64_t denied_ms;           /* ... when */
    bool logs_denied;             /* SHOW BINARY LOGS refused */
    uint64_t pending_us;          /* ts of the write running */
    uint64_t ok_us;               /* when the last write succeeded */
    uint64_t ring[HB_RING];       /* ts of the last writes, oldest first
                                     from ring_next when full */
    unsigned ring_n, ring_next;   /* entries used, next slot */
    struct hb_file *files;        /* SHOW BINARY LOGS (owned) */
    size_t nfiles;                /* ... */
    bool files_known;             /* ... read at least once */
    struct pbuf q;                /* query text */
};

static uint64_t
now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static void hb_connect(struct heartbeat *hb);
static void hb_round(struct heartbeat *hb);

static char *
dupstr(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* The server error code at the start of a myconn error, or 0. */
static unsigned
err_code(const char *err)
{
    return err != NULL ? (unsigned)strtoul(err, NULL, 10) : 0;
}

/* Errors that say the account or the server will not take the row. */
static bool
refused(unsigned code)
{
    switch (code) {
    case 1036:  /* table is read only */
    case 1044:  /* access denied to the database */
    case 1045:  /* access denied */
    case 1142:  /* command denied on the table */
    case 1143:  /* ... on a column */
    case 1227:  /* needs a privilege (SUPER, ...) */
    case 1290:  /* --read-only */
    case 1792:  /* read-only transaction */
    case 1836:  /* running in read-only mode */
        return true;
    default:
        return false;
    }
}

/* The connection is gone: back off, reconnect from a tick. */
static void
hb_drop(struct heartbeat *hb, const char *why)
{
    if (hb->c != NULL) {
        myconn_free(hb->c);     /* deferred inside its own callback */
        hb->c = NULL;
    }
    hb->state = HB_OFF;
    hb->retry_at_ms = now_us() / 1000 + hb->backoff_ms;
    clog(LOG_DEBUG, hb->ctx, "heartbeat writer: %s; reconnecting in %u ms",
         why, hb->backoff_ms);
    hb->backoff_ms = hb->backoff_ms * 2 > HB_BACKOFF_MAX_MS ?
                     HB_BACKOFF_MAX_MS : hb->backoff_ms * 2;
}

static void
hb_query(struct heartbeat *hb, const char *sql,
         void (*cb)(struct myconn *, const struct myresult *, const char *,
                    void *))
{
    if (myconn_query(hb->c, sql, cb, hb) != 0) {
        hb_drop(hb, "connection not ready");
    }
}

/* ---- binlog files ---- */

static void
files_clear(struct heartbeat *hb)
{
    while (hb->nfiles > 0) {
        free(hb->files[--hb->nfiles].name);
    }
    free(hb->files);
    hb->files = NULL;
}

static void
on_logs(struct myconn *c, const struct myresult *res, const char *err,
        void *arg)
{
    struct heartbeat *hb = arg;
    struct hb_file *f;
    size_t i, n;

    (void)c;
    hb->state = HB_READY;
    if (err != NULL) {
        if (refused(err_code(err))) {
            clog(LOG_DEBUG, hb->ctx, "SHOW BINARY LOGS refused (%s): bytes "
                 "behind the source are not known", err);
            hb->logs_denied = true;
            hb->files_known = false;
        }
        return;
    }
    if (res == NULL || res->ncols < 2) {
        return;
    }
    n = res->nrows;
    f = calloc(n ? n : 1, sizeof(*f));
    if (f == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        const struct span *v = &res->cells[i * res->ncols];

        f[i].name = span_strdup(v[0]);
        f[i].size = span_u64(v[1]);
        if (f[i].name == NULL) {
            while (i > 0) {
                free(f[--i].name);
            }
            free(f);
            return;
        }
    }
    files_clear(hb);
    hb->files = f;
    hb->nfiles = n;
    hb->files_known = true;
}

static void
read_logs(struct heartbeat *hb)
{
    if (hb->logs_denied) {
        hb->state = HB_READY;
        return;
    }
    hb_query(hb, "SHOW BINARY LOGS", on_logs);
}

/* ---- the row ---- */

static void write_row(struct heartbeat *hb);

static void
on_created(struct myconn *c, const struct myresult *res, const char *err,
           void *arg);

static void
deny(struct heartbeat *hb, const char *err)
{
    hb->denied = true;
    hb->denied_ms = now_us() / 1000;
    if (!hb->warned) {
        hb->warned = true;
        clog(LOG_WARN, hb->ctx, "cannot write heartbeats on the source: %s "
             "— delays come from the binlog's own timestamps (1 s "
             "resolution) and the server's heartbeats; for millisecond "
             "delays GRANT CREATE, INSERT, UPDATE ON tandem.* TO '%s' (a "
             "read-only server cannot take them)", err, hb->user);
    } else {
        clog(LOG_DEBUG, hb->ctx, "heartbeats still refused: %s", err);
    }
}

static void
on_written(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    struct heartbeat *hb = arg;
    unsigned code = err_code(err);

    (void)c;
    (void)res;
    if (err == NULL) {
        if (hb->denied) {
            clog(LOG_INFO, hb->ctx, "heartbeats are written again");
        }
        hb->denied = false;
        hb->created = false;    /* dropped again, it is created again */
        hb->ok_us = now_us();
        hb->ring[hb->ring_next] = hb->pending_us;
        hb->ring_next = (hb->ring_next + 1) % HB_RING;
        if (hb->ring_n < HB_RING) {
            hb->ring_n++;
        }
        read_logs(hb);
        return;
    }
    if ((code == 1146 || code == 1049) && !hb->created) {
        /* the first write on this server: the table is missing */
        hb->created = true;
        hb->create_step = 0;
        clog(LOG_INFO, hb->ctx, "creating tandem.heartbeat on the source");
        hb_query(hb, hb_create_db_sql, on_created);
        return;
    }
    if (refused(code) || code == 1146 || code == 1049) {
        deny(hb, err);
    } else {
        clog(LOG_DEBUG, hb->ctx, "heartbeat write failed: %s", err);
    }
    read_logs(hb);
}

static void
on_created(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    struct heartbeat *hb = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        if (refused(err_code(err))) {
            deny(hb, err);
        } else {
            clog(LOG_DEBUG, hb->ctx, "cannot create tandem.heartbeat: %s",
                 err);
        }
        read_logs(hb);
        return;
    }
    if (hb->create_step++ == 0) {
        hb_query(hb, hb_create_table_sql, on_created);
        return;
    }
    write_row(hb);
}

static void
write_row(struct heartbeat *hb)
{
    pbuf_reset(&hb->q);
    hb->pending_us = now_us();
    pbuf_printf(&hb->q, "INSERT INTO tandem.heartbeat (server_id, host, ts) "
                "VALUES (%" PRIu32 ", %s, %" PRIu64 ") ON DUPLICATE KEY "
                "UPDATE ts = VALUES(ts)", hb->server_id, hb->hbs->host_lit,
                hb->pending_us);
    pbuf_putc(&hb->q, '\0');
    if (hb->q.failed) {
        read_logs(hb);
        return;
    }
    hb_query(hb, (const char *)hb->q.data, on_written);
}

/* A round: the row (unless refused lately), then the binlog's files. */
static void
hb_round(struct heartbeat *hb)
{
    uint64_t now_ms = now_us() / 1000;

    hb->state = HB_BUSY;
    if (!hb->denied || now_ms - hb->denied_ms >= HB_DENIED_RETRY_MS) {
        if (hb->denied) {
            /* a refused table creation is tried again too */
            hb->created = false;
        }
        write_row(hb);
        return;
    }
    read_logs(hb);
}

/* ---- connecting ---- */

static void
on_server_id(struct myconn *c, const struct myresult *res, const char *err,
             void *arg)
{
    struct heartbeat *hb = arg;

    (void)c;
    if (err != NULL || res == NULL || res->nrows != 1 || res->ncols < 1 ||
        res->nulls[0]) {
        hb_drop(hb, err != NULL ? err : "no @@server_id");
        return;
    }
    hb->server_id = (uint32_t)span_u64(res->cells[0]);
    hb->have_server_id = true;
    hb->created = false;
    hb->backoff_ms = HB_BACKOFF_MIN_MS;
    clog(LOG_DEBUG, hb->ctx, "heartbeat writer connected (server_id %" PRIu32
         ")", hb->server_id);
    hb_round(hb);
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct heartbeat *hb = arg;

    (void)c;
    myconn_set_io_timeout(hb->c, HB_IO_TIMEOUT_MS);
    hb_query(hb, "SELECT @@server_id", on_server_id);
}

static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct heartbeat *hb = arg;

    (void)c;
    hb_drop(hb, err);
}

static void
hb_connect(struct heartbeat *hb)
{
    struct myconn_opts o;

    memset(&o, 0, sizeof(o));
    o.host = hb->host;
    o.port = hb->port;
    o.user = hb->user;
    o.password = hb->password;
    o.tls = hb->tls;
    o.ca_file = hb->ca_file;
    o.connect_timeout_ms = HB_IO_TIMEOUT_MS;
    o.log_ctx = hb->ctx;
    hb->c = myconn_new(hb->hbs->base, hb->hbs->dns, &o);
    if (hb->c == NULL) {
        hb_drop(hb, "out of memory");
        return;
    }
    hb->state = HB_CONNECTING;
    if (myconn_connect(hb->c, on_ready, on_conn_error, hb) != 0) {
        hb_drop(hb, "cannot start connecting");
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct heartbeat *hb = arg;

    (void)fd;
    (void)what;
    switch (hb->state) {
    case HB_OFF:
        if (now_us() / 1000 >= hb->retry_at_ms) {
            hb_connect(hb);
        }
        break;
    case HB_READY:
        hb_round(hb);
        break;
    default:
        break;          /* the last round still runs */
    }
}

/* ---- registry ---- */

struct heartbeats *
heartbeats_new(struct event_base *base, struct evdns_base *dns)
{
    struct heartbeats *hbs = calloc(1, sizeof(*hbs));
    struct timeval period = {HEARTBEAT_PERIOD_MS / 1000,
                             (HEARTBEAT_PERIOD_MS % 1000) * 1000};
    struct pbuf b = {0};

    if (hbs == NULL) {
        return NULL;
    }
    hbs->base = base;
    hbs->dns = dns;
    hbs->period = event_base_init_common_timeout(base, &period);
    if (gethostname(hbs->host, sizeof(hbs->host)) != 0 ||
        hbs->host[0] == '\0') {
        snprintf(hbs->host, sizeof(hbs->host), "localhost");
    }
    hbs->host[sizeof(hbs->host) - 1] = '\0';
    sqlenc_text(&b, hbs->host, strlen(hbs->host));
    pbuf_putc(&b, '\0');
    if (b.failed || hbs->period == NULL) {
        pbuf_free(&b);
        free(hbs);
        return NULL;
    }
    hbs->host_lit = (char *)b.data;
    return hbs;
}

static void
hb_free(struct heartbeat *hb)
{
    if (hb->c != NULL) {
        myconn_free(hb->c);
    }
    if (hb->tick != NULL) {
        event_free(hb->tick);
    }
    files_clear(hb);
    pbuf_free(&hb->q);
    free(hb->host);
    free(hb->user);
    free(hb->password);
    free(hb->ca_file);
    free(hb);
}

void
heartbeats_free(struct heartbeats *hbs)
{
    if (hbs == NULL) {
        return;
    }
    while (hbs->list != NULL) {
        struct heartbeat *hb = hbs->list;

        hbs->list = hb->next;
        hb_free(hb);
    }
    free(hbs->host_lit);
    free(hbs);
}

static bool
same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Takes the account of <u> (false when out of memory). */
static bool
set_account(struct heartbeat *hb, const struct url *u)
{
    char *user = dupstr(u->user), *pw = dupstr(u->password);
    char *ca = dupstr(u->ca_file);

    if (user == NULL || (u->password != NULL && pw == NULL) ||
        (u->ca_file != NULL && ca == NULL)) {
        free(user);
        free(pw);
        free(ca);
        return false;
    }
    free(hb->user);
    free(hb->password);
    free(hb->ca_file);
    hb->user = user;
    hb->password = pw;
    hb->ca_file = ca;
    hb->tls = (int)u->tls;
    return true;
}

struct heartbeat *
heartbeat_acquire(struct heartbeats *hbs, const struct url *source)
{
    struct heartbeat *hb;

    for (hb = hbs->list; hb != NULL; hb = hb->next) {
        if (hb->port == source->port &&
            strcasecmp(hb->host, source->host) == 0) {
            break;
        }
    }
    if (hb != NULL) {
        hb->refs++;
        if (hb->denied && (!same(hb->user, source->user) ||
                           !same(hb->password, source->password)) &&
            set_account(hb, source)) {
            /* another account may be allowed: try it now */
            clog(LOG_DEBUG, hb->ctx, "heartbeat writer: trying account "
                 "'%s'", hb->user);
            hb->denied = false;
            hb->logs_denied = false;
            if (hb->c != NULL) {
                myconn_free(hb->c);
                hb->c = NULL;
            }
            hb->state = HB_OFF;
            hb->retry_at_ms = 0;
        }
        return hb;
    }
    hb = calloc(1, sizeof(*hb));
    if (hb == NULL) {
        return NULL;
    }
    hb->hbs = hbs;
    hb->refs = 1;
    hb->port = source->port;
    hb->host = dupstr(source->host);
    hb->backoff_ms = HB_BACKOFF_MIN_MS;
    snprintf(hb->ctx, sizeof(hb->ctx), "heartbeat=mysql@%s:%u",
             source->host, source->port);
    hb->tick = event_new(hbs->base, -1, EV_PERSIST, on_tick, hb);
    if (hb->host == NULL || hb->tick == NULL || !set_account(hb, source) ||
        event_add(hb->tick, hbs->period) != 0) {
        hb_free(hb);
        return NULL;
    }
    hb->next = hbs->list;
    hbs->list = hb;
    hb_connect(hb);
    return hb;
}

void
heartbeat_release(struct heartbeat *hb)
{
    struct heartbeat **pp;

    if (hb == NULL || --hb->refs > 0) {
        return;
    }
    for (pp = &hb->hbs->list; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == hb) {
            *pp = hb->next;
            break;
        }
    }
    hb_free(hb);
}

/* ---- what tasks read ---- */

static bool
name_is(struct span n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.p, s, n.len) == 0;
}

static bool
value_u64(const struct mysql_value *v, uint64_t *out)
{
    if (v->kind == MYV_UINT) {
        *out = v->v.u;
        return true;
    }
    if (v->kind == MYV_INT && v->v.i >= 0) {
        *out = (uint64_t)v->v.i;
        return true;
    }
    return false;
}

int
heartbeat_parse_row(const struct mysrc_row *r, struct heartbeat_row *out)
{
    int sid = -1, host = -1, ts = -1;
    uint64_t u;
    size_t i;

    if (r->table[0] != 'h' || strcmp(r->table, "heartbeat") != 0 ||
        strcmp(r->db, "tandem") != 0) {
        return 0;
    }
    if (r->after == NULL) {
        return -1;              /* a delete */
    }
    for (i = 0; i < r->ncols; i++) {
        if (name_is(r->cols[i].name, "server_id")) {
            sid = (int)i;
        } else if (name_is(r->cols[i].name, "host")) {
            host = (int)i;
        } else if (name_is(r->cols[i].name, "ts")) {
            ts = (int)i;
        }
    }
    if (sid < 0 && host < 0 && ts < 0 && r->ncols == 3 &&
        r->cols[0].name.len == 0) {
        sid = 0;                /* no names: the order we create */
        host = 1;
        ts = 2;
    }
    if (sid < 0 || host < 0 || ts < 0 ||
        r->after[host].kind != MYV_STRING ||
        !value_u64(&r->after[sid], &u) || u > UINT32_MAX) {
        return -1;
    }
    out->server_id = (uint32_t)u;
    if (!value_u64(&r->after[ts], &out->ts_us)) {
        return -1;
    }
    out->host = (const char *)r->after[host].v.bytes.p;
    out->host_len = r->after[host].v.bytes.len;
    return 1;
}

bool
heartbeat_is_ours(const struct heartbeat *hb,
                  const struct heartbeat_row *row)
{
    const char *h = hb->hbs->host;

    return (!hb->have_server_id || row->server_id == hb->server_id) &&
           row->host_len == strlen(h) &&
           memcmp(row->host, h, row->host_len) == 0;
}

bool
heartbeat_writing(const struct heartbeat *hb, uint64_t now)
{
    return !hb->denied && hb->ok_us != 0 &&
           now - hb->ok_us < 3u * HEARTBEAT_PERIOD_MS * 1000u;
}

uint64_t
heartbeat_unseen_since(const struct heartbeat *hb, uint64_t seen_us)
{
    uint64_t oldest = 0, first = 0;
    unsigned i;

    for (i = 0; i < hb->ring_n; i++) {
        uint64_t v = hb->ring[i];

        if (v > seen_us && (first == 0 || v < first)) {
            first = v;
        }
        if (oldest == 0 || v < oldest) {
            oldest = v;
        }
    }
    if (first != 0 && hb->ring_n == HB_RING && first == oldest &&
        seen_us + HEARTBEAT_PERIOD_MS * 1000u < first) {
        /* writes older than the ring were not seen either: the first of
         * them came about a period after the last one seen */
        return seen_us + HEARTBEAT_PERIOD_MS * 1000u;
    }
    return first;
}

bool
heartbeat_bytes_after(const struct heartbeat *hb, const char *file,
                      uint64_t pos, uint64_t *bytes)
{
    uint64_t n = 0;
    size_t i;

    if (!hb->files_known || hb->nfiles == 0 || file == NULL) {
        return false;
    }
    for (i = hb->nfiles; i-- > 0;) {
        const struct hb_file *f = &hb->files[i];

        if (strcmp(f->name, file) == 0) {
            n += f->size > pos ? f->size - pos : 0;
            *bytes = n;
            return true;
        }
        n += f->size;
    }
    /* not listed: past the end when newer than the last file */
    if (binpos_cmp(file, pos, hb->files[hb->nfiles - 1].name, 0) > 0) {
        *bytes = 0;
        return true;
    }
    return false;
}
