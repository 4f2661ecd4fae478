/*
 * myconn.c - MySQL/MariaDB client connection state machine (see
 * myconn.h), driving the proto/mysql codecs over a struct conn.
 *
 *   conn bytes ─► framer (whole payloads) ─► handle_packet by state:
 *     HANDSHAKE  Handshake v10 ─► SSLRequest + TLS, or HandshakeResponse41
 *     AUTH       mysql_auth_feed ─► send its answers ─► OK: READY
 *     QUERY      mysql_rs_feed ─► accumulate cells ─► result callback
 *                0xFB first ─► INFILE: the caller's bytes (or none) as
 *                packets, paced by the conn's drained callback ─► QUERY
 *     STREAM     every payload ─► packet callback
 *
 * Each libevent-facing entry point runs between enter() and leave(); a
 * myconn_free() inside a user callback only marks the object, and leave()
 * frees it when the outermost entry point unwinds.
 *
 * Memory: what only logging in needs (the auth exchange, its scratch) is
 * allocated for the login and freed at READY; a result's buffers and the
 * outgoing packet are kept for the next query only while queries follow
 * one another, and freed once the connection is idle or streams, so an
 * idle connection costs a few hundred bytes besides its socket.
 */
#include "src/source/myconn.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "proto/mysql/auth.h"
#include "proto/mysql/packet.h"
#include "proto/mysql/query.h"
#include "src/core/log.h"
#include "src/net/conn.h"

/* Timeout of each step up to READY when the caller gives 0. */
#define MYCONN_DEFAULT_TIMEOUT_MS 10000
/* Payloads handled per read callback before yielding to the loop. */
#define MYCONN_PACKETS_PER_CALL 512
/* Most bytes one result set may take in memory (cells and bookkeeping). */
#define MYCONN_RESULT_LIMIT ((size_t)256 * 1024 * 1024)
/* Result buffers larger than this are released after use even while
 * queries follow one another (an idle connection keeps none). */
#define MYCONN_KEEP_CAP ((size_t)16 * 1024)
/* Longest server version kept from the greeting. */
#define MYCONN_VERSION_MAX 127
/* Frees <p> and clears the pointer. */
#define FREE_AND_NULL(p) \
    do {                 \
        free(p);         \
        (p) = NULL;      \
    } while (0)
/* Separates a message's cause from its fix. */
#define FIX " \xe2\x80\x94 "
/* First byte of the server's LOCAL INFILE request (MySQL internals,
 * "LOCAL INFILE Request"): 0xfb, then the file name. */
#define MYCONN_PKT_LOCAL_INFILE 0xfb
/* Most LOCAL INFILE bytes queued on the conn at once; more are written
 * when it drains. */
#define MYCONN_INFILE_WINDOW ((size_t)1024 * 1024)

/* What only logging in needs. */
struct myconn_login {
    struct mysql_auth auth;      /* authentication exchange */
    char plugin[MYSQL_PLUGIN_NAME_MAX]; /* the greeting's auth plugin */
};

/* Where one cell or column name lives in an accumulation buffer. */
struct cellref {
    size_t off;                  /* offset in the byte buffer */
    size_t len;                  /* bytes */
    bool null;                   /* SQL NULL */
};

struct myconn {
    struct event_base *base;     /* loop (borrowed) */
    struct evdns_base *dns;      /* resolver (borrowed), may be NULL */
    char *host;                  /* server host (owned) */
    uint16_t port;               /* server port */
    char *user;                  /* account (owned) */
    char *password;              /* owned, wiped on free; "" for none */
    char *db;                    /* default database (owned) or NULL */
    int tls;                     /* 0 off, 1 require, 2 verify */
    char *ca_file;               /* CA bundle (owned) or NULL */
    unsigned timeout_ms;         /* per step up to READY */
    char *log_ctx;               /* log prefix (owned) */
    char *peer;                  /* "host:port" for messages (owned) */
    enum myconn_state state;     /* MYCONN_* */
    struct conn *conn;           /* transport (owned) */
    struct event *timer;         /* deadline of the current step */
    struct mysql_framer framer;  /* packet reassembly */
    struct myconn_login *login;  /* while logging in (owned), else NULL */
    struct mysql_handshake hs;   /* greeting, spans re-pointed at copies
                                    (auth_plugin only while logging in) */
    char *hs_version;            /* server version as announced (owned) */
    const char *version;         /* hs_version without "5.5.5-" */
    uint32_t caps;               /* negotiated capabilities */
    uint8_t seq;                 /* sequence id of our next packet */
    struct pbuf out;             /* outgoing packets (scratch) */
    struct pbuf payload;         /* outgoing payload (scratch) */
    struct pbuf greeting;        /* copy of the greeting (see process_input) */
    myconn_ready_cb ready_cb;    /* READY reached */
    myconn_error_cb error_cb;    /* fatal error */
    void *arg;                   /* for ready_cb and error_cb */
    myconn_result_cb result_cb;  /* pending query */
    void *result_arg;            /* its argument */
    myconn_packet_cb packet_cb;  /* stream consumer */
    void *packet_arg;            /* its argument */
    struct mysql_rs rs;          /* result set decoder */
    unsigned ncols;              /* columns of the captured result set */
    size_t nrows;                /* rows captured */
    bool have_rs;                /* first result set captured */
    bool skip_rs;                /* a later result set: dropped */
    bool overflow;               /* result over MYCONN_RESULT_LIMIT */
    size_t result_bytes;         /* memory the result takes so far */
    uint64_t affected_rows;      /* from the final OK */
    uint64_t last_insert_id;     /* from the final OK */
    uint16_t warnings;           /* from the final OK or EOF */
    const uint8_t *infile;       /* myconn_load() data (borrowed) or NULL */
    size_t infile_len;           /* its bytes */
    size_t infile_off;           /* bytes of it queued so far */
    size_t infile_pkt_left;      /* body bytes of the open packet to queue */
    bool infile_armed;           /* data not yet handed to a request */
    bool infile_reply;           /* file sent, its reply not yet seen */
    uint8_t infile_reply_seq;    /* sequence id that reply must carry */
    struct pbuf names;           /* column name bytes */
    struct pbuf name_refs;       /* struct cellref per column */
    struct pbuf cells;           /* cell bytes */
    struct pbuf cell_refs;       /* struct cellref per cell */
    struct span *row_scratch;    /* ncols cells of the row being split */
    bool *null_scratch;          /* ncols null flags of that row */
    struct span *out_names;      /* handed to the callback */
    struct span *out_cells;      /* handed to the callback */
    bool *out_nulls;             /* handed to the callback */
    unsigned io_timeout_ms;      /* read timeout in QUERY/STREAM */
    bool paused;                 /* reading stopped by the owner */
    unsigned depth;              /* nesting of entry points */
    bool free_pending;           /* myconn_free() called inside a callback */
};

