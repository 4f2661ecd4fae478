/*
 * rtask.c - a Redis to Redis task (see rtask.h).
 *
 * Life of a run:
 *
 *   start -> sink ready, checkpoint read
 *     checkpoint         PSYNC replid offset+1 -> +CONTINUE -> stream
 *     none, full modes   [destination empty?] PSYNC ? -1 -> RDB -> stream
 *     none, incremental  from the master's current offset -> stream
 *
 * The stream's commands are grouped into batches (a batch closes when it
 * is big, or once per turn of the loop outside a source transaction);
 * the sink wraps each in MULTI/EXEC with the checkpoint.  A sink failure
 * tears everything down and starts again from the checkpoint after a
 * backoff; a lost source link only reconnects the source.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "proto/redis/cmdtable.h"
#include "proto/redis/rdb.h"
#include "proto/redis/rdbcmd.h"
#include "proto/redis/resp.h"
#include "src/core/log.h"
#include "src/sink/redis.h"
#include "src/source/redis.h"
#include "src/task/delay.h"
#include "src/task/rcli.h"
#include "src/task/rtask.h"

#define RTASK_BACKOFF_MIN_MS 200
#define RTASK_BACKOFF_MAX_MS 10000
/* Most commands and argument bytes in one batch. */
#define RTASK_BATCH_CMDS 1000
#define RTASK_BATCH_BYTES (4u << 20)
/* Most keys (besides tandem's) a destination database may hold under
 * "existing_tables": "intercept" before a full sync. */
/* Values up to this size are also captured as RESTORE payloads (streams
 * and module values use them). */
#define RTASK_DUMP_LIMIT (16u << 20)
#define RTASK_HEARTBEAT_KEY "tandem:heartbeat"
#define RTASK_KEY_PREFIX "tandem:"
/* Most source reconnects in a row without progress before failing. */
#define RTASK_MAX_RECONNECTS 30

struct rtask {
    struct event_base *base;
    struct evdns_base *dns;
    const struct task_spec *spec;
    struct rtask_hooks hooks;
    char ctx[128]; /* log prefix "task=<name>" */
    enum task_status status;
    struct rsink *sink;
    struct rsrc *src;
    struct rcli *hb;        /* heartbeat writer at the source */
    struct rcli *check;     /* destination check before a full */
    struct rdbcmd conv;     /* RDB keys to commands */
    struct event *timer;    /* backoff */
    struct event *tick;     /* every second: heartbeat */
    struct event *flush_ev; /* closes the open batch */
    unsigned backoff_ms;
    unsigned reconnects;              /* source reconnects without progress */
    char replid[RSRC_REPLID_LEN + 1]; /* position handed to the sink */
    uint64_t offset;
    bool have_pos;                          /* replid/offset set */
    char acked_replid[RSRC_REPLID_LEN + 1]; /* committed at the dest */
    uint64_t acked_offset;
    bool have_acked;
    uint64_t committed_offset; /* offset of the last commit sent */
    bool batch_open;           /* rsink_begin() without commit yet */
    size_t batch_cmds;         /* commands in the open batch */
    size_t batch_bytes;        /* their argument bytes */
    bool in_multi;             /* inside a source MULTI ... EXEC */
    bool full;                 /* reading an RDB */
    bool full_done;            /* a full sync completed in this run */
    bool resumed;              /* started from a checkpoint */
    bool paused;               /* source paused for the sink's bound */
    bool stopping;             /* rtask_stop() waits for acks */
    int64_t hb_ms;             /* last heartbeat read in the stream */
    uint64_t hb_offset;        /* ... its offset */
    struct delay delay;
    uint64_t master_offset; /* from INFO replication */
    uint64_t read_base, sent_base, cmds_base, batches_base;
    uint64_t errors;
    uint64_t keys_copied; /* RDB keys written */
    char mark[160];       /* "tandem:fullsync:<task>" */
    long long db0_keys;   /* keys of destination db 0 (check) */
    struct span *argv2;   /* scratch: rewritten commands */
    size_t cap_argv2;
    char dbtext[16][12]; /* scratch: mapped db numbers as text */
    char err[1024];
};

static void start_run(struct rtask *r);
static void restart_later(struct rtask *r, const char *why);

static uint64_t
now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void
set_status(struct rtask *r, enum task_status s, const char *why)
{
    if (r->status == s) {
        return;
    }
    clog(LOG_INFO, r->ctx, "phase %s -> %s%s%s", task_status_name(r->status),
         task_status_name(s), why != NULL ? ": " : "", why != NULL ? why : "");
    r->status = s;
    if (r->hooks.status != NULL && s != TASK_STOPPED && s != TASK_FAILED) {
        r->hooks.status(r->hooks.arg, s, why);
    }
}

static void
drop_src(struct rtask *r)
{
    if (r->src != NULL) {
        r->read_base += rsrc_read_bytes(r->src);
        rsrc_free(r->src);
        r->src = NULL;
    }
    r->paused = false;
}

