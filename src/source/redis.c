/*
 * redis.c - the Redis source: a replica's handshake, the RDB transfer and
 * the command stream, over one conn (see redis.h).
 *
 * States, in order; each handshake step sends its command and waits for
 * the one-line reply:
 *
 *   CONNECTING -> TLS -> AUTH -> INFO -> [INFO_REPL] -> PORT -> CAPA ->
 *   PSYNC -> RDB_HEAD -> RDB -> [RDB_MARK] -> STREAM -> ENDED
 *
 * RDB_HEAD skips the newlines a master sends while it prepares the RDB
 * and reads "$<length>" (a file on disk) or "$EOF:<40 bytes>" (diskless:
 * the same 40 bytes follow the RDB).  The RDB decoder tells where the RDB
 * ends, which a diskless transfer needs and a sized one checks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "proto/redis/rdb.h"
#include "proto/redis/resp.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/net/conn.h"
#include "src/source/redis.h"

/* Events handled per read callback before yielding to the loop. */
#define RSRC_EVENTS_PER_READ 2048

/* Longest handshake reply (INFO) we accept. */
#define RSRC_MAX_REPLY (1u << 20)

/* Seconds between two REPLCONF ACKs. */
#define RSRC_ACK_SECONDS 1

#define RSRC_STATES(X)                                                         \
    X(INIT, "init")                                                            \
    X(CONNECTING, "connecting")                                                \
    X(TLS, "tls")                                                              \
    X(AUTH, "auth")                                                            \
    X(INFO, "info")                                                            \
    X(INFO_REPL, "info-repl")                                                  \
    X(PORT, "replconf-port")                                                   \
    X(CAPA, "replconf-capa")                                                   \
    X(PSYNC, "psync")                                                          \
    X(RDB_HEAD, "rdb-head")                                                    \
    X(RDB, "rdb")                                                              \
    X(RDB_MARK, "rdb-mark")                                                    \
    X(STREAM, "stream")                                                        \
    X(ENDED, "ended")

enum rsrc_state {
#define X(s, n) RSRC_##s,
    RSRC_STATES(X)
#undef X
        RSRC_STATE_COUNT /* sentinel */
};

static const char *const rsrc_state_names[RSRC_STATE_COUNT] = {
#define X(s, n) [RSRC_##s] = n,
    RSRC_STATES(X)
#undef X
};

struct rsrc {
    struct event_base *base;
    struct conn *conn;
    struct url url;
    struct rsrc_cbs cbs;
    void *arg;
    char *log_ctx; /* owned */
    enum rsrc_state state;
    struct event *ack_timer;          /* REPLCONF ACK */
    struct event *end_ev;             /* deferred on_end */
    struct resp_dec resp;             /* command stream decoder */
    struct rdb_dec rdb;               /* RDB decoder */
    char replid[RSRC_REPLID_LEN + 1]; /* current replication ID */
    bool have_offset;                 /* replid/offset known */
    uint64_t offset;                  /* past the last command handed over */
    uint64_t ack_offset;              /* what the consumer applied */
    uint64_t rdb_left;                /* sized RDB: bytes still to come */
    bool rdb_sized;                   /* "$<len>" (else "$EOF:") */
    bool discard_rdb;                 /* from_now answered with a full: skip */
    char eof_mark[40];                /* diskless end mark */
    bool resume;                      /* PSYNC with a replid */
    bool from_now;                    /* no RDB wanted */
    uint16_t listening_port;
    int db;      /* SELECTed database of the stream */
    bool paused; /* consumer backpressure */
    uint64_t read_bytes;
    char version[32]; /* redis_version */
    char *end_err;    /* deferred on_end reason, owned */
    bool end_resumable;
    bool ended;  /* on_end scheduled or called */
    size_t want; /* bytes the decoder asked for: a call
                    never gets fewer than the last one */
};

