/*
 * redis.c - the Redis destination writer (see redis.h): its lifecycle,
 * connection and handshake, the writing of commands and batches, ROLLBACK
 * and the API; the replies are read in redis_read.c, and redis_int.h holds
 * what both share.
 *
 *   rsink_cmd/begin/commit --format--> out (pbuf, staged) --flush--> conn
 *        |                                                            |
 *        +--record--> ring (kind, flags, name, key, bytes) ... FIFO   |
 *                          |                                          v
 *   callbacks <-- match <--+-- reader (redis_read.c)  <-------------- in
 *
 * Commands are formatted as RESP multibulk straight into a staging pbuf,
 * handed to the connection at the end of the loop iteration (or as soon
 * as 64 KiB are staged); an argument of 16 KiB or more goes to the
 * connection without passing through the stage.  Each command leaves a
 * small record in a byte ring: what its reply is (bulk command, MULTI,
 * QUEUED, EXEC of a batch...), its flags, its name and its key cut to 64
 * bytes (for messages), and the bytes it answers (for backpressure).
 * redis_read.c matches each reply with its record and consumes it.
 *
 * Failure after an error reply goes through ROLLBACK (redis.h explains
 * why): DISCARD if a MULTI is open, SELECT 0, the last acknowledged
 * checkpoint written back (or DEL), and the error reported when that is
 * answered.  Replies in between are read and ignored.
 *
 * Re-entrancy: every entry from the loop runs between rsink_enter_() and
 * rsink_leave_(); rsink_free() inside only marks the writer, and
 * rsink_leave_() frees it once the outermost callback unwinds.
 */
#include "src/sink/redis_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "src/core/log.h"
#include "src/net/conn.h"

/* rsink_opts.queue_bytes when 0. */
#define RSINK_DEFAULT_QUEUE (64u * 1024u * 1024u)
/* Staged bytes handed to the connection at once. */
#define RSINK_STAGE_MAX (64u * 1024u)
/* Arguments this large skip the stage. */
#define RSINK_DIRECT_ARG (16u * 1024u)
/* Ring storage kept while idle; more is given back. */
#define RSINK_KEEP_RING (16u * 1024u)
/* How long the checkpoint write of ROLLBACK may take. */
#define RSINK_ROLLBACK_MS 10000u
/* Key prefix of the checkpoint hash. */
#define RSINK_KEY_PREFIX "tandem:checkpoint:"

static const char *const rsink_state_names[RSINK_STATE_COUNT] = {
#define RSINK_STATE_NAME_(s) #s,
    RSINK_STATES(RSINK_STATE_NAME_)
#undef RSINK_STATE_NAME_
};

const char *
rsink_state_name(enum rsink_state st)
{
    return (unsigned)st < RSINK_STATE_COUNT ? rsink_state_names[st] : "UNKNOWN";
}

/* The states each state may go to. */
static const unsigned rsink_next_states[RSINK_STATE_COUNT] = {
    [RSINK_INIT] = 1u << RSINK_CONNECTING | 1u << RSINK_FAILED,
    [RSINK_CONNECTING] =
        1u << RSINK_TLS | 1u << RSINK_HANDSHAKE | 1u << RSINK_FAILED,
    [RSINK_TLS] = 1u << RSINK_HANDSHAKE | 1u << RSINK_FAILED,
    [RSINK_HANDSHAKE] = 1u << RSINK_READY | 1u << RSINK_FAILED,
    [RSINK_READY] = 1u << RSINK_ROLLBACK | 1u << RSINK_FAILED,
    [RSINK_ROLLBACK] = 1u << RSINK_FAILED,
    [RSINK_FAILED] = 0,
};

void
rsink_set_state_(struct rsink *s, enum rsink_state st, const char *why)
{
    if (!(rsink_next_states[s->state] & (1u << st))) {
        clog(LOG_ERROR, s->ctx,
             "redis destination: illegal state change "
             "%s -> %s (%s)",
             rsink_state_name(s->state), rsink_state_name(st), why);
        abort();
    }
    clog(LOG_DEBUG, s->ctx, "redis destination %s -> %s (%s)",
         rsink_state_name(s->state), rsink_state_name(st), why);
    s->state = st;
}

