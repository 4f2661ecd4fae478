/*
 * redis.h - the Redis source: tandem registers with a Redis master as a
 * replica (PSYNC), reads the RDB of a full resynchronisation and then the
 * command stream, and hands both to its consumer.
 *
 *   conn --AUTH, REPLCONF, PSYNC--> master
 *        <--+FULLRESYNC replid off, $len or $EOF:mark, RDB (rdb.c)--
 *        <--+CONTINUE [replid]-- (resumed: the backlog held the offset)
 *        <--commands (resp.c), each advancing the replication offset--
 *        --REPLCONF ACK <offset> every second-->
 *
 * The source does not reconnect by itself: a lost connection ends it
 * (on_end with a reason); its consumer starts a new one from the offset
 * it has handled (rsrc_offset()), which the master continues with
 * +CONTINUE while its backlog still holds it.  SELECT is folded into the
 * database number given with each command; REPLCONF GETACK is answered
 * here; every other command, PING and MULTI/EXEC included, reaches the
 * consumer with the offset just past it.
 */
#ifndef TANDEM_SOURCE_REDIS_H
#define TANDEM_SOURCE_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct event_base;
struct evdns_base;
struct rdb_event;
struct rsrc;

/* Length of a replication ID, in hex characters. */
#define RSRC_REPLID_LEN 40

struct rsrc_opts {
    const char *url;         /* redis[s]://[user:password@]host:port */
    const char *replid;      /* resume: PSYNC replid offset+1; NULL:
                                a full resynchronisation, or from now */
    uint64_t offset;         /* with replid: the last offset handled */
    bool from_now;           /* without replid: no RDB, stream from the
                                master's current offset (read with
                                INFO replication) */
    uint16_t listening_port; /* REPLCONF listening-port (0: none) */
    size_t rdb_dump_limit;   /* capture RESTORE payloads of values up
                                to this size (0: never) ... */
    unsigned rdb_dump_kinds; /* ... of these kinds (rdb_dec.dump_kinds;
                                0: every kind) */
    const char *log_ctx;     /* logfmt prefix, e.g. "task=x" */
};

struct rsrc_cbs {
    /* The master starts a full resynchronisation: the RDB follows. */
    void (*on_full)(void *arg, const char *replid, uint64_t offset);
    /* One event of the RDB (proto/redis/rdb.h); views valid during the
     * call.  Returns 0, or -1 to stop (rsrc_fail() first). */
    int (*on_rdb)(void *arg, const struct rdb_event *ev);
    /* The RDB is complete: the stream continues at the full's offset. */
    void (*on_rdb_end)(void *arg);
    /* The stream goes on (after +CONTINUE, or from now) at <offset>, under
     * <replid> (new after a failover). */
    void (*on_continue)(void *arg, const char *replid, uint64_t offset);
    /* One command of database <db>; <offset> is the replication offset
     * just past it.  Returns 0, or -1 to stop. */
    int (*on_command)(void *arg, int db, size_t argc, const struct span *argv,
                      uint64_t offset);
    /* The source ended: err is one line naming the cause and the fix, or
     * NULL after rsrc_stop().  <resumable>: a new source from
     * rsrc_offset() may continue (a lost connection, not a refusal). */
    void (*on_end)(void *arg, const char *err, bool resumable);
};

/* Parses the URL; NULL with the reason in <err>. */
struct rsrc *rsrc_new(struct event_base *base, struct evdns_base *dns,
                      const struct rsrc_opts *opts, const struct rsrc_cbs *cbs,
                      void *arg, char *err, size_t errlen);
/* Connects and starts the handshake.  Returns 0 or -1 (err filled). */
int rsrc_start(struct rsrc *s, char *err, size_t errlen);
/* Ends the source; on_end(NULL) follows from the loop. */
void rsrc_stop(struct rsrc *s);
/* A consumer callback's reason to stop (then return -1 from it). */
void rsrc_fail(struct rsrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Consumer backpressure. */
void rsrc_pause(struct rsrc *s);
void rsrc_resume(struct rsrc *s);
/* The offset REPLCONF ACK reports: what the consumer has applied. */
void rsrc_ack(struct rsrc *s, uint64_t offset);
/* Where the stream is: the replication ID and the offset past the last
 * command handed over; false before the master answered PSYNC. */
bool rsrc_offset(const struct rsrc *s, const char **replid, uint64_t *offset);
/* The master's version ("7.0.15"), once known (else ""). */
const char *rsrc_server_version(const struct rsrc *s);
/* Bytes read from the master. */
uint64_t rsrc_read_bytes(const struct rsrc *s);
/* "host:port" of the master. */
const char *rsrc_peer(const struct rsrc *s);
void rsrc_free(struct rsrc *s);

#endif
