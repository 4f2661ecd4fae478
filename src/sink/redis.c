/*
 * redis.c - the Redis destination writer (see redis.h).
 *
 *   rsink_cmd/begin/commit --format--> out (pbuf, staged) --flush--> conn
 *        |                                                            |
 *        +--record--> ring (kind, flags, name, key, bytes) ... FIFO   |
 *                          |                                          v
 *   callbacks <-- match <--+-- reader (hiredis, our object functions) <- in
 *
 * Commands are formatted as RESP multibulk straight into a staging pbuf,
 * handed to the connection at the end of the loop iteration (or as soon
 * as 64 KiB are staged); an argument of 16 KiB or more goes to the
 * connection without passing through the stage.  Each command leaves a
 * small record in a byte ring: what its reply is (bulk command, MULTI,
 * QUEUED, EXEC of a batch...), its flags, its name and its key cut to 64
 * bytes (for messages), and the bytes it answers (for backpressure).
 *
 * Replies are parsed by hiredis' redisReader with object functions of our
 * own that allocate nothing: they note the top-level type and error text,
 * and while an EXEC array is read they walk the batch's QUEUED records in
 * step with its elements, so an error element is matched with its
 * command (and RSINK_IGNORE_ERROR) as it is read.  QUEUED replies do not
 * consume their records (a cursor moves past them); the EXEC reply
 * consumes the whole batch.
 *
 * Failure after an error reply goes through ROLLBACK (redis.h explains
 * why): DISCARD if a MULTI is open, SELECT 0, the last acknowledged
 * checkpoint written back (or DEL), and the error reported when that is
 * answered.  Replies in between are read and ignored.
 *
 * Re-entrancy: every entry from the loop runs between enter() and
 * leave(); rsink_free() inside only marks the writer, and leave() frees
 * it once the outermost callback unwinds.
 */
#include "src/sink/redis.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/read.h>

#include "src/core/log.h"
#include "src/core/url.h"
#include "src/net/conn.h"

/* rsink_opts.queue_bytes when 0. */
#define RSINK_DEFAULT_QUEUE (64u * 1024u * 1024u)
/* Staged bytes handed to the connection at once. */
#define RSINK_STAGE_MAX (64u * 1024u)
/* Arguments this large skip the stage. */
#define RSINK_DIRECT_ARG (16u * 1024u)
/* Bytes of a command's name and key kept for messages. */
#define RSINK_NAME_MAX 32u
#define RSINK_KEY_MAX 64u
/* Input fed to the reader per step, and per read callback (then the
 * connection calls again: bounded work per callback). */
#define RSINK_FEED_CHUNK (64u * 1024u)
#define RSINK_READ_BUDGET (512u * 1024u)
/* Ring storage kept while idle; more is given back. */
#define RSINK_KEEP_RING (16u * 1024u)
/* How long the checkpoint write of ROLLBACK may take. */
#define RSINK_ROLLBACK_MS 10000u
/* Server error text kept for messages. */
#define RSINK_TEXT_MAX 256u
/* Key prefix of the checkpoint hash. */
#define RSINK_KEY_PREFIX "tandem:checkpoint:"

#define REC_KINDS(X) \
    X(NONE)          \
    X(AUTH)          \
    X(INFO)          \
    X(CKPT)          \
    X(CMD)           \
    X(MULTI)         \
    X(QUEUED)        \
    X(EXEC)          \
    X(SKIP)          \
    X(ROLLBACK)

/* What a reply answers. */
enum rec_kind {
#define REC_KIND_ENUM_(k) REC_##k,
    REC_KINDS(REC_KIND_ENUM_)
#undef REC_KIND_ENUM_
    REC_KIND_COUNT /* sentinel */
};

static const char *const rec_kind_names[REC_KIND_COUNT] = {
#define REC_KIND_NAME_(k) #k,
    REC_KINDS(REC_KIND_NAME_)
#undef REC_KIND_NAME_
};

/* Record flags besides RSINK_IGNORE_ERROR. */
#define REC_OWN 0x80u       /* the writer's own command (SELECT, HSET..) */
#define REC_KEY_CUT 0x40u   /* the key was longer than kept */

/* One record in the ring; name (or replid) and key bytes follow, then a
 * struct rec_exec for REC_EXEC. */
struct rec {
    uint8_t kind;           /* enum rec_kind */
    uint8_t flags;          /* RSINK_IGNORE_ERROR, REC_* */
    uint8_t alen;           /* bytes of the name (EXEC: the replid) */
    uint8_t blen;           /* bytes of the key */
    uint32_t spare;         /* zero */
    uint64_t bytes;         /* command bytes this reply answers */
};

/* What an EXEC record carries besides its replid. */
struct rec_exec {
    uint64_t other_key;     /* 1: the checkpoint went to another key
                               (rsink_commit_key()) */
    uint64_t offset;        /* checkpoint offset */
    uint64_t ncmds;         /* the caller's commands in the batch */
    uint64_t nq;            /* QUEUED records of the batch */
    uint64_t updated_ms;    /* the checkpoint's updated field */
};

/* A byte FIFO of records (power-of-two capacity). */
struct ring {
    uint8_t *buf;           /* owned; NULL while empty and idle */
    size_t cap;             /* bytes allocated */
    size_t rd;              /* index of the oldest byte */
    size_t len;             /* bytes held */
};