static void destroy(struct rsink *s);

void
rsink_enter_(struct rsink *s)
{
    s->depth++;
}

/* Ends a loop entry; frees the writer when rsink_free() was called
 * inside.  <s> must not be touched afterwards. */
void
rsink_leave_(struct rsink *s)
{
    if (--s->depth == 0 && s->free_pending) {
        destroy(s);
    }
}

/* Commands may be written now. */
static bool
writable(const struct rsink *s)
{
    return alive(s) && s->state == RSINK_READY && !s->fail_now;
}

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- ring ---- */

/* Makes room for <n> more bytes; false when out of memory. */
static bool
ring_reserve(struct ring *r, size_t n)
{
    size_t cap = r->cap != 0 ? r->cap : 1024;
    uint8_t *b;

    if (r->len + n <= r->cap) {
        return true;
    }
    while (cap < r->len + n) {
        cap *= 2;
    }
    b = malloc(cap);
    if (b == NULL) {
        return false;
    }
    if (r->len > 0) {
        ring_get(r, 0, b, r->len);
    }
    free(r->buf);
    r->buf = b;
    r->cap = cap;
    r->rd = 0;
    return true;
}

/* Appends <n> bytes (room reserved). */
static void
ring_put(struct ring *r, const void *p, size_t n)
{
    size_t at = (r->rd + r->len) & (r->cap - 1);
    size_t first = r->cap - at < n ? r->cap - at : n;

    memcpy(r->buf + at, p, first);
    memcpy(r->buf, (const uint8_t *)p + first, n - first);
    r->len += n;
}

void
rsink_ring_drop_(struct ring *r, size_t n)
{
    r->rd = (r->rd + n) & (r->cap - 1);
    r->len -= n;
    if (r->len == 0) {
        r->rd = 0;
        if (r->cap > RSINK_KEEP_RING) {
            free(r->buf);
            r->buf = NULL;
            r->cap = 0;
        }
    }
}

/* ---- failure ---- */

/* Reports <msg> once and closes: the writer is dead. */
void
rsink_fail_(struct rsink *s, const char *msg)
{
    if (s->state == RSINK_FAILED) {
        return;
    }
    rsink_set_state_(s, RSINK_FAILED, msg);
    if (s->conn != NULL) {
        /* deferred by conn when inside one of its callbacks */
        conn_free(s->conn);
        s->conn = NULL;
    }
    if (s->flush_ev != NULL) {
        event_del(s->flush_ev);
    }
    pbuf_free(&s->out);
    if (!s->free_pending && s->cbs.error != NULL) {
        s->cbs.error(s, msg, s->cbs.arg);
    }
}

/* "redis destination <peer>: " and the printf message <fmt>, <ap>. */
static void
vmessage(const struct rsink *s, char *msg, size_t len, const char *fmt,
         va_list ap)
{
    int n = snprintf(msg, len, "redis destination %s: ", s->peer);

    vsnprintf(msg + n, len - (size_t)n, fmt, ap);
}

