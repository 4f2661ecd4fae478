/*
 * rtask.c - a Redis task's life: streams, links, batches, checkpoints
 * (see rtask.h and rtask_int.h).
 *
 * A run:
 *
 *   discover both sides (rtask_topo.c) -> one link per stream and
 *   destination node, each with its checkpoint read
 *     every link has one      each stream resumes with PSYNC from the
 *                             lowest offset of its links
 *     none has one, full mode [destination nodes empty? marked] then
 *                             PSYNC ? -1 -> RDB -> stream
 *     none, incremental       from each master's current offset
 *     some have one           a full sync was cut short: start it over
 *
 * A stream's commands are grouped into a batch per link; batches close
 * once per turn of the loop outside a source transaction, or when big,
 * and the sink wraps each in MULTI/EXEC with the stream's position.  A
 * sink failure tears the run down and starts again after a backoff; a
 * lost source link only reconnects its stream (after finding its
 * master again, for a cluster).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "proto/redis/crc16.h"
#include "proto/redis/rdb.h"
#include "proto/redis/resp.h"
#include "src/core/log.h"
#include "src/sink/redis.h"
#include "src/task/rcli.h"
#include "src/task/rtask_int.h"

#define RTASK_BACKOFF_MIN_MS 200
#define RTASK_BACKOFF_MAX_MS 10000
/* Most commands and argument bytes in one batch. */
#define RTASK_BATCH_CMDS 1000
#define RTASK_BATCH_BYTES (4u << 20)
/* Values up to this size are also captured as RESTORE payloads (streams
 * and module values use them). */
#define RTASK_DUMP_LIMIT (16u << 20)
/* Most source reconnects in a row without progress before failing. */
#define RTASK_MAX_RECONNECTS 30

static void start_run(struct rtask *r);
static void stream_start(struct rstream *st);

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
         task_status_name(s), why != NULL ? ": " : "",
         why != NULL ? why : "");
    r->status = s;
    if (r->hooks.status != NULL && s != TASK_STOPPED && s != TASK_FAILED) {
        r->hooks.status(r->hooks.arg, s, why);
    }
}

/* The checkpoint key of link (<st>, <j>): one task, one stream and one
 * server keep the plain name. */
static void
ckpt_key(const struct rstream *st, size_t j, char *out, size_t outlen)
{
    const struct rtask *r = st->r;

    if (r->nstreams == 1 && !r->dst_topo.cluster) {
        snprintf(out, outlen, "tandem:checkpoint:%s", r->spec->name);
    } else if (r->dst_topo.cluster) {
        snprintf(out, outlen, "tandem:checkpoint:%s:%s:{%s}", r->spec->name,
                 st->sid, r->dst_topo.node[j].tag);
    } else {
        snprintf(out, outlen, "tandem:checkpoint:%s:%s", r->spec->name,
                 st->sid);
    }
}

/* The full sync mark on destination node <j>. */
void
rtask_mark_key_(const struct rtask *r, size_t j, char *out, size_t outlen)
{
    if (r->dst_topo.cluster) {
        snprintf(out, outlen, "tandem:fullsync:%s:{%s}", r->spec->name,
                 r->dst_topo.node[j].tag);
    } else {
        snprintf(out, outlen, "tandem:fullsync:%s", r->spec->name);
    }
}

static void
drop_src(struct rstream *st)
{
    if (st->src != NULL) {
        st->r->read_base += rsrc_read_bytes(st->src);
        rsrc_free(st->src);
        st->src = NULL;
    }
    st->paused = false;
}

static void
teardown(struct rtask *r)
{
    struct rsink_stats ss;
    struct rstream *st;
    size_t i, j;

    for (i = 0; i < r->nstreams; i++) {
        st = &r->streams[i];
        drop_src(st);
        for (j = 0; j < r->dst_topo.n; j++) {
            if (st->links[j].sink == NULL) {
                continue;
            }
            rsink_get_stats(st->links[j].sink, &ss);
            r->sent_base += ss.bytes_written;
            r->cmds_base += ss.cmds_acked;
            r->batches_base += ss.batches_acked;
            rsink_free(st->links[j].sink);
            rslots_free(&st->links[j].slots);
            rmerge_free(&st->links[j].merge);
        }
        free(st->links);
        rdbcmd_free(&st->conv);
        rcli_free(st->hb);
    }
    free(r->streams);
    r->streams = NULL;
    r->nstreams = 0;
    r->links_ready = 0;
    for (i = 0; r->check != NULL && i < r->dst_topo.n; i++) {
        rcli_free(r->check[i]);
    }
    free(r->check);
    r->check = NULL;
    free(r->check_state);
    r->check_state = NULL;
    rcli_free(r->disc[0]);
    rcli_free(r->disc[1]);
    r->disc[0] = r->disc[1] = NULL;
    rtopo_clear(&r->src_topo);
    rtopo_clear(&r->dst_topo);
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
    event_del(r->timer);
    event_del(r->tick);
    if (r->hooks.done != NULL) {
        r->hooks.done(r->hooks.arg, s, err);
    }
}

