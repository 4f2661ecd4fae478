/*
 * precheck_redis_int.h - what the files of a Redis task's prechecks
 * share: precheck_redis.c (life cycle, connections, the chain of
 * commands) and precheck_redis_items.c (the verdicts, and the pure
 * helpers below them: version numbers, INFO keyspace lines, Redis 6.0 ACL
 * rule strings, a server's refusal of a probe, the write rate two INFO
 * samples give, which tests/unit/src_test_precheck_redis.c reaches).
 * Not for other modules: see precheck.h.
 */
#ifndef TANDEM_TASK_PRECHECK_REDIS_INT_H
#define TANDEM_TASK_PRECHECK_REDIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/core/url.h"
#include "src/task/precheck_int.h"

struct event;
struct rcli;
struct redisReply;

/* ---- pure helpers (precheck_redis_items.c) ---- */

/* A Redis version, "7.0.15" (INFO server redis_version). */
struct pcr_version {
    unsigned major;     /* 7 */
    unsigned minor;     /* 0 */
    unsigned patch;     /* 15; 0 when absent */
};

/* Reads "<major>.<minor>[.<patch>]" (anything may follow the numbers,
 * "7.2.4-rc1").  False when <text> does not start so. */
bool pcr_version_parse(const char *text, struct pcr_version *v);

/* <0, 0, >0 as <a>'s major.minor is older than, the same as or newer
 * than <b>'s; patch levels are not compared (a patch release changes
 * neither the RDB format nor the commands). */
int pcr_version_cmp(const struct pcr_version *a, const struct pcr_version *b);

/* True when <v> is <major>.<minor>.<patch> or newer. */
bool pcr_version_at_least(const struct pcr_version *v, unsigned major,
                          unsigned minor, unsigned patch);

/*
 * The next "db<N>:keys=<K>,..." line of INFO text <text> (<len> bytes)
 * at or after *<pos>: true with *<db> and *<keys> set and *<pos> moved
 * past the line; false when there is none left.  Other lines are skipped.
 */
bool pcr_keyspace_next(const char *text, size_t len, size_t *pos,
                       unsigned *db, long long *keys);

/* Keys of database <db> in INFO keyspace text; 0 when not listed. */
long long pcr_keyspace_keys(const char *text, size_t len, unsigned db);

/*
 * Whether Redis 6.0/6.1 ACL rules <rules> (ACL GETUSER's "commands"
 * string, "+@all -psync" or "-@all +psync +replconf") let a user run
 * command <cmd>, whose categories are <cats> (NULL-terminated, without
 * '@').  Rules apply left to right from "nothing allowed"; subcommand
 * rules ("+config|get") do not touch a whole command.
 */
bool pcr_acl_allows(const char *rules, const char *cmd,
                    const char *const *cats);

/* How a server answered a probe: a command sent with arguments it
 * refuses after its permission checks, so that it runs nothing. */
enum pcr_probe {
    PCR_PROBE_ALLOWED = 0,  /* refused for its arguments: permitted */
    PCR_PROBE_NOPERM,       /* -NOPERM: the ACL forbids it */
    PCR_PROBE_UNKNOWN,      /* unknown command: renamed or disabled */
    PCR_PROBE_OTHER,        /* another refusal (READONLY, OOM, ...) */
    PCR_PROBE_COUNT         /* sentinel */
};

/* Reads an error reply's text <err> (NULL: the command answered without
 * an error, which counts as permitted). */
enum pcr_probe pcr_probe_kind(const char *err);

/* What one INFO answer says about the write load. */
struct pcr_sample {
    bool known;             /* INFO answered */
    bool backlog_active;    /* repl_backlog_active:1 */
    bool has_offset;        /* master_repl_offset was there */
    uint64_t offset;        /* master_repl_offset */
    bool has_input;         /* total_net_input_bytes was there */
    uint64_t input;         /* total_net_input_bytes */
    uint64_t own;           /* bytes the asking client had sent by
                               then: its own commands count in
                               total_net_input_bytes too */
    uint64_t at_ms;         /* when the answer came (monotonic ms) */
};

