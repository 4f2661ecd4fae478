/*
 * redis_int.h - inside the Redis destination writer: the writer's state,
 * the records of commands awaiting replies and the few functions shared
 * by redis.c (lifecycle, connection, handshake, writing of commands and
 * batches, ROLLBACK, the API) and redis_read.c (the hiredis reader and the
 * matching of replies against records).
 */
#ifndef TANDEM_SINK_REDIS_INT_H
#define TANDEM_SINK_REDIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hiredis/read.h>

#include "proto/buf.h"
#include "src/core/url.h"
#include "src/sink/redis.h"

struct conn;
struct evbuffer;
struct event;

/* Bytes of a command's name and key kept for messages. */
#define RSINK_NAME_MAX 32u
#define RSINK_KEY_MAX 64u
/* Server error text kept for messages. */
#define RSINK_TEXT_MAX 256u

#define REC_KINDS(X)                                                           \
    X(NONE)                                                                    \
    X(AUTH)                                                                    \
    X(INFO)                                                                    \
    X(CKPT)                                                                    \
    X(CMD)                                                                     \
    X(MULTI)                                                                   \
    X(QUEUED)                                                                  \
    X(EXEC)                                                                    \
    X(SKIP)                                                                    \
    X(ROLLBACK)

/* What a reply answers. */
enum rec_kind {
#define REC_KIND_ENUM_(k) REC_##k,
    REC_KINDS(REC_KIND_ENUM_)
#undef REC_KIND_ENUM_
        REC_KIND_COUNT /* sentinel */
};

/* Record flags besides RSINK_IGNORE_ERROR. */
#define REC_OWN 0x80u     /* the writer's own command (SELECT, HSET..) */
#define REC_KEY_CUT 0x40u /* the key was longer than kept */

/* One record in the ring; name (or replid) and key bytes follow, then a
 * struct rec_exec for REC_EXEC. */
struct rec {
    uint8_t kind;   /* enum rec_kind */
    uint8_t flags;  /* RSINK_IGNORE_ERROR, REC_* */
    uint8_t alen;   /* bytes of the name (EXEC: the replid) */
    uint8_t blen;   /* bytes of the key */
    uint32_t spare; /* zero */
    uint64_t bytes; /* command bytes this reply answers */
};

/* What an EXEC record carries besides its replid. */
struct rec_exec {
    uint64_t other_key;  /* 1: the checkpoint went to another key
                            (rsink_commit_key()) */
    uint64_t offset;     /* checkpoint offset */
    uint64_t ncmds;      /* the caller's commands in the batch */
    uint64_t nq;         /* QUEUED records of the batch */
    uint64_t updated_ms; /* the checkpoint's updated field */
};

/* A byte FIFO of records (power-of-two capacity). */
struct ring {
    uint8_t *buf; /* owned; NULL while empty and idle */
    size_t cap;   /* bytes allocated */
    size_t rd;    /* index of the oldest byte */
    size_t len;   /* bytes held */
};

/* What the reader noted of the reply being read. */
struct rsink_reply {
    int type;                  /* top-level REDIS_REPLY_*, 0: none yet */
    size_t elements;           /* top-level array elements */
    char text[RSINK_TEXT_MAX]; /* top-level error or status text */
    /* EXEC: its elements against the batch's QUEUED records */
    size_t walk;     /* ring offset of the next element's record */
    size_t seen;     /* elements seen */
    size_t ignored;  /* errors of RSINK_IGNORE_ERROR commands */
    bool failed;     /* an error of another command */
    size_t fail_off; /* its record's ring offset */
    char fail_text[RSINK_TEXT_MAX]; /* its error text */
    bool overflow;                  /* more elements than records */
    /* CKPT: the fields of the checkpoint hash */
    char field[32];                    /* last field name (cut) */
    bool has_replid;                   /* replid seen */
    bool has_offset;                   /* offset seen */
    bool bad;                          /* a field did not parse */
    char bad_what[80];                 /* which, for the message */
    char replid[RSINK_MAX_REPLID + 1]; /* replid value */
    uint64_t offset;                   /* offset value */
    uint64_t updated_ms;               /* updated value, 0 when absent */
    /* INFO */
    bool has_version; /* redis_version found */
};

struct rsink {
    struct event_base *base; /* loop (borrowed) */
    struct evdns_base *dns;  /* resolver (borrowed), may be NULL */
    struct url url;          /* destination (owned strings) */
    bool tls;                /* TLS on the connection */
    char *key;               /* tandem:checkpoint:<task> (owned) */
    char *ctx;               /* log prefix (owned) */
    char *peer;              /* host:port for messages (owned) */
    size_t queue_bytes;      /* high watermark */
    unsigned connect_ms;     /* connect + handshake timeout */
    unsigned reply_ms;       /* reply timeout, 0: none */
    struct rsink_cbs cbs;    /* caller callbacks */
    enum rsink_state state;  /* RSINK_* */