static void rsrc_end(struct rsrc *s, bool resumable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rsrc_set_state(struct rsrc *s, enum rsrc_state st)
{
    clog(LOG_DEBUG, s->log_ctx, "redis source %s -> %s",
         rsrc_state_names[s->state], rsrc_state_names[st]);
    s->state = st;
}

static void
end_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rsrc *s = arg;

    (void)fd;
    (void)what;
    if (s->cbs.on_end != NULL) {
        s->cbs.on_end(s->arg, s->end_err, s->end_resumable);
    }
}

/* Ends the source once: closes the connection, and on_end follows from
 * the loop (never from inside a call of the consumer). */
static void
rsrc_end(struct rsrc *s, bool resumable, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (s->ended) {
        return;
    }
    s->ended = true;
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        s->end_err = strdup(msg);
    }
    s->end_resumable = resumable;
    rsrc_set_state(s, RSRC_ENDED);
    if (s->ack_timer != NULL) {
        evtimer_del(s->ack_timer);
    }
    if (s->conn != NULL) {
        conn_close(s->conn, "redis source ended");
    }
    event_active(s->end_ev, EV_TIMEOUT, 0);
}

void
rsrc_fail(struct rsrc *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rsrc_end(s, false, "%s", msg);
}

/* Sends one command of C-string arguments. */
static void
send_cmd(struct rsrc *s, size_t argc, const char *const *argv)
{
    struct span v[8];
    struct pbuf b = {0};
    size_t i;

    /* The AUTH password passes through b: wiped before it is freed. */
    for (i = 0; i < argc && i < 8; i++) {
        v[i].p = (const uint8_t *)argv[i];
        v[i].len = strlen(argv[i]);
    }
    resp_put_cmd(&b, argc, v);
    if (!b.failed) {
        conn_write(s->conn, b.data, b.len);
    }
    if (b.data != NULL) {
        explicit_bzero(b.data, b.cap);
    }
    pbuf_free(&b);
}

static void
send_ack(struct rsrc *s)
{
    char off[24];
    const char *argv[3] = {"REPLCONF", "ACK", off};

    snprintf(off, sizeof(off), "%" PRIu64, s->ack_offset);
    send_cmd(s, 3, argv);
}

static void
ack_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rsrc *s = arg;
    struct timeval tv = {RSRC_ACK_SECONDS, 0};

    (void)fd;
    (void)what;
    if (s->state == RSRC_STREAM) {
        send_ack(s);
    }
    evtimer_add(s->ack_timer, &tv);
}

/* The name of the source for messages: "redis source 10.0.0.5:6379". */
#define PEER(s) conn_peer((s)->conn)

/* ---- handshake ---- */

static void
send_auth(struct rsrc *s)
{
    const char *argv[3] = {"AUTH", s->url.user, s->url.password};

    if (s->url.user[0] != '\0') {
        send_cmd(s, 3, argv);
    } else {
        argv[1] = s->url.password;
        send_cmd(s, 2, argv);
    }
}

static void
send_info(struct rsrc *s, const char *section)
{
    const char *argv[2] = {"INFO", section};

    send_cmd(s, 2, argv);
}

static void
start_handshake(struct rsrc *s)
{
    if (s->url.password != NULL) {
        rsrc_set_state(s, RSRC_AUTH);
        send_auth(s);
        return;
    }
    rsrc_set_state(s, RSRC_INFO);
    send_info(s, "server");
}

static void
send_port_or_capa(struct rsrc *s)
{
    char port[8];
    const char *pargv[3] = {"REPLCONF", "listening-port", port};
    const char *cargv[5] = {"REPLCONF", "capa", "eof", "capa", "psync2"};

    if (s->listening_port != 0) {
        snprintf(port, sizeof(port), "%u", s->listening_port);
        rsrc_set_state(s, RSRC_PORT);
        send_cmd(s, 3, pargv);
        return;
    }
    rsrc_set_state(s, RSRC_CAPA);
    send_cmd(s, 5, cargv);
}

static void
send_psync(struct rsrc *s)
{
    char off[24];
    const char *argv[3] = {"PSYNC", "?", "-1"};

    if (s->resume) {
        snprintf(off, sizeof(off), "%" PRIu64, s->offset + 1);
        argv[1] = s->replid;
        argv[2] = off;
    }
    rsrc_set_state(s, RSRC_PSYNC);
    send_cmd(s, 3, argv);
}