static const char *const myconn_state_names[MYCONN_STATE_COUNT] = {
    [MYCONN_INIT] = "INIT",
    [MYCONN_CONNECTING] = "CONNECTING",
    [MYCONN_HANDSHAKE] = "HANDSHAKE",
    [MYCONN_TLS] = "TLS",
    [MYCONN_AUTH] = "AUTH",
    [MYCONN_READY] = "READY",
    [MYCONN_QUERY] = "QUERY",
    [MYCONN_INFILE] = "INFILE",
    [MYCONN_STREAM] = "STREAM",
    [MYCONN_CLOSED] = "CLOSED",
};

#define B(s) (1u << (s))
/* Legal transitions: bit s of legal[from] allows from -> s. */
static const unsigned myconn_legal[MYCONN_STATE_COUNT] = {
    [MYCONN_INIT] = B(MYCONN_CONNECTING) | B(MYCONN_CLOSED),
    [MYCONN_CONNECTING] = B(MYCONN_HANDSHAKE) | B(MYCONN_CLOSED),
    [MYCONN_HANDSHAKE] = B(MYCONN_TLS) | B(MYCONN_AUTH) | B(MYCONN_CLOSED),
    [MYCONN_TLS] = B(MYCONN_AUTH) | B(MYCONN_CLOSED),
    [MYCONN_AUTH] = B(MYCONN_READY) | B(MYCONN_CLOSED),
    [MYCONN_READY] = B(MYCONN_QUERY) | B(MYCONN_STREAM) | B(MYCONN_CLOSED),
    [MYCONN_QUERY] = B(MYCONN_READY) | B(MYCONN_INFILE) | B(MYCONN_CLOSED),
    [MYCONN_INFILE] = B(MYCONN_QUERY) | B(MYCONN_CLOSED),
    [MYCONN_STREAM] = B(MYCONN_CLOSED),
    [MYCONN_CLOSED] = 0,
};
#undef B

const char *
myconn_state_name(enum myconn_state s)
{
    return (unsigned)s < MYCONN_STATE_COUNT ? myconn_state_names[s]
                                            : "UNKNOWN";
}

static void myconn_destroy(struct myconn *c);
static void set_conn_cbs(struct myconn *c, bool drained);

static void
myconn_set_state(struct myconn *c, enum myconn_state s, const char *why)
{
    assert((myconn_legal[c->state] & (1u << s)) != 0);
    clog(LOG_DEBUG, c->log_ctx, "mysql state %s -> %s (%s)",
         myconn_state_names[c->state], myconn_state_names[s], why);
    c->state = s;
}

static void
enter(struct myconn *c)
{
    c->depth++;
}

/* Ends an entry point; <c> must not be touched afterwards. */
static void
leave(struct myconn *c)
{
    if (--c->depth == 0 && c->free_pending) {
        myconn_destroy(c);
    }
}

/* True when the code that called a user callback must stop. */
static bool
gone(const struct myconn *c)
{
    return c->free_pending || c->state == MYCONN_CLOSED;
}

/* Fatal error: close, then report <fmt> once. */
static void
fail(struct myconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct myconn *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (c->state == MYCONN_CLOSED) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    myconn_set_state(c, MYCONN_CLOSED, "error");
    evtimer_del(c->timer);
    conn_close(c->conn, "%s", msg);
    c->result_cb = NULL;
    c->packet_cb = NULL;
    c->infile = NULL;
    c->infile_armed = false;
    c->infile_reply = false;
    if (c->error_cb != NULL && !c->free_pending) {
        c->error_cb(c, msg, c->arg);
    }
}

/* Arms the deadline of the step just entered. */
static void
arm_timer(struct myconn *c)
{
    struct timeval tv;

    tv.tv_sec = c->timeout_ms / 1000;
    tv.tv_usec = (c->timeout_ms % 1000) * 1000;
    evtimer_add(c->timer, &tv);
}

/* Frames <p>/<n> from sequence id c->seq and queues it; the server's
 * answer continues the sequence. */
static bool
send_payload(struct myconn *c, const void *p, size_t n)
{
    bool ok;

    pbuf_reset(&c->out);
    c->seq = mysql_packet_encode(&c->out, c->seq, p, n);
    mysql_framer_expect_seq(&c->framer, c->seq);
    ok = !c->out.failed && conn_write(c->conn, c->out.data, c->out.len) == 0;
    /* Login packets only: they may hold the password's proof. */
    if (c->out.data != NULL) {
        explicit_bzero(c->out.data, c->out.cap);
    }
    pbuf_free(&c->out);
    if (!ok) {
        fail(c, "cannot send to %s: out of memory or connection closed",
             c->peer);
    }
    return ok;
}

/* Clears the scratch buffers: during login they may hold the password. */
static void
wipe_scratch(struct myconn *c)
{
    if (c->payload.data != NULL) {
        explicit_bzero(c->payload.data, c->payload.cap);
    }
    if (c->out.data != NULL) {
        explicit_bzero(c->out.data, c->out.cap);
    }
}

/* Ends the login: what only it needed goes (wiped). */
static void
login_free(struct myconn *c)
{
    wipe_scratch(c);
    pbuf_free(&c->payload);
    if (c->login != NULL) {
        explicit_bzero(c->login, sizeof(*c->login));
        free(c->login);
        c->login = NULL;
    }
    c->hs.auth_plugin.p = NULL;
    c->hs.auth_plugin.len = 0;
}

/* The fix to suggest for a server error met while logging in. */
static const char *
login_fix(unsigned code)
{
    switch (code) {
    case 1045:
        return "check the user and password in the URL";
    case 1044:
        return "grant the user access to that database, or fix the "
               "database in the URL";
    case 1049:
        return "check the database name in the URL";
    case 1040:
        return "raise max_connections on the server or close idle "
               "connections";
    case 1129:
        return "run FLUSH HOSTS on the server";
    case 1130:
        return "create the account for this client's host on the server";
    case 1820:
    case 1862:
        return "set a new password for the account on the server";
    case 3118:
    case 4151:
        return "unlock the account on the server (ALTER USER ... ACCOUNT "
               "UNLOCK)";
    default:
        return "check the account and the server's error log";
    }
}

/* ---- connection phase ---- */