/* rsink_fail_() with vmessage(). */
void
rsink_failf_(struct rsink *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vmessage(s, msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rsink_fail_(s, msg);
}

/* A failure found inside a caller's call: reported from the loop, never
 * from inside that call. */
static void
fail_later(struct rsink *s, const char *what)
{
    char msg[512];

    if (s->fail_now || !alive(s)) {
        return;
    }
    snprintf(msg, sizeof(msg), "redis destination %s: %s", s->peer, what);
    free(s->fail_msg);
    s->fail_msg = strdup(msg);
    s->fail_now = true;
    event_active(s->flush_ev, EV_TIMEOUT, 0);
}

/* ---- writing ---- */

static void
stage_flush(struct rsink *s)
{
    if (s->out.len == 0) {
        return;
    }
    if (s->out.failed) {
        fail_later(s, "out of memory while formatting commands");
        pbuf_reset(&s->out);
        return;
    }
    if (s->conn == NULL || conn_write(s->conn, s->out.data, s->out.len) != 0) {
        if (s->conn != NULL && conn_get_state(s->conn) != CONN_CLOSED) {
            fail_later(s, "out of memory while queueing commands");
        }
    }
    s->st.bytes_written += s->out.len;
    pbuf_reset(&s->out);
}

/* Writes an argument of at least RSINK_DIRECT_ARG bytes past the stage. */
static void
write_direct(struct rsink *s, const uint8_t *p, size_t n)
{
    stage_flush(s);
    if (s->conn == NULL || conn_write(s->conn, p, n) != 0) {
        if (s->conn != NULL && conn_get_state(s->conn) != CONN_CLOSED) {
            fail_later(s, "out of memory while queueing commands");
        }
    }
    s->st.bytes_written += n;
}

/* Formats one command as RESP multibulk; returns its size in bytes. */
static uint64_t
stage_cmd(struct rsink *s, size_t argc, const struct span *argv)
{
    uint64_t before = s->st.bytes_written + s->out.len;
    size_t i;

    pbuf_putc(&s->out, '*');
    pbuf_put_u64(&s->out, argc);
    pbuf_put(&s->out, "\r\n", 2);
    for (i = 0; i < argc; i++) {
        pbuf_putc(&s->out, '$');
        pbuf_put_u64(&s->out, argv[i].len);
        pbuf_put(&s->out, "\r\n", 2);
        if (argv[i].len >= RSINK_DIRECT_ARG) {
            write_direct(s, argv[i].p, argv[i].len);
        } else {
            pbuf_put(&s->out, argv[i].p, argv[i].len);
        }
        pbuf_put(&s->out, "\r\n", 2);
        if (s->out.len >= RSINK_STAGE_MAX) {
            stage_flush(s);
        }
    }
    event_active(s->flush_ev, EV_TIMEOUT, 0);
    return s->st.bytes_written + s->out.len - before;
}

/* Appends a record: <name> and <key> are cut to what messages need,
 * <extra> follows for EXEC.  False when out of memory. */
static bool
push_rec(struct rsink *s, enum rec_kind kind, unsigned flags, struct span name,
         struct span key, const void *extra, size_t extralen, uint64_t bytes)
{
    struct rec h;
    size_t amax = kind == REC_EXEC ? RSINK_MAX_REPLID : RSINK_NAME_MAX;

    memset(&h, 0, sizeof(h));
    h.kind = (uint8_t)kind;
    h.flags = (uint8_t)flags;
    h.alen = (uint8_t)(name.len < amax ? name.len : amax);
    h.blen = (uint8_t)(key.len < RSINK_KEY_MAX ? key.len : RSINK_KEY_MAX);
    if (key.len > RSINK_KEY_MAX) {
        h.flags |= REC_KEY_CUT;
    }
    h.bytes = bytes;
    if (!ring_reserve(&s->ring, rec_len(&h))) {
        return false;
    }
    ring_put(&s->ring, &h, sizeof(h));
    if (h.alen > 0) {
        ring_put(&s->ring, name.p, h.alen);
    }
    if (h.blen > 0) {
        ring_put(&s->ring, key.p, h.blen);
    }
    if (kind == REC_EXEC) {
        ring_put(&s->ring, extra, extralen);
    }
    if (s->reply_ms != 0 && !s->timeout_on && s->conn != NULL &&
        s->state == RSINK_READY) {
        conn_set_read_timeout(s->conn, s->reply_ms);
        s->timeout_on = true;
    }
    return true;
}

static struct span
cspan(const char *p)
{
    struct span sp;

    sp.p = (const uint8_t *)p;
    sp.len = strlen(p);
    return sp;
}

/* Stages a command and its record; <argv> are C strings.  False when out
 * of memory. */
static bool
send_own(struct rsink *s, enum rec_kind kind, unsigned flags, size_t argc,
         const char *const *argv)
{
    struct span sp[8] = {{NULL, 0}};
    struct span none = {NULL, 0};
    uint64_t bytes;
    size_t i;

    for (i = 0; i < argc && i < 8; i++) {
        sp[i] = cspan(argv[i]);
    }
    bytes = stage_cmd(s, argc, sp);
    s->unacked += bytes;
    if (kind == REC_QUEUED) {
        s->batch_nq++;
        s->batch_bytes += bytes;
        bytes = 0; /* the EXEC record carries them */
    }
    return push_rec(s, kind, flags | REC_OWN, sp[0], argc > 1 ? sp[1] : none,
                    NULL, 0, bytes);
}

/* SELECT <db> when the connection is elsewhere. */
static bool
select_db(struct rsink *s, int db)
{
    char num[16];
    const char *argv[2] = {"SELECT", num};

    if (db == s->db) {
        return true;
    }
    snprintf(num, sizeof(num), "%d", db);
    s->db = db;
    return send_own(s, s->in_batch ? REC_QUEUED : REC_CMD, 0, 2, argv);
}

/* Sets was_full at the high watermark. */
static void
note_pending(struct rsink *s)
{
    if (rsink_pending_bytes(s) >= s->queue_bytes) {
        s->was_full = true;
    }
}

/* The checkpoint write: HSET (HMSET before Redis 4.0) of replid, offset
 * and updated. */
static bool
send_checkpoint_to(struct rsink *s, enum rec_kind kind, const char *key,
                   const char *replid, uint64_t offset, uint64_t updated)
{
    char off[24], upd[24];
    const char *argv[8] = {s->major >= 4 ? "HSET" : "HMSET",
                           key,
                           "replid",
                           replid,
                           "offset",
                           off,
                           "updated",
                           upd};

    snprintf(off, sizeof(off), "%" PRIu64, offset);
    snprintf(upd, sizeof(upd), "%" PRIu64, updated);
    return send_own(s, kind, 0, 8, argv);
}

static bool
send_checkpoint(struct rsink *s, enum rec_kind kind, const char *replid,
                uint64_t offset, uint64_t updated)
{
    return send_checkpoint_to(s, kind, s->key, replid, offset, updated);
}

/* ---- rollback ---- */

/*
 * An error reply (to the record in s->rec, at s->cur) ends the writer:
 * undoes what the commands sent after
 * the failing one would make the destination's checkpoint say, then
 * reports <msg> once that is answered (ROLLBACK; redis.h explains).
 */
void
rsink_rollback_(struct rsink *s, const char *msg)
{
    static const char *const discard[] = {"DISCARD"};
    static const char *const select0[] = {"SELECT", "0"};
    const char *del[2] = {"DEL", s->key};
    bool ok;

    if (s->state != RSINK_READY || s->conn == NULL) {
        rsink_fail_(s, msg);
        return;
    }
    free(s->fail_msg);
    s->fail_msg = strdup(msg);
    if (s->fail_msg == NULL) {
        rsink_fail_(s, msg);
        return;
    }
    rsink_set_state_(s, RSINK_ROLLBACK, "error reply");
    /* the record just answered and the QUEUED ones before it are of no
     * more use */
    rsink_ring_drop_(&s->ring, s->cur + rec_len(&s->rec));
    s->cur = 0;
    ok = true;
    if (s->in_batch) {
        ok = send_own(s, REC_SKIP, 0, 1, discard);
        s->in_batch = false;
    }
    ok = ok && send_own(s, REC_SKIP, 0, 2, select0);
    s->db = 0;
    if (s->has_ckpt) {
        ok = ok && send_checkpoint(s, REC_ROLLBACK, s->ckpt_replid,
                                   s->ckpt_offset, s->ckpt_updated);
    } else {
        ok = ok && send_own(s, REC_ROLLBACK, 0, 2, del);
    }
    stage_flush(s);
    if (!ok || s->fail_now) {
        rsink_fail_(s, msg);
        return;
    }
    conn_set_read_timeout(s->conn,
                          s->reply_ms != 0 && s->reply_ms < RSINK_ROLLBACK_MS
                              ? s->reply_ms
                              : RSINK_ROLLBACK_MS);
    s->timeout_on = true;
    clog(LOG_DEBUG, s->ctx,
         "redis destination: restoring checkpoint "
         "%s:%" PRIu64 " before failing",
         s->has_ckpt ? s->ckpt_replid : "-", s->has_ckpt ? s->ckpt_offset : 0);
}

/* rsink_rollback_() with vmessage(). */
void
rsink_rollbackf_(struct rsink *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vmessage(s, msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rsink_rollback_(s, msg);
}

/* ---- connection ---- */

static void
handshake(struct rsink *s)
{
    static const char *const info[] = {"INFO", "server"};
    const char *hgetall[2] = {"HGETALL", s->key};
    const char *auth[3] = {"AUTH", NULL, NULL};
    bool ok = true;

    rsink_set_state_(s, RSINK_HANDSHAKE,
                     s->tls ? "TLS established" : "connected");
    if (s->url.user[0] != '\0') {
        auth[1] = s->url.user;
        auth[2] = s->url.password != NULL ? s->url.password : "";
        ok = send_own(s, REC_AUTH, 0, 3, auth);
    } else if (s->url.password != NULL) {
        auth[1] = s->url.password;
        ok = send_own(s, REC_AUTH, 0, 2, auth);
    }
    ok = ok && send_own(s, REC_INFO, 0, 2, info);
    ok = ok && send_own(s, REC_CKPT, 0, 2, hgetall);
    stage_flush(s);
    if (!ok || s->fail_now) {
        rsink_failf_(s, "out of memory during the handshake");
    }
}

static void
on_connected(struct conn *c, void *arg)
{
    struct rsink *s = arg;
    struct conn_tls_opts to;
    char err[256];

    rsink_enter_(s);
    if (!s->tls) {
        /* bounds the first replies (conn_start_tls() applies it to its
         * filter itself) */
        conn_set_read_timeout(c, s->connect_ms);
        handshake(s);
    } else {
        rsink_set_state_(s, RSINK_TLS, "connected");
        to.verify = s->url.tls == URL_TLS_VERIFY;
        to.ca_file = s->url.ca_file;
        to.server_name = s->url.host;
        if (conn_start_tls(c, &to, err, sizeof(err)) != 0) {
            rsink_failf_(s, "TLS: %s — check ca= in the destination URL", err);
        }
    }
    rsink_leave_(s);
}

static void
on_tls_done(struct conn *c, void *arg)
{
    struct rsink *s = arg;

    (void)c;
    rsink_enter_(s);
    handshake(s);
    rsink_leave_(s);
}

static void
on_conn_error(struct conn *c, enum conn_err kind, const char *detail, void *arg)
{
    struct rsink *s = arg;
    char msg[1400];

    (void)c;
    rsink_enter_(s);
    if (s->state == RSINK_ROLLBACK) {
        snprintf(msg, sizeof(msg),
                 "%s (the checkpoint could not be "
                 "restored: %s)",
                 s->fail_msg, detail);
        rsink_fail_(s, msg);
        rsink_leave_(s);
        return;
    }
    switch (kind) {
    case CONN_ERR_RESOLVE:
        rsink_failf_(s,
                     "cannot resolve the host: %s — check the host in the "
                     "destination URL",
                     detail);
        break;
    case CONN_ERR_CONNECT:
        rsink_failf_(s,
                     "connect failed: %s — check that the destination server "
                     "runs and the host and port in its URL",
                     detail);
        break;
    case CONN_ERR_TIMEOUT:
        if (s->state == RSINK_READY) {
            rsink_failf_(s,
                         "no reply for %u ms with %zu bytes unanswered — the "
                         "destination is stalled (a long script, a paused "
                         "process, a slow disk); the task restarts from its "
                         "checkpoint",
                         s->reply_ms, rsink_pending_bytes(s));
        } else {
            rsink_failf_(s,
                         "%s while %s — check the host, port and firewall, "
                         "and tls= in the destination URL",
                         detail,
                         s->state == RSINK_CONNECTING ? "connecting"
                         : s->state == RSINK_TLS
                             ? "in the TLS handshake"
                             : "waiting for the server's first replies");
        }
        break;
    case CONN_ERR_TLS:
        rsink_failf_(s,
                     "TLS handshake failed: %s — check tls= and ca= in the "
                     "destination URL and that the port is the server's "
                     "tls-port",
                     detail);
        break;
    case CONN_ERR_EOF:
    case CONN_ERR_IO:
    case CONN_ERR_NONE:
    case CONN_ERR_COUNT:
        if (s->state != RSINK_READY) {
            rsink_failf_(
                s,
                "the server ended the connection during the "
                "handshake (%s) — if it expects TLS use rediss://; see "
                "its log",
                detail);
        } else if (kind == CONN_ERR_EOF) {
            rsink_failf_(s,
                         "the server closed the connection with %zu bytes "
                         "unanswered — the task restarts from its checkpoint",
                         rsink_pending_bytes(s));
        } else {
            rsink_failf_(s,
                         "connection failed: %s — the task restarts from its "
                         "checkpoint",
                         detail);
        }
        break;
    }
    rsink_leave_(s);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct rsink *s = arg;

    (void)fd;
    (void)what;
    rsink_enter_(s);
    if (s->fail_now && alive(s)) {
        char *msg = s->fail_msg;

        s->fail_msg = NULL;
        rsink_fail_(s, msg != NULL ? msg : "redis destination: out of memory");
        free(msg);
    } else if (alive(s)) {
        stage_flush(s);
    }
    rsink_leave_(s);
}

/* ---- API ---- */

struct rsink *
rsink_new(struct event_base *base, struct evdns_base *dns,
          const struct rsink_opts *opts, const struct rsink_cbs *cbs, char *err,
          size_t errlen)
{
    static const char *const params[] = {"tls", "ca", NULL};
    struct rsink *s;
    size_t n;

    if (opts->url == NULL || opts->task == NULL || opts->task[0] == '\0') {
        snprintf(err, errlen, "redis destination: %s",
                 opts->url == NULL ? "no URL given" : "no task name given");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = base;
    s->dns = dns;
    s->cbs = *cbs;
    s->queue_bytes =
        opts->queue_bytes != 0 ? opts->queue_bytes : RSINK_DEFAULT_QUEUE;
    s->connect_ms =
        opts->connect_timeout_ms != 0 ? opts->connect_timeout_ms : 10000;
    s->reply_ms = opts->reply_timeout_ms;
    if (url_parse(opts->url, &s->url, err, errlen) != 0 ||
        url_check_params(&s->url, params, err, errlen) != 0) {
        rsink_free(s);
        return NULL;
    }
    if (strcmp(s->url.scheme, "redis") != 0 &&
        strcmp(s->url.scheme, "rediss") != 0) {
        snprintf(err, errlen,
                 "destination URL scheme '%s' is not redis:// "
                 "— use redis://[user:password@]host:port (rediss:// for "
                 "TLS)",
                 s->url.scheme);
        rsink_free(s);
        return NULL;
    }
    if (strcmp(s->url.scheme, "rediss") == 0 &&
        url_param(&s->url, "tls") == NULL) {
        s->url.tls = URL_TLS_VERIFY;
    }
    s->tls = s->url.tls != URL_TLS_DISABLE;
    n = strlen(s->url.host) + sizeof("[]:65535");
    s->peer = malloc(n);
    if (s->peer != NULL) {
        snprintf(s->peer, n, s->url.host_is_ipv6 ? "[%s]:%u" : "%s:%u",
                 s->url.host, (unsigned)s->url.port);
    }
    if (opts->checkpoint_key != NULL) {
        s->key = strdup(opts->checkpoint_key);
    } else {
        n = strlen(RSINK_KEY_PREFIX) + strlen(opts->task) + 1;
        s->key = malloc(n);
        if (s->key != NULL) {
            snprintf(s->key, n, "%s%s", RSINK_KEY_PREFIX, opts->task);
        }
    }
    n = (opts->log_ctx != NULL ? strlen(opts->log_ctx) + 1 : 0) +
        (s->peer != NULL ? strlen(s->peer) : 0) + sizeof("peer=redis@");
    s->ctx = malloc(n);
    if (s->ctx != NULL) {
        snprintf(s->ctx, n, "%s%speer=redis@%s",
                 opts->log_ctx != NULL ? opts->log_ctx : "",
                 opts->log_ctx != NULL ? " " : "",
                 s->peer != NULL ? s->peer : "");
    }
    s->reader = rsink_reader_new_(s);
    s->flush_ev = event_new(base, -1, 0, on_flush, s);
    if (s->peer == NULL || s->key == NULL || s->ctx == NULL ||
        s->reader == NULL || s->flush_ev == NULL) {
        snprintf(err, errlen, "out of memory");
        rsink_free(s);
        return NULL;
    }
    return s;
}

int
rsink_start(struct rsink *s)
{
    struct conn_cbs cc;

    if (s->state != RSINK_INIT) {
        return -1;
    }
    s->conn = conn_new(s->base, s->dns, s->ctx);
    if (s->conn == NULL) {
        return -1;
    }
    memset(&cc, 0, sizeof(cc));
    cc.connected = on_connected;
    cc.tls_done = on_tls_done;
    cc.read = rsink_on_read_;
    cc.error = on_conn_error;
    cc.arg = s;
    conn_set_cbs(s->conn, &cc);
    /* kept for the TLS handshake */
    conn_set_read_timeout(s->conn, s->connect_ms);
    if (conn_connect(s->conn, s->url.host, s->url.port, s->connect_ms) != 0) {
        conn_free(s->conn);
        s->conn = NULL;
        return -1;
    }
    rsink_set_state_(s, RSINK_CONNECTING, "start");
    return 0;
}

enum rsink_state
rsink_get_state(const struct rsink *s)
{
    return s->state;
}

bool
rsink_checkpoint(const struct rsink *s, const char **replid, uint64_t *offset)
{
    if (!s->has_ckpt) {
        return false;
    }
    *replid = s->ckpt_replid;
    *offset = s->ckpt_offset;
    return true;
}

uint64_t
rsink_checkpoint_updated(const struct rsink *s)
{
    return s->has_ckpt ? s->ckpt_updated : 0;
}

int
rsink_server_version(const struct rsink *s, int *major, int *minor)
{
    if (s->rdb == 0) {
        return -1;
    }
    if (major != NULL) {
        *major = s->major;
    }
    if (minor != NULL) {
        *minor = s->minor;
    }
    return 0;
}

int
rsink_rdb_version(const struct rsink *s)
{
    return s->rdb;
}

int
rsink_cmd(struct rsink *s, int db, size_t argc, const struct span *argv,
          unsigned flags)
{
    struct span none = {NULL, 0};
    uint64_t bytes;
    bool ok;

    if (!writable(s) || argc == 0 || db < 0) {
        return -1;
    }
    if (rsink_pending_bytes(s) >= 2 * s->queue_bytes) {
        fail_later(s, "the writer's queue went over twice its bound — the "
                      "task did not wait for the writer to drain (a bug)");
        return -1;
    }
    ok = select_db(s, db);
    bytes = stage_cmd(s, argc, argv);
    s->unacked += bytes;
    s->st.cmds_sent++;
    if (s->in_batch) {
        s->batch_cmds++;
        s->batch_nq++;
        s->batch_bytes += bytes;
        bytes = 0;
    }
    ok = ok && push_rec(s, s->in_batch ? REC_QUEUED : REC_CMD,
                        flags & RSINK_IGNORE_ERROR, argv[0],
                        argc > 1 ? argv[1] : none, NULL, 0, bytes);
    if (!ok) {
        fail_later(s, "out of memory while queueing a command");
        return -1;
    }
    note_pending(s);
    return 0;
}

int
rsink_begin(struct rsink *s)
{
    static const char *const multi[] = {"MULTI"};

    if (!writable(s) || s->in_batch) {
        return -1;
    }
    if (!send_own(s, REC_MULTI, 0, 1, multi)) {
        fail_later(s, "out of memory while queueing a command");
        return -1;
    }
    s->in_batch = true;
    s->batch_cmds = s->batch_nq = s->batch_bytes = 0;
    return 0;
}

/* A batch's end: its checkpoint written to <key> (s->key: the sink's
 * own, acknowledged through the acked callback). */
static int
commit_to(struct rsink *s, const char *key, const char *replid, uint64_t offset)
{
    static const char *const exec[] = {"EXEC"};
    struct rec_exec x;
    uint64_t bytes;
    bool ok;

    if (!writable(s) || replid == NULL || strlen(replid) > RSINK_MAX_REPLID) {
        return -1;
    }
    if (!s->in_batch && rsink_begin(s) != 0) {
        return -1;
    }
    x.other_key = key != s->key;
    x.updated_ms = now_ms();
    ok = select_db(s, 0);
    ok = ok &&
         send_checkpoint_to(s, REC_QUEUED, key, replid, offset, x.updated_ms);
    bytes = stage_cmd(s, 1, (struct span[]){cspan(exec[0])});
    s->unacked += bytes;
    x.offset = offset;
    x.ncmds = s->batch_cmds;
    x.nq = s->batch_nq;
    ok = ok && push_rec(s, REC_EXEC, REC_OWN, cspan(replid), cspan(""), &x,
                        sizeof(x), s->batch_bytes + bytes);
    s->in_batch = false;
    if (!ok) {
        fail_later(s, "out of memory while queueing a command");
        return -1;
    }
    note_pending(s);
    return 0;
}

int
rsink_commit(struct rsink *s, const char *replid, uint64_t offset)
{
    return commit_to(s, s->key, replid, offset);
}

int
rsink_commit_key(struct rsink *s, const char *key, const char *replid,
                 uint64_t offset)
{
    if (key == NULL || strcmp(key, s->key) == 0) {
        return commit_to(s, s->key, replid, offset);
    }
    return commit_to(s, key, replid, offset);
}

int
rsink_checkpoint_clear(struct rsink *s)
{
    const char *del[2] = {"DEL", s->key};

    if (!writable(s) || s->in_batch) {
        return -1;
    }
    if (!select_db(s, 0) || !send_own(s, REC_CMD, 0, 2, del)) {
        fail_later(s, "out of memory while queueing a command");
        return -1;
    }
    s->has_ckpt = false;
    note_pending(s);
    return 0;
}

size_t
rsink_pending_bytes(const struct rsink *s)
{
    return (size_t)s->unacked + s->ring.len;
}

bool
rsink_full(const struct rsink *s)
{
    return rsink_pending_bytes(s) >= s->queue_bytes;
}

void
rsink_get_stats(const struct rsink *s, struct rsink_stats *st)
{
    *st = s->st;
    st->bytes_written += s->out.len;
}

static void
destroy(struct rsink *s)
{
    conn_free(s->conn);
    if (s->flush_ev != NULL) {
        event_free(s->flush_ev);
    }
    if (s->reader != NULL) {
        redisReaderFree(s->reader);
    }
    pbuf_free(&s->out);
    free(s->ring.buf);
    url_free(&s->url);
    free(s->key);
    free(s->ctx);
    free(s->peer);
    free(s->fail_msg);
    free(s);
}

void
rsink_free(struct rsink *s)
{
    if (s == NULL) {
        return;
    }
    if (s->depth > 0) {
        s->free_pending = true;
        if (s->conn != NULL) {
            conn_free(s->conn);
            s->conn = NULL;
        }
        if (s->flush_ev != NULL) {
            event_del(s->flush_ev);
        }
        return;
    }
    destroy(s);
}