void
rtask_fail_(struct rtask *r, const char *fmt, ...)
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

bool
rtask_alive_(const struct rtask *r)
{
    return r->status != TASK_FAILED && r->status != TASK_STOPPED;
}

/* Closes link <j>'s batch of <st> at the stream's position (or sends the
 * position alone, when the link is marked dirty). */
static void
commit_link(struct rstream *st, size_t j, bool force)
{
    struct rlink *l = &st->links[j];

    if (l->sink == NULL || !st->have_pos || st->in_multi || st->full) {
        return;
    }
    if (!force && !l->batch_open && !l->dirty) {
        return;
    }
    if (!force && !l->batch_open && st->offset == l->committed) {
        l->dirty = false;
        return;
    }
    if (l->use_slots) {
        /* The slots' batches, then the link's own checkpoint alone. */
        if (rslots_flush(&l->slots, st, l->sink) < 0) {
            return;
        }
        if (!force) {
            rsink_begin(l->sink);
        }
    } else if (!l->batch_open && !force) {
        rsink_begin(l->sink);
    } else if (rmerge_flush(&l->merge, l->sink) < 0) {
        rtask_fail_(st->r, "out of memory");
        return;
    }
    l->batch_open = false;
    l->dirty = false;
    l->batch_cmds = 0;
    l->batch_bytes = 0;
    if (rsink_commit(l->sink, st->replid, st->offset) == 0) {
        l->committed = st->offset;
    }
}

static void
commit_stream(struct rstream *st, bool force)
{
    size_t j;

    for (j = 0; j < st->r->dst_topo.n && rtask_alive_(st->r); j++) {
        commit_link(st, j, force);
    }
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rtask *r = arg;
    size_t i;

    (void)fd;
    (void)what;
    for (i = 0; i < r->nstreams && rtask_alive_(r); i++) {
        commit_stream(&r->streams[i], false);
    }
}

/* Open batches close at the end of this turn of the loop. */
static void
flush_soon(struct rtask *r)
{
    event_active(r->flush_ev, EV_TIMEOUT, 0);
}

static void
pause_if_full(struct rstream *st, struct rlink *l)
{
    if (!st->paused && st->src != NULL && rsink_full(l->sink)) {
        st->paused = true;
        rsrc_pause(st->src);
    }
}

void
rtask_link_cmd_(struct rstream *st, size_t j, int slot, unsigned db,
                size_t argc, const struct span *argv)
{
    struct rtask *r = st->r;
    struct rlink *l = &st->links[j];
    size_t i;

    if (st->full) {
        /* The RDB's keys go without MULTI: a cut full sync starts over. */
        rsink_cmd(l->sink, (int)db, argc, argv, 0);
        pause_if_full(st, l);
        return;
    }
    if (l->have_ckpt && strcmp(l->ckpt_replid, st->replid) == 0 &&
        st->offset <= l->ckpt_offset) {
        return;     /* this link applied it before the restart */
    }
    if (l->use_slots) {
        if (slot == RTASK_SLOT_ANY) {
            /* After everything queued before it, in the node's own
             * slot. */
            if (rslots_flush(&l->slots, st, l->sink) < 0) {
                return;
            }
            slot = (int)(crc16_xmodem((const uint8_t *)r->dst_topo.node[j].tag,
                                      strlen(r->dst_topo.node[j].tag)) %
                         RTASK_SLOTS);
        }
        if (rslots_skip(&l->slots, (unsigned)slot, st->replid, st->offset)) {
            return;
        }
        if (rslots_queue(&l->slots, (unsigned)slot, db, argc, argv) < 0) {
            rtask_fail_(r, "out of memory");
            return;
        }
    } else {
        if (!l->batch_open) {
            rsink_begin(l->sink);
        }
        if (rmerge_cmd(&l->merge, l->sink, db, argc, argv) < 0) {
            rtask_fail_(r, "out of memory");
            return;
        }
    }
    l->batch_open = true;
    l->batch_cmds++;
    for (i = 0; i < argc; i++) {
        l->batch_bytes += argv[i].len;
    }
    if (l->batch_cmds >= RTASK_BATCH_CMDS ||
        l->batch_bytes >= RTASK_BATCH_BYTES) {
        flush_soon(r);
    }
    pause_if_full(st, l);
}

