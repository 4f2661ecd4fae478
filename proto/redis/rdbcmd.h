/*
 * rdbcmd.h - the keys of an RDB (proto/redis/rdb.h events) as the Redis
 * commands that rebuild them on another server.
 *
 *   string   SET key value
 *   list     RPUSH key e1 e2 ...            split every max_items/bytes
 *   set      SADD key m1 m2 ...
 *   hash     HSET key f1 v1 ... (HMSET before Redis 4.0), and per field
 *            with a TTL (7.4): HPEXPIREAT key ms FIELDS 1 f
 *   zset     ZADD key s1 m1 s2 m2 ...       scores as text that reads back
 *                                           to the same double
 *   stream   XADD key id f v ... per entry, then XSETID key last-id
 *            [ENTRIESADDED n MAXDELETEDID id]; per group XGROUP CREATE
 *            key group id [ENTRIESREAD n], XGROUP CREATECONSUMER, and
 *            per pending entry XCLAIM key group consumer 0 id TIME ms
 *            RETRYCOUNT n FORCE JUSTID (as Redis rewrites an AOF)
 *   module   RESTORE key 0 payload REPLACE (the only way to carry one)
 *
 * A stream whose RESTORE payload the destination can load is also
 * restored from it after its commands: commands cannot rebuild a pending
 * entry whose message was deleted (XCLAIM drops it), RESTORE can.
 *   any      DEL key first (opts.del_first: the destination may hold it),
 *            PEXPIREAT key ms last when the key has a TTL
 *
 * The commands go to a callback one by one; their arguments are views
 * valid during the call.  A big key becomes several commands, so no
 * command grows past max_items elements or about max_bytes bytes.
 */
#ifndef TANDEM_PROTO_REDIS_RDBCMD_H
#define TANDEM_PROTO_REDIS_RDBCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct rdb_event;

/* Called for each command; returns 0, or -1 to stop (rdbcmd_event()
 * then returns -1 with no message of its own). */
typedef int (*rdbcmd_emit_cb)(void *arg, int db, size_t argc,
                              const struct span *argv);

struct rdbcmd_opts {
    size_t max_items;         /* elements per command; 0: 512 */
    size_t max_bytes;         /* argument bytes per command; 0: 1 MiB */
    bool del_first;           /* DEL each key before rebuilding it */
    int target_major;         /* destination's major version (HSET with
                                 many fields from 4, XSETID options and
                                 ENTRIESREAD from 7); 0: the newest */
    unsigned restore_version; /* newest RDB version the destination's
                                 RESTORE loads; 0: never use RESTORE */
    bool mset;                /* strings without a TTL go together in
                                 MSETs (one command for many keys) */
};

/* A pending entry of a stream's group (its delivery time and count). */
struct rdbcmd_pel {
    uint64_t ms, seq;    /* entry ID */
    int64_t delivery_ms; /* last delivery time */
    uint64_t count;      /* deliveries */
};

/* The converter.  Zero it, set opts, feed every event, rdbcmd_free(). */
struct rdbcmd {
    struct rdbcmd_opts opts;
    int db;                 /* current database */
    struct pbuf key;        /* the current key */
    int kind;               /* its enum rdb_kind, or -1 between keys */
    int64_t expire_ms;      /* its TTL, or -1 */
    bool wrote;             /* a command for the key went out */
    struct pbuf args;       /* the pending command's argument bytes */
    size_t *arg_len;        /* their lengths */
    size_t nargs, cap_args; /* entries in use / allocated */
    size_t fixed;           /* leading arguments each split repeats */
    struct span *argv;      /* scratch for the callback */
    size_t cap_argv;        /* entries allocated */
    struct pbuf group;      /* stream: the current group's name */
    struct pbuf consumer;   /* stream: the current consumer's name */
    struct rdbcmd_pel *pel; /* stream: the current group's pending list */
    size_t npel, cap_pel;   /* entries in use / allocated */
    uint64_t entries;       /* stream: entries written for the key */
    uint64_t keys;          /* keys converted */
    uint64_t commands;      /* commands emitted */
    char err[160];          /* why the last call failed */
    struct pbuf mset;       /* opts.mset: keys and values waiting */
    size_t *mset_len;       /* ... their lengths */
    size_t mset_n, mset_cap; /* ... how many (keys + values) */
    int mset_db;            /* ... their database */
    struct span *mset_argv; /* ... scratch for the callback */
    rdbcmd_emit_cb emit_;   /* private: the callback of this call */
    void *emit_arg_;        /* private: its argument */
};

/* Feeds one RDB event.  Returns 0, or -1 with the reason in c->err (a
 * module value without a RESTORE payload, a malformed event, no memory)
 * or after the callback's -1. */
int rdbcmd_event(struct rdbcmd *c, const struct rdb_event *ev,
                 rdbcmd_emit_cb emit, void *arg);

void rdbcmd_free(struct rdbcmd *c);

#endif
