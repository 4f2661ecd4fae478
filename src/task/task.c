/*
 * task.c - one replication task (see task.h).
 *
 *   CREATED -> PRECHECKING (destination session, checkpoint, destination
 *   objects) -> INCREMENTAL <-> RECONNECTING -> STOPPING -> STOPPED
 *                                             \-> FAILED
 *
 * Every source transaction becomes one struct sink_txn; its end position
 * rides with it to the destination's checkpoint row.
 *
 * Delay: rows of tandem.heartbeat (src/task/heartbeat.h) are recognised
 * before selection and never replicated.  A heartbeat read while the
 * destination has nothing queued or in flight counts as applied at once
 * (an idle task writes nothing to the destination for it); otherwise its
 * time rides with the last queued transaction and counts when that one
 * commits.  Without heartbeat rows in the stream (the source account may
 * not write them) transactions count with the binlog's own timestamps
 * (seconds) and the server's heartbeat events stand for "caught up".
 */
#include "src/task/rtask.h"
#include "src/task/task.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/time.h>

#include <event2/event.h>

#include "proto/mysql/binpos.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/pipeline/pipeline.h"
#include "src/sink/mysql.h"
#include "src/source/myconn.h"
#include "src/source/mysql.h"
#include "src/task/copy.h"
#include "src/task/delay.h"
#include "src/task/heartbeat.h"
#include "src/task/replay.h"

/* Backoff before a restart: doubling up to the maximum. */
#define TASK_BACKOFF_MIN_MS 200
#define TASK_BACKOFF_MAX_MS 10000
/* A transaction over queue_bytes / TASK_PARTS is sent on in parts. */
#define TASK_PARTS 16
/* Restarts in a row without progress before the task fails. */
#define TASK_MAX_RESTARTS 30
/* An empty transaction still moves the checkpoint this often (ms), so a
 * source busy with unselected tables does not leave it far behind. */
#define TASK_IDLE_CHECKPOINT_MS 1000
/* Heartbeat transactions alone move it this seldom (ms): an idle task
 * costs the destination one small write a minute, and a restart reads
 * at most this much heartbeat traffic again. */
#define TASK_HB_CHECKPOINT_MS 60000
/* Transactions farther than this (us) past the last heartbeat row read
 * mean the rows stopped coming: their own timestamps count instead. */
#define TASK_HB_STALE_US 3000000u

static const char *const task_status_names[] = {
#define X(s, n) n,
    TASK_STATUSES(X)
#undef X
};

struct task {
    struct rtask *rt;             /* a Redis task's runtime, else NULL */
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    const struct task_spec *spec; /* spec (borrowed) */
    task_done_cb done;            /* called at STOPPED / FAILED */
    void *arg;                    /* its argument */
    task_status_cb on_status;     /* other status changes, or NULL */
    void *status_arg;             /* its argument */
    char ctx[128];                /* log prefix "task=<name>" */
    enum task_status status;      /* where the task is */
    struct url dest;              /* parsed destination URL */
    struct mysink *sink;          /* destination writer */
    struct mysrc *src;            /* binlog source */
    struct pipeline *pl;          /* mapping, filters */
    struct sink_txn *txn;         /* the source transaction being read */
    bool paused;                  /* source paused for the queue bound */
    struct event *timer;          /* restart backoff */
    struct event *tick;           /* periodic: idle checkpoint */
    char *pushed_file;            /* position of the last queued txn */
    uint64_t pushed_pos;          /* ... */
    unsigned backoff_ms;          /* next backoff */
    unsigned restarts;            /* restarts without progress */
    char *ckpt_file;              /* checkpoint read at start (owned) */
    uint64_t ckpt_pos;            /* ... */
    bool waiting;                 /* for start_at */
    struct copy *copy;            /* the full copy, while it runs */
    struct replay *replay;        /* after it: changes it may hold */
    bool copied;                  /* ... it ended well: go on */
    const struct task_spec *added; /* objects added since the copy, to
                                     copy before streaming; or NULL */
    task_added_cb added_cb;       /* told when they are copied */
    void *added_arg;              /* its argument */
    bool until_caught_up;         /* stop once the source's end as of
                                     the stream's start is applied */
    bool caught_up;               /* ... and the stream reached it */
    bool big_open;                /* parts of a large transaction queued:
                                     its end must be pushed */
    uint64_t last_push_ms;        /* when a transaction was last queued */
    unsigned precheck_step;       /* destination object being checked */
    struct myconn *pre_src;       /* source connection of the precheck */
    struct url src_url;           /* parsed source URL */
    struct pbuf whole;            /* tables of whole databases:
                                     "srcdb\0table\0dstdb\0" ... */
    char *applied_file;           /* last committed position (owned) */
    uint64_t applied_pos;         /* ... */
    struct heartbeats *hbs;       /* heartbeat registry (borrowed), or NULL */
    struct heartbeat *hb;         /* the source's writer, or NULL */
    struct delay delay;           /* delay samples */
    uint64_t txn_hb_us;           /* heartbeat ts read in the source
                                     transaction being read, or 0 */
    uint64_t hb_seen_us;          /* the last heartbeat ts read, or 0 */
    uint64_t stream_us;           /* when the stream last started */
    bool other_unpushed;          /* a transaction other than heartbeats
                                     was read and not queued since the
                                     last push */
    uint64_t errors;              /* restarts after errors, failures */
    uint64_t read_base;           /* counters of freed sources */
    uint64_t sent_base;           /* ... freed sinks: bytes sent */
    uint64_t rows_base;           /* ... rows committed */
    uint64_t txns_base;           /* ... transactions committed */
    uint64_t tables_total;        /* the full copy's progress, kept */
    uint64_t tables_done;         /* ... after it is freed */
    uint64_t rows_copied;         /* ... */
    char err[1024];               /* why it failed */
};

const char *
task_status_name(enum task_status s)
{
    return (unsigned)s < TASK_STATUS_COUNT ? task_status_names[s] : "?";
}

static uint64_t
now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static uint64_t
now_ms(void)
{
    return now_us() / 1000;
}

static void
set_status(struct task *t, enum task_status s, const char *why)
{
    if (t->status == s) {
        return;
    }
    clog(LOG_INFO, t->ctx, "phase %s -> %s%s%s",
         task_status_name(t->status), task_status_name(s), why ? ": " : "",
         why ? why : "");
    t->status = s;
    if (t->on_status != NULL && s != TASK_STOPPED && s != TASK_FAILED) {
        t->on_status(t, s, t->status_arg);
    }
}