/*
 * One handshake reply from <in>: a status or error line in <line>, or a
 * bulk string's body in <bulk>.  Returns 1 (drain *used bytes after
 * use), 0 for more bytes, -1 when the reply is not RESP.
 */
static int
take_reply(struct evbuffer *in, struct span *line, struct span *bulk,
           size_t *used)
{
    size_t len = evbuffer_get_length(in);
    const uint8_t *p;
    ssize_t n;
    long long blen;
    char num[24];

    if (len == 0) {
        return 0;
    }
    p = evbuffer_pullup(
        in,
        (ev_ssize_t)(len < RSRC_MAX_REPLY + 64 ? len : RSRC_MAX_REPLY + 64));
    n = resp_line(p, len, line);
    if (n <= 0) {
        return n < 0 || len > RSRC_MAX_REPLY + 64 ? -1 : 0;
    }
    bulk->p = NULL;
    bulk->len = 0;
    *used = (size_t)n;
    if (line->len == 0 || line->p[0] != '$') {
        return 1;
    }
    if (line->len - 1 >= sizeof(num)) {
        return -1;
    }
    memcpy(num, line->p + 1, line->len - 1);
    num[line->len - 1] = '\0';
    blen = strtoll(num, NULL, 10);
    if (blen < 0 || (unsigned long long)blen > RSRC_MAX_REPLY) {
        return -1;
    }
    if (len < (size_t)n + (size_t)blen + 2) {
        return 0;
    }
    bulk->p = p + n;
    bulk->len = (size_t)blen;
    *used = (size_t)n + (size_t)blen + 2;
    return 1;
}

/* The first character of a reply line, as a printable message part. */
static void
line_text(const struct span *line, char *out, size_t outlen)
{
    size_t i, n = line->len < outlen - 1 ? line->len : outlen - 1;

    for (i = 0; i < n; i++) {
        out[i] =
            line->p[i] >= 0x20 && line->p[i] < 0x7f ? (char)line->p[i] : '?';
    }
    out[n] = '\0';
}

static bool
is_error(const struct span *line)
{
    return line->len > 0 && line->p[0] == '-';
}

static bool
starts(const struct span *line, const char *text)
{
    size_t n = strlen(text);

    return line->len >= n && memcmp(line->p, text, n) == 0;
}

/* The reply to PSYNC. */
static void
on_psync_reply(struct rsrc *s, const struct span *line)
{
    struct resp_psync_reply r;
    const char *why;
    char text[160];

    line_text(line, text, sizeof(text));
    if (resp_psync_reply(*line, &r, &why) < 0) {
        rsrc_end(s, false,
                 "redis source %s: unexpected PSYNC reply '%s' "
                 "(%s): is it a Redis server?",
                 PEER(s), text, why);
        return;
    }
    switch (r.kind) {
    case RESP_PSYNC_FULLRESYNC:
        memcpy(s->replid, r.replid.p, RSRC_REPLID_LEN);
        s->replid[RSRC_REPLID_LEN] = '\0';
        s->offset = r.offset;
        s->have_offset = true;
        s->discard_rdb = s->from_now;
        clog(LOG_INFO, s->log_ctx,
             "redis source %s: full resynchronisation replid=%s offset=%" PRIu64
             "%s",
             PEER(s), s->replid, s->offset,
             s->discard_rdb ? " (its RDB is skipped: streaming from now)" : "");
        rsrc_set_state(s, RSRC_RDB_HEAD);
        if (!s->discard_rdb && s->cbs.on_full != NULL) {
            s->cbs.on_full(s->arg, s->replid, s->offset);
        }
        return;
    case RESP_PSYNC_CONTINUE:
        if (r.replid.len == RSRC_REPLID_LEN) {
            memcpy(s->replid, r.replid.p, RSRC_REPLID_LEN);
            s->replid[RSRC_REPLID_LEN] = '\0';
        }
        s->have_offset = true;
        s->ack_offset = s->offset;
        clog(LOG_INFO, s->log_ctx,
             "redis source %s: partial resynchronisation replid=%s "
             "offset=%" PRIu64,
             PEER(s), s->replid, s->offset);
        rsrc_set_state(s, RSRC_STREAM);
        if (s->cbs.on_continue != NULL) {
            s->cbs.on_continue(s->arg, s->replid, s->offset);
        }
        return;
    default:
        break;
    }
    if (starts(line, "-NOMASTERLINK") || starts(line, "-LOADING")) {
        rsrc_end(s, true,
                 "redis source %s: not ready to serve a replica "
                 "(%s): retrying",
                 PEER(s), text + 1);
        return;
    }
    if (starts(line, "-ERR unknown command")) {
        rsrc_end(s, false,
                 "redis source %s: the server does not know "
                 "PSYNC (Redis older than 2.8, or the command is "
                 "renamed): use Redis 2.8 or newer and allow "
                 "PSYNC",
                 PEER(s));
        return;
    }
    rsrc_end(s, false,
             "redis source %s: PSYNC refused: %s — allow this "
             "account to replicate (ACL +psync +replconf)",
             PEER(s), text + 1);
}