static void
teardown(struct rtask *r)
{
    struct rsink_stats ss;

    drop_src(r);
    if (r->sink != NULL) {
        rsink_get_stats(r->sink, &ss);
        r->sent_base += ss.bytes_written;
        r->cmds_base += ss.cmds_acked;
        r->batches_base += ss.batches_acked;
        rsink_free(r->sink);
        r->sink = NULL;
    }
    rcli_free(r->check);
    r->check = NULL;
    rdbcmd_free(&r->conv);
    r->batch_open = false;
    r->batch_cmds = 0;
    r->batch_bytes = 0;
    r->in_multi = false;
    r->full = false;
    r->have_pos = false;
}

static void
finish(struct rtask *r, enum task_status s, const char *err)
{
    if (r->status == TASK_FAILED || r->status == TASK_STOPPED) {
        return;
    }
    if (err != NULL) {
        snprintf(r->err, sizeof(r->err), "%s", err);
        r->errors++;
    }
    set_status(r, s, err);
    teardown(r);
    rcli_free(r->hb);
    r->hb = NULL;
    event_del(r->timer);
    event_del(r->tick);
    if (r->hooks.done != NULL) {
        r->hooks.done(r->hooks.arg, s, err);
    }
}

static void rtask_fail(struct rtask *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rtask_fail(struct rtask *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    clog(LOG_ERROR, r->ctx, "%s", msg);
    finish(r, TASK_FAILED, msg);
}

/* ---- batches ---- */

/* Sends the open batch with the position reached, or a checkpoint alone
 * when the position moved without a command to apply. */
static void
commit(struct rtask *r, bool force)
{
    if (r->sink == NULL || !r->have_pos || r->in_multi || r->full) {
        return;
    }
    if (!force && !r->batch_open && r->offset == r->committed_offset) {
        return;
    }
    if (!r->batch_open) {
        rsink_begin(r->sink);
    }
    if (rsink_commit(r->sink, r->replid, r->offset) < 0) {
        return; /* the sink failed: its error callback follows */
    }
    r->committed_offset = r->offset;
    r->batch_open = false;
    r->batch_cmds = 0;
    r->batch_bytes = 0;
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    commit(arg, false);
}

/* The batch closes at the end of this turn of the loop. */
static void
flush_soon(struct rtask *r)
{
    event_active(r->flush_ev, EV_TIMEOUT, 0);
}

static void
apply(struct rtask *r, unsigned db, size_t argc, const struct span *argv)
{
    size_t i;

    if (!r->batch_open) {
        rsink_begin(r->sink);
        r->batch_open = true;
    }
    rsink_cmd(r->sink, (int)db, argc, argv, 0);
    r->batch_cmds++;
    for (i = 0; i < argc; i++) {
        r->batch_bytes += argv[i].len;
    }
    if (r->batch_cmds >= RTASK_BATCH_CMDS ||
        r->batch_bytes >= RTASK_BATCH_BYTES) {
        /* The position is the command's end only after on_command sets
         * it: closing happens there. */
        flush_soon(r);
    }
    if (!r->paused && rsink_full(r->sink) && r->src != NULL) {
        r->paused = true;
        rsrc_pause(r->src);
    }
}

/* ---- commands of the stream ---- */

static bool
arg_is(const struct span *a, const char *lit)
{
    size_t n = strlen(lit), i;

    if (a->len != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if ((a->p[i] | 0x20) != (lit[i] | 0x20)) {
            return false;
        }
    }
    return true;
}

static bool
is_tandem_key(const struct span *k)
{
    return k->len >= sizeof(RTASK_KEY_PREFIX) - 1 &&
           memcmp(k->p, RTASK_KEY_PREFIX, sizeof(RTASK_KEY_PREFIX) - 1) == 0;
}

/* A database number argument, or -1. */
static long
span_db(const struct span *a)
{
    long v = 0;
    size_t i;

    if (a->len == 0 || a->len > 9) {
        return -1;
    }
    for (i = 0; i < a->len; i++) {
        if (a->p[i] < '0' || a->p[i] > '9') {
            return -1;
        }
        v = v * 10 + (a->p[i] - '0');
    }
    return v;
}

static int
ensure_argv2(struct rtask *r, size_t n)
{
    struct span *v;

    if (n <= r->cap_argv2) {
        return 0;
    }
    v = realloc(r->argv2, n * sizeof(*v));
    if (v == NULL) {
        return -1;
    }
    r->argv2 = v;
    r->cap_argv2 = n;
    return 0;
}

/* Writes <n> as text into scratch slot <slot>, as a view. */
static struct span
db_text(struct rtask *r, unsigned slot, unsigned n)
{
    struct span s;

    s.len = (size_t)snprintf(r->dbtext[slot], sizeof(r->dbtext[slot]), "%u", n);
    s.p = (const uint8_t *)r->dbtext[slot];
    return s;
}

/* Commands that name databases: SWAPDB, MOVE, COPY ... DB, FLUSHALL. */
static int
apply_multi_db(struct rtask *r, unsigned db, unsigned as, size_t argc,
               const struct span *argv)
{
    const struct task_redis_db *d1, *d2;
    unsigned a1, a2;
    long x, y;
    size_t i;

    if (arg_is(&argv[0], "FLUSHALL")) {
        if (r->spec->redis.ndbs == 0) {
            apply(r, as, argc, argv);
            return 0;
        }
        /* Only the selected databases: one FLUSHDB each. */
        for (i = 0; i < r->spec->redis.ndbs; i++) {
            struct span f = {(const uint8_t *)"FLUSHDB", 7};

            apply(r, r->spec->redis.dbs[i].as, 1, &f);
        }
        return 0;
    }
    if (arg_is(&argv[0], "SWAPDB") && argc == 3) {
        x = span_db(&argv[1]);
        y = span_db(&argv[2]);
        d1 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a1) : NULL;
        d2 = y >= 0 ? task_spec_redis_db(r->spec, (unsigned)y, &a2) : NULL;
        if (d1 == NULL && d2 == NULL) {
            return 0;
        }
        if (d1 == NULL || d2 == NULL || d1->nkey_prefixes != 0 ||
            d2->nkey_prefixes != 0) {
            rtask_fail(r,
                       "SWAPDB %ld %ld swaps a replicated database with "
                       "one that is not (or is selected by key prefix): "
                       "select both whole, or neither",
                       x, y);
            return -1;
        }
        if (ensure_argv2(r, 3) < 0) {
            rtask_fail(r, "out of memory");
            return -1;
        }
        r->argv2[0] = argv[0];
        r->argv2[1] = db_text(r, 0, a1);
        r->argv2[2] = db_text(r, 1, a2);
        apply(r, as, 3, r->argv2);
        return 0;
    }
    if (arg_is(&argv[0], "MOVE") && argc == 3) {
        x = span_db(&argv[2]);
        d2 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a2) : NULL;
        if (d2 == NULL ||
            !task_spec_redis_key_selected(d2, argv[1].p, argv[1].len)) {
            /* Moved out of what is replicated: gone from here. */
            struct span del[2] = {{(const uint8_t *)"DEL", 3}, argv[1]};

            apply(r, as, 2, del);
            return 0;
        }
        if (ensure_argv2(r, 3) < 0) {
            rtask_fail(r, "out of memory");
            return -1;
        }
        r->argv2[0] = argv[0];
        r->argv2[1] = argv[1];
        r->argv2[2] = db_text(r, 0, a2);
        apply(r, as, 3, r->argv2);
        return 0;
    }
    if (arg_is(&argv[0], "COPY")) {
        for (i = 3; i + 1 < argc; i++) {
            if (arg_is(&argv[i], "DB")) {
                x = span_db(&argv[i + 1]);
                d2 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a2)
                            : NULL;
                if (d2 == NULL) {
                    return 0; /* copied outside what is replicated */
                }
                if (ensure_argv2(r, argc) < 0) {
                    rtask_fail(r, "out of memory");
                    return -1;
                }
                memcpy(r->argv2, argv, argc * sizeof(*argv));
                r->argv2[i + 1] = db_text(r, 0, a2);
                apply(r, as, argc, r->argv2);
                return 0;
            }
        }
        apply(r, as, argc, argv);
        return 0;
    }
    (void)db;
    apply(r, as, argc, argv);
    return 0;
}

