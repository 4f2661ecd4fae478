/*
 * rtask_int.h - what the files of a Redis task share (rtask.c the
 * lifecycle and checkpoints, rtask_topo.c the servers behind each side,
 * rtask_route.c which command goes where).
 *
 * A side is one server, or the masters of a Redis Cluster.  The task
 * runs one stream per source master, and each stream writes through one
 * link per destination master:
 *
 *   stream s (rsrc, PSYNC to master s) --+--> link (s, 0): rsink to dest 0
 *                                         +--> link (s, 1): rsink to dest 1
 *
 * Every link keeps its own checkpoint hash on its destination node,
 * written in the same MULTI/EXEC as the commands it carries.  A stream
 * resumes from the lowest offset its links recorded, and a link skips
 * the commands at or below its own: nothing is lost or applied twice,
 * whichever link was ahead when the task stopped.
 */
#ifndef TANDEM_TASK_RTASK_INT_H
#define TANDEM_TASK_RTASK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/redis/rdbcmd.h"
#include "src/source/redis.h"
#include "src/task/delay.h"
#include "src/task/rtask.h"

struct rcli;
struct rsink;
struct redisReply;

/* Most masters on one side. */
#define RTASK_MAX_NODES 64
/* Slots of a Redis Cluster. */
#define RTASK_SLOTS 16384

/* One master of a side. */
struct rnode {
    char *url;                 /* the seed URL with this host:port (owned) */
    char addr[300];            /* "host:port" for messages */
    unsigned first_slot;       /* lowest slot it serves (0 standalone) */
    char tag[16];              /* a hash tag whose slot it serves */
};

/* A side: a server, or a cluster's masters. */
struct rtopo {
    bool known;                /* discovery answered */
    bool cluster;              /* a Redis Cluster */
    size_t n;                  /* masters */
    struct rnode node[RTASK_MAX_NODES];
    uint8_t owner[RTASK_SLOTS]; /* cluster: node index of each slot */
};

/* Replication IDs a link's slot checkpoints may name. */
#define RSLOTS_MAX_RIDS 4
/* Arguments of a queued command read back without allocating. */
#define RSLOTS_MAX_ARGS 64

/* A link's commands queued by slot (a cluster destination; see
 * rtask_slots.c). */
struct rslots {
    int32_t *idx;              /* RTASK_SLOTS: position in order, or -1 */
    uint16_t *order;           /* slots with queued commands, in order */
    struct pbuf *q;            /* per position: the queued commands */
    uint32_t *ncmds;           /* per position: how many */
    size_t n, cap;             /* positions in use / allocated */
    uint64_t *ckpt;            /* RTASK_SLOTS: offset read at start */
    uint8_t *ckpt_rid;         /* RTASK_SLOTS: 1 + index in rids, 0 none */
    char rids[RSLOTS_MAX_RIDS][RSRC_REPLID_LEN + 1];
    size_t nrids;
};

/* Kinds of command runs merged into one (rtask_merge.c). */
enum rmerge_kind {
    MERGE_NONE = 0,            /* no run open */
    MERGE_MSET,                /* plain SETs */
    MERGE_LPUSH,               /* on one key each: */
    MERGE_RPUSH,
    MERGE_SADD,
    MERGE_HSET,
    MERGE_ZADD,
    MERGE_KIND_COUNT           /* sentinel */
};

/* The run of commands being merged for a link's open batch. */
struct rmerge {
    enum rmerge_kind kind;     /* MERGE_NONE: nothing waits */
    unsigned db;               /* its database */
    size_t items;              /* commands merged */
    struct pbuf data;          /* the merged command's arguments */
    size_t *len;               /* ... their lengths */
    size_t n, cap;             /* ... how many / allocated */
    struct span *argv;         /* scratch for the sink */
};

/* One stream's writer to one destination node. */
struct rlink {
    bool use_slots;            /* a cluster node: batches per slot */
    struct rmerge merge;       /* a server: the run being merged */
    struct rslots slots;       /* ... queued there */
    struct rsink *sink;
    bool ready;                /* connected, checkpoint read */
    bool have_ckpt;            /* a checkpoint was read at start */
    char ckpt_replid[RSRC_REPLID_LEN + 1]; /* ... replay filter */
    uint64_t ckpt_offset;
    bool batch_open;           /* rsink_begin() without commit yet */
    size_t batch_cmds;         /* commands in it */
    size_t batch_bytes;        /* their argument bytes */
    bool dirty;                /* commit even without commands */
    uint64_t committed;        /* offset of the last commit sent */
    bool have_acked;           /* a commit was acknowledged */
    uint64_t acked;            /* ... its offset */
};

/* One source master's replication stream. */
struct rstream {
    struct rtask *r;
    size_t idx;                /* index in r->streams */
    struct rsrc *src;
    char sid[16];              /* "s<first slot>": names its checkpoints */
    char replid[RSRC_REPLID_LEN + 1]; /* position reached */
    uint64_t offset;
    bool have_pos;
    bool resumed;              /* PSYNC with a position */
    bool in_multi;             /* inside a source MULTI ... EXEC */
    bool full;                 /* reading its RDB */
    bool full_done;            /* its RDB is read */
    bool paused;               /* for a full writer */
    unsigned reconnects;       /* without progress */
    int64_t hb_ms;             /* last heartbeat read */
    uint64_t hb_offset;        /* ... its offset */
    uint64_t master_offset;    /* INFO replication of its master */
    uint64_t until;            /* until_caught_up: the master's offset
                                  when the stream was under way; 0 */
    uint64_t keys_copied;      /* RDB keys */
    struct rdbcmd conv;        /* RDB keys to commands */
    struct rcli *hb;           /* heartbeat writer at its master */
    char hbkey[64];            /* tandem:heartbeat[:{tag}] */
    struct rlink *links;       /* one per destination node */
};