/* One reply of the handshake, for the current state. */
static void
on_handshake_reply(struct rsrc *s, const struct span *line,
                   const struct span *bulk)
{
    char text[160], field[64];

    line_text(line, text, sizeof(text));
    switch (s->state) {
    case RSRC_AUTH:
        if (is_error(line)) {
            rsrc_end(s, false,
                     "redis source %s: authentication failed: "
                     "%s — check the user and password in the "
                     "source URL",
                     PEER(s), text + 1);
            return;
        }
        rsrc_set_state(s, RSRC_INFO);
        send_info(s, "server");
        return;
    case RSRC_INFO:
        if (is_error(line)) {
            rsrc_end(s, false, "redis source %s: INFO failed: %s — %s", PEER(s),
                     text + 1,
                     starts(line, "-NOAUTH")
                         ? "put the password in the source URL"
                         : "allow this account to run INFO");
            return;
        }
        if (bulk->p != NULL &&
            resp_info_field((const char *)bulk->p, bulk->len, "redis_version",
                            s->version, sizeof(s->version))) {
            clog(LOG_DEBUG, s->log_ctx, "redis source %s: version %s", PEER(s),
                 s->version);
        }
        if (s->from_now) {
            rsrc_set_state(s, RSRC_INFO_REPL);
            send_info(s, "replication");
            return;
        }
        send_port_or_capa(s);
        return;
    case RSRC_INFO_REPL:
        if (bulk->p != NULL &&
            resp_info_field((const char *)bulk->p, bulk->len, "master_replid",
                            field, sizeof(field)) &&
            strlen(field) == RSRC_REPLID_LEN) {
            memcpy(s->replid, field, sizeof(s->replid));
            if (resp_info_field((const char *)bulk->p, bulk->len,
                                "master_repl_offset", field, sizeof(field))) {
                s->offset = strtoull(field, NULL, 10);
                s->resume = true;
            }
        }
        send_port_or_capa(s);
        return;
    case RSRC_PORT: {
        /* An error here is not fatal: only INFO on the master uses it. */
        const char *cargv[5] = {"REPLCONF", "capa", "eof", "capa", "psync2"};

        rsrc_set_state(s, RSRC_CAPA);
        send_cmd(s, 5, cargv);
        return;
    }
    case RSRC_CAPA:
        /* Redis before 4.0 refuses capa: it then sends sized RDBs. */
        send_psync(s);
        return;
    case RSRC_PSYNC:
        on_psync_reply(s, line);
        return;
    default:
        return;
    }
}

/* ---- RDB and stream ---- */

/* Bytes at the front of <in>, contiguous, at least <want> when there. */
static const uint8_t *
peek(struct evbuffer *in, size_t want, size_t *len)
{
    size_t all = evbuffer_get_length(in);
    size_t first = evbuffer_get_contiguous_space(in);

    *len = first;
    if (first >= want || first == all) {
        return first == 0 ? NULL : evbuffer_pullup(in, (ev_ssize_t)first);
    }
    *len = want < all ? want : all;
    return evbuffer_pullup(in, (ev_ssize_t)*len);
}