/* ---- the stream's commands ---- */

/* SET tandem:heartbeat[:{tag}] <ms> read back from the stream. */
static bool
heartbeat_in(struct rstream *st, size_t argc, const struct span *argv)
{
    char num[24];
    size_t n;

    if (argc < 3 || !resp_arg_is(argv[0], "SET") ||
        argv[1].len < 16 || memcmp(argv[1].p, "tandem:heartbeat", 16) != 0) {
        return false;
    }
    n = argv[2].len < sizeof(num) - 1 ? argv[2].len : sizeof(num) - 1;
    memcpy(num, argv[2].p, n);
    num[n] = '\0';
    st->hb_ms = strtoll(num, NULL, 10);
    return true;
}

static int
on_command(void *arg, int db, size_t argc, const struct span *argv,
           uint64_t offset)
{
    struct rstream *st = arg;
    size_t j;

    /* The position a command's batch records is the end of it. */
    st->offset = offset;
    if (resp_arg_is(argv[0], "MULTI")) {
        st->in_multi = true;
    } else if (resp_arg_is(argv[0], "EXEC")) {
        st->in_multi = false;
    } else if (resp_arg_is(argv[0], "PING") ||
               resp_arg_is(argv[0], "REPLCONF")) {
        /* the master's keepalive */
    } else if (heartbeat_in(st, argc, argv)) {
        /* measured once every link has recorded it */
        st->hb_offset = offset;
        for (j = 0; j < st->r->dst_topo.n; j++) {
            st->links[j].dirty = true;
        }
    } else if (rtask_route_(st, db, argc, argv) < 0) {
        return -1;
    }
    if (!st->in_multi) {
        flush_soon(st->r);
    }
    return 0;
}

/* ---- the full sync ---- */

static int
emit_rdb(void *arg, int db, size_t argc, const struct span *argv)
{
    return rtask_route_rdb_(arg, db, argc, argv);
}

static void
on_full(void *arg, const char *replid, uint64_t offset)
{
    struct rstream *st = arg;
    struct rtask *r = st->r;
    int major = 0, minor;

    if (st->resumed) {
        rsrc_fail(st->src, "the source's backlog no longer holds offset %"
                           PRIu64 " of %s (the link was down too long, or "
                           "repl-backlog-size is too small): reset the task "
                           "to sync in full again, and raise "
                           "repl-backlog-size", st->offset + 1, st->replid);
        return;
    }
    if (r->spec->mode == TASK_MODE_INCREMENTAL) {
        rsrc_fail(st->src, "the source answered an incremental start with "
                           "a full resynchronisation");
        return;
    }
    memcpy(st->replid, replid, sizeof(st->replid));
    st->offset = offset;
    st->have_pos = true;
    st->full = true;
    rdbcmd_free(&st->conv);
    st->conv.opts.del_first =
        r->spec->existing_tables != TASK_EXISTING_INTERCEPT;
    st->conv.opts.mset = true;
    rsink_server_version(st->links[0].sink, &major, &minor);
    st->conv.opts.target_major = major;
    st->conv.opts.restore_version =
        (unsigned)rsink_rdb_version(st->links[0].sink);
    set_status(r, TASK_FULL_SYNC, "reading the source's RDB");
}

static int
on_rdb(void *arg, const struct rdb_event *ev)
{
    struct rstream *st = arg;

    if (ev->kind == RDB_EV_KEY) {
        st->keys_copied++;
        st->r->keys_copied++;
    }
    if (rdbcmd_event(&st->conv, ev, emit_rdb, st) < 0) {
        if (rtask_alive_(st->r)) {
            rsrc_fail(st->src, "cannot rebuild a key of the RDB: %s",
                      st->conv.err);
        }
        return -1;
    }
    return 0;
}