static void
start_auth(struct myconn *c)
{
    static const char *const attrs[] = {"_client_name", "tandem", NULL};
    struct mysql_hs_response r;
    struct pbuf auth = {0};
    const char *plugin = NULL;

    memset(&c->login->auth, 0, sizeof(c->login->auth));
    if (mysql_auth_start(&c->login->auth, &c->hs, c->password, c->tls > 0,
                         c->caps, &auth, &plugin) < 0) {
        pbuf_free(&auth);
        fail(c, "authentication failed for user '%s': %s" FIX
             "check the account's auth plugin", c->user,
             c->login->auth.reason != NULL ? c->login->auth.reason :
             "cannot start");
        return;
    }
    memset(&r, 0, sizeof(r));
    r.caps = c->caps;
    r.max_packet = MYSQL_CLIENT_MAX_PACKET;
    r.charset = MYSQL_CHARSET_UTF8MB4;
    r.user = c->user;
    r.auth = auth.data;
    r.auth_len = auth.len;
    r.db = c->db;
    r.plugin = plugin;
    r.attrs = attrs;
    pbuf_reset(&c->payload);
    mysql_hs_response_encode(&c->payload, &r);
    if (auth.data != NULL) {
        explicit_bzero(auth.data, auth.cap);
    }
    pbuf_free(&auth);
    if (c->payload.failed) {
        fail(c, "out of memory while logging in to %s", c->peer);
        return;
    }
    if (!send_payload(c, c->payload.data, c->payload.len)) {
        return;
    }
    wipe_scratch(c);
    myconn_set_state(c, MYCONN_AUTH, plugin);
    arm_timer(c);
}

static void
on_handshake(struct myconn *c, const uint8_t *p, size_t n)
{
    struct mysql_err e;
    struct conn_tls_opts tls;
    struct span v;
    const char *why = "malformed packet";
    char text[512], err[256];
    size_t k;

    if (n > 0 && p[0] == MYSQL_PKT_ERR && mysql_err_parse(p, n, &e) > 0) {
        fail(c, "the server at %s refused the connection: %s" FIX "%s",
             c->peer, mysql_err_format(&e, text, sizeof(text)),
             login_fix(e.code));
        return;
    }
    if (mysql_handshake_parse(p, n, &c->hs, &why) < 0) {
        fail(c, "unexpected greeting from %s: %s" FIX "check that this "
             "port belongs to a MySQL or MariaDB server", c->peer, why);
        return;
    }
    /* Keep what the greeting's views point to. */
    k = c->hs.server_version.len < MYCONN_VERSION_MAX
            ? c->hs.server_version.len : MYCONN_VERSION_MAX;
    free(c->hs_version);
    if (c->login == NULL) {
        c->login = calloc(1, sizeof(*c->login));
    }
    c->hs_version = malloc(k + 1);
    if (c->hs_version == NULL || c->login == NULL) {
        fail(c, "out of memory reading the greeting of %s", c->peer);
        return;
    }
    memcpy(c->hs_version, c->hs.server_version.p, k);
    c->hs_version[k] = '\0';
    c->hs.server_version.p = (const uint8_t *)c->hs_version;
    c->hs.server_version.len = k;
    v = mysql_version_strip(c->hs.server_version);
    c->version = (const char *)v.p;
    k = c->hs.auth_plugin.len < sizeof(c->login->plugin) - 1
            ? c->hs.auth_plugin.len : sizeof(c->login->plugin) - 1;
    if (k > 0) {
        memcpy(c->login->plugin, c->hs.auth_plugin.p, k);
    }
    c->login->plugin[k] = '\0';
    c->hs.auth_plugin.p = (const uint8_t *)c->login->plugin;
    c->hs.auth_plugin.len = k;
    clog(LOG_DEBUG, c->log_ctx,
         "server %s connection_id=%u caps=0x%08x plugin=%s", c->version,
         (unsigned)c->hs.connection_id, (unsigned)c->hs.caps,
         c->login->plugin);

    if (c->tls > 0 && !(c->hs.caps & MYSQL_CLIENT_SSL)) {
        fail(c, "the server at %s does not offer TLS but the URL asks for "
             "tls=%s" FIX "enable TLS on the server (ssl_cert, ssl_key) or "
             "use tls=disable", c->peer, c->tls == 2 ? "verify" : "require");
        return;
    }
    c->caps = mysql_caps_negotiate(c->hs.caps, c->tls > 0,
                                   c->db != NULL && c->db[0] != '\0');
    /* Without this flag the server refuses LOAD DATA LOCAL (error 1148).
     * Safe to announce: no request ever opens a local file (see
     * on_infile_request). */
    c->caps |= c->hs.caps & MYSQL_CLIENT_LOCAL_FILES;
    if (c->tls == 0) {
        start_auth(c);
        return;
    }
    pbuf_reset(&c->payload);
    mysql_ssl_request_encode(&c->payload, c->caps, MYSQL_CLIENT_MAX_PACKET,
                             MYSQL_CHARSET_UTF8MB4);
    if (!send_payload(c, c->payload.data, c->payload.len)) {
        return;
    }
    tls.verify = c->tls == 2;
    tls.ca_file = c->ca_file;
    tls.server_name = c->host;
    if (conn_start_tls(c->conn, &tls, err, sizeof(err)) < 0) {
        fail(c, "cannot start TLS with %s: %s" FIX "check the ca= file in "
             "the URL", c->peer, err);
        return;
    }
    if (gone(c)) {
        return;
    }
    myconn_set_state(c, MYCONN_TLS, tls.verify ? "verify" : "require");
    arm_timer(c);
}

static void
on_auth_packet(struct myconn *c, const uint8_t *p, size_t n)
{
    enum mysql_auth_step step;
    struct mysql_auth *a;
    char text[512];
    myconn_ready_cb cb;

    if (c->login == NULL) {
        fail(c, "internal error: no login in progress with %s", c->peer);
        return;
    }
    a = &c->login->auth;
    pbuf_reset(&c->payload);
    step = mysql_auth_feed(a, p, n, &c->payload);
    switch (step) {
    case MYSQL_AUTH_SEND:
        send_payload(c, c->payload.data, c->payload.len);
        wipe_scratch(c);
        break;
    case MYSQL_AUTH_WAIT:
        break;
    case MYSQL_AUTH_OK:
        evtimer_del(c->timer);
        myconn_set_state(c, MYCONN_READY, a->plugin_name);
        clog(LOG_DEBUG, c->log_ctx, "logged in to %s as '%s' (%s%s)",
             c->peer, c->user, a->plugin_name,
             conn_is_tls(c->conn) ? ", TLS" : "");
        login_free(c);
        cb = c->ready_cb;
        if (cb != NULL) {
            cb(c, c->arg);
        }
        break;
    case MYSQL_AUTH_DENIED:
        fail(c, "authentication failed for user '%s': %s" FIX "%s", c->user,
             mysql_err_format(&a->err, text, sizeof(text)),
             login_fix(a->err.code));
        break;
    case MYSQL_AUTH_FAILED:
    default:
        if (a->unsupported_plugin) {
            fail(c, "authentication failed for user '%s': the account uses "
                 "the auth plugin '%s', which tandem does not support" FIX
                 "switch the account to mysql_native_password (MariaDB: "
                 "ALTER USER ... IDENTIFIED VIA mysql_native_password USING "
                 "PASSWORD('...')) or caching_sha2_password (MySQL)",
                 c->user, a->plugin_name);
        } else {
            fail(c, "authentication failed for user '%s' (%s): %s" FIX
                 "use tls=require or tls=verify, or check the server's "
                 "auth settings", c->user, a->plugin_name,
                 a->reason != NULL ? a->reason : "protocol error");
        }
        break;
    }
}