/*
 * A command of the stream: selected by database and key, its database
 * mapped, then applied in the open batch.  Returns 0, or -1 once the task
 * failed.
 */
static int
route(struct rtask *r, int db, size_t argc, const struct span *argv)
{
    const struct task_redis_db *d;
    const struct cmd_info *ci;
    size_t idx[64], nk, i, nsel, j;
    unsigned as;

    d = task_spec_redis_db(r->spec, (unsigned)db, &as);
    ci = cmdtable_lookup(argc, argv);
    if (ci != NULL && (ci->flags & CMD_MULTI_DB) != 0) {
        return d == NULL && !arg_is(&argv[0], "SWAPDB") &&
                       !arg_is(&argv[0], "FLUSHALL")
                   ? 0
                   : apply_multi_db(r, (unsigned)db, d != NULL ? as : 0, argc,
                                    argv);
    }
    if (d == NULL) {
        return 0;
    }
    if (ci == NULL) {
        /* Unknown to the table (a module's command): it goes as it is,
         * selected by its database only. */
        apply(r, as, argc, argv);
        return 0;
    }
    if (ci->flags & CMD_PUBSUB) {
        apply(r, as, argc, argv);
        return 0;
    }
    nk = cmdtable_keys(ci, argc, argv, idx, sizeof(idx) / sizeof(idx[0]));
    if (nk == 0 || d->nkey_prefixes == 0) {
        for (i = 0; i < nk; i++) {
            if (is_tandem_key(&argv[idx[i]])) {
                return 0; /* tandem's own keys stay where they are */
            }
        }
        apply(r, as, argc, argv);
        return 0;
    }
    nsel = 0;
    for (i = 0; i < nk; i++) {
        nsel +=
            task_spec_redis_key_selected(d, argv[idx[i]].p, argv[idx[i]].len);
    }
    if (nsel == 0) {
        return 0;
    }
    if (nsel == nk) {
        apply(r, as, argc, argv);
        return 0;
    }
    /* Some keys selected, some not: DEL, UNLINK, MSET and MSETNX keep the
     * selected ones; anything else cannot be split. */
    if ((arg_is(&argv[0], "DEL") || arg_is(&argv[0], "UNLINK") ||
         arg_is(&argv[0], "MSET")) &&
        ensure_argv2(r, argc) == 0) {
        bool pairs = arg_is(&argv[0], "MSET");

        r->argv2[0] = argv[0];
        j = 1;
        for (i = 1; i < argc; i += pairs ? 2 : 1) {
            if (task_spec_redis_key_selected(d, argv[i].p, argv[i].len)) {
                r->argv2[j++] = argv[i];
                if (pairs && i + 1 < argc) {
                    r->argv2[j++] = argv[i + 1];
                }
            }
        }
        apply(r, as, j, r->argv2);
        return 0;
    }
    rtask_fail(r,
               "%.*s touches keys inside and outside the selected key "
               "prefixes of database %d: select prefixes that keep the "
               "keys one command uses together",
               (int)(argv[0].len < 32 ? argv[0].len : 32),
               (const char *)argv[0].p, db);
    return -1;
}