static void
on_rdb_end(void *arg)
{
    struct rstream *st = arg;
    struct rtask *r = st->r;
    char mark[200];
    struct span del[2] = {{(const uint8_t *)"DEL", 3}, {NULL, 0}};
    size_t j;

    st->full = false;
    st->full_done = true;
    /* Each link records the start of the stream, with the mark of its
     * node dropped: from now on it is the checkpoint that counts. */
    for (j = 0; j < r->dst_topo.n; j++) {
        rtask_mark_key_(r, j, mark, sizeof(mark));
        del[1].p = (const uint8_t *)mark;
        del[1].len = strlen(mark);
        rsink_begin(st->links[j].sink);
        st->links[j].batch_open = true;
        rsink_cmd(st->links[j].sink, 0, 2, del, 0);
        commit_link(st, j, true);
    }
    clog(LOG_INFO, r->ctx, "full sync of %s read %" PRIu64 " keys; "
                           "streaming from offset %" PRIu64,
         r->src_topo.node[st->idx].addr, st->keys_copied, st->offset);
}

static void
on_continue(void *arg, const char *replid, uint64_t offset)
{
    struct rstream *st = arg;
    struct rtask *r = st->r;
    size_t i;

    memcpy(st->replid, replid, sizeof(st->replid));
    st->offset = offset;
    if (!st->have_pos) {
        /* From now: each link records where the stream starts. */
        st->have_pos = true;
        for (i = 0; i < r->dst_topo.n; i++) {
            st->links[i].dirty = true;
            st->links[i].committed = offset - 1;
        }
        flush_soon(r);
    }
    st->reconnects = 0;
    for (i = 0; i < r->nstreams; i++) {
        if (r->streams[i].src == NULL || r->streams[i].full) {
            return;
        }
    }
    set_status(r, TASK_INCREMENTAL, NULL);
}

/* A stream whose source link was lost finds its master again. */
static void
on_rediscovered(struct rtask *r, int side, const char *err)
{
    size_t i, node;
    struct rstream *st;

    (void)side;
    if (err != NULL) {
        rtask_restart_later_(r, err);
        return;
    }
    if (r->src_topo.n != r->nstreams) {
        rtask_restart_later_(r, "the source cluster's masters changed");
        return;
    }
    for (i = 0; i < r->nstreams; i++) {
        st = &r->streams[i];
        if (st->src != NULL) {
            continue;
        }
        node = rtopo_node_of(&r->src_topo, (unsigned)strtoul(st->sid + 1,
                                                            NULL, 10));
        if (node != i) {
            /* Keep the stream's index as its node's: move the node. */
            struct rnode tmp = r->src_topo.node[i];

            r->src_topo.node[i] = r->src_topo.node[node];
            r->src_topo.node[node] = tmp;
        }
        stream_start(st);
    }
}

static void
on_src_end(void *arg, const char *err, bool resumable)
{
    struct rstream *st = arg;
    struct rtask *r = st->r;
    char why[600];

    if (err == NULL || !rtask_alive_(r)) {
        return;
    }
    if (!resumable) {
        rtask_fail_(r, "%s", err);
        return;
    }
    snprintf(why, sizeof(why), "%s", err);
    drop_src(st);
    if (st->full || !st->have_pos) {
        /* A full sync cut short starts over, from scratch. */
        rtask_restart_later_(r, why);
        return;
    }
    if (++st->reconnects > RTASK_MAX_RECONNECTS) {
        rtask_fail_(r, "%s (gave up after %u reconnects)", why,
                    RTASK_MAX_RECONNECTS);
        return;
    }
    clog(LOG_WARN, r->ctx, "%s: resuming from offset %" PRIu64, why,
         st->offset);
    set_status(r, TASK_RECONNECTING, why);
    if (!r->src_topo.cluster) {
        stream_start(st);
        return;
    }
    /* Its master may have failed over: ask the cluster again. */
    if (r->disc[0] == NULL &&
        rtopo_discover(r, 0, r->spec->source.url, on_rediscovered) < 0) {
        rtask_restart_later_(r, "cannot ask the source cluster for its masters");
    }
}

