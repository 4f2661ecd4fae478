/*
 * redis.h - the Redis destination writer: one connection (TCP or TLS)
 * carrying commands to a standalone Redis server, pipelined, with the
 * replication position written in the same MULTI/EXEC as the changes.
 *
 *   rsink_start: connect [TLS] -> AUTH -> INFO server -> HGETALL checkpoint
 *                -> ready
 *   bulk:    rsink_cmd() ...                    (no MULTI: full sync)
 *   batches: rsink_begin() rsink_cmd()... rsink_commit(replid, offset)
 *            = MULTI, [SELECT n,] commands, [SELECT 0,]
 *              HSET tandem:checkpoint:<task> replid R offset O updated T,
 *              EXEC                             -> acked(R, O, ncmds)
 *
 * Everything is pipelined: commands and whole batches go out without
 * waiting for replies, and every reply is matched, in order, against a
 * FIFO of small records telling what it answers.  The writer never blocks
 * its loop; the caller watches rsink_full() and waits for the drained
 * callback (a single-threaded version of libevent's le-proxy watermarks).
 *
 * Databases: each command names its db; the writer sends SELECT when the
 * connection's db differs.  The checkpoint hash lives in db 0 and holds
 * the fields replid, offset (decimal) and updated (ms since the epoch).
 *
 * Errors: an error reply to a command fails the writer, unless the command
 * carries RSINK_IGNORE_ERROR (an EVAL whose script failed on the source
 * as well); so does a command refused while queued inside MULTI (EXEC then
 * answers EXECABORT).  Redis does not roll a transaction back, and the
 * batches sent after the failing one run anyway; so before reporting, the
 * writer discards an open MULTI and writes back the last checkpoint it
 * acknowledged (or deletes the hash when there was none), and reports the
 * error once that write is answered: the destination's checkpoint never
 * names a position the caller was not told about.  Restarting from it
 * runs the failed batch and the ones after it again (commands such as
 * INCR or RPUSH then apply twice: the error already means the destination
 * differs from the source).  Connection failures are reported at once; the
 * destination then holds whatever EXECs it ran, each with its checkpoint.
 *
 * Every failure reaches the error callback once, as one line naming the
 * cause and the fix, e.g. "redis destination 127.0.0.1:6380: NOAUTH
 * Authentication required — set the password in the destination URL
 * (redis://:password@host:port)".  The writer is dead afterwards: the
 * caller frees it and starts a new one, which resumes from the checkpoint.
 *
 * Ownership: rsink_free() may be called from inside any callback; the
 * writer is then released when the callback returns.  Strings passed to
 * callbacks are valid during the call only.
 */
#ifndef TANDEM_SINK_REDIS_H
#define TANDEM_SINK_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct event_base;
struct evdns_base;
struct rsink;

/* rsink_cmd() flags. */
#define RSINK_IGNORE_ERROR 0x01u /* an error reply is counted, not fatal */

/* Longest replid rsink_commit() takes. */
#define RSINK_MAX_REPLID 255

#define RSINK_STATES(X) \
    X(INIT)             \
    X(CONNECTING)       \
    X(TLS)              \
    X(HANDSHAKE)        \
    X(READY)            \
    X(ROLLBACK)         \
    X(FAILED)

/* Where the writer is. */
enum rsink_state {
#define RSINK_STATE_ENUM_(s) RSINK_##s,
    RSINK_STATES(RSINK_STATE_ENUM_)
#undef RSINK_STATE_ENUM_
    RSINK_STATE_COUNT /* sentinel */
};

/* "INIT", "READY"...; "UNKNOWN" out of range. */
const char *rsink_state_name(enum rsink_state st);

struct rsink_opts {
    const char *url;             /* redis://[user:password@]host[:port] or
                                    rediss:// (TLS, certificate verified
                                    unless tls=require); parameters tls=,
                                    ca=; a /db path is ignored (copied) */
    const char *task;            /* task name: the checkpoint key is
                                    tandem:checkpoint:<task> (copied) */
    const char *checkpoint_key;  /* another name for it (copied), e.g.
                                    one per source stream and cluster
                                    node; NULL: the one above */
    size_t queue_bytes;          /* high watermark of rsink_pending_bytes();
                                    0: 64 MiB */
    unsigned connect_timeout_ms; /* resolve + connect, and each wait for
                                    bytes in the TLS handshake and until
                                    ready; 0: 10 s */
    unsigned reply_timeout_ms;   /* fail when replies are awaited and no
                                    byte arrives for this long; 0: never */
    const char *log_ctx;         /* log prefix, e.g. "task=x" (copied), or
                                    NULL */
};

struct rsink_cbs {
    /* Connected, server version and checkpoint read (rsink_checkpoint()):
     * commands may be sent now. */
    void (*ready)(struct rsink *s, void *arg);
    /* The batch committed with (<replid>, <offset>) was executed, and
     * every command before it was answered without a fatal error.
     * <ncmds>: the caller's commands inside that batch. */
    void (*acked)(struct rsink *s, const char *replid, uint64_t offset,
                  uint64_t ncmds, void *arg);
    /* rsink_pending_bytes() fell below half of queue_bytes after having
     * reached queue_bytes. */
    void (*drained)(struct rsink *s, void *arg);
    /* The writer failed: <msg> is one line naming cause and fix.  Called
     * once; nothing else follows. */
    void (*error)(struct rsink *s, const char *msg, void *arg);
    void *arg;                   /* passed to every callback */
};