/* Frees the pipeline's parts (source, sink, open transaction). */
static void drop_pre_src(struct task *t);

/* Frees the source, keeping its counters. */
static void
drop_src(struct task *t)
{
    if (t->src != NULL) {
        t->read_base += mysrc_read_bytes(t->src);
        mysrc_free(t->src);
        t->src = NULL;
    }
}

static void
teardown(struct task *t)
{
    drop_pre_src(t);
    drop_src(t);
    if (t->sink != NULL) {
        struct sink_stats ss;

        mysink_get_stats(t->sink, &ss);
        t->sent_base += ss.bytes_sent;
        t->rows_base += ss.rows;
        t->txns_base += ss.txns;
        mysink_free(t->sink);
        t->sink = NULL;
    }
    t->txn_hb_us = 0;
    pipeline_free(t->pl);
    t->pl = NULL;
    sink_txn_free(t->txn);
    t->txn = NULL;
    t->paused = false;
    t->big_open = false;
    replay_free(t->replay);
    t->replay = NULL;
}

static void
finish(struct task *t, enum task_status s, const char *err)
{
    if (t->status == TASK_FAILED || t->status == TASK_STOPPED) {
        return;
    }
    if (err != NULL) {
        snprintf(t->err, sizeof(t->err), "%s", err);
    }
    set_status(t, s, err);
    teardown(t);
    heartbeat_release(t->hb);
    t->hb = NULL;
    if (err != NULL) {
        t->errors++;
    }
    event_del(t->timer);
    event_del(t->tick);
    if (t->done != NULL) {
        t->done(t, err != NULL ? t->err : NULL, t->arg);
    }
}