/* Starts the source of <st> from its position (or for a full sync). */
static void
stream_start(struct rstream *st)
{
    struct rtask *r = st->r;
    struct rsrc_opts o;
    struct rsrc_cbs cbs;
    char err[512];

    memset(&o, 0, sizeof(o));
    memset(&cbs, 0, sizeof(cbs));
    o.url = r->src_topo.node[st->idx].url;
    o.log_ctx = r->ctx;
    o.rdb_dump_limit = RTASK_DUMP_LIMIT;
    /* Only streams and module values are restored from payloads. */
    o.rdb_dump_kinds = 1u << RDB_KIND_STREAM | 1u << RDB_KIND_MODULE;
    if (st->have_pos) {
        o.replid = st->replid;
        o.offset = st->offset;
        st->resumed = true;
    } else {
        o.from_now = r->spec->mode == TASK_MODE_INCREMENTAL;
        st->resumed = false;
    }
    cbs.on_full = on_full;
    cbs.on_rdb = on_rdb;
    cbs.on_rdb_end = on_rdb_end;
    cbs.on_continue = on_continue;
    cbs.on_command = on_command;
    cbs.on_end = on_src_end;
    st->src = rsrc_new(r->base, r->dns, &o, &cbs, st, err, sizeof(err));
    if (st->src == NULL || rsrc_start(st->src, err, sizeof(err)) < 0) {
        rtask_fail_(r, "%s", err);
    }
}

void
rtask_start_streams_(struct rtask *r)
{
    size_t i;

    for (i = 0; i < r->nstreams && rtask_alive_(r); i++) {
        stream_start(&r->streams[i]);
    }
}

/* ---- links ---- */

/* Every link is ready: decide where each stream starts. */
static void
all_links_ready(struct rtask *r)
{
    struct rstream *st;
    struct rlink *l;
    size_t i, j, have = 0, total = r->nstreams * r->dst_topo.n;

    for (i = 0; i < r->nstreams; i++) {
        for (j = 0; j < r->dst_topo.n; j++) {
            have += r->streams[i].links[j].have_ckpt;
        }
    }
    if (have == total) {
        for (i = 0; i < r->nstreams; i++) {
            st = &r->streams[i];
            for (j = 0; j < r->dst_topo.n; j++) {
                l = &st->links[j];
                l->committed = l->ckpt_offset;
                l->acked = l->ckpt_offset;
                l->have_acked = true;
                if (j == 0 || l->ckpt_offset < st->offset) {
                    memcpy(st->replid, l->ckpt_replid, sizeof(st->replid));
                    st->offset = l->ckpt_offset;
                }
            }
            st->have_pos = true;
            clog(LOG_INFO, r->ctx, "resuming %s from the checkpoint: "
                                   "replid=%s offset=%" PRIu64,
                 r->src_topo.node[i].addr, st->replid, st->offset);
        }
        if (r->dst_topo.cluster) {
            rtask_read_slot_ckpts_(r);     /* then the streams start */
            return;
        }
        rtask_start_streams_(r);
        return;
    }
    for (i = 0; i < r->nstreams; i++) {
        for (j = 0; j < r->dst_topo.n; j++) {
            r->streams[i].links[j].have_ckpt = false;
        }
    }
    if (r->spec->mode == TASK_MODE_INCREMENTAL) {
        if (have > 0) {
            rtask_fail_(r, "only some of the task's checkpoints are at the "
                           "destination (its nodes changed?): reset the "
                           "task");
            return;
        }
        rtask_start_streams_(r);
        return;
    }
    if (have > 0) {
        clog(LOG_WARN, r->ctx, "a full sync was cut short after %zu of %zu "
                               "checkpoints: starting it over", have, total);
    }
    rtask_check_destination_(r, have > 0);
}

static struct rlink *
link_of(struct rtask *r, struct rsink *s, struct rstream **stp)
{
    size_t i, j;

    for (i = 0; i < r->nstreams; i++) {
        for (j = 0; j < r->dst_topo.n; j++) {
            if (r->streams[i].links[j].sink == s) {
                *stp = &r->streams[i];
                return &r->streams[i].links[j];
            }
        }
    }
    return NULL;
}

static void
on_sink_ready(struct rsink *s, void *arg)
{
    struct rtask *r = arg;
    struct rstream *st;
    struct rlink *l = link_of(r, s, &st);
    const char *replid;
    uint64_t offset;

    if (l == NULL || l->ready) {
        return;
    }
    l->ready = true;
    if (rsink_checkpoint(s, &replid, &offset) &&
        strlen(replid) == RSRC_REPLID_LEN) {
        l->have_ckpt = true;
        memcpy(l->ckpt_replid, replid, sizeof(l->ckpt_replid));
        l->ckpt_offset = offset;
    }
    if (++r->links_ready == r->nstreams * r->dst_topo.n) {
        all_links_ready(r);
    }
}

