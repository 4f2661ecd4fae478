/*
 * redis_read.c - the Redis destination writer's replies (see redis_int.h).
 *
 *   conn --in--> reader (hiredis, our object functions) --> rsink_reply
 *                                                              |
 *   callbacks <-- got_*() <-- matched, in order, with the ring's records
 *
 * Replies are parsed by hiredis' redisReader with object functions of our
 * own that allocate nothing: they note the top-level type and error text,
 * and while an EXEC array is read they walk the batch's QUEUED records in
 * step with its elements, so an error element is matched with its
 * command (and RSINK_IGNORE_ERROR) as it is read.  QUEUED replies do not
 * consume their records (a cursor moves past them); the EXEC reply
 * consumes the whole batch.  The reader is fed at most RSINK_FEED_CHUNK
 * bytes per step and RSINK_READ_BUDGET per read callback.
 *
 * An error reply is reported as one line naming the command, its key (cut
 * to RSINK_KEY_MAX bytes) and a fix for the server's error; it then ends
 * the writer through ROLLBACK (rsink_rollback_() in redis.c), during which
 * replies are read and ignored until the checkpoint write-back's own.
 * Handshake replies (AUTH, INFO server, HGETALL of the checkpoint) fail
 * the writer at once.
 */
#include "src/sink/redis_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "src/core/log.h"
#include "src/net/conn.h"

/* Input fed to the reader per step, and per read callback (then the
 * connection calls again: bounded work per callback). */
#define RSINK_FEED_CHUNK (64u * 1024u)
#define RSINK_READ_BUDGET (512u * 1024u)