/* ---- queries ---- */

static void
result_reset(struct myconn *c)
{
    c->ncols = 0;
    c->nrows = 0;
    c->have_rs = false;
    c->skip_rs = false;
    c->overflow = false;
    c->result_bytes = 0;
    c->affected_rows = 0;
    c->last_insert_id = 0;
    c->warnings = 0;
    c->infile = NULL;
    c->infile_len = 0;
    c->infile_off = 0;
    c->infile_pkt_left = 0;
    c->infile_armed = false;
    c->infile_reply = false;
    pbuf_reset(&c->names);
    pbuf_reset(&c->name_refs);
    pbuf_reset(&c->cells);
    pbuf_reset(&c->cell_refs);
}

/* Counts <n> more bytes against the result limit. */
static bool
result_charge(struct myconn *c, size_t n)
{
    if (c->overflow || n > MYCONN_RESULT_LIMIT - c->result_bytes) {
        c->overflow = true;
        return false;
    }
    c->result_bytes += n;
    return true;
}

static void
put_ref(struct pbuf *refs, size_t off, size_t len, bool null)
{
    struct cellref r;

    r.off = off;
    r.len = len;
    r.null = null;
    pbuf_put(refs, &r, sizeof(r));
}

static bool
result_begin(struct myconn *c, uint64_t ncols)
{
    free(c->row_scratch);
    free(c->null_scratch);
    c->row_scratch = calloc((size_t)ncols, sizeof(*c->row_scratch));
    c->null_scratch = calloc((size_t)ncols, sizeof(*c->null_scratch));
    if (c->row_scratch == NULL || c->null_scratch == NULL) {
        return false;
    }
    c->ncols = (unsigned)ncols;
    return true;
}

static void
result_add_column(struct myconn *c, struct span name)
{
    if (!result_charge(c, name.len + sizeof(struct cellref) +
                              sizeof(struct span))) {
        return;
    }
    put_ref(&c->name_refs, c->names.len, name.len, false);
    pbuf_put(&c->names, name.p, name.len);
}

static void
result_add_row(struct myconn *c, struct span row)
{
    unsigned i;

    /* The decoder checked the row already: this cannot fail. */
    mysql_text_row_cells(row.p, row.len, c->ncols, c->row_scratch,
                         c->null_scratch);
    if (!result_charge(c, row.len + (size_t)c->ncols *
                                         (sizeof(struct cellref) +
                                          sizeof(struct span) + 1))) {
        return;
    }
    for (i = 0; i < c->ncols; i++) {
        put_ref(&c->cell_refs, c->cells.len, c->row_scratch[i].len,
                c->null_scratch[i]);
        pbuf_put(&c->cells, c->row_scratch[i].p, c->row_scratch[i].len);
    }
    c->nrows++;
}

static void
release_big(struct pbuf *b)
{
    if (b->cap > MYCONN_KEEP_CAP) {
        pbuf_free(b);
    }
}

/* Frees every result buffer and the outgoing packet. */
static void
result_release(struct myconn *c)
{
    pbuf_free(&c->cells);
    pbuf_free(&c->cell_refs);
    pbuf_free(&c->names);
    pbuf_free(&c->name_refs);
    pbuf_free(&c->out);
    FREE_AND_NULL(c->row_scratch);
    FREE_AND_NULL(c->null_scratch);
    FREE_AND_NULL(c->out_names);
    FREE_AND_NULL(c->out_cells);
    FREE_AND_NULL(c->out_nulls);
}

/* Builds the span arrays of the captured result; false when out of
 * memory. */
static bool
result_build(struct myconn *c, struct myresult *res)
{
    const struct cellref *refs;
    size_t i, ncells = c->nrows * c->ncols;

    free(c->out_names);
    free(c->out_cells);
    free(c->out_nulls);
    c->out_names = calloc(c->ncols + 1, sizeof(*c->out_names));
    c->out_cells = calloc(ncells + 1, sizeof(*c->out_cells));
    c->out_nulls = calloc(ncells + 1, sizeof(*c->out_nulls));
    if (c->out_names == NULL || c->out_cells == NULL ||
        c->out_nulls == NULL || c->names.failed || c->name_refs.failed ||
        c->cells.failed || c->cell_refs.failed) {
        return false;
    }
    refs = (const struct cellref *)c->name_refs.data;
    for (i = 0; i < c->ncols && refs != NULL; i++) {
        c->out_names[i].p = c->names.data + refs[i].off;
        c->out_names[i].len = refs[i].len;
    }
    refs = (const struct cellref *)c->cell_refs.data;
    for (i = 0; i < ncells && refs != NULL; i++) {
        c->out_cells[i].p = refs[i].null ? NULL : c->cells.data + refs[i].off;
        c->out_cells[i].len = refs[i].len;
        c->out_nulls[i] = refs[i].null;
    }
    memset(res, 0, sizeof(*res));
    res->ncols = c->ncols;
    res->col_names = c->out_names;
    res->nrows = c->nrows;
    res->cells = c->out_cells;
    res->nulls = c->out_nulls;
    res->affected_rows = c->affected_rows;
    res->last_insert_id = c->last_insert_id;
    res->warnings = c->warnings;
    return true;
}

/* Ends the query: READY, then the callback with the result or <err>. */
static void
result_finish(struct myconn *c, const char *err)
{
    myconn_result_cb cb = c->result_cb;
    void *arg = c->result_arg;
    struct myresult res;
    size_t out_bytes;
    char msg[128];

    c->result_cb = NULL;
    c->infile = NULL;
    c->infile_armed = false;
    conn_set_read_timeout(c->conn, 0);
    myconn_set_state(c, MYCONN_READY, err != NULL ? "query error" : "done");
    if (err == NULL && c->overflow) {
        snprintf(msg, sizeof(msg), "result set larger than %zu MiB" FIX
                 "add a LIMIT or select fewer columns",
                 MYCONN_RESULT_LIMIT >> 20);
        err = msg;
    }
    if (err == NULL && !result_build(c, &res)) {
        snprintf(msg, sizeof(msg), "out of memory for the result set");
        err = msg;
    }
    out_bytes = (c->nrows + 1) * (c->ncols + 1) * sizeof(struct span);
    if (cb != NULL) {
        cb(c, err == NULL ? &res : NULL, err, arg);
    }
    /* Whatever cb started (a query, a stream) has not used these yet.
     * Idle or streaming, the connection needs none of them until its
     * next query: it keeps nothing. */
    if (!gone(c) && c->state != MYCONN_QUERY && c->state != MYCONN_INFILE) {
        result_release(c);
    } else if (!gone(c)) {
        release_big(&c->cells);
        release_big(&c->cell_refs);
        release_big(&c->names);
        release_big(&c->name_refs);
        if (out_bytes > MYCONN_KEEP_CAP) {
            free(c->out_names);
            free(c->out_cells);
            free(c->out_nulls);
            c->out_names = NULL;
            c->out_cells = NULL;
            c->out_nulls = NULL;
        }
    }
}