/* The lowest offset every link of <st> has acknowledged, and whether
 * there is one. */
static bool
stream_acked(const struct rstream *st, uint64_t *offset)
{
    size_t j;

    *offset = UINT64_MAX;
    for (j = 0; j < st->r->dst_topo.n; j++) {
        if (!st->links[j].have_acked) {
            return false;
        }
        if (st->links[j].acked < *offset) {
            *offset = st->links[j].acked;
        }
    }
    return st->r->dst_topo.n > 0;
}

static bool
all_streaming(const struct rtask *r)
{
    uint64_t off;
    size_t i;

    for (i = 0; i < r->nstreams; i++) {
        if (!r->streams[i].full_done ||
            !stream_acked(&r->streams[i], &off)) {
            return false;
        }
    }
    return true;
}

static void
on_sink_acked(struct rsink *s, const char *replid, uint64_t offset,
              uint64_t ncmds, void *arg)
{
    struct rtask *r = arg;
    struct rstream *st;
    struct rlink *l = link_of(r, s, &st);
    uint64_t now = now_ms(), low;
    size_t i;

    (void)replid;
    (void)ncmds;
    if (l == NULL) {
        return;
    }
    l->acked = offset;
    l->have_acked = true;
    r->backoff_ms = RTASK_BACKOFF_MIN_MS;
    if (!stream_acked(st, &low)) {
        return;
    }
    if (st->src != NULL) {
        rsrc_ack(st->src, low);
    }
    if (st->hb_ms > 0 && low >= st->hb_offset) {
        delay_add(&r->delay, now, (int64_t)now - st->hb_ms, true);
        st->hb_ms = 0;
    }
    if (r->status == TASK_FULL_SYNC && all_streaming(r)) {
        if (r->spec->mode == TASK_MODE_FULL) {
            finish(r, TASK_STOPPED, NULL);
            return;
        }
        set_status(r, TASK_INCREMENTAL, NULL);
    }
    if (r->until_caught_up && !r->stopping &&
        r->status == TASK_INCREMENTAL) {
        for (i = 0; i < r->nstreams; i++) {
            if (r->streams[i].until == 0 ||
                !stream_acked(&r->streams[i], &low) ||
                low < r->streams[i].until) {
                break;
            }
        }
        if (i == r->nstreams) {
            clog(LOG_INFO, r->ctx, "caught up with the source: stopping");
            rtask_stop(r);
            return;
        }
    }
    if (r->stopping) {
        for (i = 0; i < r->nstreams; i++) {
            if (!stream_acked(&r->streams[i], &low) ||
                low < r->streams[i].offset) {
                return;
            }
        }
        finish(r, TASK_STOPPED, NULL);
    }
}

static void
on_sink_drained(struct rsink *s, void *arg)
{
    struct rtask *r = arg;
    struct rstream *st;
    size_t j;

    if (link_of(r, s, &st) == NULL || !st->paused || st->src == NULL) {
        return;
    }
    for (j = 0; j < r->dst_topo.n; j++) {
        if (rsink_full(st->links[j].sink)) {
            return;
        }
    }
    st->paused = false;
    rsrc_resume(st->src);
}

static void
on_sink_error(struct rsink *s, const char *msg, void *arg)
{
    (void)s;
    rtask_restart_later_(arg, msg);
}

/* ---- runs ---- */

/* Both sides are known: a stream per source master, a link per
 * destination master. */