/* SET tandem:heartbeat <ms> read back from the stream. */
static bool
heartbeat_in(struct rtask *r, size_t argc, const struct span *argv,
             uint64_t offset)
{
    char num[24];
    size_t n;

    if (argc < 3 || !arg_is(&argv[0], "SET") ||
        !span_eq(argv[1], RTASK_HEARTBEAT_KEY)) {
        return false;
    }
    n = argv[2].len < sizeof(num) - 1 ? argv[2].len : sizeof(num) - 1;
    memcpy(num, argv[2].p, n);
    num[n] = '\0';
    r->hb_ms = strtoll(num, NULL, 10);
    r->hb_offset = offset;
    return true;
}

static int
on_command(void *arg, int db, size_t argc, const struct span *argv,
           uint64_t offset)
{
    struct rtask *r = arg;

    if (arg_is(&argv[0], "MULTI")) {
        r->in_multi = true;
    } else if (arg_is(&argv[0], "EXEC")) {
        r->in_multi = false;
    } else if (arg_is(&argv[0], "PING") || arg_is(&argv[0], "REPLCONF")) {
        /* the master's keepalive */
    } else if (heartbeat_in(r, argc, argv, offset)) {
        /* measured when its batch is acknowledged */
    } else if (route(r, db, argc, argv) < 0) {
        return -1;
    }
    r->offset = offset;
    if (!r->in_multi) {
        flush_soon(r);
    }
    return 0;
}

/* ---- the full sync ---- */

static int
emit_rdb(void *arg, int db, size_t argc, const struct span *argv)
{
    struct rtask *r = arg;
    const struct task_redis_db *d;
    unsigned as;

    d = task_spec_redis_db(r->spec, (unsigned)db, &as);
    if (d == NULL || argc < 2 ||
        !task_spec_redis_key_selected(d, argv[1].p, argv[1].len) ||
        is_tandem_key(&argv[1])) {
        return 0;
    }
    rsink_cmd(r->sink, (int)as, argc, argv, 0);
    if (!r->paused && rsink_full(r->sink) && r->src != NULL) {
        r->paused = true;
        rsrc_pause(r->src);
    }
    return 0;
}

static void
on_full(void *arg, const char *replid, uint64_t offset)
{
    struct rtask *r = arg;

    if (r->resumed) {
        rsrc_fail(r->src,
                  "the source's backlog no longer holds offset %" PRIu64
                  " of %s (the link was down too long, or "
                  "repl-backlog-size is too small): reset the task "
                  "to sync in full again, and raise "
                  "repl-backlog-size",
                  r->offset + 1, r->replid);
        return;
    }
    if (r->spec->mode == TASK_MODE_INCREMENTAL) {
        rsrc_fail(r->src, "the source answered an incremental start with a "
                          "full resynchronisation");
        return;
    }
    memcpy(r->replid, replid, sizeof(r->replid));
    r->offset = offset;
    r->have_pos = true;
    r->full = true;
    memset(&r->conv, 0, sizeof(r->conv));
    r->conv.opts.del_first =
        r->spec->existing_tables != TASK_EXISTING_INTERCEPT;
    {
        int minor;

        rsink_server_version(r->sink, &r->conv.opts.target_major, &minor);
        r->conv.opts.restore_version = (unsigned)rsink_rdb_version(r->sink);
    }
    set_status(r, TASK_FULL_SYNC, "reading the source's RDB");
}