/* RDB_HEAD: newlines, then "$<len>" or "$EOF:<mark>". */
static int
read_rdb_head(struct rsrc *s, struct evbuffer *in)
{
    struct resp_rdb_header h;
    struct span line;
    const uint8_t *p;
    const char *why;
    size_t len;
    ssize_t n;

    for (;;) {
        p = peek(in, 128, &len);
        if (p == NULL) {
            return 0;
        }
        if (p[0] == '\n') {
            evbuffer_drain(in, 1);
            continue;
        }
        n = resp_line(p, len, &line);
        if (n == 0) {
            return len >= 128 ? -1 : 0;
        }
        if (n < 0 || resp_rdb_header(line, &h, &why) < 0) {
            return -1;
        }
        break;
    }
    s->rdb_sized = !h.eof_mark;
    if (h.eof_mark) {
        memcpy(s->eof_mark, h.mark.p, sizeof(s->eof_mark));
    } else {
        s->rdb_left = h.len;
    }
    evbuffer_drain(in, (size_t)n);
    s->read_bytes += (size_t)n;
    clog(LOG_DEBUG, s->log_ctx, "redis source %s: RDB of %s", PEER(s),
         s->rdb_sized ? "known size" : "unknown size (diskless)");
    rsrc_set_state(s, RSRC_RDB);
    return 1;
}

/* RDB: decoded event by event; returns 1 when the RDB is complete. */
static int
read_rdb(struct rsrc *s, struct evbuffer *in, unsigned *budget)
{
    struct rdb_event ev;
    const uint8_t *p;
    size_t len, used;
    int rc;

    while (*budget > 0 && !s->paused) {
        p = peek(in, s->want > 0 ? s->want : 1, &len);
        if (p == NULL || len < s->want) {
            return 0;
        }
        if (s->rdb_sized && len > s->rdb_left) {
            len = (size_t)s->rdb_left;
        }
        used = 0;
        rc = rdb_next(&s->rdb, p, len, &used, &ev);
        if (rc == 0 && used > 0) {
            /* Work done without an event (a skipped value). */
            evbuffer_drain(in, used);
            s->read_bytes += used;
            if (s->rdb_sized) {
                s->rdb_left -= used;
            }
            s->want = 0;
            continue;
        }
        if (rc == 0) {
            s->want = s->rdb.need > len ? s->rdb.need : len + 1;
            if (s->rdb_sized && s->want > s->rdb_left) {
                rsrc_end(s, false,
                         "redis source %s: the RDB ended early "
                         "(%s at byte %zu): is the master's "
                         "disk full?",
                         PEER(s),
                         s->rdb.err_what != NULL ? s->rdb.err_what : "",
                         s->rdb.err_off);
                return -1;
            }
            continue;
        }
        if (rc < 0) {
            rsrc_end(s, false,
                     "redis source %s: cannot read the RDB: %s "
                     "(%s at byte %zu) — report it with the "
                     "master's version %s",
                     PEER(s), proto_err_name(-rc),
                     s->rdb.err_what != NULL ? s->rdb.err_what : "?",
                     s->rdb.err_off, s->version);
            return -1;
        }
        s->want = 0;
        (*budget)--;
        if (!s->discard_rdb && s->cbs.on_rdb != NULL) {
            rc = s->cbs.on_rdb(s->arg, &ev);
            if (rc < 0 || s->ended) {
                rsrc_end(s, false,
                         "redis source %s: stopped while "
                         "reading the RDB",
                         PEER(s));
                return -1;
            }
        }
        evbuffer_drain(in, used);
        s->read_bytes += used;
        if (s->rdb_sized) {
            s->rdb_left -= used;
        }
        if (ev.kind == RDB_EV_END) {
            if (s->rdb_sized && s->rdb_left != 0) {
                rsrc_end(s, false,
                         "redis source %s: %" PRIu64 " bytes of "
                         "the transfer follow the RDB's end: "
                         "report it with the master's version "
                         "%s",
                         PEER(s), s->rdb_left, s->version);
                return -1;
            }
            rsrc_set_state(s, s->rdb_sized ? RSRC_STREAM : RSRC_RDB_MARK);
            return 1;
        }
    }
    return 0;
}