/* ---- LOCAL INFILE ---- */

/* Copies the file name of a request into <out> for a log line: at most
 * 200 bytes, anything but printable ASCII as '?'. */
static void
show_name(char *out, size_t outlen, const uint8_t *p, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n && k + 4 < outlen && i < 200; i++) {
        out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    }
    if (i < n && k + 4 < outlen) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* Queues <n> bytes; false (connection failed) when the conn refuses. */
static bool
infile_write(struct myconn *c, const void *p, size_t n)
{
    if (conn_write(c->conn, p, n) < 0) {
        fail(c, "cannot send LOCAL INFILE data to %s: out of memory or "
             "connection closed" FIX "check the server and the network",
             c->peer);
        return false;
    }
    return true;
}

/* The whole file is queued: the server's OK or ERR comes next, checked
 * by infile_reply_ok(). */
static void
infile_done(struct myconn *c)
{
    c->infile = NULL;
    c->infile_reply = true;
    c->infile_reply_seq = c->seq;
    set_conn_cbs(c, false);
    myconn_set_state(c, MYCONN_QUERY, "file sent");
}

/*
 * Queues packets of the file until MYCONN_INFILE_WINDOW bytes wait on the
 * conn; the drained callback calls again.  Each packet's header goes
 * first, its body follows in slices straight from the caller's buffer (the
 * conn's output buffer holds the only copy).  A body is always shorter
 * than 0xffffff: a packet of that length would tell the server that the
 * payload goes on in the next packet, and the empty end packet would be
 * taken as that payload's last fragment.
 */
static void
infile_pump(struct myconn *c)
{
    uint8_t hdr[MYSQL_PACKET_HEADER_LEN];
    size_t n, queued;

    /* The server answers nothing while it reads the file: progress on
     * the writes restarts the wait for a byte. */
    if (c->io_timeout_ms != 0) {
        conn_set_read_timeout(c->conn, c->io_timeout_ms);
    }
    while ((queued = conn_output_len(c->conn)) < MYCONN_INFILE_WINDOW) {
        if (c->infile_pkt_left == 0) {
            n = c->infile_len - c->infile_off;
            if (n > MYCONN_INFILE_PACKET) {
                n = MYCONN_INFILE_PACKET;
            }
            hdr[0] = (uint8_t)n;
            hdr[1] = (uint8_t)(n >> 8);
            hdr[2] = (uint8_t)(n >> 16);
            hdr[3] = c->seq++;
            if (!infile_write(c, hdr, sizeof(hdr))) {
                return;
            }
            if (n == 0) {
                /* The empty packet: end of file. */
                infile_done(c);
                return;
            }
            c->infile_pkt_left = n;
        }
        n = c->infile_pkt_left;
        if (n > MYCONN_INFILE_WINDOW - queued) {
            n = MYCONN_INFILE_WINDOW - queued;
        }
        if (!infile_write(c, c->infile + c->infile_off, n)) {
            return;
        }
        c->infile_off += n;
        c->infile_pkt_left -= n;
    }
}

/*
 * The server asks for the file <name>/<n> of a LOAD DATA LOCAL statement.
 * That file is never opened: the data of myconn_load() goes, once; any
 * other request gets an empty file, which the server takes as a file
 * without rows (or answers with an error).
 */
static void
on_infile_request(struct myconn *c, const uint8_t *name, size_t n)
{
    char shown[256];

    show_name(shown, sizeof(shown), name, n);
    if (c->infile_armed) {
        clog(LOG_DEBUG, c->log_ctx, "sending %zu bytes for LOCAL INFILE "
             "'%s'", c->infile_len, shown);
    } else {
        clog(LOG_WARN, c->log_ctx, "the server at %s asked for the local "
             "file '%s': sent an empty file, tandem never reads local "
             "files for a server", c->peer, shown);
        c->infile = NULL;
        c->infile_len = 0;
    }
    c->infile_armed = false;
    c->infile_off = 0;
    c->infile_pkt_left = 0;
    /* The server sends nothing until the empty packet: whatever comes
     * meanwhile is a fatal error, whose sequence id cannot be known; the
     * check resumes with the reply (infile_reply_ok). */
    c->framer.check_seq = false;
    myconn_set_state(c, MYCONN_INFILE, "LOCAL INFILE request");
    set_conn_cbs(c, true);
    infile_pump(c);
}

/* A packet while the file is still being sent, or out of sequence right
 * after: the server gave up on the statement (a packet over its
 * max_allowed_packet, shutdown) and the exchange cannot be
 * resynchronised. */
static void
on_infile_packet(struct myconn *c, const uint8_t *p, size_t n)
{
    struct mysql_err e;
    char text[512];

    if (n > 0 && p[0] == MYSQL_PKT_ERR && mysql_err_parse(p, n, &e) > 0) {
        fail(c, "the server at %s stopped LOAD DATA LOCAL while the data "
             "was being sent: %s" FIX "check the server's error log",
             c->peer, mysql_err_format(&e, text, sizeof(text)));
        return;
    }
    fail(c, "unexpected packet from %s while sending LOAD DATA LOCAL "
         "data" FIX "check the server's error log", c->peer);
}

/*
 * The first packet after the file was queued.  In sequence, it is the
 * statement's reply and the sequence check resumes.  Out of sequence, the
 * server gave up reading the file before its end (a packet over its
 * max_allowed_packet, say) and is closing: fatal.  Returns true when the
 * packet is to be handled as a reply.
 */
static bool
infile_reply_ok(struct myconn *c, const struct mysql_packet *pkt)
{
    c->infile_reply = false;
    if (pkt->seq != c->infile_reply_seq) {
        on_infile_packet(c, pkt->payload, pkt->len);
        return false;
    }
    mysql_framer_expect_seq(&c->framer, c->seq);
    return true;
}