static int
on_rdb(void *arg, const struct rdb_event *ev)
{
    struct rtask *r = arg;

    if (ev->kind == RDB_EV_KEY) {
        r->keys_copied++;
    }
    if (rdbcmd_event(&r->conv, ev, emit_rdb, r) < 0) {
        rsrc_fail(r->src, "cannot rebuild a key of the RDB: %s", r->conv.err);
        return -1;
    }
    return 0;
}

static void
on_rdb_end(void *arg)
{
    struct rtask *r = arg;

    struct span del[2] = {{(const uint8_t *)"DEL", 3},
                          {(const uint8_t *)r->mark, strlen(r->mark)}};

    r->full = false;
    r->full_done = true;
    rsink_begin(r->sink);
    r->batch_open = true;
    rsink_cmd(r->sink, 0, 2, del, 0);
    commit(r, true);
    clog(LOG_INFO, r->ctx,
         "full sync read %" PRIu64 " keys; streaming "
         "from offset %" PRIu64,
         r->keys_copied, r->offset);
}

static void
on_continue(void *arg, const char *replid, uint64_t offset)
{
    struct rtask *r = arg;

    if (!r->have_pos) {
        r->committed_offset = offset;
    }
    memcpy(r->replid, replid, sizeof(r->replid));
    r->offset = offset;
    r->have_pos = true;
    r->reconnects = 0;
    set_status(r, TASK_INCREMENTAL, NULL);
}

static void src_started(struct rtask *r);

static void
on_src_end(void *arg, const char *err, bool resumable)
{
    struct rtask *r = arg;
    char why[600];

    if (err == NULL || r->status == TASK_STOPPED || r->status == TASK_FAILED) {
        return;
    }
    if (!resumable) {
        rtask_fail(r, "%s", err);
        return;
    }
    snprintf(why, sizeof(why), "%s", err);
    drop_src(r);
    if (r->full || !r->have_pos) {
        /* A full sync cut short starts over, from scratch. */
        restart_later(r, why);
        return;
    }
    if (++r->reconnects > RTASK_MAX_RECONNECTS) {
        rtask_fail(r, "%s (gave up after %u reconnects)", why,
                   RTASK_MAX_RECONNECTS);
        return;
    }
    clog(LOG_WARN, r->ctx, "%s: resuming from offset %" PRIu64, why, r->offset);
    set_status(r, TASK_RECONNECTING, why);
    src_started(r);
}

/* Starts a source from the position reached (or the checkpoint). */
static void
src_started(struct rtask *r)
{
    struct rsrc_opts o;
    struct rsrc_cbs cbs;
    char err[512];

    memset(&o, 0, sizeof(o));
    memset(&cbs, 0, sizeof(cbs));
    o.url = r->spec->source.url;
    o.log_ctx = r->ctx;
    o.rdb_dump_limit = RTASK_DUMP_LIMIT;
    if (r->have_pos) {
        o.replid = r->replid;
        o.offset = r->offset;
        r->resumed = true;
    } else {
        o.from_now = r->spec->mode == TASK_MODE_INCREMENTAL;
        r->resumed = false;
    }
    cbs.on_full = on_full;
    cbs.on_rdb = on_rdb;
    cbs.on_rdb_end = on_rdb_end;
    cbs.on_continue = on_continue;
    cbs.on_command = on_command;
    cbs.on_end = on_src_end;
    r->src = rsrc_new(r->base, r->dns, &o, &cbs, r, err, sizeof(err));
    if (r->src == NULL || rsrc_start(r->src, err, sizeof(err)) < 0) {
        rtask_fail(r, "%s", err);
    }
}

/* ---- destination checks before a full sync ----
 *
 * A full sync marks the destination with tandem:fullsync:<task> before it
 * writes a key, and drops the mark in the batch that records its
 * checkpoint.  A mark found at start means a full sync was cut short:
 * under "intercept" the databases it wrote were empty before, so they
 * are emptied again and the full sync starts over; under "ignore" it
 * starts over and overwrites.  Without a mark, "intercept" requires the
 * selected destination databases to hold no key but tandem's.
 */

static void
on_check_error(struct rcli *c, const char *err, void *arg)
{
    struct rtask *r = arg;

    (void)c;
    restart_later(r, err);
}

static void
check_done(struct rtask *r)
{
    rcli_free(r->check);
    r->check = NULL;
    src_started(r);
}

static void
on_marked(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;

    (void)c;
    if (rep == NULL) {
        return;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        rtask_fail(r,
                   "redis destination: cannot write %s: %.200s — allow "
                   "this account to write keys tandem:*",
                   r->mark, rep->str);
        return;
    }
    check_done(r);
}

static void
set_mark(struct rtask *r)
{
    const char *sel[] = {"SELECT", "0", NULL};
    const char *set[] = {"SET", r->mark, "1", NULL};

    rcli_call(r->check, NULL, NULL, sel);
    rcli_call(r->check, on_marked, r, set);
}