static void
build_links(struct rtask *r)
{
    struct rsink_opts o;
    struct rsink_cbs cbs;
    struct rstream *st;
    char err[512], key[300];
    size_t i, j;

    r->nstreams = r->src_topo.n;
    r->streams = calloc(r->nstreams, sizeof(*r->streams));
    if (r->streams == NULL) {
        rtask_fail_(r, "out of memory");
        return;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.ready = on_sink_ready;
    cbs.acked = on_sink_acked;
    cbs.drained = on_sink_drained;
    cbs.error = on_sink_error;
    cbs.arg = r;
    for (i = 0; i < r->nstreams; i++) {
        st = &r->streams[i];
        st->r = r;
        st->idx = i;
        snprintf(st->sid, sizeof(st->sid), "s%u",
                 r->src_topo.node[i].first_slot);
        if (r->src_topo.cluster) {
            snprintf(st->hbkey, sizeof(st->hbkey), "tandem:heartbeat:{%s}",
                     r->src_topo.node[i].tag);
        } else {
            snprintf(st->hbkey, sizeof(st->hbkey), "tandem:heartbeat");
        }
        st->links = calloc(r->dst_topo.n, sizeof(*st->links));
        if (st->links == NULL) {
            rtask_fail_(r, "out of memory");
            return;
        }
    }
    for (i = 0; i < r->nstreams; i++) {
        st = &r->streams[i];
        for (j = 0; j < r->dst_topo.n; j++) {
            memset(&o, 0, sizeof(o));
            ckpt_key(st, j, key, sizeof(key));
            o.url = r->dst_topo.node[j].url;
            o.task = r->spec->name;
            o.checkpoint_key = key;
            o.queue_bytes = (size_t)(r->spec->apply.queue_bytes /
                                     (r->nstreams * r->dst_topo.n));
            o.log_ctx = r->ctx;
            if (r->dst_topo.cluster) {
                st->links[j].use_slots = true;
                if (rslots_init(&st->links[j].slots) < 0) {
                    rtask_fail_(r, "out of memory");
                    return;
                }
            }
            st->links[j].sink = rsink_new(r->base, r->dns, &o, &cbs, err,
                                          sizeof(err));
            if (st->links[j].sink == NULL ||
                rsink_start(st->links[j].sink) < 0) {
                rtask_fail_(r, "%s", st->links[j].sink == NULL
                                         ? err
                                         : "cannot start the destination "
                                           "writer");
                return;
            }
        }
    }
}

static void
on_discovered(struct rtask *r, int side, const char *err)
{
    (void)side;
    if (err != NULL) {
        rtask_restart_later_(r, err);
        return;
    }
    if (!r->src_topo.known || !r->dst_topo.known) {
        return;
    }
    if (r->src_topo.cluster || r->dst_topo.cluster) {
        clog(LOG_INFO, r->ctx, "source: %zu master%s, destination: %zu "
                               "master%s", r->src_topo.n,
             r->src_topo.n > 1 ? "s" : "", r->dst_topo.n,
             r->dst_topo.n > 1 ? "s" : "");
    }
    build_links(r);
}

static void
start_run(struct rtask *r)
{
    if (rtopo_discover(r, 0, r->spec->source.url, on_discovered) < 0 ||
        rtopo_discover(r, 1, r->spec->destination.url, on_discovered) < 0) {
        rtask_fail_(r, "cannot start connecting (bad URL, or out of "
                       "memory)");
    }
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_run(arg);
}

void
rtask_restart_later_(struct rtask *r, const char *why)
{
    struct timeval tv;

    if (!rtask_alive_(r)) {
        return;
    }
    if (r->stopping) {
        finish(r, TASK_STOPPED, NULL);
        return;
    }
    clog(LOG_WARN, r->ctx, "%s: starting again from the checkpoint in "
                           "%u ms", why, r->backoff_ms);
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
    struct rstream *st = arg;

    (void)c;
    clog(LOG_WARN, st->r->ctx, "heartbeat: %s", err);
    rcli_free(st->hb);
    st->hb = NULL;
}

static void
on_hb_set(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rstream *st = arg;

    (void)c;
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
        clog(LOG_WARN, st->r->ctx, "heartbeat: SET %s refused: %.200s — "
                                   "allow this account to write keys "
                                   "tandem:* for the delay to be measured",
             st->hbkey, rep->str);
    }
}

static void
on_hb_info(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct rstream *st = arg;
    char off[24];

    (void)c;
    if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
        resp_info_field(rep->str, rep->len, "master_repl_offset", off,
                        sizeof(off))) {
        st->master_offset = strtoull(off, NULL, 10);
        if (st->r->until_caught_up && st->until == 0 && st->have_pos &&
            !st->full) {
            st->until = st->master_offset;
        }
    }
}