static void
on_query_packet(struct myconn *c, const uint8_t *p, size_t n)
{
    struct mysql_rs_event ev;
    char text[512];

    /* Only the first packet of a response (or of the next result of a
     * multi-statement response) can be this request: in a result set the
     * first packet is a column count, and 0xfb there is never the start
     * of one (it would mean NULL). */
    if (c->rs.state == MYSQL_RS_COLUMN_COUNT && n > 0 &&
        p[0] == MYCONN_PKT_LOCAL_INFILE) {
        on_infile_request(c, p + 1, n - 1);
        return;
    }
    if (mysql_rs_feed(&c->rs, p, n, &ev) < 0) {
        fail(c, "bad query response from %s: %s (state %s)" FIX
             "report this server version as incompatible", c->peer,
             c->rs.reason, mysql_rs_state_name(c->rs.state));
        return;
    }
    switch (ev.kind) {
    case MYSQL_RS_EV_COLUMN_COUNT:
        if (c->have_rs) {
            c->skip_rs = true;      /* only the first result set is kept */
        } else if (!result_begin(c, ev.ncols)) {
            fail(c, "out of memory for a result set from %s", c->peer);
            return;
        }
        break;
    case MYSQL_RS_EV_COLUMN:
        if (!c->skip_rs) {
            result_add_column(c, ev.col.name);
        }
        break;
    case MYSQL_RS_EV_ROW:
        if (!c->skip_rs) {
            result_add_row(c, ev.row);
        }
        break;
    case MYSQL_RS_EV_OK:
    case MYSQL_RS_EV_END:
        if (ev.kind == MYSQL_RS_EV_END) {
            c->have_rs = true;
        }
        c->affected_rows = ev.ok.affected_rows;
        c->last_insert_id = ev.ok.last_insert_id;
        c->warnings = ev.ok.warnings;
        if (!ev.more_results) {
            result_finish(c, NULL);
        }
        break;
    case MYSQL_RS_EV_ERROR:
        result_finish(c, mysql_err_format(&ev.err, text, sizeof(text)));
        break;
    case MYSQL_RS_EV_NONE:
    default:
        break;
    }
}

static void
on_idle_packet(struct myconn *c, const uint8_t *p, size_t n)
{
    struct mysql_err e;
    char text[512];

    /* Servers send an ERR before closing a killed or timed-out session. */
    if (n > 0 && p[0] == MYSQL_PKT_ERR && mysql_err_parse(p, n, &e) > 0) {
        fail(c, "the server at %s ended the session: %s" FIX "check the "
             "server's error log", c->peer,
             mysql_err_format(&e, text, sizeof(text)));
        return;
    }
    fail(c, "unexpected packet from %s on an idle connection" FIX
         "check the server's error log", c->peer);
}

/* ---- input ---- */

static void
handle_packet(struct myconn *c, const struct mysql_packet *pkt)
{
    c->seq = (uint8_t)(pkt->last_seq + 1);
    switch (c->state) {
    case MYCONN_HANDSHAKE:
        evtimer_del(c->timer);
        on_handshake(c, pkt->payload, pkt->len);
        break;
    case MYCONN_AUTH:
        on_auth_packet(c, pkt->payload, pkt->len);
        break;
    case MYCONN_QUERY:
        if (!c->infile_reply || infile_reply_ok(c, pkt)) {
            on_query_packet(c, pkt->payload, pkt->len);
        }
        break;
    case MYCONN_INFILE:
        on_infile_packet(c, pkt->payload, pkt->len);
        break;
    case MYCONN_STREAM:
        if (c->packet_cb != NULL) {
            c->packet_cb(c, pkt->payload, pkt->len, c->packet_arg);
        }
        break;
    case MYCONN_READY:
        on_idle_packet(c, pkt->payload, pkt->len);
        break;
    default:
        fail(c, "unexpected data from %s in state %s" FIX "check that this "
             "port belongs to a MySQL or MariaDB server", c->peer,
             myconn_state_name(c->state));
        break;
    }
}

/*
 * Turns buffered input into payloads, at most MYCONN_PACKETS_PER_CALL per
 * call.  A payload may point into <in>: it is drained only after the
 * payload was handled.
 */
static void
process_input(struct myconn *c, struct evbuffer *in)
{
    struct evbuffer_iovec v;
    struct mysql_packet pkt;
    unsigned budget = MYCONN_PACKETS_PER_CALL;
    const uint8_t *p;
    size_t avail, n, off;
    ssize_t r;
    char hex[100];

    while (!c->paused && !gone(c)) {
        avail = evbuffer_get_length(in);
        if (avail == 0) {
            return;
        }
        if (budget-- == 0) {
            conn_kick(c->conn);
            return;
        }
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
            return;
        }
        p = v.iov_base;
        n = v.iov_len;
        r = mysql_framer_feed(&c->framer, p, n, &pkt);
        if (r == 0 && c->framer.need > 0 && avail >= n + c->framer.need) {
            /* A header split across chunks: make it contiguous. */
            n += c->framer.need;
            p = evbuffer_pullup(in, (ev_ssize_t)n);
            r = p != NULL ? mysql_framer_feed(&c->framer, p, n, &pkt) : 0;
        }
        if (r < 0) {
            hexdump32(hex, sizeof(hex), c->framer.bad_hdr, 4);
            fail(c, "bad packet from %s: %s (header %s)" FIX "check that "
                 "this port belongs to a MySQL or MariaDB server", c->peer,
                 c->framer.reason != NULL ? c->framer.reason : "malformed",
                 hex);
            return;
        }
        if (r == 0) {
            return;
        }
        if (pkt.ready && c->state == MYCONN_HANDSHAKE) {
            /* Starting TLS hands the socket's unread input to the TLS
             * layer: consume the greeting before handling it. */
            pbuf_reset(&c->greeting);
            pbuf_put(&c->greeting, pkt.payload, pkt.len);
            if (c->greeting.failed) {
                fail(c, "out of memory reading the greeting of %s", c->peer);
                return;
            }
            evbuffer_drain(in, (size_t)r);
            pkt.payload = c->greeting.data != NULL ? c->greeting.data
                                                   : (const uint8_t *)"";
            handle_packet(c, &pkt);
            pbuf_free(&c->greeting);
            continue;
        }
        /* Hand out every packet of this chunk, then drain once: a drain
         * per packet costs libevent callbacks and timer re-arms. */
        off = 0;
        for (;;) {
            off += (size_t)r;
            if (pkt.ready) {
                handle_packet(c, &pkt);
                if (gone(c)) {
                    return;
                }
            }
            if (off >= n || c->paused || c->state == MYCONN_HANDSHAKE ||
                budget-- == 0) {
                break;
            }
            r = mysql_framer_feed(&c->framer, p + off, n - off, &pkt);
            if (r < 0) {
                evbuffer_drain(in, off);
                hexdump32(hex, sizeof(hex), c->framer.bad_hdr, 4);
                fail(c, "bad packet from %s: %s (header %s)" FIX "check "
                     "that this port belongs to a MySQL or MariaDB server",
                     c->peer, c->framer.reason != NULL ? c->framer.reason :
                     "malformed", hex);
                return;
            }
            if (r == 0) {
                break;
            }
        }
        evbuffer_drain(in, off);
    }
}