/* Keys of destination database <db> in INFO keyspace text, 0 if none. */
static long long
keyspace_keys(const char *text, size_t len, unsigned db)
{
    char key[16], val[96];

    snprintf(key, sizeof(key), "db%u", db);
    if (!resp_info_field(text, len, key, val, sizeof(val)) ||
        strncmp(val, "keys=", 5) != 0) {
        return 0;
    }
    return strtoll(val + 5, NULL, 10);
}

static void
on_tandem_keys(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;

    (void)c;
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        return;
    }
    if (r->db0_keys > (long long)rep->elements) {
        rtask_fail(r,
                   "destination database 0 holds %lld keys and "
                   "existing_tables is \"intercept\": empty it, or set "
                   "existing_tables to \"ignore\" to overwrite keys",
                   r->db0_keys - (long long)rep->elements);
        return;
    }
    set_mark(r);
}

/* Fails the task when destination database <db> holds <keys> keys
 * (database 0: those that are not tandem's are counted next). */
static bool
check_empty(struct rtask *r, unsigned db, long long keys)
{
    if (db == 0) {
        r->db0_keys = keys;
        return true;
    }
    if (keys > 0) {
        rtask_fail(r,
                   "destination database %u holds %lld keys and "
                   "existing_tables is \"intercept\": empty it, or set "
                   "existing_tables to \"ignore\" to overwrite keys",
                   db, keys);
        return false;
    }
    return true;
}

static void
on_keyspace(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;
    static const char *const tkeys[] = {"KEYS", "tandem:*", NULL};
    const char *sel[] = {"SELECT", "0", NULL};
    const char *p, *end;
    unsigned db;
    size_t i;

    if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
        return;
    }
    r->db0_keys = 0;
    for (i = 0; i < r->spec->redis.ndbs; i++) {
        db = r->spec->redis.dbs[i].as;
        if (!check_empty(r, db, keyspace_keys(rep->str, rep->len, db))) {
            return;
        }
    }
    /* Every database: each "db<N>:keys=<K>,..." line of the text. */
    for (p = rep->str, end = rep->str + rep->len;
         r->spec->redis.ndbs == 0 && p < end; p++) {
        if ((p == rep->str || p[-1] == '\n') && end - p > 2 &&
            memcmp(p, "db", 2) == 0 && p[2] >= '0' && p[2] <= '9') {
            db = (unsigned)strtoul(p + 2, NULL, 10);
            if (!check_empty(r, db, keyspace_keys(rep->str, rep->len, db))) {
                return;
            }
        }
    }
    if (r->db0_keys > 0) {
        rcli_call(c, NULL, NULL, sel);
        rcli_call(c, on_tandem_keys, r, tkeys);
        return;
    }
    set_mark(r);
}

/* A full sync was cut short: empty what it wrote, then start over. */
static void
clear_and_mark(struct rtask *r)
{
    static const char *const flushall[] = {"FLUSHALL", NULL};
    static const char *const flushdb[] = {"FLUSHDB", NULL};
    const char *sel[] = {"SELECT", NULL, NULL};
    char num[12];
    size_t i;

    clog(LOG_WARN, r->ctx,
         "a full sync was cut short: emptying the "
         "destination databases it wrote, then starting "
         "it over");
    if (r->spec->redis.ndbs == 0) {
        rcli_call(r->check, NULL, NULL, flushall);
    }
    for (i = 0; i < r->spec->redis.ndbs; i++) {
        snprintf(num, sizeof(num), "%u", r->spec->redis.dbs[i].as);
        sel[1] = num;
        rcli_call(r->check, NULL, NULL, sel);
        rcli_call(r->check, NULL, NULL, flushdb);
    }
    set_mark(r);
}

static void
on_mark_exists(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;
    static const char *const info[] = {"INFO", "keyspace", NULL};

    if (rep == NULL) {
        return;
    }
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer > 0) {
        if (r->spec->existing_tables == TASK_EXISTING_INTERCEPT) {
            clear_and_mark(r);
        } else {
            check_done(r);
        }
        return;
    }
    if (r->spec->existing_tables == TASK_EXISTING_INTERCEPT) {
        rcli_call(c, on_keyspace, r, info);
        return;
    }
    set_mark(r);
}

static void
on_check_ready(struct rcli *c, void *arg)
{
    struct rtask *r = arg;
    const char *sel[] = {"SELECT", "0", NULL};
    const char *exists[] = {"EXISTS", r->mark, NULL};

    rcli_call(c, NULL, NULL, sel);
    rcli_call(c, on_mark_exists, r, exists);
}

/* ---- the sink ---- */