static void
heartbeat(struct rstream *st)
{
    struct rtask *r = st->r;
    char ms[24], err[256];
    const char *set[] = {"SET", st->hbkey, ms, NULL};
    static const char *const info[] = {"INFO", "replication", NULL};

    if (st->hb == NULL) {
        st->hb = rcli_new(r->base, r->dns, r->src_topo.node[st->idx].url,
                          "redis source", r->ctx, NULL, on_hb_error, st, err,
                          sizeof(err));
        if (st->hb != NULL && rcli_start(st->hb) < 0) {
            rcli_free(st->hb);
            st->hb = NULL;
        }
        return;
    }
    if (!rcli_ready(st->hb) || rcli_pending(st->hb) > 4) {
        return;
    }
    snprintf(ms, sizeof(ms), "%" PRIu64, now_ms());
    rcli_call(st->hb, on_hb_set, st, set);
    rcli_call(st->hb, on_hb_info, st, info);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct rtask *r = arg;
    struct rstream *st;
    size_t i, j;

    (void)fd;
    (void)what;
    for (i = 0; i < r->nstreams; i++) {
        st = &r->streams[i];
        if (st->src == NULL) {
            continue;
        }
        heartbeat(st);
        /* Links without commands still record the stream's progress
         * now and then: a restart then replays little. */
        for (j = 0; j < r->dst_topo.n; j++) {
            if (st->links[j].committed != st->offset) {
                st->links[j].dirty = true;
            }
        }
    }
    flush_soon(r);
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

void
rtask_until_caught_up(struct rtask *r)
{
    r->until_caught_up = true;
}

int
rtask_start(struct rtask *r)
{
    struct timeval second = {1, 0};

    event_add(r->tick, &second);
    start_run(r);
    return 0;
}

void
rtask_get_stats(const struct rtask *r, struct task_stats *st)
{
    struct rsink_stats ss;
    const struct rstream *s;
    uint64_t now = now_ms(), low;
    size_t i, j;

    memset(st, 0, sizeof(*st));
    st->status = r->status;
    st->read_bytes = r->read_base;
    st->written_bytes = r->sent_base;
    st->applied_rows = r->cmds_base;
    st->applied_txns = r->batches_base;
    for (i = 0; i < r->nstreams; i++) {
        s = &r->streams[i];
        if (s->src != NULL) {
            st->read_bytes += rsrc_read_bytes(s->src);
        }
        for (j = 0; j < r->dst_topo.n; j++) {
            if (s->links[j].sink == NULL) {
                continue;
            }
            rsink_get_stats(s->links[j].sink, &ss);
            st->written_bytes += ss.bytes_written;
            st->applied_rows += ss.cmds_acked;
            st->applied_txns += ss.batches_acked;
            st->queue_bytes += rsink_pending_bytes(s->links[j].sink);
        }
        if (stream_acked(s, &low)) {
            if (i == 0) {
                st->file = s->replid;
                st->pos = low;
            }
            if (s->master_offset > low) {
                st->bytes_behind += s->master_offset - low;
            }
        }
    }
    st->errors = r->errors;
    st->delay_ms = r->delay.last_ms;
    delay_window(&r->delay, now, &st->delay_p50_ms, &st->delay_p99_ms,
                 &st->delay_max_ms);
    st->rows_copied = r->keys_copied;
}

void
rtask_stop(struct rtask *r)
{
    uint64_t low;
    size_t i;

    if (!rtask_alive_(r) || r->stopping) {
        return;
    }
    if (r->status != TASK_INCREMENTAL || r->nstreams == 0) {
        finish(r, TASK_STOPPED, NULL);
        return;
    }
    for (i = 0; i < r->nstreams; i++) {
        if (r->streams[i].in_multi) {
            /* The destination drops the open MULTI with the connection:
             * the source transaction is read again after a restart. */
            finish(r, TASK_STOPPED, NULL);
            return;
        }
    }
    r->stopping = true;
    set_status(r, TASK_STOPPING, "finishing what was read");
    for (i = 0; i < r->nstreams; i++) {
        drop_src(&r->streams[i]);
        commit_stream(&r->streams[i], false);
    }
    for (i = 0; i < r->nstreams; i++) {
        if (!stream_acked(&r->streams[i], &low) ||
            low < r->streams[i].offset) {
            return;
        }
    }
    finish(r, TASK_STOPPED, NULL);
}

void
rtask_free(struct rtask *r)
{
    if (r == NULL) {
        return;
    }
    teardown(r);
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
    free(r->idx);
    free(r);
}