/* Fills <s> from INFO text <text>, read at <at_ms> by a client that had
 * sent <own> bytes. */
void pcr_sample_read(struct pcr_sample *s, const char *text, size_t len,
                     uint64_t own, uint64_t at_ms);

/*
 * The source's write rate in bytes per second from samples <a> then <b>:
 * the growth of master_repl_offset when the backlog was active in both
 * (*<exact> true: those are the very bytes the backlog keeps), else the
 * growth of total_net_input_bytes less the asking client's own bytes
 * (*<exact> false: every other client's commands, reads too, so an upper
 * bound).  False when the samples give neither, or less than 100 ms
 * apart.
 */
bool pcr_write_rate(const struct pcr_sample *a, const struct pcr_sample *b,
                    double *bps, bool *exact);

/* ---- the state both files share ---- */

/* Seconds of the source's writes the backlog should hold: a link cut
 * shorter than that resumes with PSYNC, a longer one needs a new full
 * sync. */
#define PCR_BACKLOG_SECONDS 60
/* Pause between the two INFO samples of the write rate (ms). */
#define PCR_SAMPLE_MS 1000
/* Most SCAN calls spent telling tandem's keys of database 0 from others
 * (COUNT 1000 each). */
#define PCR_SCAN_MAX 1000
/* Longest key name quoted in a cause. */
#define PCR_KEY_SHOWN 64
/* The keys tandem keeps on its servers (rtask.c, sink/redis.c). */
#define PCR_KEY_PREFIX "tandem:"
#define PCR_HEARTBEAT_KEY "tandem:heartbeat"

/* X(enum suffix, item string), in report order. */
#define PCR_ITEMS(X)                                    \
    X(SOURCE_CONNECT, "source_connect")                 \
    X(SOURCE_AUTH, "source_auth")                       \
    X(SOURCE_VERSION, "source_version")                 \
    X(SOURCE_PSYNC, "source_psync")                     \
    X(SOURCE_BACKLOG, "source_backlog")                 \
    X(DEST_CONNECT, "dest_connect")                     \
    X(DEST_AUTH, "dest_auth")                           \
    X(DEST_VERSION, "dest_version")                     \
    X(DEST_ROLE, "dest_role")                           \
    X(DEST_MAXMEMORY_POLICY, "dest_maxmemory_policy")   \
    X(DEST_DATABASES, "dest_databases")                 \
    X(DEST_EMPTY, "dest_empty")

#define PCR_ITEM_ENUM_(name, text) PCR_##name,
enum pcr_item {
    PCR_ITEMS(PCR_ITEM_ENUM_)
    PCR_ITEM_COUNT      /* sentinel */
};
#undef PCR_ITEM_ENUM_

/* X(enum suffix, what is sent, the item it serves), chain order: the
 * source's steps, then the destination's. */
#define PCR_STEPS(X)                                            \
    X(SRC_AUTH, "AUTH", SOURCE_AUTH)                            \
    X(SRC_INFO, "INFO", SOURCE_VERSION)                         \
    X(SRC_COMMAND, "COMMAND INFO", SOURCE_PSYNC)                \
    X(SRC_REPLCONF, "REPLCONF probe", SOURCE_PSYNC)             \
    X(SRC_DRYRUN, "ACL DRYRUN", SOURCE_PSYNC)                   \
    X(SRC_GETUSER, "ACL GETUSER", SOURCE_PSYNC)                 \
    X(SRC_PSYNC, "PSYNC probe", SOURCE_PSYNC)                   \
    X(SRC_SET, "SET probe", SOURCE_PSYNC)                       \
    X(SRC_CONFIG, "CONFIG GET repl-backlog-size", SOURCE_BACKLOG) \
    X(SRC_PAUSE, "pause", SOURCE_BACKLOG)                       \
    X(SRC_INFO2, "INFO", SOURCE_BACKLOG)                        \
    X(SRC_END, "end", SOURCE_BACKLOG)                           \
    X(DST_AUTH, "AUTH", DEST_AUTH)                              \
    X(DST_INFO, "INFO", DEST_VERSION)                           \
    X(DST_POLICY, "CONFIG GET maxmemory-policy",                \
      DEST_MAXMEMORY_POLICY)                                    \
    X(DST_DATABASES, "CONFIG GET databases", DEST_DATABASES)    \
    X(DST_SELECT0, "SELECT 0", DEST_EMPTY)                      \
    X(DST_CHECKPOINT, "EXISTS checkpoint", DEST_EMPTY)          \
    X(DST_MARK, "EXISTS mark", DEST_EMPTY)                      \
    X(DST_SCAN, "SCAN", DEST_EMPTY)                             \
    X(DST_SELECT, "SELECT", DEST_DATABASES)                     \
    X(DST_END, "end", DEST_EMPTY)