/* What the reader noted of the reply being read. */
struct rsink_reply {
    int type;               /* top-level REDIS_REPLY_*, 0: none yet */
    size_t elements;        /* top-level array elements */
    char text[RSINK_TEXT_MAX]; /* top-level error or status text */
    /* EXEC: its elements against the batch's QUEUED records */
    size_t walk;            /* ring offset of the next element's record */
    size_t seen;            /* elements seen */
    size_t ignored;         /* errors of RSINK_IGNORE_ERROR commands */
    bool failed;            /* an error of another command */
    size_t fail_off;        /* its record's ring offset */
    char fail_text[RSINK_TEXT_MAX]; /* its error text */
    bool overflow;          /* more elements than records */
    /* CKPT: the fields of the checkpoint hash */
    char field[32];         /* last field name (cut) */
    bool has_replid;        /* replid seen */
    bool has_offset;        /* offset seen */
    bool bad;               /* a field did not parse */
    char bad_what[80];      /* which, for the message */
    char replid[RSINK_MAX_REPLID + 1]; /* replid value */
    uint64_t offset;        /* offset value */
    uint64_t updated_ms;    /* updated value, 0 when absent */
    /* INFO */
    bool has_version;       /* redis_version found */
};

struct rsink {
    struct event_base *base;     /* loop (borrowed) */
    struct evdns_base *dns;      /* resolver (borrowed), may be NULL */
    struct url url;              /* destination (owned strings) */
    bool tls;                    /* TLS on the connection */
    char *key;                   /* tandem:checkpoint:<task> (owned) */
    char *ctx;                   /* log prefix (owned) */
    char *peer;                  /* host:port for messages (owned) */
    size_t queue_bytes;          /* high watermark */
    unsigned connect_ms;         /* connect + handshake timeout */
    unsigned reply_ms;           /* reply timeout, 0: none */
    struct rsink_cbs cbs;        /* caller callbacks */
    enum rsink_state state;      /* RSINK_* */

    struct conn *conn;           /* the connection (owned), or NULL */
    redisReader *reader;         /* hiredis reader (owned) */
    struct event *flush_ev;      /* hands staged bytes over (owned) */
    struct pbuf out;             /* staged command bytes */
    struct ring ring;            /* records awaiting replies */
    size_t cur;                  /* ring offset of the record the next
                                    reply answers (past QUEUED ones) */
    struct rec rec;              /* copy of that record's header */
    struct rsink_reply rp;       /* the reply being read */
    uint64_t unacked;            /* command bytes not yet answered */
    bool timeout_on;             /* reply timeout armed */
    bool was_full;               /* reached queue_bytes: drained owed */
    int db;                      /* the connection's db after the
                                    commands written so far */
    bool in_batch;               /* MULTI written, EXEC not yet */
    uint64_t batch_cmds;         /* caller commands of the open batch */
    uint64_t batch_nq;           /* QUEUED records of the open batch */
    uint64_t batch_bytes;        /* bytes of its queued commands */

    int major, minor;            /* redis_version */
    int rdb;                     /* RDB version it loads */

    bool has_ckpt;               /* checkpoint known */
    char ckpt_replid[RSINK_MAX_REPLID + 1]; /* ... */
    uint64_t ckpt_offset;        /* ... */
    uint64_t ckpt_updated;       /* ms since the epoch, 0: unknown */

    char *fail_msg;              /* ROLLBACK or a deferred failure: the
                                    message to report (owned) */
    bool fail_now;               /* report fail_msg from the flush event */
    struct rsink_stats st;       /* counters */
    unsigned depth;              /* nesting of loop entries */
    bool free_pending;           /* rsink_free() inside a callback */
};

static const char *const rsink_state_names[RSINK_STATE_COUNT] = {
#define RSINK_STATE_NAME_(s) #s,
    RSINK_STATES(RSINK_STATE_NAME_)
#undef RSINK_STATE_NAME_
};

const char *
rsink_state_name(enum rsink_state st)
{
    return (unsigned)st < RSINK_STATE_COUNT ? rsink_state_names[st]
                                            : "UNKNOWN";
}

/* The states each state may go to. */
static const unsigned rsink_next_states[RSINK_STATE_COUNT] = {
    [RSINK_INIT] = 1u << RSINK_CONNECTING | 1u << RSINK_FAILED,
    [RSINK_CONNECTING] = 1u << RSINK_TLS | 1u << RSINK_HANDSHAKE |
                         1u << RSINK_FAILED,
    [RSINK_TLS] = 1u << RSINK_HANDSHAKE | 1u << RSINK_FAILED,
    [RSINK_HANDSHAKE] = 1u << RSINK_READY | 1u << RSINK_FAILED,
    [RSINK_READY] = 1u << RSINK_ROLLBACK | 1u << RSINK_FAILED,
    [RSINK_ROLLBACK] = 1u << RSINK_FAILED,
    [RSINK_FAILED] = 0,
};

static void
set_state(struct rsink *s, enum rsink_state st, const char *why)
{
    if (!(rsink_next_states[s->state] & (1u << st))) {
        clog(LOG_ERROR, s->ctx, "redis destination: illegal state change "
             "%s -> %s (%s)", rsink_state_name(s->state),
             rsink_state_name(st), why);
        abort();
    }
    clog(LOG_DEBUG, s->ctx, "redis destination %s -> %s (%s)",
         rsink_state_name(s->state), rsink_state_name(st), why);
    s->state = st;
}