static const char *const rec_kind_names[REC_KIND_COUNT] = {
#define REC_KIND_NAME_(k) #k,
    REC_KINDS(REC_KIND_NAME_)
#undef REC_KIND_NAME_
};

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
    const char *text; /* what the error says */
    bool at_start;    /* ... as its first word */
    const char *fix;  /* what the user does */
} rsink_hints[] = {
    {"NOAUTH", true,
     "set the password in the destination URL "
     "(redis://:password@host:port, or user:password@ for an ACL user)"},
    {"WRONGPASS", true,
     "check the user and password in the destination "
     "URL"},
    {"invalid password", false, "check the password in the destination URL"},
    {"without any password configured", false,
     "remove the password from "
     "the destination URL, or set requirepass on the destination"},
    {"no password is set", false,
     "remove the password from the "
     "destination URL, or set requirepass on the destination"},
    {"wrong number of arguments for 'auth'", false,
     "this server predates "
     "ACL users (Redis 6): give only a password in the destination URL"},
    {"NOPERM", true,
     "grant the destination user the commands and keys "
     "tandem writes (e.g. ACL SETUSER <user> on +@all ~*)"},
    {"READONLY", true,
     "the destination is a read-only replica: point the "
     "URL at its primary"},
    {"LOADING", true,
     "the destination is loading its dataset; the task "
     "retries once it is up"},
    {"OOM", true,
     "the destination reached maxmemory: raise maxmemory or "
     "free memory there"},
    {"MISCONF", true,
     "the destination cannot save its RDB: fix its disk or "
     "set stop-writes-on-bgsave-error no"},
    {"MOVED", true,
     "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"CLUSTERDOWN", true,
     "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"CROSSSLOT", true,
     "the destination is a Redis Cluster node: use a "
     "standalone server"},
    {"WRONGTYPE", true,
     "the destination holds this key with another type: "
     "delete it there (or empty the destination) and restart the task"},
    {"DB index is out of range", false,
     "the destination has fewer "
     "databases than the source: raise 'databases' in its configuration"},
    {"unknown command", false,
     "the destination lacks this command: use a "
     "destination server at least as new as the source"},
    {"BUSY", true,
     "a script blocks the destination: end it (SCRIPT KILL) "
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
/* rsink_rollback_() for an error reply of the command recorded at ring
 * offset <off>: names the command and its key. */
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
    rsink_rollback_(s, msg);
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
        copy_text(rp->field, p,
                  n < sizeof(rp->field) - 1 ? n : sizeof(rp->field) - 1);
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
            rp->updated_ms = 0; /* informational only */
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
    return other_obj(t, REDIS_REPLY_ARRAY, elements > 0 ? (size_t)elements : 0);
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
    (void)obj; /* nothing was allocated */
}

static redisReplyObjectFunctions rsink_reply_fns = {
    on_string, on_array, on_integer, on_nil, on_free_obj,
};

redisReader *
rsink_reader_new_(struct rsink *s)
{
    redisReader *r = redisReaderCreateWithFunctions(&rsink_reply_fns);

    if (r != NULL) {
        r->privdata = s;
    }
    return r;
}

/* ---- reading: replies against records ---- */

/* Drops the record at the cursor and its bytes. */
static void
consume(struct rsink *s)
{
    rsink_ring_drop_(&s->ring, s->cur + rec_len(&s->rec));
    s->cur = 0;
    s->unacked -= s->rec.bytes <= s->unacked ? s->rec.bytes : s->unacked;
}

/* The handshake failed on error reply <text>. */
static void
handshake_failed(struct rsink *s, const char *what, const char *text)
{
    if (s->rec.kind == REC_CKPT && strncmp(text, "WRONGTYPE", 9) == 0) {
        rsink_failf_(s,
                     "%s: %s — %s is not tandem's checkpoint hash: delete it "
                     "(the task then starts over)",
                     what, text, s->key);
        return;
    }
    rsink_failf_(s, "%s: %s — %s", what, text, hint_for(text));
}

static void
got_info(struct rsink *s)
{
    if (s->rp.type == REDIS_REPLY_ERROR) {
        handshake_failed(s, "INFO", s->rp.text);
        return;
    }
    if (!s->rp.has_version) {
        rsink_failf_(s, "INFO server has no redis_version — is this a Redis "
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
    if (rp->bad || (rp->elements > 0 && (!rp->has_replid || !rp->has_offset))) {
        rsink_failf_(s,
                     "the checkpoint hash %s is damaged (%s) — delete it to "
                     "start the task over",
                     s->key,
                     rp->bad           ? rp->bad_what
                     : !rp->has_replid ? "no replid"
                                       : "no offset");
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
        rsink_failf_(s, "unexpected replies during the handshake — is this a "
                        "Redis server?");
        return;
    }
    conn_set_read_timeout(s->conn, 0);
    rsink_set_state_(s, RSINK_READY, "checkpoint read");
    clog(LOG_INFO, s->ctx,
         "redis destination %s ready: redis %d.%d "
         "(rdb %d), checkpoint %s:%" PRIu64,
         s->peer, s->major, s->minor, s->rdb,
         s->has_ckpt ? s->ckpt_replid : "none",
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
        rsink_rollbackf_(s,
                         "EXEC of the batch up to offset %" PRIu64 ": %s — %s",
                         x.offset, rp->text, hint_for(rp->text));
        return;
    }
    if (rp->type != REDIS_REPLY_ARRAY || rp->elements != x.nq || rp->overflow ||
        rp->seen != x.nq) {
        rsink_rollbackf_(
            s,
            "EXEC of the batch up to offset %" PRIu64 " answered %s "
            "of %zu elements for %" PRIu64 " commands — is a WATCH or "
            "CLIENT REPLY in the commands?",
            x.offset,
            rp->type == REDIS_REPLY_ARRAY ? "an array"
            : rp->type == REDIS_REPLY_NIL ? "nil"
                                          : "a non-array",
            rp->elements, x.nq);
        return;
    }
    if (rp->failed) {
        char where[64];

        snprintf(where, sizeof(where),
                 " (in EXEC, batch up to offset %" PRIu64 ")", x.offset);
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
        snprintf(msg, sizeof(msg),
                 "%s (restoring the checkpoint failed "
                 "too: %s)",
                 s->fail_msg, s->rp.text);
    } else {
        snprintf(msg, sizeof(msg), "%s", s->fail_msg);
    }
    rsink_fail_(s, msg);
}

static void
got_reply(struct rsink *s)
{
    struct rsink_reply *rp = &s->rp;
    bool err = rp->type == REDIS_REPLY_ERROR;

    if (s->rec.kind == REC_NONE) {
        rsink_failf_(s,
                     "a reply arrived for no command (%s) — is this a Redis "
                     "server?",
                     err ? rp->text : "not an error");
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
            rsink_rollbackf_(s, "MULTI: %s — %s", rp->text, hint_for(rp->text));
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
        s->cur += rec_len(&s->rec); /* consumed with its EXEC */
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
            rsink_failf_(s,
                         "protocol error in a reply: %s — is this a Redis "
                         "server?",
                         s->reader->errstr);
            return;
        }
        if (obj == NULL) {
            return;
        }
        if (s->rec.kind != REC_NONE) {
            clog(LOG_TRACE, s->ctx, "reply to %s", rec_kind_names[s->rec.kind]);
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

void
rsink_on_read_(struct conn *c, struct evbuffer *in, void *arg)
{
    struct rsink *s = arg;
    size_t budget = RSINK_READ_BUDGET;
    struct evbuffer_iovec v;

    (void)c;
    rsink_enter_(s);
    while (alive(s) && budget > 0 && evbuffer_get_length(in) > 0 &&
           evbuffer_peek(in, -1, NULL, &v, 1) >= 1) {
        size_t n = v.iov_len < RSINK_FEED_CHUNK ? v.iov_len : RSINK_FEED_CHUNK;

        /* the reader copies what it is fed */
        if (redisReaderFeed(s->reader, v.iov_base, n) != REDIS_OK) {
            rsink_failf_(s, "out of memory while reading replies");
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
    rsink_leave_(s);
}