/* ---- conn callbacks ---- */

static void
on_data(struct conn *cn, struct evbuffer *in, void *arg)
{
    struct myconn *c = arg;

    (void)cn;
    enter(c);
    process_input(c, in);
    leave(c);
}

static void
on_connected(struct conn *cn, void *arg)
{
    struct myconn *c = arg;

    (void)cn;
    enter(c);
    myconn_set_state(c, MYCONN_HANDSHAKE, "tcp connected");
    mysql_framer_reset(&c->framer);
    mysql_framer_expect_seq(&c->framer, 0);
    arm_timer(c);
    leave(c);
}

/* The conn sent everything queued: more of the LOCAL INFILE data. */
static void
on_drained(struct conn *cn, void *arg)
{
    struct myconn *c = arg;

    (void)cn;
    enter(c);
    if (c->state == MYCONN_INFILE && !gone(c)) {
        infile_pump(c);
    }
    leave(c);
}

static void
on_tls_done(struct conn *cn, void *arg)
{
    struct myconn *c = arg;

    (void)cn;
    enter(c);
    evtimer_del(c->timer);
    if (c->state == MYCONN_TLS) {
        start_auth(c);
    }
    leave(c);
}

static void
on_conn_error(struct conn *cn, enum conn_err kind, const char *detail,
              void *arg)
{
    struct myconn *c = arg;

    (void)cn;
    enter(c);
    switch (kind) {
    case CONN_ERR_RESOLVE:
        fail(c, "cannot resolve host '%s': %s" FIX "check the host in the "
             "URL", c->host, detail);
        break;
    case CONN_ERR_CONNECT:
        fail(c, "cannot connect to %s: %s" FIX "check that the server is "
             "running and the host/port in the URL", c->peer, detail);
        break;
    case CONN_ERR_TIMEOUT:
        if (c->state == MYCONN_CONNECTING) {
            fail(c, "connect timeout after %u ms to %s" FIX "check the "
                 "network/firewall", c->timeout_ms, c->peer);
        } else if (c->state == MYCONN_INFILE) {
            fail(c, "%s took no LOAD DATA LOCAL data for %u ms" FIX "check "
                 "the server's load and the network", c->peer,
                 c->io_timeout_ms);
        } else {
            fail(c, "no data from %s for %u ms" FIX "check the server and "
                 "the network", c->peer, c->io_timeout_ms);
        }
        break;
    case CONN_ERR_TLS:
        if (c->tls == 2 && (strstr(detail, "certificate") != NULL ||
                            strstr(detail, "verify") != NULL)) {
            fail(c, "TLS handshake with %s failed: %s" FIX "check the ca= "
                 "file or use tls=require", c->peer, detail);
        } else {
            fail(c, "TLS handshake with %s failed: %s" FIX "check the "
                 "server's TLS setup, or use tls=disable", c->peer, detail);
        }
        break;
    case CONN_ERR_EOF:
        if (c->state == MYCONN_HANDSHAKE) {
            fail(c, "the server at %s closed the connection before its "
                 "greeting" FIX "check the server's error log "
                 "(max_connections, blocked hosts)", c->peer);
        } else if (c->state == MYCONN_AUTH) {
            fail(c, "the server at %s closed the connection while user '%s' "
                 "logged in" FIX "check the server's error log", c->peer,
                 c->user);
        } else {
            fail(c, "the server at %s closed the connection" FIX "check the "
                 "server's error log (restart, KILL, wait_timeout)",
                 c->peer);
        }
        break;
    case CONN_ERR_IO:
    default:
        fail(c, "connection to %s failed: %s" FIX "check the server and the "
             "network", c->peer, detail);
        break;
    }
    leave(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct myconn *c = arg;

    (void)fd;
    (void)what;
    enter(c);
    switch (c->state) {
    case MYCONN_HANDSHAKE:
        fail(c, "no greeting from %s after %u ms" FIX "check that this port "
             "belongs to a MySQL or MariaDB server", c->peer, c->timeout_ms);
        break;
    case MYCONN_TLS:
        fail(c, "TLS handshake with %s timed out after %u ms" FIX "check "
             "that the server has TLS enabled, or use tls=disable", c->peer,
             c->timeout_ms);
        break;
    case MYCONN_AUTH:
        fail(c, "authentication of user '%s' at %s timed out after %u ms"
             FIX "check the server's load and error log", c->user, c->peer,
             c->timeout_ms);
        break;
    default:
        break;
    }
    leave(c);
}

/* ---- public ---- */

static char *
dup_or_null(const char *s, bool *oom)
{
    char *d;

    if (s == NULL) {
        return NULL;
    }
    d = strdup(s);
    if (d == NULL) {
        *oom = true;
    }
    return d;
}

struct myconn *
myconn_new(struct event_base *base, struct evdns_base *dns,
           const struct myconn_opts *opts)
{
    struct myconn *c;
    bool oom = false;
    char ctx[400];

    if (opts == NULL || opts->host == NULL || opts->host[0] == '\0') {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->base = base;
    c->dns = dns;
    c->port = opts->port != 0 ? opts->port : 3306;
    c->host = dup_or_null(opts->host, &oom);
    c->user = dup_or_null(opts->user != NULL ? opts->user : "", &oom);
    c->password = dup_or_null(opts->password != NULL ? opts->password : "",
                              &oom);
    c->db = opts->db != NULL && opts->db[0] != '\0'
                ? dup_or_null(opts->db, &oom) : NULL;
    c->tls = opts->tls < 0 ? 0 : opts->tls > 2 ? 2 : opts->tls;
    c->ca_file = dup_or_null(opts->ca_file, &oom);
    c->timeout_ms = opts->connect_timeout_ms != 0 ? opts->connect_timeout_ms
                                                  : MYCONN_DEFAULT_TIMEOUT_MS;
    snprintf(ctx, sizeof(ctx),
             strchr(opts->host, ':') != NULL ? "[%s]:%u" : "%s:%u",
             opts->host, (unsigned)c->port);
    c->peer = dup_or_null(ctx, &oom);
    if (opts->log_ctx != NULL) {
        c->log_ctx = dup_or_null(opts->log_ctx, &oom);
    } else {
        snprintf(ctx, sizeof(ctx), "peer=mysql@%s",
                 c->peer != NULL ? c->peer : "?");
        c->log_ctx = dup_or_null(ctx, &oom);
    }
    c->version = "";
    c->timer = evtimer_new(base, on_timer, c);
    c->conn = conn_new(base, dns, c->log_ctx);
    if (oom || c->timer == NULL || c->conn == NULL) {
        myconn_destroy(c);
        return NULL;
    }
    return c;
}

/* Installs the conn callbacks; the drained one only while a file is
 * being sent (with TLS, libevent defers every write callback). */
static void
set_conn_cbs(struct myconn *c, bool drained)
{
    struct conn_cbs cbs;

    memset(&cbs, 0, sizeof(cbs));
    cbs.connected = on_connected;
    cbs.tls_done = on_tls_done;
    cbs.read = on_data;
    cbs.drained = drained ? on_drained : NULL;
    cbs.error = on_conn_error;
    cbs.arg = c;
    conn_set_cbs(c->conn, &cbs);
}

int
myconn_connect(struct myconn *c, myconn_ready_cb ready,
               myconn_error_cb error, void *arg)
{
    if (c->state != MYCONN_INIT) {
        return -1;
    }
    c->ready_cb = ready;
    c->error_cb = error;
    c->arg = arg;
    set_conn_cbs(c, false);
    myconn_set_state(c, MYCONN_CONNECTING, "connect");
    if (conn_connect(c->conn, c->host, c->port, c->timeout_ms) < 0) {
        return -1;
    }
    return 0;
}

/* Sends a command payload cmd+arg as sequence 0. */
static int
send_command(struct myconn *c, uint8_t cmd, const void *arg, size_t len)
{
    pbuf_reset(&c->out);
    c->seq = mysql_packet_encode2(&c->out, 0, &cmd, 1, arg, len);
    mysql_framer_expect_seq(&c->framer, c->seq);
    if (c->out.failed || conn_write(c->conn, c->out.data, c->out.len) < 0) {
        pbuf_free(&c->out);
        return -1;
    }
    release_big(&c->out);
    return 0;
}

/* Sends command cmd+arg whose answer is a result set, OK or ERR, and
 * waits for it in state QUERY.  Returns 0 or -1 (not READY, or the write
 * failed). */
static int
start_request(struct myconn *c, uint8_t cmd, const void *cmd_arg, size_t len,
              myconn_result_cb cb, void *arg, const char *why)
{
    if (c->state != MYCONN_READY || cb == NULL || c->free_pending) {
        return -1;
    }
    result_reset(c);
    mysql_rs_init(&c->rs, c->caps);
    if (send_command(c, cmd, cmd_arg, len) < 0) {
        return -1;
    }
    c->result_cb = cb;
    c->result_arg = arg;
    myconn_set_state(c, MYCONN_QUERY, why);
    conn_set_read_timeout(c->conn, c->io_timeout_ms);
    return 0;
}

int
myconn_query(struct myconn *c, const char *sql, myconn_result_cb cb,
             void *arg)
{
    if (sql == NULL) {
        return -1;
    }
    return start_request(c, MYSQL_COM_QUERY, sql, strlen(sql), cb, arg,
                         "COM_QUERY");
}

int
myconn_load(struct myconn *c, const char *sql, const void *data, size_t len,
            myconn_result_cb cb, void *arg)
{
    if (sql == NULL || (data == NULL && len > 0)) {
        return -1;
    }
    if (start_request(c, MYSQL_COM_QUERY, sql, strlen(sql), cb, arg,
                      "COM_QUERY with LOCAL INFILE data") < 0) {
        return -1;
    }
    c->infile = data;
    c->infile_len = len;
    c->infile_armed = true;
    return 0;
}

int
myconn_command(struct myconn *c, const uint8_t *cmd, size_t len,
               myconn_result_cb cb, void *arg)
{
    if (cmd == NULL || len == 0) {
        return -1;
    }
    return start_request(c, cmd[0], cmd + 1, len - 1, cb, arg, "command");
}

int
myconn_stream(struct myconn *c, const uint8_t *cmd, size_t len,
              myconn_packet_cb cb, void *arg)
{
    if (c->state != MYCONN_READY || cb == NULL || cmd == NULL || len == 0 ||
        c->free_pending) {
        return -1;
    }
    if (send_command(c, cmd[0], cmd + 1, len - 1) < 0) {
        return -1;
    }
    c->packet_cb = cb;
    c->packet_arg = arg;
    myconn_set_state(c, MYCONN_STREAM, "stream command");
    conn_set_read_timeout(c->conn, c->io_timeout_ms);
    return 0;
}

void
myconn_pause(struct myconn *c)
{
    c->paused = true;
    conn_pause(c->conn);
}

void
myconn_resume(struct myconn *c)
{
    c->paused = false;
    conn_resume(c->conn);
}

void
myconn_set_io_timeout(struct myconn *c, unsigned ms)
{
    c->io_timeout_ms = ms;
    if (c->state == MYCONN_QUERY || c->state == MYCONN_INFILE ||
        c->state == MYCONN_STREAM) {
        conn_set_read_timeout(c->conn, ms);
    }
}

const char *
myconn_server_version(const struct myconn *c)
{
    return c->version;
}

uint32_t
myconn_connection_id(const struct myconn *c)
{
    return c->hs.connection_id;
}

bool
myconn_is_mariadb(const struct myconn *c)
{
    return c->hs.is_mariadb;
}

enum myconn_state
myconn_get_state(const struct myconn *c)
{
    return c->state;
}

uint32_t
myconn_capabilities(const struct myconn *c)
{
    return c->caps;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void
myconn_destroy(struct myconn *c)
{
    uint8_t quit = MYSQL_COM_QUIT;

    if (c->conn != NULL) {
        if (c->state == MYCONN_READY && !conn_is_tls(c->conn)) {
            /* Say goodbye so the server does not log an aborted
             * connection; best effort (plain TCP can be flushed now). */
            pbuf_reset(&c->out);
            mysql_packet_encode(&c->out, 0, &quit, 1);
            if (!c->out.failed &&
                conn_write(c->conn, c->out.data, c->out.len) == 0) {
                conn_flush(c->conn);
            }
        }
        conn_free(c->conn);
    }
    if (c->timer != NULL) {
        event_free(c->timer);
    }
    mysql_framer_free(&c->framer);
    login_free(c);
    pbuf_free(&c->out);
    pbuf_free(&c->greeting);
    pbuf_free(&c->names);
    pbuf_free(&c->name_refs);
    pbuf_free(&c->cells);
    pbuf_free(&c->cell_refs);
    free(c->row_scratch);
    free(c->null_scratch);
    free(c->out_names);
    free(c->out_cells);
    free(c->out_nulls);
    free(c->host);
    free(c->user);
    wipe_free(c->password);
    free(c->db);
    free(c->ca_file);
    free(c->log_ctx);
    free(c->peer);
    free(c->hs_version);
    free(c);
}

void
myconn_free(struct myconn *c)
{
    if (c == NULL) {
        return;
    }
    c->ready_cb = NULL;
    c->error_cb = NULL;
    c->result_cb = NULL;
    c->packet_cb = NULL;
    if (c->depth > 0) {
        c->free_pending = true;
        return;
    }
    myconn_destroy(c);
}