static void task_fail(struct task *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
task_fail(struct task *t, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    finish(t, TASK_FAILED, msg);
}

/* A failure a restart can cure: back off, then start from the checkpoint
 * again. */
static void
restart(struct task *t, const char *why)
{
    struct timeval tv;

    if (t->status == TASK_STOPPING) {
        finish(t, TASK_STOPPED, NULL);
        return;
    }
    if (++t->restarts > TASK_MAX_RESTARTS) {
        task_fail(t, "%s (gave up after %d restarts)", why,
                  TASK_MAX_RESTARTS);
        return;
    }
    teardown(t);
    t->errors++;
    clog(LOG_WARN, t->ctx, "%s; restarting from the checkpoint in %u ms",
         why, t->backoff_ms);
    set_status(t, TASK_RECONNECTING, NULL);
    tv.tv_sec = t->backoff_ms / 1000;
    tv.tv_usec = (t->backoff_ms % 1000) * 1000;
    t->backoff_ms = t->backoff_ms * 2 > TASK_BACKOFF_MAX_MS ?
                    TASK_BACKOFF_MAX_MS : t->backoff_ms * 2;
    evtimer_add(t->timer, &tv);
}

/* ---- delay ---- */

/* A source time <src_us> is applied now. */
static void
count(struct task *t, uint64_t src_us)
{
    uint64_t now = now_us();
    int64_t ms = now > src_us ? (int64_t)((now - src_us + 500) / 1000) : 0;

    delay_add(&t->delay, now / 1000, ms, true);
}

/* A source time with nothing of its own to apply: applied once what is
 * queued before it is. */
static void
count_or_ride(struct task *t, uint64_t src_us)
{
    if (t->sink != NULL && !mysink_ride(t->sink, src_us)) {
        count(t, src_us);
    }
}

/* Whether the stream lacks heartbeat rows at source time <src_us> (at
 * local time <now>): none read for a while, or none at all and none to
 * expect soon. */
static bool
no_heartbeats(const struct task *t, uint64_t src_us, uint64_t now)
{
    if (t->hb_seen_us != 0) {
        return src_us > t->hb_seen_us + TASK_HB_STALE_US;
    }
    /* a writer that writes puts one in the stream within a period: the
     * binlog's seconds would say up to a second too much until then */
    return t->hb == NULL || !heartbeat_writing(t->hb, now) ||
           now > t->stream_us + TASK_HB_STALE_US;
}

/* The delay now: the last sample, or more when a heartbeat or a
 * transaction has waited longer than that (unapplied at the destination,
 * or written at the source and not read yet); -1 when not known. */
static int64_t
delay_now(const struct task *t, uint64_t now)
{
    int64_t d = t->delay.last_ms;
    uint64_t o;

    if (t->sink != NULL && (o = mysink_oldest_src(t->sink)) != 0 &&
        now > o && (int64_t)((now - o) / 1000) > d) {
        d = (int64_t)((now - o) / 1000);
    }
    if (t->hb != NULL && t->hb_seen_us != 0 &&
        (t->status == TASK_INCREMENTAL || t->status == TASK_RECONNECTING) &&
        (o = heartbeat_unseen_since(t->hb, t->hb_seen_us > t->stream_us ?
                                    t->hb_seen_us : t->stream_us)) != 0 &&
        now > o && (int64_t)((now - o) / 1000) > d) {
        d = (int64_t)((now - o) / 1000);
    }
    return d;
}

static void
on_src_applied(void *arg, uint64_t src_us)
{
    count(arg, src_us);
}

static void
on_server_heartbeat(void *arg, const struct mysrc_pos *p)
{
    struct task *t = arg;
    uint64_t now = now_us();

    (void)p;
    /* the server had nothing newer: the stream is caught up now */
    if (no_heartbeats(t, now, now)) {
        count_or_ride(t, now);
    }
}

/* ---- source side ---- */

static int
on_row(void *arg, const struct mysrc_row *r)
{
    struct task *t = arg;
    struct heartbeat_row hr;
    char err[600];
    int rc;

    if ((rc = heartbeat_parse_row(r, &hr)) != 0) {
        /* never replicated; ours tell the delay */
        if (rc > 0 && t->hb != NULL && heartbeat_is_ours(t->hb, &hr)) {
            t->txn_hb_us = hr.ts_us;
        }
        return 0;
    }
    if (t->replay != NULL &&
        replay_has_row(t->replay, r->db, r->table, r->pos.file, r->pos.pos)) {
        return 0;   /* the copy read the table after it */
    }
    if (t->txn == NULL && (t->txn = sink_txn_new()) == NULL) {
        task_fail(t, "out of memory");
        return -1;
    }
    if (t->replay != NULL) {
        t->txn->replay = replay_covers(t->replay, r->pos.file, r->pos.pos);
    }
    if (pipeline_row(t->pl, r, t->txn, err, sizeof(err)) != 0) {
        task_fail(t, "%s", err);
        return -1;
    }
    if (t->txn->text.len + t->txn->nrows * sizeof(struct sink_row) >
        t->spec->apply.queue_bytes / TASK_PARTS) {
        /* A large transaction goes on in parts, applied inside one
         * destination transaction: memory stays at the queue bound. */
        struct sink_txn *part = t->txn;

        t->txn = NULL;
        part->partial = true;
        if (!t->big_open) {
            clog(LOG_INFO, t->ctx, "a large transaction at %s:%" PRIu64
                 ": applying it in parts", r->pos.file, r->pos.pos);
        }
        t->big_open = true;
        if (!mysink_push(t->sink, part) && !t->paused) {
            t->paused = true;
            mysrc_pause(t->src);
        }
    }
    return 0;
}

/* Queues txn at position p; pauses the source over the queue bound. */
static int
push(struct task *t, struct sink_txn *txn, const struct mysrc_pos *p)
{
    txn->file = strdup(p->file);
    txn->gtid = p->gtid != NULL ? strdup(p->gtid) : NULL;
    txn->pos = p->pos;
    if (txn->file == NULL || (p->gtid != NULL && txn->gtid == NULL)) {
        sink_txn_free(txn);
        task_fail(t, "out of memory");
        return -1;
    }
    if (t->replay != NULL) {
        txn->replay = replay_covers(t->replay, p->file, p->pos);
        if (!txn->replay) {
            uint64_t until;
            const char *f = replay_until(t->replay, &until);

            clog(LOG_INFO, t->ctx, "the stream is past %s:%" PRIu64 ", the "
                 "last snapshot of the full copy: changes are applied as "
                 "the conflict policy says again", f, until);
            replay_free(t->replay);
            t->replay = NULL;
        }
    }
    t->last_push_ms = now_ms();
    t->other_unpushed = false;
    if (t->pushed_file == NULL || strcmp(t->pushed_file, txn->file) != 0) {
        free(t->pushed_file);
        t->pushed_file = strdup(txn->file);
    }
    t->pushed_pos = txn->pos;
    if (!mysink_push(t->sink, txn) && !t->paused) {
        t->paused = true;
        mysrc_pause(t->src);
        clog(LOG_DEBUG, t->ctx, "queue over %" PRIu64 " bytes: source "
             "paused", t->spec->apply.queue_bytes);
    }
    return 0;
}

static int
on_commit(void *arg, const struct mysrc_pos *p)
{
    struct task *t = arg;
    struct sink_txn *txn = t->txn;
    uint64_t hb_us = t->txn_hb_us, src_us;

    /* its source time: a heartbeat's, else, without heartbeat rows, the
     * binlog's (seconds, or MySQL's commit time in us) */
    t->txn_hb_us = 0;
    if (hb_us != 0) {
        src_us = hb_us;
        if (hb_us > t->hb_seen_us) {
            t->hb_seen_us = hb_us;
        }
    } else {
        src_us = p->ts_us != 0 ? p->ts_us : (uint64_t)p->ts * 1000000u;
        if (!no_heartbeats(t, src_us, now_us())) {
            src_us = 0;
        }
    }
    if (t->big_open) {
        /* The last part of a large transaction commits it. */
        t->big_open = false;
        if (txn == NULL && (txn = sink_txn_new()) == NULL) {
            task_fail(t, "out of memory");
            return -1;
        }
    } else if (txn == NULL || txn->nrows == 0) {
        /* Nothing selected in it: its time counts once what is queued is
         * applied; the checkpoint moves now and then, seldom for
         * heartbeats alone. */
        if (src_us != 0) {
            count_or_ride(t, src_us);
        }
        if (hb_us == 0) {
            t->other_unpushed = true;
        }
        if (now_ms() - t->last_push_ms < (t->other_unpushed ?
                                          TASK_IDLE_CHECKPOINT_MS :
                                          TASK_HB_CHECKPOINT_MS)) {
            return 0;
        }
        if (txn == NULL && (txn = sink_txn_new()) == NULL) {
            task_fail(t, "out of memory");
            return -1;
        }
        src_us = 0;
    }
    t->txn = NULL;
    txn->src_us = src_us;
    return push(t, txn, p);
}

static int
on_ddl(void *arg, const struct mysrc_ddl *d)
{
    struct task *t = arg;
    struct sink_txn *txn = sink_txn_new();
    int rc;

    if (txn == NULL) {
        task_fail(t, "out of memory");
        return -1;
    }
    rc = pipeline_ddl(t->pl, d, txn);
    if (rc < 0) {
        sink_txn_free(txn);
        task_fail(t, "out of memory");
        return -1;
    }
    if (rc == 0) {
        sink_txn_free(txn);
        return 0;
    }
    clog(LOG_INFO, t->ctx, "DDL to apply at %s:%" PRIu64 ": %.120s",
         d->pos.file, d->pos.pos, txn->ddl);
    return push(t, txn, &d->pos);
}

static void
on_table_error(void *arg, const char *db, const char *table, const char *err)
{
    struct task *t = arg;

    /* A selected table the source cannot decode would be lost. */
    if (task_spec_table_selected(t->spec, db, table)) {
        task_fail(t, "%s", err);
    }
}

static void
on_src_end(void *arg, const char *err)
{
    struct task *t = arg;

    if (t->status == TASK_STOPPING || t->status == TASK_STOPPED ||
        t->status == TASK_FAILED) {
        return;
    }
    if (err != NULL) {
        /* The source gave up after its own reconnects, or found a cause
         * retrying cannot cure (purged binlog, bad event...). */
        task_fail(t, "source: %s", err);
        return;
    }
    if (t->until_caught_up) {
        /* the tick stops the task once the destination has it all (the
         * source is not freed from inside its own callback) */
        clog(LOG_INFO, t->ctx, "read up to the source's end as of the "
             "start: stopping once it is applied");
        t->caught_up = true;
        return;
    }
    restart(t, "the source stream ended");
}

/* ---- sink side ---- */

static void
on_applied(void *arg, const char *file, uint64_t pos)
{
    struct task *t = arg;

    if (t->applied_file == NULL || strcmp(t->applied_file, file) != 0) {
        free(t->applied_file);
        t->applied_file = strdup(file);
    }
    t->applied_pos = pos;
    t->restarts = 0;
    t->backoff_ms = TASK_BACKOFF_MIN_MS;
    clog(LOG_DEBUG, t->ctx, "applied through %s:%" PRIu64, file, pos);
    if (t->status == TASK_STOPPING && mysink_idle(t->sink)) {
        struct timeval now = {0, 0};

        clog(LOG_INFO, t->ctx, "checkpoint %s:%" PRIu64 " committed", file,
             pos);
        /* the sink is freed outside its own callback */
        evtimer_add(t->timer, &now);
    }
}

static void
on_drained(void *arg)
{
    struct task *t = arg;

    if (t->paused && t->src != NULL) {
        t->paused = false;
        mysrc_resume(t->src);
        clog(LOG_DEBUG, t->ctx, "queue drained: source resumed");
    }
}

static void
on_sink_error(void *arg, const char *err, bool fatal)
{
    struct task *t = arg;

    if (fatal) {
        task_fail(t, "%s", err);
    } else {
        restart(t, err);
    }
}

/* A server_id for a binlog stream: the source refuses a second replica
 * of the same id (4052), so the streams of one process never share one:
 * consecutive ids from a start chosen by the clock and the pid, in
 * 2000000000..2099999999, away from the ids servers are given. */
static uint32_t
replica_server_id(void)
{
    static uint32_t next;

    if (next == 0) {
        next = (uint32_t)((now_ms() * 7919u + (uint64_t)getpid()) %
                          100000000u) + 1;
    }
    return 2000000000u + next++ % 100000000u;
}

static int
start_source(struct task *t)
{
    struct mysrc_opts o;
    struct mysrc_cbs cbs;
    const char **dbs;
    char err[600];
    size_t i;

    /* The source reads the definitions of the selected databases only
     * (and skips rows of the others), plus the heartbeat table's
     * (src/task/heartbeat.h) when heartbeat rows tell the delay. */
    dbs = calloc(t->spec->nobjects + 1, sizeof(*dbs));
    if (dbs == NULL) {
        task_fail(t, "out of memory");
        return -1;
    }
    memset(&o, 0, sizeof(o));
    for (i = 0; i < t->spec->nobjects; i++) {
        dbs[o.ndbs++] = t->spec->objects[i].db;
    }
    if (t->hbs != NULL && task_spec_find_db(t->spec, "tandem") == NULL) {
        dbs[o.ndbs++] = "tandem";
    }
    o.dbs = dbs;
    o.url = t->spec->source.url;
    o.server_id = replica_server_id();
    o.log_ctx = t->ctx;
    o.until_now = t->until_caught_up;
    if (t->ckpt_file != NULL) {
        o.start = MYSRC_START_FILE_POS;
        o.start_file = t->ckpt_file;
        o.start_pos = t->ckpt_pos;
    } else if (t->spec->start.kind == TASK_START_FILE_POS) {
        o.start = MYSRC_START_FILE_POS;
        o.start_file = t->spec->start.file;
        o.start_pos = t->spec->start.pos;
    } else if (t->spec->start.kind == TASK_START_GTID) {
        o.start = MYSRC_START_GTID;
        o.start_gtid = t->spec->start.gtid;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.on_row = on_row;
    cbs.on_commit = on_commit;
    cbs.on_ddl = on_ddl;
    cbs.on_end = on_src_end;
    cbs.on_table_error = on_table_error;
    cbs.on_heartbeat = on_server_heartbeat;
    t->stream_us = now_us();
    t->src = mysrc_new(t->base, t->dns, &o, &cbs, t, err, sizeof(err));
    free(dbs);          /* copied */
    if (t->src == NULL || mysrc_start(t->src, err, sizeof(err)) != 0) {
        task_fail(t, "source: %s", err);
        return -1;
    }
    set_status(t, TASK_INCREMENTAL, t->ckpt_file != NULL ?
               "resuming from the checkpoint" : "from the start point");
    return 0;
}

/* ---- prechecks at the destination ---- */

static void
put_text(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

/* Whether result r (column 0, and column 1 when two) holds a. b. */
static bool
result_has(const struct myresult *r, const char *a, const char *b)
{
    size_t i;

    for (i = 0; r != NULL && i < r->nrows; i++) {
        const struct span *c = &r->cells[i * r->ncols];

        if (c[0].len == strlen(a) && memcmp(c[0].p, a, c[0].len) == 0 &&
            (b == NULL || (r->ncols > 1 && c[1].len == strlen(b) &&
                           memcmp(c[1].p, b, c[1].len) == 0))) {
            return true;
        }
    }
    return false;
}

static void precheck_next(struct task *t);
static void whole_db_tables(struct task *t);
static void whole_db_check(struct task *t);

static void
on_precheck(struct myconn *c, const struct myresult *r, const char *err,
            void *arg)
{
    struct task *t = arg;
    const struct task_spec *s = t->spec;
    size_t i, j;

    (void)c;
    if (err != NULL) {
        task_fail(t, "precheck at the destination failed: %s — the account "
                  "needs SELECT on information_schema", err);
        return;
    }
    for (i = 0; i < s->nobjects; i++) {
        const struct task_object *o = &s->objects[i];

        if (t->precheck_step == 0 && o->whole_db &&
            !result_has(r, o->as, NULL)) {
            task_fail(t, "destination database `%s` does not exist — "
                      "create it and its tables (a full sync will do it) "
                      "before incremental sync", o->as);
            return;
        }
        for (j = 0; t->precheck_step == 1 && j < o->ntables; j++) {
            if (!result_has(r, o->as, o->tables[j].as)) {
                task_fail(t, "destination table `%s`.`%s` (for %s.%s) does "
                          "not exist — create it (a full sync will) before "
                          "incremental sync", o->as, o->tables[j].as, o->db,
                          o->tables[j].name);
                return;
            }
        }
    }
    t->precheck_step++;
    precheck_next(t);
}

static void
precheck_next(struct task *t)
{
    const struct task_spec *s = t->spec;
    struct pbuf q = {0};
    bool any = false;
    size_t i, j;

    if (t->precheck_step == 0) {
        pbuf_puts(&q, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                      "WHERE SCHEMA_NAME IN (");
        for (i = 0; i < s->nobjects; i++) {
            if (s->objects[i].whole_db) {
                pbuf_puts(&q, any ? "," : "");
                put_text(&q, s->objects[i].as);
                any = true;
            }
        }
    } else if (t->precheck_step == 1) {
        pbuf_puts(&q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM "
                      "information_schema.TABLES WHERE (TABLE_SCHEMA, "
                      "TABLE_NAME) IN (");
        for (i = 0; i < s->nobjects; i++) {
            for (j = 0; j < s->objects[i].ntables; j++) {
                pbuf_puts(&q, any ? ",(" : "(");
                put_text(&q, s->objects[i].as);
                pbuf_putc(&q, ',');
                put_text(&q, s->objects[i].tables[j].as);
                pbuf_putc(&q, ')');
                any = true;
            }
        }
    }
    pbuf_puts(&q, ")");
    pbuf_putc(&q, '\0');
    if (q.failed) {
        pbuf_free(&q);
        task_fail(t, "out of memory");
        return;
    }
    if (t->precheck_step == 2) {
        pbuf_free(&q);
        whole_db_tables(t);
        return;
    }
    if (t->precheck_step == 3) {
        pbuf_free(&q);
        whole_db_check(t);
        return;
    }
    if (t->precheck_step > 3) {
        pbuf_free(&q);
        start_source(t);
        return;
    }
    if (!any) {
        pbuf_free(&q);
        t->precheck_step++;
        precheck_next(t);
        return;
    }
    if (mysink_query(t->sink, (const char *)q.data, on_precheck, t) != 0) {
        restart(t, "destination connection busy during the precheck");
    }
    pbuf_free(&q);
}

/* ---- tables of whole databases: listed at the source, checked at the
 * destination ---- */

static void
on_whole_dest(struct myconn *c, const struct myresult *r, const char *err,
              void *arg)
{
    struct task *t = arg;
    const char *p = (const char *)t->whole.data;
    const char *end = p + t->whole.len;

    (void)c;
    if (err != NULL) {
        task_fail(t, "precheck at the destination failed: %s", err);
        return;
    }
    while (p < end) {
        const char *sdb = p, *tab = sdb + strlen(sdb) + 1;
        const char *ddb = tab + strlen(tab) + 1;

        if (!result_has(r, ddb, tab)) {
            task_fail(t, "destination table `%s`.`%s` (for %s.%s) does not "
                      "exist — create it (a full sync will) before "
                      "incremental sync", ddb, tab, sdb, tab);
            return;
        }
        p = ddb + strlen(ddb) + 1;
    }
    t->precheck_step++;
    precheck_next(t);
}

static void
whole_db_check(struct task *t)
{
    const char *p = (const char *)t->whole.data;
    const char *end;
    struct pbuf q = {0};
    bool any = false;

    if (t->whole.len == 0) {        /* the whole databases are empty */
        t->precheck_step++;
        precheck_next(t);
        return;
    }
    end = p + t->whole.len;

    pbuf_puts(&q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema."
                  "TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (");
    while (p < end) {
        const char *tab = p + strlen(p) + 1;
        const char *ddb = tab + strlen(tab) + 1;

        pbuf_puts(&q, any ? ",(" : "(");
        put_text(&q, ddb);
        pbuf_putc(&q, ',');
        put_text(&q, tab);
        pbuf_putc(&q, ')');
        any = true;
        p = ddb + strlen(ddb) + 1;
    }
    pbuf_puts(&q, ")");
    pbuf_putc(&q, '\0');
    if (!any) {
        pbuf_free(&q);
        t->precheck_step++;
        precheck_next(t);
        return;
    }
    if (q.failed || mysink_query(t->sink, (const char *)q.data,
                                 on_whole_dest, t) != 0) {
        restart(t, "destination connection busy during the precheck");
    }
    pbuf_free(&q);
}

static void
drop_pre_src(struct task *t)
{
    if (t->pre_src != NULL) {
        myconn_free(t->pre_src);    /* deferred inside its callback */
        t->pre_src = NULL;
    }
}

static void
on_whole_src(struct myconn *c, const struct myresult *r, const char *err,
             void *arg)
{
    struct task *t = arg;
    size_t i;

    (void)c;
    drop_pre_src(t);
    if (err != NULL) {
        task_fail(t, "precheck at the source failed: %s — the account "
                  "needs SELECT", err);
        return;
    }
    pbuf_reset(&t->whole);
    for (i = 0; r != NULL && i < r->nrows; i++) {
        const struct span *c2 = &r->cells[i * r->ncols];
        char db[256];
        const char *ddb;

        snprintf(db, sizeof(db), "%.*s", (int)c2[0].len,
                 (const char *)c2[0].p);
        ddb = task_spec_map_db(t->spec, db);
        if (ddb == NULL) {
            continue;
        }
        pbuf_put(&t->whole, db, strlen(db) + 1);
        pbuf_put(&t->whole, c2[1].p, c2[1].len);
        pbuf_putc(&t->whole, '\0');
        pbuf_put(&t->whole, ddb, strlen(ddb) + 1);
    }
    if (t->whole.failed) {
        task_fail(t, "out of memory");
        return;
    }
    t->precheck_step++;
    precheck_next(t);
}

static void
on_pre_src_ready(struct myconn *c, void *arg)
{
    struct task *t = arg;
    const struct task_spec *s = t->spec;
    struct pbuf q = {0};
    bool any = false;
    size_t i;

    pbuf_puts(&q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema."
                  "TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA "
                  "IN (");
    for (i = 0; i < s->nobjects; i++) {
        if (s->objects[i].whole_db) {
            pbuf_puts(&q, any ? "," : "");
            put_text(&q, s->objects[i].db);
            any = true;
        }
    }
    pbuf_puts(&q, ")");
    pbuf_putc(&q, '\0');
    if (q.failed || myconn_query(c, (const char *)q.data, on_whole_src,
                                 t) != 0) {
        drop_pre_src(t);
        restart(t, "source connection not ready during the precheck");
    }
    pbuf_free(&q);
}

static void
on_pre_src_error(struct myconn *c, const char *err, void *arg)
{
    struct task *t = arg;

    (void)c;
    drop_pre_src(t);
    restart(t, err);
}

static void
whole_db_tables(struct task *t)
{
    struct myconn_opts o;
    size_t i;
    bool any = false;

    for (i = 0; i < t->spec->nobjects; i++) {
        any = any || t->spec->objects[i].whole_db;
    }
    if (!any) {
        t->precheck_step += 2;
        precheck_next(t);
        return;
    }
    memset(&o, 0, sizeof(o));
    o.host = t->src_url.host;
    o.port = t->src_url.port;
    o.user = t->src_url.user;
    o.password = t->src_url.password;
    o.tls = (int)t->src_url.tls;
    o.ca_file = t->src_url.ca_file;
    o.connect_timeout_ms = 10000;
    o.log_ctx = t->ctx;
    t->pre_src = myconn_new(t->base, t->dns, &o);
    if (t->pre_src == NULL ||
        myconn_connect(t->pre_src, on_pre_src_ready, on_pre_src_error,
                       t) != 0) {
        drop_pre_src(t);
        task_fail(t, "out of memory");
    }
}

static void
on_copied(struct copy *cp, const char *err, const char *file, uint64_t pos,
          void *arg)
{
    struct task *t = arg;
    struct timeval now = {0, 0};

    (void)cp;
    (void)file;
    (void)pos;
    if (err != NULL) {
        task_fail(t, "full sync: %s", err);
        return;
    }
    /* the copy is freed, and the stream started from the checkpoint it
     * wrote, outside its callback */
    t->copied = true;
    evtimer_add(t->timer, &now);
}

/* Tables added to a task whose copy is done: copied in their own
 * snapshots, then the stream goes on from the checkpoint. */
static void
start_added_copy(struct task *t)
{
    char err[600];

    set_status(t, TASK_FULL_SYNC, "copying the tables added to the task");
    t->copy = copy_start_added(t->base, t->dns, t->added, t->ctx, on_copied,
                               t, err, sizeof(err));
    if (t->copy == NULL) {
        task_fail(t, "full sync of the added tables: %s", err);
    }
}

static void
start_copy(struct task *t)
{
    char err[600];

    set_status(t, TASK_FULL_SYNC, "no checkpoint yet: copying the tables");
    t->copy = copy_start(t->base, t->dns, t->spec, t->ctx, on_copied, t,
                         err, sizeof(err));
    if (t->copy == NULL) {
        task_fail(t, "full sync: %s", err);
    }
}

/* Streaming from the checkpoint, after the prechecks. */
static void
go_stream(struct task *t)
{
    if (t->ckpt_file != NULL) {
        clog(LOG_INFO, t->ctx, "checkpoint at the destination: %s:%" PRIu64,
             t->ckpt_file, t->ckpt_pos);
    } else {
        clog(LOG_INFO, t->ctx, "no checkpoint yet: starting at %s",
             task_start_kind_name(t->spec->start.kind));
    }
    t->precheck_step = 0;
    precheck_next(t);
}

/* The copy's window (see replay.h) when the checkpoint is inside it:
 * until_file, until_pos, then per table db, tbl, file, pos. */
static void
on_copy_window(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct task *t = arg;
    const struct span *v;
    uint64_t until;
    char *f;
    size_t i;

    (void)c;
    if (err != NULL || res == NULL || res->nrows == 0) {
        /* no copy recorded (1146: never any): nothing to write over */
        go_stream(t);
        return;
    }
    v = res->cells;
    until = span_u64(v[1]);
    if ((f = span_strdup(v[0])) == NULL) {
        task_fail(t, "out of memory");
        return;
    }
    if (binpos_cmp(t->ckpt_file, t->ckpt_pos, f, until) >= 0) {
        free(f);
        go_stream(t);
        return;
    }
    t->replay = replay_new(f, until);
    free(f);
    for (i = 0; t->replay != NULL && i < res->nrows; i++) {
        char *db, *tb;
        int rc;

        v = &res->cells[i * res->ncols];
        if (res->nulls[i * res->ncols + 2]) {
            continue;
        }
        db = span_strdup(v[2]);
        tb = span_strdup(v[3]);
        f = span_strdup(v[4]);
        rc = db == NULL || tb == NULL || f == NULL ? -1 :
             replay_add_table(t->replay, db, tb, f, span_u64(v[5]));
        free(db);
        free(tb);
        free(f);
        if (rc != 0) {
            replay_free(t->replay);
            t->replay = NULL;
        }
    }
    if (t->replay == NULL) {
        task_fail(t, "out of memory");
        return;
    }
    clog(LOG_INFO, t->ctx, "up to %s:%" PRIu64 ", the last snapshot of the "
         "full copy, the stream writes over rows the copy may hold",
         replay_until(t->replay, &until), until);
    go_stream(t);
}

static void
on_sink_ready(void *arg, const char *file, uint64_t pos, const char *gtid)
{
    struct task *t = arg;
    struct pbuf q = {0};

    if (file == NULL && t->spec->mode != TASK_MODE_INCREMENTAL) {
        start_copy(t);
        return;
    }
    if (file != NULL && t->added != NULL &&
        t->spec->mode == TASK_MODE_FULL_INCREMENTAL) {
        start_added_copy(t);
        return;
    }
    if (t->spec->mode == TASK_MODE_FULL) {
        /* a full-only task that has its checkpoint has copied */
        clog(LOG_INFO, t->ctx, "the full copy is done (checkpoint %s:%"
             PRIu64 "): nothing left to do", file, pos);
        finish(t, TASK_STOPPED, NULL);
        return;
    }

    free(t->ckpt_file);
    t->ckpt_file = file != NULL ? strdup(file) : NULL;
    t->ckpt_pos = pos;
    if (file != NULL && gtid != NULL) {
        clog(LOG_INFO, t->ctx, "checkpoint gtid %s", gtid);
    }
    if (file == NULL || t->spec->mode != TASK_MODE_FULL_INCREMENTAL) {
        go_stream(t);
        return;
    }
    if (t->ckpt_file == NULL) {
        task_fail(t, "out of memory");
        return;
    }
    pbuf_puts(&q, "SELECT c.until_file, c.until_pos, t.db, t.tbl, t.file, "
                  "t.pos FROM tandem.copy c LEFT JOIN tandem.copy_table t "
                  "ON t.task = c.task WHERE c.done = 1 AND c.task = ");
    sqlenc_text(&q, t->spec->name, strlen(t->spec->name));
    pbuf_putc(&q, '\0');
    if (q.failed || mysink_query(t->sink, (const char *)q.data,
                                 on_copy_window, t) != 0) {
        restart(t, "destination connection busy reading the full copy's "
                "state");
    }
    pbuf_free(&q);
}

/* ---- lifecycle ---- */

static int
start_all(struct task *t)
{
    struct sink_opts so;
    struct sink_cbs cbs;
    char err[600];

    set_status(t, TASK_PRECHECKING, NULL);
    t->pl = NULL;
    memset(&so, 0, sizeof(so));
    so.task = t->spec->name;
    so.host = t->dest.host;
    so.port = t->dest.port;
    so.user = t->dest.user;
    so.password = t->dest.password;
    so.tls = (int)t->dest.tls;
    so.ca_file = t->dest.ca_file;
    so.conflict = t->spec->conflict == TASK_CONFLICT_IGNORE ?
                  SINK_CONFLICT_IGNORE :
                  t->spec->conflict == TASK_CONFLICT_OVERWRITE ?
                  SINK_CONFLICT_OVERWRITE : SINK_CONFLICT_ERROR;
    so.workers = t->spec->apply.workers;
    so.batch_rows = t->spec->apply.batch_rows;
    so.batch_txns = t->spec->apply.batch_txns;
    so.queue_bytes = (size_t)t->spec->apply.queue_bytes;
    so.log_ctx = t->ctx;
    memset(&cbs, 0, sizeof(cbs));
    cbs.on_ready = on_sink_ready;
    cbs.on_applied = on_applied;
    cbs.on_drained = on_drained;
    cbs.on_error = on_sink_error;
    cbs.on_src_applied = on_src_applied;
    t->sink = mysink_new(t->base, t->dns, &so, &cbs, t);
    if (t->sink == NULL) {
        task_fail(t, "out of memory");
        return -1;
    }
    t->pl = pipeline_new(t->spec, t->sink, t->ctx, err, sizeof(err));
    if (t->pl == NULL) {
        task_fail(t, "%s", err);
        return -1;
    }
    if (mysink_start(t->sink) != 0) {
        task_fail(t, "cannot start connecting to the destination");
        return -1;
    }
    return 0;
}

/* Every second: a delay that grows while nothing is applied (a stalled
 * destination or source) enters the window.  When the destination is
 * idle and the source has read past the last queued position (start-up,
 * unselected or filtered traffic; heartbeats alone only every
 * TASK_HB_CHECKPOINT_MS), an empty transaction records the last
 * transaction boundary read, so the checkpoint keeps up.  A transaction
 * being read is behind that boundary and unaffected. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct task *t = arg;
    struct mysrc_pos p;
    struct sink_txn *txn;
    const char *file;
    uint64_t pos, now = now_us();
    int64_t d = delay_now(t, now);

    (void)fd;
    (void)what;
    if (d > t->delay.last_ms) {
        delay_add(&t->delay, now / 1000, d, false);
    }
    if (t->status != TASK_INCREMENTAL || t->src == NULL || t->sink == NULL ||
        !mysink_idle(t->sink)) {
        return;
    }
    if (!t->caught_up && !t->other_unpushed &&
        now / 1000 - t->last_push_ms < TASK_HB_CHECKPOINT_MS) {
        return;
    }
    if (!mysrc_position(t->src, &file, &pos) ||
        (t->pushed_file != NULL && strcmp(t->pushed_file, file) == 0 &&
         t->pushed_pos == pos)) {
        if (t->caught_up) {
            clog(LOG_INFO, t->ctx, "caught up with the source");
            task_stop(t);
        }
        return;
    }
    txn = sink_txn_new();
    if (txn == NULL) {
        return;
    }
    memset(&p, 0, sizeof(p));
    p.file = file;
    p.pos = pos;
    push(t, txn, &p);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct task *t = arg;

    (void)fd;
    (void)what;
    if (t->status == TASK_STOPPING) {
        if (t->sink == NULL || mysink_idle(t->sink)) {
            finish(t, TASK_STOPPED, NULL);
        }
        return;
    }
    if (t->copied) {
        t->copied = false;
        copy_progress(t->copy, &t->tables_total, &t->tables_done,
                      &t->rows_copied);
        copy_free(t->copy);
        t->copy = NULL;
        if (t->added != NULL) {
            t->added = NULL;
            if (t->added_cb != NULL) {
                t->added_cb(t, t->added_arg);
            }
        }
        if (t->spec->mode == TASK_MODE_FULL) {
            finish(t, TASK_STOPPED, NULL);
            return;
        }
        teardown(t);
        start_all(t);
    } else if (t->status == TASK_RECONNECTING) {
        start_all(t);
    } else if (t->waiting && t->status == TASK_CREATED) {
        t->waiting = false;
        start_all(t);
    }
}

/* A Redis task's status changes, as the task's own. */
static void
rt_status(void *arg, enum task_status s, const char *why)
{
    struct task *t = arg;

    (void)why;
    t->status = s;
    if (t->on_status != NULL) {
        t->on_status(t, s, t->status_arg);
    }
}

static void
rt_done(void *arg, enum task_status s, const char *err)
{
    struct task *t = arg;

    t->status = s;
    if (err != NULL) {
        snprintf(t->err, sizeof(t->err), "%s", err);
    }
    if (t->done != NULL) {
        t->done(t, err, t->arg);
    }
}

struct task *
task_new(struct event_base *base, struct evdns_base *dns,
         const struct task_spec *spec, task_done_cb done, void *arg,
         char *err, size_t errlen)
{
    struct task *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->base = base;
    t->dns = dns;
    t->spec = spec;
    t->done = done;
    t->arg = arg;
    t->backoff_ms = TASK_BACKOFF_MIN_MS;
    delay_init(&t->delay);
    snprintf(t->ctx, sizeof(t->ctx), "task=%s", spec->name);
    if (spec->source.type == TASK_ENGINE_REDIS) {
        struct rtask_hooks h = {rt_status, rt_done, t};

        t->rt = rtask_new(base, dns, spec, &h, err, errlen);
        if (t->rt == NULL) {
            free(t);
            return NULL;
        }
        return t;
    }
    if (url_parse(spec->destination.url, &t->dest, err, errlen) != 0) {
        free(t);
        return NULL;
    }
    if (url_parse(spec->source.url, &t->src_url, err, errlen) != 0) {
        url_free(&t->dest);
        free(t);
        return NULL;
    }
    t->timer = evtimer_new(base, on_timer, t);
    t->tick = event_new(base, -1, EV_PERSIST, on_tick, t);
    if (t->timer == NULL || t->tick == NULL) {
        if (t->timer != NULL) {
            event_free(t->timer);
        }
        url_free(&t->dest);
        url_free(&t->src_url);
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return t;
}

int
task_start(struct task *t)
{
    struct timeval second = {1, 0};
    const struct timeval *tick;
    const struct task_flow_control *fc = &t->spec->flow;
    time_t now = time(NULL);

    if (t->rt != NULL) {
        return rtask_start(t->rt);
    }
    if ((fc->rows_per_sec > 0 || fc->bytes_per_sec > 0) &&
        t->spec->mode == TASK_MODE_INCREMENTAL) {
        clog(LOG_WARN, t->ctx, "flow_control paces the full copy: this "
             "incremental task applies changes as fast as they come");
    }
    /* one shared timeout for the ticks of every task of the loop */
    tick = event_base_init_common_timeout(t->base, &second);
    event_add(t->tick, tick != NULL ? tick : &second);
    if (t->hbs != NULL && t->hb == NULL) {
        t->hb = heartbeat_acquire(t->hbs, &t->src_url);
    }
    if (t->spec->has_start_at && t->spec->start_at > (int64_t)now) {
        struct timeval wait = {(time_t)(t->spec->start_at - now), 0};
        char when[32];
        struct tm tm;
        time_t at = (time_t)t->spec->start_at;

        gmtime_r(&at, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        clog(LOG_INFO, t->ctx, "waiting until %s (start_at) to start",
             when);
        t->waiting = true;
        evtimer_add(t->timer, &wait);
        return 0;
    }
    return start_all(t);
}

void
task_until_caught_up(struct task *t)
{
    if (t->rt != NULL) {
        rtask_until_caught_up(t->rt);
        return;
    }
    t->until_caught_up = true;
}

void
task_copy_added(struct task *t, const struct task_spec *added,
                task_added_cb cb, void *arg)
{
    t->added = added;
    t->added_cb = cb;
    t->added_arg = arg;
}

void
task_on_status(struct task *t, task_status_cb cb, void *arg)
{
    t->on_status = cb;
    t->status_arg = arg;
}

void
task_set_heartbeats(struct task *t, struct heartbeats *hbs)
{
    t->hbs = hbs;
}

void
task_get_stats(const struct task *t, struct task_stats *st)
{
    uint64_t now = now_us(), bytes;
    const char *file = NULL;
    uint64_t pos = 0;

    if (t->rt != NULL) {
        rtask_get_stats(t->rt, st);
        return;
    }
    memset(st, 0, sizeof(*st));
    st->status = t->status;
    st->file = t->applied_file != NULL ? t->applied_file : t->ckpt_file;
    st->pos = t->applied_file != NULL ? t->applied_pos : t->ckpt_pos;
    st->applied_txns = t->txns_base;
    st->applied_rows = t->rows_base;
    st->written_bytes = t->sent_base;
    st->read_bytes = t->read_base;
    if (t->src != NULL) {
        st->read_bytes += mysrc_read_bytes(t->src);
    }
    if (t->sink != NULL) {
        struct sink_stats ss;

        mysink_get_stats(t->sink, &ss);
        st->applied_rows += ss.rows;
        st->applied_txns += ss.txns;
        st->written_bytes += ss.bytes_sent;
        st->queue_bytes = ss.queued;
    }
    st->errors = t->errors;
    st->delay_ms = delay_now(t, now);
    delay_window(&t->delay, now / 1000, &st->delay_p50_ms,
                 &st->delay_p99_ms, &st->delay_max_ms);
    if (st->delay_ms > st->delay_max_ms && st->delay_max_ms >= 0) {
        st->delay_max_ms = st->delay_ms;    /* the window is per tick */
    }
    /* bytes behind: from what is applied, or, with nothing left to
     * apply, from what was read */
    if (t->src != NULL && t->sink != NULL && mysink_idle(t->sink) &&
        mysrc_position(t->src, &file, &pos)) {
        st->bytes_behind = 0;
    } else {
        file = st->file;
        pos = st->pos;
    }
    if (t->hb != NULL && file != NULL &&
        heartbeat_bytes_after(t->hb, file, pos, &bytes)) {
        st->bytes_behind = bytes;
    }
    st->spill_bytes = 0;
    if (t->copy != NULL) {
        copy_progress(t->copy, &st->tables_total, &st->tables_done,
                      &st->rows_copied);
    } else {
        st->tables_total = t->tables_total;
        st->tables_done = t->tables_done;
        st->rows_copied = t->rows_copied;
    }
}

void
task_stop(struct task *t)
{
    struct mysrc_pos p;
    struct sink_txn *txn;
    const char *file;
    uint64_t pos;

    if (t->rt != NULL) {
        rtask_stop(t->rt);
        return;
    }
    if (t->status == TASK_STOPPED || t->status == TASK_FAILED ||
        t->status == TASK_STOPPING) {
        return;
    }
    if (t->status != TASK_INCREMENTAL || t->sink == NULL) {
        finish(t, TASK_STOPPED, NULL);
        return;
    }
    if (t->big_open) {
        /* A large transaction is half sent: its destination transaction
         * rolls back and it is read again from the checkpoint. */
        finish(t, TASK_STOPPED, NULL);
        return;
    }
    set_status(t, TASK_STOPPING, "finishing what was read");
    /* What was read past the last queued transaction (heartbeats,
     * unselected changes) is recorded too: a restart goes on from
     * there. */
    if (t->src != NULL && mysrc_position(t->src, &file, &pos) &&
        (t->pushed_file == NULL || strcmp(t->pushed_file, file) != 0 ||
         t->pushed_pos != pos) && (txn = sink_txn_new()) != NULL) {
        memset(&p, 0, sizeof(p));
        p.file = file;
        p.pos = pos;
        if (push(t, txn, &p) != 0 || t->status != TASK_STOPPING) {
            return;
        }
    }
    /* No more source reading; the open transaction is dropped (it will
     * be read again from the checkpoint). */
    drop_src(t);
    sink_txn_free(t->txn);
    t->txn = NULL;
    if (mysink_idle(t->sink)) {
        finish(t, TASK_STOPPED, NULL);
    }
}

void
task_free(struct task *t)
{
    if (t == NULL) {
        return;
    }
    if (t->rt != NULL) {
        rtask_free(t->rt);
        free(t);
        return;
    }
    teardown(t);
    heartbeat_release(t->hb);
    copy_free(t->copy);
    if (t->timer != NULL) {
        event_free(t->timer);
    }
    if (t->tick != NULL) {
        event_free(t->tick);
    }
    url_free(&t->dest);
    url_free(&t->src_url);
    pbuf_free(&t->whole);
    free(t->ckpt_file);
    free(t->pushed_file);
    free(t->applied_file);
    free(t);
}