static void
on_sink_ready(struct rsink *s, void *arg)
{
    struct rtask *r = arg;
    const char *replid;
    uint64_t offset;
    char err[256];

    if (rsink_checkpoint(s, &replid, &offset)) {
        memcpy(r->replid, replid, sizeof(r->replid));
        r->offset = offset;
        r->committed_offset = offset;
        r->have_pos = true;
        memcpy(r->acked_replid, replid, sizeof(r->acked_replid));
        r->acked_offset = offset;
        r->have_acked = true;
        clog(LOG_INFO, r->ctx,
             "resuming from the checkpoint: replid=%s "
             "offset=%" PRIu64,
             replid, offset);
        src_started(r);
        return;
    }
    if (r->spec->mode == TASK_MODE_INCREMENTAL) {
        src_started(r);
        return;
    }
    r->check =
        rcli_new(r->base, r->dns, r->spec->destination.url, "redis destination",
                 r->ctx, on_check_ready, on_check_error, r, err, sizeof(err));
    if (r->check == NULL || rcli_start(r->check) < 0) {
        rtask_fail(r, "%s", err);
    }
}

static void
on_sink_acked(struct rsink *s, const char *replid, uint64_t offset,
              uint64_t ncmds, void *arg)
{
    struct rtask *r = arg;
    uint64_t now = now_ms();

    (void)s;
    (void)ncmds;
    memcpy(r->acked_replid, replid, sizeof(r->acked_replid));
    r->acked_offset = offset;
    r->have_acked = true;
    r->backoff_ms = RTASK_BACKOFF_MIN_MS;
    if (r->src != NULL) {
        rsrc_ack(r->src, offset);
    }
    if (r->hb_ms > 0 && offset >= r->hb_offset) {
        delay_add(&r->delay, now, (int64_t)now - r->hb_ms, true);
        r->hb_ms = 0;
    }
    if (r->status == TASK_FULL_SYNC && !r->full) {
        if (r->spec->mode == TASK_MODE_FULL) {
            finish(r, TASK_STOPPED, NULL);
            return;
        }
        set_status(r, TASK_INCREMENTAL, NULL);
    }
    if (r->stopping && offset >= r->committed_offset) {
        finish(r, TASK_STOPPED, NULL);
    }
}

static void
on_sink_drained(struct rsink *s, void *arg)
{
    struct rtask *r = arg;

    (void)s;
    if (r->paused && r->src != NULL) {
        r->paused = false;
        rsrc_resume(r->src);
    }
}

static void
on_sink_error(struct rsink *s, const char *msg, void *arg)
{
    struct rtask *r = arg;

    (void)s;
    restart_later(r, msg);
}

/* ---- runs ---- */

static void
start_run(struct rtask *r)
{
    struct rsink_opts o;
    struct rsink_cbs cbs;
    char err[512];

    memset(&o, 0, sizeof(o));
    memset(&cbs, 0, sizeof(cbs));
    o.url = r->spec->destination.url;
    o.task = r->spec->name;
    o.queue_bytes = (size_t)r->spec->apply.queue_bytes;
    o.log_ctx = r->ctx;
    cbs.ready = on_sink_ready;
    cbs.acked = on_sink_acked;
    cbs.drained = on_sink_drained;
    cbs.error = on_sink_error;
    cbs.arg = r;
    r->sink = rsink_new(r->base, r->dns, &o, &cbs, err, sizeof(err));
    if (r->sink == NULL || rsink_start(r->sink) < 0) {
        rtask_fail(r, "%s",
                   r->sink == NULL ? err
                                   : "cannot start the "
                                     "destination writer");
    }
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct rtask *r = arg;

    (void)fd;
    (void)what;
    start_run(r);
}

static void
restart_later(struct rtask *r, const char *why)
{
    struct timeval tv;

    if (r->status == TASK_FAILED || r->status == TASK_STOPPED) {
        return;
    }
    if (r->stopping) {
        finish(r, TASK_STOPPED, NULL);
        return;
    }
    clog(LOG_WARN, r->ctx,
         "%s: starting again from the checkpoint in "
         "%u ms",
         why, r->backoff_ms);
    r->errors++;
    set_status(r, TASK_RECONNECTING, why);
    teardown(r);
    tv.tv_sec = r->backoff_ms / 1000;
    tv.tv_usec = (r->backoff_ms % 1000) * 1000;
    evtimer_add(r->timer, &tv);
    r->backoff_ms = r->backoff_ms * 2 > RTASK_BACKOFF_MAX_MS
                        ? RTASK_BACKOFF_MAX_MS
                        : r->backoff_ms * 2;
}

/* ---- heartbeat ---- */

static void
on_hb_error(struct rcli *c, const char *err, void *arg)
{
    struct rtask *r = arg;

    (void)c;
    clog(LOG_WARN, r->ctx, "heartbeat: %s", err);
    rcli_free(r->hb);
    r->hb = NULL;
}

static void
on_hb_set(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;

    (void)c;
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
        clog(LOG_WARN, r->ctx,
             "heartbeat: SET %s refused: %.200s — allow "
             "this account to write keys tandem:* for "
             "the delay to be measured",
             RTASK_HEARTBEAT_KEY, rep->str);
    }
}