static void
rdb_done(struct rsrc *s)
{
    clog(LOG_INFO, s->log_ctx,
         "redis source %s: RDB loaded, streaming "
         "from offset %" PRIu64,
         PEER(s), s->offset);
    s->ack_offset = s->offset;
    /* A master sends nothing after a diskless RDB until an ACK comes
     * once it has seen the transfer end: one now, one soon after. */
    send_ack(s);
    {
        struct timeval soon = {0, 100 * 1000};

        evtimer_del(s->ack_timer);
        evtimer_add(s->ack_timer, &soon);
    }
    {
        size_t limit = s->rdb.dump_limit;
        unsigned kinds = s->rdb.dump_kinds;

        rdb_dec_free(&s->rdb);
        memset(&s->rdb, 0, sizeof(s->rdb));
        s->rdb.dump_limit = limit;
        s->rdb.dump_kinds = kinds;
    }
    if (!s->discard_rdb && s->cbs.on_rdb_end != NULL) {
        s->cbs.on_rdb_end(s->arg);
    } else if (s->discard_rdb && s->cbs.on_continue != NULL) {
        s->cbs.on_continue(s->arg, s->replid, s->offset);
    }
}

/* STREAM: one command after another. */
static void
read_stream(struct rsrc *s, struct evbuffer *in, unsigned *budget)
{
    struct resp_cmd cmd;
    const uint8_t *p;
    size_t len;
    ssize_t n;
    int db, rc;

    while (*budget > 0 && !s->paused && s->state == RSRC_STREAM) {
        p = peek(in, s->want > 0 ? s->want : 1, &len);
        if (p == NULL || len < s->want) {
            return;
        }
        n = resp_cmd_next(&s->resp, p, len, &cmd);
        if (n == 0) {
            s->want = s->resp.need > len ? s->resp.need : len + 1;
            continue;
        }
        if (n < 0) {
            rsrc_end(s, false,
                     "redis source %s: bad command stream at "
                     "offset %" PRIu64 ": %s (%s)",
                     PEER(s), s->offset, proto_err_name((int)-n),
                     s->resp.err_what != NULL ? s->resp.err_what : "?");
            return;
        }
        s->want = 0;
        (*budget)--;
        s->offset += (uint64_t)n;
        if (cmd.argc == 0) {
            evbuffer_drain(in, (size_t)n);
            s->read_bytes += (uint64_t)n;
            continue;
        }
        if (resp_arg_is(cmd.argv[0], "SELECT") && cmd.argc == 2 &&
            (db = (int)resp_arg_db(cmd.argv[1])) >= 0) {
            s->db = db;
        } else if (resp_arg_is(cmd.argv[0], "REPLCONF") && cmd.argc >= 2 &&
                   resp_arg_is(cmd.argv[1], "GETACK")) {
            send_ack(s);
        } else if (s->cbs.on_command != NULL) {
            rc =
                s->cbs.on_command(s->arg, s->db, cmd.argc, cmd.argv, s->offset);
            if (rc < 0 || s->ended) {
                s->offset -= (uint64_t)n;
                rsrc_end(s, false, "redis source %s: stopped", PEER(s));
                return;
            }
        }
        evbuffer_drain(in, (size_t)n);
        s->read_bytes += (uint64_t)n;
    }
}