/* What the writer did since rsink_new(). */
struct rsink_stats {
    uint64_t bytes_written;      /* command bytes handed to the connection
                                    (the writer's own commands too) */
    uint64_t cmds_sent;          /* rsink_cmd() commands written */
    uint64_t cmds_acked;         /* of those, answered (bulk) or executed
                                    in an acknowledged batch */
    uint64_t batches_acked;      /* acked callbacks */
    uint64_t errors_ignored;     /* error replies of RSINK_IGNORE_ERROR
                                    commands */
};

/*
 * Creates a writer (not connected) for <opts> (copied) on loop <base>;
 * <dns> may be NULL (blocking resolver).  Returns NULL with a one-line
 * reason in <err> when the URL does not parse, its scheme is not redis://
 * or rediss://, a parameter is unknown, or memory runs out.
 */
struct rsink *rsink_new(struct event_base *base, struct evdns_base *dns,
                        const struct rsink_opts *opts,
                        const struct rsink_cbs *cbs, char *err,
                        size_t errlen);

/* Starts connecting; ready or error follows from the loop, never from
 * inside this call.  Returns 0, or -1 when already started or out of
 * memory. */
int rsink_start(struct rsink *s);

enum rsink_state rsink_get_state(const struct rsink *s);

/*
 * The last checkpoint known committed: as read when connecting, then as
 * each acked callback moves it.  Returns true with *<replid> (owned by the
 * writer, RSINK_MAX_REPLID + 1 bytes, valid until the next callback or
 * rsink_free()) and *<offset>; false when there is none (no hash, or
 * rsink_checkpoint_clear()).
 */
bool rsink_checkpoint(const struct rsink *s, const char **replid,
                      uint64_t *offset);

/* The checkpoint's updated field (ms since the epoch) when
 * rsink_checkpoint() answers true and the hash had one, else 0. */
uint64_t rsink_checkpoint_updated(const struct rsink *s);

/* Server version from INFO (redis_version); either output may be NULL.
 * Returns 0, or -1 before ready. */
int rsink_server_version(const struct rsink *s, int *major, int *minor);

/* The RDB version the destination loads (2.8: 6, 3.x: 7, 4.0: 8, 5.0 and
 * 6.x: 9, 7.0: 10, 7.2: 11, 7.4 and later: 12); 0 before ready. */
int rsink_rdb_version(const struct rsink *s);

/*
 * Sends command <argv>[0..<argc>) (borrowed, copied before returning) in
 * database <db>, inside the open batch if there is one, else pipelined on
 * its own.  <flags>: RSINK_IGNORE_ERROR or 0.  The command must answer
 * with exactly one reply (no SUBSCRIBE, MONITOR, CLIENT REPLY, WATCH...)
 * nested at most 7 levels deep (hiredis 0.14's reader; an EVAL returning
 * deeper arrays fails the writer).  Returns 0, or -1 when the writer is
 * not ready (the command is dropped), <argc> is 0 or <db> negative.  A
 * caller that keeps sending past twice queue_bytes without waiting for
 * drained gets -1 and the error callback (from the loop).  Callable from
 * the writer's callbacks.
 */
int rsink_cmd(struct rsink *s, int db, size_t argc, const struct span *argv,
              unsigned flags);

/* Opens a batch (MULTI).  Returns 0, or -1 when not ready or a batch is
 * already open. */
int rsink_begin(struct rsink *s);

/*
 * Closes the open batch (or an empty one when none is open) with the
 * checkpoint write of (<replid>, <offset>) and EXEC; acked follows when
 * EXEC is answered.  An empty batch moves the checkpoint alone
 * (heartbeats, the end of a full sync: it also confirms every bulk
 * command before it).  Returns 0, or -1 when not ready or <replid> is
 * longer than RSINK_MAX_REPLID.
 */
int rsink_commit(struct rsink *s, const char *replid, uint64_t offset);

/*
 * Deletes the checkpoint hash (a task reset; before a full sync whose
 * bulk commands must not be mistaken for a resumable state).  Pipelined
 * like a bulk command; rsink_checkpoint() answers false from now on.
 * Returns 0, or -1 when not ready or a batch is open.
 */
/* rsink_commit() with the checkpoint hash at <key> instead (a Redis
 * Cluster keeps one per slot: a MULTI may not span slots).  Its
 * acknowledgement only counts in the stats: no acked callback, and the
 * sink's own checkpoint (rsink_checkpoint(), and what a rollback writes
 * back) stays as it was. */
int rsink_commit_key(struct rsink *s, const char *key, const char *replid,
                     uint64_t offset);
int rsink_checkpoint_clear(struct rsink *s);

/* Bytes of commands not yet answered (queued for the socket or sent),
 * plus the records matching their replies. */
size_t rsink_pending_bytes(const struct rsink *s);

/* True when rsink_pending_bytes() reached queue_bytes: the caller stops
 * sending until drained (a batch may stay open meanwhile). */
bool rsink_full(const struct rsink *s);

void rsink_get_stats(const struct rsink *s, struct rsink_stats *st);

/* Closes the connection and frees; deferred when inside a callback.  NULL
 * is a no-op. */
void rsink_free(struct rsink *s);

#endif