static void
on_hb_info(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rtask *r = arg;
    char off[24];

    (void)c;
    if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
        resp_info_field(rep->str, rep->len, "master_repl_offset", off,
                        sizeof(off))) {
        r->master_offset = strtoull(off, NULL, 10);
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct rtask *r = arg;
    char ms[24], err[256];
    const char *set[] = {"SET", RTASK_HEARTBEAT_KEY, ms, NULL};
    static const char *const info[] = {"INFO", "replication", NULL};

    (void)fd;
    (void)what;
    if (r->hb == NULL) {
        r->hb = rcli_new(r->base, r->dns, r->spec->source.url, "redis source",
                         r->ctx, NULL, on_hb_error, r, err, sizeof(err));
        if (r->hb != NULL && rcli_start(r->hb) < 0) {
            rcli_free(r->hb);
            r->hb = NULL;
        }
        return;
    }
    if (!rcli_ready(r->hb) || rcli_pending(r->hb) > 4) {
        return;
    }
    snprintf(ms, sizeof(ms), "%" PRIu64, now_ms());
    rcli_call(r->hb, on_hb_set, r, set);
    rcli_call(r->hb, on_hb_info, r, info);
}

/* ---- public ---- */

struct rtask *
rtask_new(struct event_base *base, struct evdns_base *dns,
          const struct task_spec *spec, const struct rtask_hooks *hooks,
          char *err, size_t errlen)
{
    struct rtask *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->base = base;
    r->dns = dns;
    r->spec = spec;
    r->hooks = *hooks;
    r->backoff_ms = RTASK_BACKOFF_MIN_MS;
    delay_init(&r->delay);
    snprintf(r->ctx, sizeof(r->ctx), "task=%s", spec->name);
    snprintf(r->mark, sizeof(r->mark), "tandem:fullsync:%s", spec->name);
    r->timer = evtimer_new(base, on_timer, r);
    r->tick = event_new(base, -1, EV_PERSIST, on_tick, r);
    r->flush_ev = event_new(base, -1, 0, flush_cb, r);
    if (r->timer == NULL || r->tick == NULL || r->flush_ev == NULL) {
        rtask_free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return r;
}

int
rtask_start(struct rtask *r)
{
    struct timeval second = {1, 0};

    event_add(r->tick, &second);
    on_tick(-1, 0, r);
    start_run(r);
    return 0;
}

void
rtask_get_stats(const struct rtask *r, struct task_stats *st)
{
    struct rsink_stats ss;
    uint64_t now = now_ms();

    memset(st, 0, sizeof(*st));
    st->status = r->status;
    st->file = r->have_acked ? r->acked_replid : NULL;
    st->pos = r->acked_offset;
    st->read_bytes = r->read_base;
    st->written_bytes = r->sent_base;
    st->applied_rows = r->cmds_base;
    st->applied_txns = r->batches_base;
    if (r->src != NULL) {
        st->read_bytes += rsrc_read_bytes(r->src);
    }
    if (r->sink != NULL) {
        rsink_get_stats(r->sink, &ss);
        st->written_bytes += ss.bytes_written;
        st->applied_rows += ss.cmds_acked;
        st->applied_txns += ss.batches_acked;
        st->queue_bytes = rsink_pending_bytes(r->sink);
    }
    st->errors = r->errors;
    st->delay_ms = r->delay.last_ms;
    delay_window(&r->delay, now, &st->delay_p50_ms, &st->delay_p99_ms,
                 &st->delay_max_ms);
    if (r->master_offset > r->acked_offset && r->have_acked) {
        st->bytes_behind = r->master_offset - r->acked_offset;
    }
    st->rows_copied = r->keys_copied;
}

void
rtask_stop(struct rtask *r)
{
    if (r->status == TASK_STOPPED || r->status == TASK_FAILED || r->stopping) {
        return;
    }
    if (r->sink == NULL || r->status != TASK_INCREMENTAL) {
        finish(r, TASK_STOPPED, NULL);
        return;
    }
    r->stopping = true;
    set_status(r, TASK_STOPPING, "finishing what was read");
    if (r->in_multi) {
        /* The destination drops the open MULTI with the connection: the
         * source transaction is read again after a restart. */
        finish(r, TASK_STOPPED, NULL);
        return;
    }
    drop_src(r);
    commit(r, false);
    if (r->acked_offset >= r->committed_offset) {
        finish(r, TASK_STOPPED, NULL);
    }
}

void
rtask_free(struct rtask *r)
{
    if (r == NULL) {
        return;
    }
    teardown(r);
    rcli_free(r->hb);
    if (r->timer != NULL) {
        event_free(r->timer);
    }
    if (r->tick != NULL) {
        event_free(r->tick);
    }
    if (r->flush_ev != NULL) {
        event_free(r->flush_ev);
    }
    free(r->argv2);
    free(r);
}