static void
on_read(struct conn *c, struct evbuffer *in, void *arg)
{
    struct rsrc *s = arg;
    unsigned budget = RSRC_EVENTS_PER_READ;
    struct span line, bulk;
    const uint8_t *p;
    size_t used, len;
    int rc;

    (void)c;
    while (!s->ended && !s->paused && budget > 0) {
        switch (s->state) {
        case RSRC_AUTH:
        case RSRC_INFO:
        case RSRC_INFO_REPL:
        case RSRC_PORT:
        case RSRC_CAPA:
        case RSRC_PSYNC:
            rc = take_reply(in, &line, &bulk, &used);
            if (rc == 0) {
                return;
            }
            if (rc < 0) {
                rsrc_end(s, false,
                         "redis source %s: the reply to the "
                         "replica handshake (%s) is not RESP: "
                         "is it a Redis server?",
                         PEER(s), rsrc_state_names[s->state]);
                return;
            }
            if (line.len == 0 && bulk.p == NULL) {
                /* A newline: the master keeps the link alive while it
                 * prepares the RDB (before +FULLRESYNC when diskless). */
                evbuffer_drain(in, used);
                s->read_bytes += used;
                break;
            }
            on_handshake_reply(s, &line, &bulk);
            if (!s->ended) {
                evbuffer_drain(in, used);
                s->read_bytes += used;
            }
            break;
        case RSRC_RDB_HEAD:
            rc = read_rdb_head(s, in);
            if (rc == 0) {
                return;
            }
            if (rc < 0) {
                rsrc_end(s, false,
                         "redis source %s: expected the RDB's "
                         "length after +FULLRESYNC",
                         PEER(s));
                return;
            }
            break;
        case RSRC_RDB:
            rc = read_rdb(s, in, &budget);
            if (rc <= 0) {
                if (rc == 0 && budget == 0) {
                    conn_kick(s->conn);
                }
                return;
            }
            if (s->state == RSRC_STREAM) {
                rdb_done(s);
            }
            break;
        case RSRC_RDB_MARK:
            p = peek(in, sizeof(s->eof_mark), &len);
            if (p == NULL || len < sizeof(s->eof_mark)) {
                return;
            }
            if (memcmp(p, s->eof_mark, sizeof(s->eof_mark)) != 0) {
                rsrc_end(s, false,
                         "redis source %s: the diskless RDB "
                         "does not end with its mark",
                         PEER(s));
                return;
            }
            evbuffer_drain(in, sizeof(s->eof_mark));
            s->read_bytes += sizeof(s->eof_mark);
            rsrc_set_state(s, RSRC_STREAM);
            rdb_done(s);
            break;
        case RSRC_STREAM:
            read_stream(s, in, &budget);
            if (budget == 0 && !s->ended) {
                conn_kick(s->conn);
            }
            return;
        default:
            return;
        }
    }
    if (budget == 0 && !s->ended) {
        conn_kick(s->conn);
    }
}

static void
on_tls(struct conn *c, void *arg)
{
    (void)c;
    start_handshake(arg);
}

static void
on_connected(struct conn *c, void *arg)
{
    struct rsrc *s = arg;
    struct conn_tls_opts tls;
    char err[256];

    (void)c;
    if (s->url.tls == URL_TLS_DISABLE) {
        start_handshake(s);
        return;
    }
    memset(&tls, 0, sizeof(tls));
    tls.verify = s->url.tls == URL_TLS_VERIFY;
    tls.ca_file = s->url.ca_file;
    tls.server_name = s->url.host;
    rsrc_set_state(s, RSRC_TLS);
    if (conn_start_tls(s->conn, &tls, err, sizeof(err)) < 0) {
        rsrc_end(s, false, "redis source %s: %s", PEER(s), err);
    }
}

static void
on_error(struct conn *c, enum conn_err kind, const char *detail, void *arg)
{
    struct rsrc *s = arg;

    (void)c;
    switch (kind) {
    case CONN_ERR_EOF:
    case CONN_ERR_IO:
    case CONN_ERR_TIMEOUT:
        rsrc_end(s, true, "redis source %s: connection lost in %s: %s", PEER(s),
                 rsrc_state_names[s->state], detail);
        return;
    case CONN_ERR_TLS:
        rsrc_end(s, false,
                 "redis source %s: TLS failed: %s — check tls= "
                 "and ca= in the source URL",
                 PEER(s), detail);
        return;
    default:
        rsrc_end(s, true,
                 "redis source %s: %s — check that the server "
                 "is running and the host/port in the URL",
                 PEER(s), detail);
        return;
    }
}