static void destroy(struct rsink *s);

static void
enter(struct rsink *s)
{
    s->depth++;
}

/* Ends a loop entry; frees the writer when rsink_free() was called
 * inside.  <s> must not be touched afterwards. */
static void
leave(struct rsink *s)
{
    if (--s->depth == 0 && s->free_pending) {
        destroy(s);
    }
}

/* The writer can still act (not failed, not being freed). */
static bool
alive(const struct rsink *s)
{
    return !s->free_pending && s->state != RSINK_FAILED;
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

static void
ring_get(const struct ring *r, size_t off, void *p, size_t n)
{
    size_t at = (r->rd + off) & (r->cap - 1);
    size_t first = r->cap - at < n ? r->cap - at : n;

    memcpy(p, r->buf + at, first);
    memcpy((uint8_t *)p + first, r->buf, n - first);
}

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

static void
ring_drop(struct ring *r, size_t n)
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

static size_t
rec_len(const struct rec *h)
{
    return sizeof(*h) + h->alen + h->blen +
           (h->kind == REC_EXEC ? sizeof(struct rec_exec) : 0);
}

static void
rec_read(const struct rsink *s, size_t off, struct rec *h)
{
    ring_get(&s->ring, off, h, sizeof(*h));
}

/* ---- messages ---- */

/* <n> bytes at <p> as text for a message: printable ASCII kept,
 * backslash and quote escaped, other bytes as \xNN; "..." when <cut>. */
static void
printable(char *out, size_t outlen, const uint8_t *p, size_t n, bool cut)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i;

    for (i = 0; i < n && o + 5 < outlen; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '\'') {
            out[o++] = (char)p[i];
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
        }
    }
    if ((cut || i < n) && o + 4 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Server error text as one printable line. */
static void
copy_text(char *out, const char *p, size_t n)
{
    size_t i;

    if (n > RSINK_TEXT_MAX - 1) {
        n = RSINK_TEXT_MAX - 1;
    }
    for (i = 0; i < n; i++) {
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    }
    out[n] = '\0';
}

/* Fixes for server errors: the first entry whose text the error starts
 * with (or holds, when not <at_start>) applies. */
static const struct {
    const char *text;          /* what the error says */
    bool at_start;             /* ... as its first word */
    const char *fix;           /* what the user does */
} rsink_hints[] = {
    {"NOAUTH", true, "set the password in the destination URL "
     "(redis://:password@host:port, or user:password@ for an ACL user)"},
    {"WRONGPASS", true, "check the user and password in the destination "
     "URL"},
    {"invalid password", false, "check the password in the destination URL"},
    {"without any password configured", false, "remove the password from "
     "the destination URL, or set requirepass on the destination"},
    {"no password is set", false, "remove the password from the "
     "destination URL, or set requirepass on the destination"},
    {"wrong number of arguments for 'auth'", false, "this server predates "
     "ACL users (Redis 6): give only a password in the destination URL"},
    {"NOPERM", true, "grant the destination user the commands and keys "
     "tandem writes (e.g. ACL SETUSER <user> on +@all ~*)"},
    {"READONLY", true, "the destination is a read-only replica: point the "
     "URL at its primary"},
    {"LOADING", true, "the destination is loading its dataset; the task "
     "retries once it is up"},
    {"OOM", true, "the destination reached maxmemory: raise maxmemory or "
     "free memory there"},
    {"MISCONF", true, "the destination cannot save its RDB: fix its disk or "
     "set stop-writes-on-bgsave-error no"},
    {"MOVED", true, "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"CLUSTERDOWN", true, "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"CROSSSLOT", true, "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"WRONGTYPE", true, "the destination holds this key with another type: "
     "delete it there (or empty the destination) and restart the task"},
    {"DB index is out of range", false, "the destination has fewer "
     "databases than the source: raise 'databases' in its configuration"},
    {"unknown command", false, "the destination lacks this command: use a "
     "destination server at least as new as the source"},
    {"BUSY", true, "a script blocks the destination: end it (SCRIPT KILL) "
     "and restart the task"},
};

/* The fix for a server error <text>. */
static const char *
hint_for(const char *text)
{
    size_t i;

    for (i = 0; i < sizeof(rsink_hints) / sizeof(rsink_hints[0]); i++) {
        if (rsink_hints[i].at_start
                ? strncmp(text, rsink_hints[i].text,
                          strlen(rsink_hints[i].text)) == 0
                : strstr(text, rsink_hints[i].text) != NULL) {
            return rsink_hints[i].fix;
        }
    }
    return "check the destination's log; the task restarts from its "
           "checkpoint";
}

/* ---- failure ---- */

/* Reports <msg> once and closes: the writer is dead. */
static void
fail(struct rsink *s, const char *msg)
{
    if (s->state == RSINK_FAILED) {
        return;
    }
    set_state(s, RSINK_FAILED, msg);
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

static void failf(struct rsink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* fail() with vmessage(). */
static void
failf(struct rsink *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vmessage(s, msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail(s, msg);
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
    if (s->conn == NULL || conn_write(s->conn, s->out.data, s->out.len)
        != 0) {
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
push_rec(struct rsink *s, enum rec_kind kind, unsigned flags,
         struct span name, struct span key, const void *extra,
         size_t extralen, uint64_t bytes)
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
        bytes = 0;              /* the EXEC record carries them */
    }
    return push_rec(s, kind, flags | REC_OWN, sp[0],
                    argc > 1 ? sp[1] : none, NULL, 0, bytes);
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
    const char *argv[8] = {s->major >= 4 ? "HSET" : "HMSET", key,
                           "replid", replid, "offset", off, "updated", upd};

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
static void
rollback(struct rsink *s, const char *msg)
{
    static const char *const discard[] = {"DISCARD"};
    static const char *const select0[] = {"SELECT", "0"};
    const char *del[2] = {"DEL", s->key};
    bool ok;

    if (s->state != RSINK_READY || s->conn == NULL) {
        fail(s, msg);
        return;
    }
    free(s->fail_msg);
    s->fail_msg = strdup(msg);
    if (s->fail_msg == NULL) {
        fail(s, msg);
        return;
    }
    set_state(s, RSINK_ROLLBACK, "error reply");
    /* the record just answered and the QUEUED ones before it are of no
     * more use */
    ring_drop(&s->ring, s->cur + rec_len(&s->rec));
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
        fail(s, msg);
        return;
    }
    conn_set_read_timeout(s->conn, s->reply_ms != 0 && s->reply_ms <
                          RSINK_ROLLBACK_MS ? s->reply_ms : RSINK_ROLLBACK_MS);
    s->timeout_on = true;
    clog(LOG_DEBUG, s->ctx, "redis destination: restoring checkpoint "
         "%s:%" PRIu64 " before failing", s->has_ckpt ? s->ckpt_replid : "-",
         s->has_ckpt ? s->ckpt_offset : 0);
}

static void rollbackf(struct rsink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rollback() with vmessage(). */
static void
rollbackf(struct rsink *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vmessage(s, msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rollback(s, msg);
}

/* rollback() for an error reply of the command recorded at ring offset
 * <off>: names the command and its key. */
static void
cmd_failed(struct rsink *s, size_t off, const char *text, const char *where)
{
    struct rec h;
    uint8_t name[RSINK_NAME_MAX], key[RSINK_KEY_MAX];
    char pname[4 * RSINK_NAME_MAX + 8], pkey[4 * RSINK_KEY_MAX + 8];
    char msg[1024];

    rec_read(s, off, &h);
    ring_get(&s->ring, off + sizeof(h), name, h.alen);
    ring_get(&s->ring, off + sizeof(h) + h.alen, key, h.blen);
    printable(pname, sizeof(pname), name, h.alen, false);
    printable(pkey, sizeof(pkey), key, h.blen, (h.flags & REC_KEY_CUT) != 0);
    if (h.blen > 0 || (h.flags & REC_KEY_CUT)) {
        snprintf(msg, sizeof(msg), "redis destination %s: %s '%s'%s: %s — %s",
                 s->peer, pname, pkey, where, text, hint_for(text));
    } else {
        snprintf(msg, sizeof(msg), "redis destination %s: %s%s: %s — %s",
                 s->peer, pname, where, text, hint_for(text));
    }
    rollback(s, msg);
}

/* ---- reading: hiredis object functions ---- */

/* Objects handed back to the reader: nothing is allocated. */
static char rsink_obj;

static bool
is_top(const redisReadTask *t)
{
    return t->parent == NULL;
}

static bool
is_elem(const redisReadTask *t)
{
    return t->parent != NULL && t->parent->parent == NULL;
}

/* An EXEC element: matched with the next QUEUED record of the batch. */
static void
exec_elem(struct rsink *s, bool is_error, const char *p, size_t n)
{
    struct rec h;

    if (s->rp.walk >= s->cur) {
        s->rp.overflow = true;
        return;
    }
    rec_read(s, s->rp.walk, &h);
    if (is_error) {
        if (h.flags & RSINK_IGNORE_ERROR) {
            s->rp.ignored++;
        } else if (!s->rp.failed) {
            s->rp.failed = true;
            s->rp.fail_off = s->rp.walk;
            copy_text(s->rp.fail_text, p, n);
        }
    }
    s->rp.walk += rec_len(&h);
    s->rp.seen++;
}

/* Digits only, no overflow. */
static bool
parse_u64(const char *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;

    if (n == 0 || n > 20) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' ||
            x > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10) {
            return false;
        }
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *v = x;
    return true;
}

/* A field or value of the checkpoint hash. */
static void
ckpt_elem(struct rsink *s, int idx, const char *p, size_t n)
{
    struct rsink_reply *rp = &s->rp;

    if (idx % 2 == 0) {
        copy_text(rp->field, p, n < sizeof(rp->field) - 1 ? n
                                                          : sizeof(rp->field) - 1);
        return;
    }
    if (strcmp(rp->field, "replid") == 0) {
        if (n > RSINK_MAX_REPLID || memchr(p, '\0', n) != NULL) {
            rp->bad = true;
            snprintf(rp->bad_what, sizeof(rp->bad_what), "replid");
            return;
        }
        memcpy(rp->replid, p, n);
        rp->replid[n] = '\0';
        rp->has_replid = true;
    } else if (strcmp(rp->field, "offset") == 0) {
        if (!parse_u64(p, n, &rp->offset)) {
            rp->bad = true;
            snprintf(rp->bad_what, sizeof(rp->bad_what), "offset '%.*s'",
                     (int)(n < 40 ? n : 40), p);
            return;
        }
        rp->has_offset = true;
    } else if (strcmp(rp->field, "updated") == 0) {
        if (!parse_u64(p, n, &rp->updated_ms)) {
            rp->updated_ms = 0;     /* informational only */
        }
    }
}

/* "redis_version:7.0.15\r\n" in INFO's text. */
static void
info_text(struct rsink *s, const char *p, size_t n)
{
    static const char tag[] = "redis_version:";
    const char *end = p + n, *q = p;
    int part[2] = {0, 0}, i = 0;

    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl != NULL ? nl : end;

        if ((size_t)(le - q) > sizeof(tag) - 1 &&
            memcmp(q, tag, sizeof(tag) - 1) == 0) {
            q += sizeof(tag) - 1;
            for (; q < le && i < 2; q++) {
                if (*q >= '0' && *q <= '9') {
                    if (part[i] < 100000) {
                        part[i] = part[i] * 10 + (*q - '0');
                    }
                } else if (*q == '.') {
                    i++;
                } else {
                    break;
                }
            }
            s->major = part[0];
            s->minor = part[1];
            s->rp.has_version = true;
            return;
        }
        q = le + 1;
    }
}

static void *
on_string(const redisReadTask *t, char *p, size_t n)
{
    struct rsink *s = t->privdata;
    bool is_error = t->type == REDIS_REPLY_ERROR;

    if (is_top(t)) {
        s->rp.type = t->type;
        if (is_error || t->type == REDIS_REPLY_STATUS) {
            copy_text(s->rp.text, p, n);
        } else if (s->rec.kind == REC_INFO) {
            info_text(s, p, n);
        }
    } else if (is_elem(t) && s->state != RSINK_ROLLBACK) {
        if (s->rec.kind == REC_EXEC) {
            exec_elem(s, is_error, p, n);
        } else if (s->rec.kind == REC_CKPT) {
            ckpt_elem(s, t->idx, p, n);
        }
    }
    return &rsink_obj;
}

/* A reply or element that is not a string: only its type matters, and
 * its place in an EXEC array. */
static void *
other_obj(const redisReadTask *t, int type, size_t elements)
{
    struct rsink *s = t->privdata;

    if (is_top(t)) {
        s->rp.type = type;
        s->rp.elements = elements;
    } else if (is_elem(t) && s->rec.kind == REC_EXEC &&
               s->state != RSINK_ROLLBACK) {
        exec_elem(s, false, NULL, 0);
    }
    return &rsink_obj;
}

static void *
on_array(const redisReadTask *t, int elements)
{
    return other_obj(t, REDIS_REPLY_ARRAY,
                     elements > 0 ? (size_t)elements : 0);
}

static void *
on_integer(const redisReadTask *t, long long v)
{
    (void)v;
    return other_obj(t, REDIS_REPLY_INTEGER, 0);
}

static void *
on_nil(const redisReadTask *t)
{
    return other_obj(t, REDIS_REPLY_NIL, 0);
}

static void
on_free_obj(void *obj)
{
    (void)obj;      /* nothing was allocated */
}

static redisReplyObjectFunctions rsink_reply_fns = {
    on_string, on_array, on_integer, on_nil, on_free_obj,
};

/* ---- reading: replies against records ---- */

/* Drops the record at the cursor and its bytes. */
static void
consume(struct rsink *s)
{
    ring_drop(&s->ring, s->cur + rec_len(&s->rec));
    s->cur = 0;
    s->unacked -= s->rec.bytes <= s->unacked ? s->rec.bytes : s->unacked;
}

/* The handshake failed on error reply <text>. */
static void
handshake_failed(struct rsink *s, const char *what, const char *text)
{
    if (s->rec.kind == REC_CKPT && strncmp(text, "WRONGTYPE", 9) == 0) {
        failf(s, "%s: %s — %s is not tandem's checkpoint hash: delete it "
              "(the task then starts over)", what, text, s->key);
        return;
    }
    failf(s, "%s: %s — %s", what, text, hint_for(text));
}

static void
got_info(struct rsink *s)
{
    if (s->rp.type == REDIS_REPLY_ERROR) {
        handshake_failed(s, "INFO", s->rp.text);
        return;
    }
    if (!s->rp.has_version) {
        failf(s, "INFO server has no redis_version — is this a Redis "
              "server?");
        return;
    }
    if (s->major < 3) {
        s->rdb = 6;
    } else if (s->major == 3) {
        s->rdb = 7;
    } else if (s->major == 4) {
        s->rdb = 8;
    } else if (s->major <= 6) {
        s->rdb = 9;
    } else if (s->major == 7 && s->minor < 2) {
        s->rdb = 10;
    } else if (s->major == 7 && s->minor < 4) {
        s->rdb = 11;
    } else {
        s->rdb = 12;
    }
    consume(s);
}

static void
got_checkpoint(struct rsink *s)
{
    struct rsink_reply *rp = &s->rp;

    if (rp->type == REDIS_REPLY_ERROR) {
        handshake_failed(s, "HGETALL", rp->text);
        return;
    }
    if (rp->bad || (rp->elements > 0 && (!rp->has_replid ||
                                         !rp->has_offset))) {
        failf(s, "the checkpoint hash %s is damaged (%s) — delete it to "
              "start the task over", s->key, rp->bad ? rp->bad_what :
              !rp->has_replid ? "no replid" : "no offset");
        return;
    }
    if (rp->elements > 0) {
        s->has_ckpt = true;
        memcpy(s->ckpt_replid, rp->replid, sizeof(s->ckpt_replid));
        s->ckpt_offset = rp->offset;
        s->ckpt_updated = rp->updated_ms;
    }
    consume(s);
    if (s->ring.len != 0) {
        failf(s, "unexpected replies during the handshake — is this a "
              "Redis server?");
        return;
    }
    conn_set_read_timeout(s->conn, 0);
    set_state(s, RSINK_READY, "checkpoint read");
    clog(LOG_INFO, s->ctx, "redis destination %s ready: redis %d.%d "
         "(rdb %d), checkpoint %s:%" PRIu64, s->peer, s->major, s->minor,
         s->rdb, s->has_ckpt ? s->ckpt_replid : "none",
         s->has_ckpt ? s->ckpt_offset : 0);
    if (s->cbs.ready != NULL) {
        s->cbs.ready(s, s->cbs.arg);
    }
}

static void
got_exec(struct rsink *s)
{
    struct rsink_reply *rp = &s->rp;
    struct rec_exec x;
    char replid[RSINK_MAX_REPLID + 1];
    size_t off = s->cur + sizeof(s->rec) + s->rec.alen + s->rec.blen;

    ring_get(&s->ring, off, &x, sizeof(x));
    if (rp->type == REDIS_REPLY_ERROR) {
        rollbackf(s, "EXEC of the batch up to offset %" PRIu64 ": %s — %s",
                  x.offset, rp->text, hint_for(rp->text));
        return;
    }
    if (rp->type != REDIS_REPLY_ARRAY || rp->elements != x.nq ||
        rp->overflow || rp->seen != x.nq) {
        rollbackf(s, "EXEC of the batch up to offset %" PRIu64 " answered %s "
                  "of %zu elements for %" PRIu64 " commands — is a WATCH or "
                  "CLIENT REPLY in the commands?", x.offset,
                  rp->type == REDIS_REPLY_ARRAY ? "an array" :
                  rp->type == REDIS_REPLY_NIL ? "nil" : "a non-array",
                  rp->elements, x.nq);
        return;
    }
    if (rp->failed) {
        char where[64];

        snprintf(where, sizeof(where), " (in EXEC, batch up to offset %"
                 PRIu64 ")", x.offset);
        cmd_failed(s, rp->fail_off, rp->fail_text, where);
        return;
    }
    ring_get(&s->ring, s->cur + sizeof(s->rec), replid, s->rec.alen);
    replid[s->rec.alen] = '\0';
    consume(s);
    s->st.errors_ignored += rp->ignored;
    s->st.cmds_acked += x.ncmds;
    s->st.batches_acked++;
    if (x.other_key) {
        return;
    }
    s->has_ckpt = true;
    memcpy(s->ckpt_replid, replid, sizeof(replid));
    s->ckpt_offset = x.offset;
    s->ckpt_updated = x.updated_ms;
    if (s->cbs.acked != NULL) {
        s->cbs.acked(s, s->ckpt_replid, x.offset, x.ncmds, s->cbs.arg);
    }
}

/* In ROLLBACK: replies are read and ignored until the checkpoint write's
 * own. */
static void
got_rollback_reply(struct rsink *s)
{
    char msg[1400];
    bool last = s->rec.kind == REC_ROLLBACK;
    bool err = s->rp.type == REDIS_REPLY_ERROR;

    consume(s);
    if (!last) {
        return;
    }
    if (err) {
        snprintf(msg, sizeof(msg), "%s (restoring the checkpoint failed "
                 "too: %s)", s->fail_msg, s->rp.text);
    } else {
        snprintf(msg, sizeof(msg), "%s", s->fail_msg);
    }
    fail(s, msg);
}

static void
got_reply(struct rsink *s)
{
    struct rsink_reply *rp = &s->rp;
    bool err = rp->type == REDIS_REPLY_ERROR;

    if (s->rec.kind == REC_NONE) {
        failf(s, "a reply arrived for no command (%s) — is this a Redis "
              "server?", err ? rp->text : "not an error");
        return;
    }
    if (s->state == RSINK_ROLLBACK) {
        got_rollback_reply(s);
        return;
    }
    switch ((enum rec_kind)s->rec.kind) {
    case REC_AUTH:
        if (err) {
            handshake_failed(s, "AUTH", rp->text);
            return;
        }
        consume(s);
        break;
    case REC_INFO:
        got_info(s);
        break;
    case REC_CKPT:
        got_checkpoint(s);
        break;
    case REC_CMD:
        if (err && !(s->rec.flags & RSINK_IGNORE_ERROR)) {
            cmd_failed(s, s->cur, rp->text, "");
            return;
        }
        if (err) {
            s->st.errors_ignored++;
        }
        if (!(s->rec.flags & REC_OWN)) {
            s->st.cmds_acked++;
        }
        consume(s);
        break;
    case REC_MULTI:
        if (err) {
            rollbackf(s, "MULTI: %s — %s", rp->text, hint_for(rp->text));
            return;
        }
        consume(s);
        break;
    case REC_QUEUED:
        if (err || rp->type != REDIS_REPLY_STATUS) {
            cmd_failed(s, s->cur, err ? rp->text : "not QUEUED",
                       " (refused inside MULTI: the batch is discarded)");
            return;
        }
        s->cur += rec_len(&s->rec);    /* consumed with its EXEC */
        break;
    case REC_EXEC:
        got_exec(s);
        break;
    case REC_SKIP:
    case REC_ROLLBACK:
    case REC_NONE:
    case REC_KIND_COUNT:
        consume(s);
        break;
    }
}

/* Ready for the next reply (its texts are written before being read). */
static void
reply_reset(struct rsink_reply *rp)
{
    rp->type = 0;
    rp->elements = 0;
    rp->text[0] = '\0';
    rp->walk = rp->seen = rp->ignored = 0;
    rp->failed = rp->overflow = false;
    rp->has_replid = rp->has_offset = rp->bad = rp->has_version = false;
    rp->field[0] = '\0';
    rp->updated_ms = 0;
}

/* Reads every complete reply the reader holds. */
static void
read_replies(struct rsink *s)
{
    void *obj;

    while (alive(s)) {
        if (s->cur < s->ring.len) {
            rec_read(s, s->cur, &s->rec);
        } else {
            memset(&s->rec, 0, sizeof(s->rec));
        }
        if (redisReaderGetReply(s->reader, &obj) != REDIS_OK) {
            failf(s, "protocol error in a reply: %s — is this a Redis "
                  "server?", s->reader->errstr);
            return;
        }
        if (obj == NULL) {
            return;
        }
        if (s->rec.kind != REC_NONE) {
            clog(LOG_TRACE, s->ctx, "reply to %s",
                 rec_kind_names[s->rec.kind]);
        }
        got_reply(s);
        reply_reset(&s->rp);
    }
}

/* After replies: idle bookkeeping and the drained callback. */
static void
after_replies(struct rsink *s)
{
    if (!alive(s) || s->state != RSINK_READY) {
        return;
    }
    if (s->ring.len == 0 && s->timeout_on && s->conn != NULL) {
        conn_set_read_timeout(s->conn, 0);
        s->timeout_on = false;
    }
    if (s->ring.len == 0 && s->out.len == 0 && s->out.cap > 0) {
        pbuf_free(&s->out);
    }
    if (s->was_full && rsink_pending_bytes(s) < s->queue_bytes / 2) {
        s->was_full = false;
        if (s->cbs.drained != NULL) {
            s->cbs.drained(s, s->cbs.arg);
        }
    }
}

static void
on_read(struct conn *c, struct evbuffer *in, void *arg)
{
    struct rsink *s = arg;
    size_t budget = RSINK_READ_BUDGET;
    struct evbuffer_iovec v;

    (void)c;
    enter(s);
    while (alive(s) && budget > 0 && evbuffer_get_length(in) > 0 &&
           evbuffer_peek(in, -1, NULL, &v, 1) >= 1) {
        size_t n = v.iov_len < RSINK_FEED_CHUNK ? v.iov_len
                                                : RSINK_FEED_CHUNK;

        /* the reader copies what it is fed */
        if (redisReaderFeed(s->reader, v.iov_base, n) != REDIS_OK) {
            failf(s, "out of memory while reading replies");
            break;
        }
        evbuffer_drain(in, n);
        budget -= n < budget ? n : budget;
        read_replies(s);
    }
    after_replies(s);
    if (alive(s) && s->conn != NULL && evbuffer_get_length(in) > 0) {
        conn_kick(s->conn);
    }
    leave(s);
}

/* ---- connection ---- */

static void
handshake(struct rsink *s)
{
    static const char *const info[] = {"INFO", "server"};
    const char *hgetall[2] = {"HGETALL", s->key};
    const char *auth[3] = {"AUTH", NULL, NULL};
    bool ok = true;

    set_state(s, RSINK_HANDSHAKE, s->tls ? "TLS established" : "connected");
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
        failf(s, "out of memory during the handshake");
    }
}

static void
on_connected(struct conn *c, void *arg)
{
    struct rsink *s = arg;
    struct conn_tls_opts to;
    char err[256];

    enter(s);
    if (!s->tls) {
        /* bounds the first replies (conn_start_tls() applies it to its
         * filter itself) */
        conn_set_read_timeout(c, s->connect_ms);
        handshake(s);
    } else {
        set_state(s, RSINK_TLS, "connected");
        to.verify = s->url.tls == URL_TLS_VERIFY;
        to.ca_file = s->url.ca_file;
        to.server_name = s->url.host;
        if (conn_start_tls(c, &to, err, sizeof(err)) != 0) {
            failf(s, "TLS: %s — check ca= in the destination URL", err);
        }
    }
    leave(s);
}

static void
on_tls_done(struct conn *c, void *arg)
{
    struct rsink *s = arg;

    (void)c;
    enter(s);
    handshake(s);
    leave(s);
}

static void
on_conn_error(struct conn *c, enum conn_err kind, const char *detail,
              void *arg)
{
    struct rsink *s = arg;
    char msg[1400];

    (void)c;
    enter(s);
    if (s->state == RSINK_ROLLBACK) {
        snprintf(msg, sizeof(msg), "%s (the checkpoint could not be "
                 "restored: %s)", s->fail_msg, detail);
        fail(s, msg);
        leave(s);
        return;
    }
    switch (kind) {
    case CONN_ERR_RESOLVE:
        failf(s, "cannot resolve the host: %s — check the host in the "
              "destination URL", detail);
        break;
    case CONN_ERR_CONNECT:
        failf(s, "connect failed: %s — check that the destination server "
              "runs and the host and port in its URL", detail);
        break;
    case CONN_ERR_TIMEOUT:
        if (s->state == RSINK_READY) {
            failf(s, "no reply for %u ms with %zu bytes unanswered — the "
                  "destination is stalled (a long script, a paused "
                  "process, a slow disk); the task restarts from its "
                  "checkpoint", s->reply_ms, rsink_pending_bytes(s));
        } else {
            failf(s, "%s while %s — check the host, port and firewall, "
                  "and tls= in the destination URL", detail,
                  s->state == RSINK_CONNECTING ? "connecting" :
                  s->state == RSINK_TLS ? "in the TLS handshake" :
                  "waiting for the server's first replies");
        }
        break;
    case CONN_ERR_TLS:
        failf(s, "TLS handshake failed: %s — check tls= and ca= in the "
              "destination URL and that the port is the server's "
              "tls-port", detail);
        break;
    case CONN_ERR_EOF:
    case CONN_ERR_IO:
    case CONN_ERR_NONE:
    case CONN_ERR_COUNT:
        if (s->state != RSINK_READY) {
            failf(s, "the server ended the connection during the "
                  "handshake (%s) — if it expects TLS use rediss://; see "
                  "its log", detail);
        } else if (kind == CONN_ERR_EOF) {
            failf(s, "the server closed the connection with %zu bytes "
                  "unanswered — the task restarts from its checkpoint",
                  rsink_pending_bytes(s));
        } else {
            failf(s, "connection failed: %s — the task restarts from its "
                  "checkpoint", detail);
        }
        break;
    }
    leave(s);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct rsink *s = arg;

    (void)fd;
    (void)what;
    enter(s);
    if (s->fail_now && alive(s)) {
        char *msg = s->fail_msg;

        s->fail_msg = NULL;
        fail(s, msg != NULL ? msg : "redis destination: out of memory");
        free(msg);
    } else if (alive(s)) {
        stage_flush(s);
    }
    leave(s);
}

/* ---- API ---- */

struct rsink *
rsink_new(struct event_base *base, struct evdns_base *dns,
          const struct rsink_opts *opts, const struct rsink_cbs *cbs,
          char *err, size_t errlen)
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
    s->queue_bytes = opts->queue_bytes != 0 ? opts->queue_bytes
                                            : RSINK_DEFAULT_QUEUE;
    s->connect_ms = opts->connect_timeout_ms != 0 ? opts->connect_timeout_ms
                                                  : 10000;
    s->reply_ms = opts->reply_timeout_ms;
    if (url_parse(opts->url, &s->url, err, errlen) != 0 ||
        url_check_params(&s->url, params, err, errlen) != 0) {
        rsink_free(s);
        return NULL;
    }
    if (strcmp(s->url.scheme, "redis") != 0 &&
        strcmp(s->url.scheme, "rediss") != 0) {
        snprintf(err, errlen, "destination URL scheme '%s' is not redis:// "
                 "— use redis://[user:password@]host:port (rediss:// for "
                 "TLS)", s->url.scheme);
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
    s->reader = redisReaderCreateWithFunctions(&rsink_reply_fns);
    if (s->reader != NULL) {
        s->reader->privdata = s;
    }
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
    cc.read = on_read;
    cc.error = on_conn_error;
    cc.arg = s;
    conn_set_cbs(s->conn, &cc);
    /* kept for the TLS handshake */
    conn_set_read_timeout(s->conn, s->connect_ms);
    if (conn_connect(s->conn, s->url.host, s->url.port, s->connect_ms) !=
        0) {
        conn_free(s->conn);
        s->conn = NULL;
        return -1;
    }
    set_state(s, RSINK_CONNECTING, "start");
    return 0;
}

enum rsink_state
rsink_get_state(const struct rsink *s)
{
    return s->state;
}

bool
rsink_checkpoint(const struct rsink *s, const char **replid,
                 uint64_t *offset)
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
commit_to(struct rsink *s, const char *key, const char *replid,
          uint64_t offset)
{
    static const char *const exec[] = {"EXEC"};
    struct rec_exec x;
    uint64_t bytes;
    bool ok;

    if (!writable(s) || replid == NULL ||
        strlen(replid) > RSINK_MAX_REPLID) {
        return -1;
    }
    if (!s->in_batch && rsink_begin(s) != 0) {
        return -1;
    }
    x.other_key = key != s->key;
    x.updated_ms = now_ms();
    ok = select_db(s, 0);
    ok = ok && send_checkpoint_to(s, REC_QUEUED, key, replid, offset,
                                  x.updated_ms);
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