struct rtask {
    struct event_base *base;
    struct evdns_base *dns;
    const struct task_spec *spec;
    struct rtask_hooks hooks;
    char ctx[128];             /* log prefix "task=<name>" */
    enum task_status status;
    struct rtopo src_topo, dst_topo;
    struct rcli *disc[2];      /* discovery of each side */
    struct rcli **check;       /* destination checks, one per node */
    void *check_state;         /* their states (rtask.c) */
    size_t checks_left;        /* checks not finished */
    struct rstream *streams;   /* src_topo.n */
    size_t nstreams;
    size_t links_ready;        /* links whose sink is ready */
    struct event *timer;       /* backoff */
    struct event *tick;        /* every second */
    struct event *flush_ev;    /* closes open batches */
    unsigned backoff_ms;
    bool stopping;
    bool until_caught_up;      /* stop once caught up (rtask.h) */
    struct delay delay;
    uint64_t read_base, sent_base, cmds_base, batches_base;
    uint64_t errors;
    uint64_t keys_copied;
    struct span *argv2;        /* scratch: rewritten commands */
    size_t cap_argv2;
    size_t *idx;               /* scratch: key positions */
    size_t cap_idx;
    char dbtext[2][12];        /* scratch: db numbers as text */
    char err[1024];
};

/* ---- rtask.c ---- */
void rtask_fail_(struct rtask *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool rtask_alive_(const struct rtask *r);
void rtask_restart_later_(struct rtask *r, const char *why);
void rtask_start_streams_(struct rtask *r);
void rtask_mark_key_(const struct rtask *r, size_t j, char *out,
                     size_t outlen);

/* ---- rtask_check.c ---- */
/* Checks and marks every destination node before a full sync, then
 * starts the streams; <clear>: one was cut short after some
 * checkpoints, empty what it wrote. */
void rtask_check_destination_(struct rtask *r, bool clear);
/* Reads the slot checkpoints of a cluster destination, then starts the
 * streams. */
void rtask_read_slot_ckpts_(struct rtask *r);
/* Queues a command of stream <st> for link <j> (its batch, or bulk
 * during the stream's full sync); <slot>: its keys' slot on a cluster
 * destination, RTASK_SLOT_NONE on a server, RTASK_SLOT_ANY for a
 * keyless command (it then follows everything queued before it). */
#define RTASK_SLOT_NONE (-1)
#define RTASK_SLOT_ANY (-2)
void rtask_link_cmd_(struct rstream *st, size_t j, int slot, unsigned db,
                     size_t argc, const struct span *argv);

/* ---- rtask_merge.c ---- */
/* A command of a batch, merged into the open run where it can be, else
 * after that run goes out.  Returns 0 or -1 (out of memory). */
int rmerge_cmd(struct rmerge *m, struct rsink *sink, unsigned db,
               size_t argc, const struct span *argv);
/* Sends the open run (before the batch's checkpoint). */
int rmerge_flush(struct rmerge *m, struct rsink *sink);
void rmerge_free(struct rmerge *m);

/* ---- rtask_slots.c ---- */
int rslots_init(struct rslots *q);
void rslots_free(struct rslots *q);
/* The shortest hash tag of <slot>, and the slot checkpoint key of <st>. */
const char *rslots_tag(unsigned slot);
void rslots_key(const struct rstream *st, unsigned slot, char *out,
                size_t len);
/* A slot checkpoint read at start, and whether it covers a command. */
void rslots_note_ckpt(struct rslots *q, unsigned slot, const char *replid,
                      uint64_t offset);
bool rslots_skip(const struct rslots *q, unsigned slot, const char *replid,
                 uint64_t offset);
int rslots_queue(struct rslots *q, unsigned slot, unsigned db, size_t argc,
                 const struct span *argv);
bool rslots_empty(const struct rslots *q);
/* One MULTI per queued slot, with the slot's checkpoint at the stream's
 * position. */
int rslots_flush(struct rslots *q, struct rstream *st, struct rsink *sink);

/* ---- rtask_topo.c ---- */
/* Asks the server at <url> which masters serve it (CLUSTER SLOTS); cb
 * once the side is known, or with an error. */
typedef void (*rtopo_cb)(struct rtask *r, int side, const char *err);
int rtopo_discover(struct rtask *r, int side, const char *url, rtopo_cb cb);
void rtopo_clear(struct rtopo *t);
/* The node of <t> serving <slot>. */
size_t rtopo_node_of(const struct rtopo *t, unsigned slot);
/* <url> with its host:port replaced by <host>:<port> (malloc'd). */
char *rtopo_url_with(const char *url, const char *host, unsigned port);

/* ---- rtask_route.c ---- */
/* A command of the stream at database <db>: selected, mapped, routed to
 * its links.  Returns 0, or -1 once the task failed. */
int rtask_route_(struct rstream *st, int db, size_t argc,
                 const struct span *argv);
/* A command rebuilding an RDB key (full sync): the same, without the
 * replay filter. */
int rtask_route_rdb_(struct rstream *st, int db, size_t argc,
                     const struct span *argv);
/* True for tandem's own keys (tandem:*). */
bool rtask_is_own_key_(const struct span *k);

#endif