struct rsrc *
rsrc_new(struct event_base *base, struct evdns_base *dns,
         const struct rsrc_opts *o, const struct rsrc_cbs *cbs, void *arg,
         char *err, size_t errlen)
{
    static const char *const params[] = {"tls", "ca", NULL};
    struct conn_cbs ccbs;
    struct rsrc *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = base;
    s->cbs = *cbs;
    s->arg = arg;
    s->db = 0;
    s->from_now = o->from_now && o->replid == NULL;
    s->listening_port = o->listening_port;
    s->rdb.dump_limit = o->rdb_dump_limit;
    s->rdb.dump_kinds = o->rdb_dump_kinds;
    if (url_parse(o->url, &s->url, err, errlen) < 0 ||
        url_check_params(&s->url, params, err, errlen) < 0) {
        rsrc_free(s);
        return NULL;
    }
    if (strcmp(s->url.scheme, "rediss") == 0 &&
        url_param(&s->url, "tls") == NULL && s->url.ca_file == NULL) {
        s->url.tls = URL_TLS_VERIFY;
    }
    if (o->replid != NULL) {
        if (strlen(o->replid) != RSRC_REPLID_LEN) {
            snprintf(err, errlen,
                     "redis source: replication ID '%.48s' is "
                     "not 40 characters",
                     o->replid);
            rsrc_free(s);
            return NULL;
        }
        memcpy(s->replid, o->replid, sizeof(s->replid));
        s->offset = o->offset;
        s->resume = true;
    }
    s->log_ctx = o->log_ctx != NULL ? strdup(o->log_ctx) : NULL;
    s->conn = conn_new(base, dns, s->log_ctx);
    s->ack_timer = evtimer_new(base, ack_cb, s);
    s->end_ev = event_new(base, -1, 0, end_cb, s);
    if (s->conn == NULL || s->ack_timer == NULL || s->end_ev == NULL) {
        snprintf(err, errlen, "out of memory");
        rsrc_free(s);
        return NULL;
    }
    memset(&ccbs, 0, sizeof(ccbs));
    ccbs.connected = on_connected;
    ccbs.tls_done = on_tls;
    ccbs.read = on_read;
    ccbs.error = on_error;
    ccbs.arg = s;
    conn_set_cbs(s->conn, &ccbs);
    return s;
}

int
rsrc_start(struct rsrc *s, char *err, size_t errlen)
{
    struct timeval tv = {RSRC_ACK_SECONDS, 0};

    if (conn_connect(s->conn, s->url.host, s->url.port, 0) < 0) {
        snprintf(err, errlen, "redis source: cannot start connecting");
        return -1;
    }
    rsrc_set_state(s, RSRC_CONNECTING);
    evtimer_add(s->ack_timer, &tv);
    return 0;
}

void
rsrc_stop(struct rsrc *s)
{
    rsrc_end(s, false, NULL);
}

void
rsrc_pause(struct rsrc *s)
{
    if (!s->paused) {
        s->paused = true;
        conn_pause(s->conn);
    }
}

void
rsrc_resume(struct rsrc *s)
{
    if (s->paused) {
        s->paused = false;
        conn_resume(s->conn);
    }
}

void
rsrc_ack(struct rsrc *s, uint64_t offset)
{
    s->ack_offset = offset;
}

bool
rsrc_offset(const struct rsrc *s, const char **replid, uint64_t *offset)
{
    if (!s->have_offset) {
        return false;
    }
    *replid = s->replid;
    *offset = s->offset;
    return true;
}

const char *
rsrc_server_version(const struct rsrc *s)
{
    return s->version;
}

uint64_t
rsrc_read_bytes(const struct rsrc *s)
{
    return s->read_bytes;
}

const char *
rsrc_peer(const struct rsrc *s)
{
    return conn_peer(s->conn);
}

void
rsrc_free(struct rsrc *s)
{
    if (s == NULL) {
        return;
    }
    conn_free(s->conn);
    if (s->ack_timer != NULL) {
        event_free(s->ack_timer);
    }
    if (s->end_ev != NULL) {
        event_free(s->end_ev);
    }
    resp_dec_free(&s->resp);
    rdb_dec_free(&s->rdb);
    url_free(&s->url);
    free(s->end_err);
    free(s->log_ctx);
    free(s);
}