#define PCR_STEP_ENUM_(name, cmd, item) PCR_##name,
enum pcr_step {
    PCR_STEPS(PCR_STEP_ENUM_)
    PCR_STEP_COUNT      /* sentinel */
};
#undef PCR_STEP_ENUM_

/* What a step did. */
enum pcr_act {
    PCR_SENT = 0,   /* a command is on its way: wait for its reply */
    PCR_SKIP,       /* nothing to ask: next step */
    PCR_WAIT,       /* parked (the pause, or the source's keyspace) */
    PCR_AGAIN,      /* a reply read; run the same step again (SCAN) */
    PCR_STOP,       /* the side's chain ends here */
    PCR_ACT_COUNT   /* sentinel */
};

/* Whether the account may run PSYNC. */
enum pcr_perm {
    PCR_PERM_UNKNOWN = 0,   /* not found out (yet) */
    PCR_PERM_ALLOWED,       /* it may */
    PCR_PERM_DENIED,        /* it may not (psync_bad says why) */
    PCR_PERM_COUNT          /* sentinel */
};

struct pc_redis;

/* One server's control connection and its chain. */
struct pcr_side {
    struct pc_redis *r;         /* owner */
    bool source;                /* the source, else the destination */
    const char *role;           /* "source" or "destination" */
    struct url url;             /* the spec's URL, parsed (user,
                                   password; never printed) */
    char peer[300];             /* "host:port" for messages */
    char ctx[200];              /* log prefix */
    struct rcli *cli;           /* while the chain runs */
    struct event *timer;        /* deadline, or the end of the pause */
    enum pcr_step step;         /* the step running */
    enum pcr_step end;          /* SRC_END or DST_END */
    enum pcr_item connect_item; /* SOURCE_CONNECT or DEST_CONNECT */
    enum pcr_item auth_item;    /* SOURCE_AUTH or DEST_AUTH */
    bool tls;                   /* the URL asks for TLS */
    bool answered;              /* a RESP reply came: a Redis server */
    bool authed;                /* past the login */
    bool sleeping;              /* the timer ends the pause */
    bool waiting;               /* parked until the source's keyspace is
                                   known */
    bool done;                  /* the chain ended */
    enum pcr_item dead;         /* the item whose failure stopped the chain
                                   (PCR_ITEM_COUNT: none) */
    unsigned iter;              /* calls of a repeated step (SCAN, SELECT) */
    char cursor[24];            /* SCAN cursor */
    unsigned probe_db;          /* database of the SELECT sent */
    bool version_known;         /* version holds INFO's redis_version */
    struct pcr_version version; /* ... */
    char version_text[64];      /* "7.0.15" */
    char *info;                 /* the first INFO's text (owned) */
    size_t info_len;            /* its bytes */
    uint64_t sent;              /* bytes of the commands sent */
};

/* A Redis task's prechecks: both sides, the report, the facts found. */
struct pc_redis {
    struct precheck *p;                       /* owner */
    const struct task_spec *spec;             /* the task (borrowed) */
    struct pcr_side src;                      /* the source */
    struct pcr_side dst;                      /* the destination */
    struct precheck_item items[PCR_ITEM_COUNT]; /* the report's items */
    bool set[PCR_ITEM_COUNT];                 /* items[i] has its verdict */
    bool finished;                            /* the report is complete */
    char user[256];                           /* ACL user of the source
                                                 login ("default") */