    struct conn *conn;      /* the connection (owned), or NULL */
    redisReader *reader;    /* hiredis reader (owned) */
    struct event *flush_ev; /* hands staged bytes over (owned) */
    struct pbuf out;        /* staged command bytes */
    struct ring ring;       /* records awaiting replies */
    size_t cur;             /* ring offset of the record the next
                               reply answers (past QUEUED ones) */
    struct rec rec;         /* copy of that record's header */
    struct rsink_reply rp;  /* the reply being read */
    uint64_t unacked;       /* command bytes not yet answered */
    bool timeout_on;        /* reply timeout armed */
    bool was_full;          /* reached queue_bytes: drained owed */
    int db;                 /* the connection's db after the
                               commands written so far */
    bool in_batch;          /* MULTI written, EXEC not yet */
    uint64_t batch_cmds;    /* caller commands of the open batch */
    uint64_t batch_nq;      /* QUEUED records of the open batch */
    uint64_t batch_bytes;   /* bytes of its queued commands */

    int major, minor; /* redis_version */
    int rdb;          /* RDB version it loads */

    bool has_ckpt;                          /* checkpoint known */
    char ckpt_replid[RSINK_MAX_REPLID + 1]; /* ... */
    uint64_t ckpt_offset;                   /* ... */
    uint64_t ckpt_updated;                  /* ms since the epoch, 0: unknown */

    char *fail_msg;        /* ROLLBACK or a deferred failure: the
                              message to report (owned) */
    bool fail_now;         /* report fail_msg from the flush event */
    struct rsink_stats st; /* counters */
    unsigned depth;        /* nesting of loop entries */
    bool free_pending;     /* rsink_free() inside a callback */
};

/* The writer can still act (not failed, not being freed). */
static inline bool
alive(const struct rsink *s)
{
    return !s->free_pending && s->state != RSINK_FAILED;
}

/* Copies <n> bytes at ring offset <off> (held) to <p>. */
static inline void
ring_get(const struct ring *r, size_t off, void *p, size_t n)
{
    size_t at = (r->rd + off) & (r->cap - 1);
    size_t first = r->cap - at < n ? r->cap - at : n;

    memcpy(p, r->buf + at, first);
    memcpy((uint8_t *)p + first, r->buf, n - first);
}

/* Bytes of the record with header <h> in the ring. */
static inline size_t
rec_len(const struct rec *h)
{
    return sizeof(*h) + h->alen + h->blen +
           (h->kind == REC_EXEC ? sizeof(struct rec_exec) : 0);
}

/* The header of the record at ring offset <off>. */
static inline void
rec_read(const struct rsink *s, size_t off, struct rec *h)
{
    ring_get(&s->ring, off, h, sizeof(*h));
}

/* redis.c */

/* Moves to state <st>, which must be legal from the current one (aborts
 * otherwise); <why> is logged. */
void rsink_set_state_(struct rsink *s, enum rsink_state st, const char *why);

/* A loop entry begins; rsink_leave_() ends it and frees the writer when
 * rsink_free() was called inside.  <s> must not be touched after
 * rsink_leave_(). */
void rsink_enter_(struct rsink *s);
void rsink_leave_(struct rsink *s);

/* Drops the <n> oldest bytes of <r>; gives big storage back when empty. */
void rsink_ring_drop_(struct ring *r, size_t n);

/* Reports <msg> once to the error callback and closes: the writer is
 * dead.  rsink_failf_() prefixes "redis destination <peer>: ". */
void rsink_fail_(struct rsink *s, const char *msg);
void rsink_failf_(struct rsink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An error reply (to the record in s->rec, at s->cur) ends the writer
 * through ROLLBACK: <msg> is reported once the checkpoint write-back is
 * answered (at once when it cannot be sent).  rsink_rollbackf_() prefixes
 * "redis destination <peer>: ". */
void rsink_rollback_(struct rsink *s, const char *msg);
void rsink_rollbackf_(struct rsink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* redis_read.c */

/* A hiredis reader whose object functions note replies in s->rp and
 * allocate nothing; NULL when out of memory.  Freed with
 * redisReaderFree(). */
redisReader *rsink_reader_new_(struct rsink *s);

/* The connection's read callback (struct conn_cbs.read, <arg> the
 * writer): feeds the reader and matches every complete reply. */
void rsink_on_read_(struct conn *c, struct evbuffer *in, void *arg);

#endif