    /* source_psync */
    char psync_bad[768];        /* what replication is refused ("" none) */
    char psync_bad_fix[512];    /* ... and the way out */
    char psync_warn[768];       /* the heartbeat's troubles, and what
                                   could not be tried ("" none) */
    char psync_warn_fix[512];   /* ... and the way out */
    bool psync_renamed;         /* COMMAND INFO: psync is unknown */
    enum pcr_perm perm;         /* may the account run PSYNC */
    char perm_note[300];        /* why perm is unknown */

    /* source_backlog */
    uint64_t backlog_size;      /* repl-backlog-size */
    struct pcr_sample s1;       /* first INFO sample */
    struct pcr_sample s2;       /* second, PCR_SAMPLE_MS later */

    /* destination */
    long long databases;        /* CONFIG GET databases; -1 unknown */
    bool scan_done;             /* SCAN told db 0's keys apart */
    char foreign_key[PCR_KEY_SHOWN + 16]; /* a db-0 key not tandem's */
    unsigned db_lo;             /* SELECT: highest database found */
    unsigned db_hi;             /* ... lowest found out of range */
    bool db_hi_known;           /* db_hi is set */
    bool dbs_fit;               /* SELECT: every database written exists */
    char select_err[256];       /* SELECT n refused for another reason */
};

/* ---- precheck_redis.c ---- */

/* Runs side <s>'s chain on from its current step (callable from any
 * callback: a reply of the other side wakes a parked side). */
void pcr_side_next(struct pcr_side *s);

/* ---- precheck_redis_items.c ---- */

const char *pcr_item_name(enum pcr_item id);
/* A monotonic clock in ms. */
uint64_t pcr_now_ms(void);
/* Sets item <id> once (later calls are ignored); <cause> and <fix> are
 * copied ("" when passed). */
void pcr_set(struct pc_redis *r, enum pcr_item id, enum precheck_status st,
             const char *cause, const char *fix);
void pcr_pass(struct pc_redis *r, enum pcr_item id);
/* A warning "not checked because <because> failed". */
void pcr_skip(struct pc_redis *r, enum pcr_item id, enum pcr_item because);
/* Marks every undecided item of side <s> "not checked because <why>",
 * and <why> as what stopped the side. */
void pcr_skip_rest(struct pcr_side *s, enum pcr_item why);
/* Appends printf text to <buf> (<len> bytes) after "; ", when not "". */
void pcr_add_text(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An error reply's text cut to 200 bytes, in <buf>; returns <buf>. */
const char *pcr_reply_text(const struct redisReply *rep, char *buf,
                           size_t len);
bool pcr_is_error(const struct redisReply *rep);
/* True when the reply's text starts with <prefix> (any case). */
bool pcr_starts(const struct redisReply *rep, const char *prefix);
/* True for modes full and full+incremental. */
bool pcr_full_mode(const struct pc_redis *r);
/* True when the destination databases the task writes can be listed:
 * "objects" lists them, or the source's INFO has come. */
bool pcr_needed_known(const struct pc_redis *r);
/* True when the task writes destination database 0. */
bool pcr_writes_db0(const struct pc_redis *r);
/* The highest destination database the task writes in *<db>; false when
 * it writes none. */
bool pcr_highest_db(const struct pc_redis *r, unsigned *db);
/* AUTH refused, or NOAUTH when the URL gave no password: fails the auth
 * item of side <s> and skips the rest. */
void pcr_auth_failed(struct pcr_side *s, const struct redisReply *rep);
/* Reads reply <rep> to side <s>'s current step, deciding items: returns
 * what the chain does next (PCR_SKIP: the next step). */
enum pcr_act pcr_got_reply(struct pcr_side *s, const struct redisReply *rep);
/* The items joining both sides, once both chains ended. */
void pcr_check_joined(struct pc_redis *r);

#endif
