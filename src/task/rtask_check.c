/*
 * rtask_check.c - what a Redis task asks its destination nodes before
 * it starts: whether they are empty (and marked) before a full sync, and
 * the slot checkpoints a cluster destination holds before a resume.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "proto/redis/crc16.h"
#include "proto/redis/resp.h"
#include "src/core/log.h"
#include "src/task/rcli.h"
#include "src/task/rtask_int.h"

/* ---- destination checks before a full sync ----
 *
 * A full sync marks each destination node with tandem:fullsync:<task>
 * before it writes a key there, and every link drops its node's mark in
 * the batch that records its first checkpoint.  A mark found at start
 * means a full sync was cut short: under "intercept" the databases it
 * wrote were empty before, so they are emptied again and it starts over;
 * under "ignore" it starts over and overwrites.  Without a mark,
 * "intercept" requires the selected destination databases to hold no
 * key but tandem's.
 */

struct check {
    struct rtask *r;
    size_t j;                  /* destination node */
    long long db0_keys;        /* keys of its database 0 */
    bool clear;                /* empty it before the full sync */
};

static void
check_done(struct check *c)
{
    struct rtask *r = c->r;

    rcli_free(r->check[c->j]);
    r->check[c->j] = NULL;
    if (--r->checks_left == 0 && rtask_alive_(r)) {
        rtask_start_streams_(r);
    }
}

static void
on_check_error(struct rcli *cl, const char *err, void *arg)
{
    struct check *c = arg;

    (void)cl;
    rtask_restart_later_(c->r, err);
}

static void
on_marked(struct rcli *cl, struct redisReply *rep, void *arg)
{
    struct check *c = arg;

    (void)cl;
    if (rep == NULL) {
        return;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        rtask_fail_(c->r, "redis destination %s: cannot write the full "
                          "sync mark: %.200s — allow this account to write "
                          "keys tandem:*", c->r->dst_topo.node[c->j].addr,
                    rep->str);
        return;
    }
    check_done(c);
}

static void
set_mark(struct check *c)
{
    char mark[200];
    const char *sel[] = {"SELECT", "0", NULL};
    const char *set[] = {"SET", mark, "1", NULL};

    rtask_mark_key_(c->r, c->j, mark, sizeof(mark));
    rcli_call(c->r->check[c->j], NULL, NULL, sel);
    rcli_call(c->r->check[c->j], on_marked, c, set);
}

/* Keys of database <db> in INFO keyspace text, 0 if none. */
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

static bool
check_empty(struct check *c, unsigned db, long long keys)
{
    if (db == 0) {
        c->db0_keys = keys;
        return true;
    }
    if (keys > 0) {
        rtask_fail_(c->r, "destination %s database %u holds %lld keys and "
                          "existing_tables is \"intercept\": empty it, or "
                          "set existing_tables to \"ignore\" to overwrite "
                          "keys", c->r->dst_topo.node[c->j].addr, db, keys);
        return false;
    }
    return true;
}

static void
on_tandem_keys(struct rcli *cl, struct redisReply *rep, void *arg)
{
    struct check *c = arg;

    (void)cl;
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        return;
    }
    if (c->db0_keys > (long long)rep->elements) {
        rtask_fail_(c->r, "destination %s database 0 holds %lld keys and "
                          "existing_tables is \"intercept\": empty it, or "
                          "set existing_tables to \"ignore\" to overwrite "
                          "keys", c->r->dst_topo.node[c->j].addr,
                    c->db0_keys - (long long)rep->elements);
        return;
    }
    set_mark(c);
}

static void
on_keyspace(struct rcli *cl, struct redisReply *rep, void *arg)
{
    struct check *c = arg;
    const struct task_spec *spec = c->r->spec;
    static const char *const tkeys[] = {"KEYS", "tandem:*", NULL};
    const char *sel[] = {"SELECT", "0", NULL};
    const char *p, *end;
    unsigned db;
    size_t i;

    if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
        return;
    }
    c->db0_keys = 0;
    for (i = 0; i < spec->redis.ndbs; i++) {
        db = spec->redis.dbs[i].as;
        if (!check_empty(c, db, keyspace_keys(rep->str, rep->len, db))) {
            return;
        }
    }
    /* Every database: each "db<N>:keys=<K>,..." line of the text. */
    for (p = rep->str, end = rep->str + rep->len;
         spec->redis.ndbs == 0 && p < end; p++) {
        if ((p == rep->str || p[-1] == '\n') && end - p > 2 &&
            memcmp(p, "db", 2) == 0 && p[2] >= '0' && p[2] <= '9') {
            db = (unsigned)strtoul(p + 2, NULL, 10);
            if (!check_empty(c, db, keyspace_keys(rep->str, rep->len, db))) {
                return;
            }
        }
    }
    if (c->db0_keys > 0) {
        rcli_call(cl, NULL, NULL, sel);
        rcli_call(cl, on_tandem_keys, c, tkeys);
        return;
    }
    set_mark(c);
}

/* A full sync was cut short: empty what it wrote, then start over. */
static void
clear_and_mark(struct check *c)
{
    static const char *const flushall[] = {"FLUSHALL", NULL};
    static const char *const flushdb[] = {"FLUSHDB", NULL};
    const struct task_spec *spec = c->r->spec;
    const char *sel[] = {"SELECT", NULL, NULL};
    struct rcli *cl = c->r->check[c->j];
    char num[12];
    size_t i;

    clog(LOG_WARN, c->r->ctx, "destination %s: a full sync was cut short: "
                              "emptying the databases it wrote, then "
                              "starting it over",
         c->r->dst_topo.node[c->j].addr);
    if (spec->redis.ndbs == 0) {
        rcli_call(cl, NULL, NULL, flushall);
    }
    for (i = 0; i < spec->redis.ndbs; i++) {
        snprintf(num, sizeof(num), "%u", spec->redis.dbs[i].as);
        sel[1] = num;
        rcli_call(cl, NULL, NULL, sel);
        rcli_call(cl, NULL, NULL, flushdb);
    }
    set_mark(c);
}

static void
on_mark_exists(struct rcli *cl, struct redisReply *rep, void *arg)
{
    struct check *c = arg;
    static const char *const info[] = {"INFO", "keyspace", NULL};
    bool intercept = c->r->spec->existing_tables == TASK_EXISTING_INTERCEPT;

    if (rep == NULL) {
        return;
    }
    if (c->clear || (rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)) {
        if (intercept) {
            clear_and_mark(c);
        } else {
            set_mark(c);
        }
        return;
    }
    if (intercept) {
        rcli_call(cl, on_keyspace, c, info);
        return;
    }
    set_mark(c);
}

static void
on_check_ready(struct rcli *cl, void *arg)
{
    struct check *c = arg;
    char mark[200];
    const char *sel[] = {"SELECT", "0", NULL};
    const char *exists[] = {"EXISTS", mark, NULL};

    rtask_mark_key_(c->r, c->j, mark, sizeof(mark));
    rcli_call(cl, NULL, NULL, sel);
    rcli_call(cl, on_mark_exists, c, exists);
}

/* Checks (and marks) every destination node, then starts the streams.
 * <clear>: a full sync was cut short after some checkpoints. */
void
rtask_check_destination_(struct rtask *r, bool clear)
{
    struct check *checks, *c;
    char err[256];
    size_t j;

    r->check = calloc(r->dst_topo.n, sizeof(*r->check));
    checks = calloc(r->dst_topo.n, sizeof(*checks));
    r->check_state = checks;
    if (r->check == NULL || checks == NULL) {
        rtask_fail_(r, "out of memory");
        return;
    }
    r->checks_left = r->dst_topo.n;
    for (j = 0; j < r->dst_topo.n; j++) {
        c = &checks[j];
        c->r = r;
        c->j = j;
        c->clear = clear;
        r->check[j] = rcli_new(r->base, r->dns, r->dst_topo.node[j].url,
                               "redis destination", r->ctx, on_check_ready,
                               on_check_error, c, err, sizeof(err));
        if (r->check[j] == NULL || rcli_start(r->check[j]) < 0) {
            rtask_fail_(r, "%s", err);
            return;
        }
    }
}

/* ---- slot checkpoints of a cluster destination ----
 *
 * SCAN for tandem:checkpoint:<task>:<sid>:slot:{<tag>} on each node, then
 * HMGET each one's replid and offset into its link's slots.
 */

struct sread {
    struct rtask *r;
    size_t j;                  /* destination node */
    char cursor[24];           /* SCAN cursor */
    size_t waiting;            /* HMGETs not answered */
    bool scanned;              /* the SCAN is complete */
};

static void sread_next(struct sread *w);

static void
sread_done(struct sread *w)
{
    struct rtask *r = w->r;

    rcli_free(r->check[w->j]);
    r->check[w->j] = NULL;
    if (--r->checks_left == 0 && rtask_alive_(r)) {
        rtask_start_streams_(r);
    }
}

/* The stream named <sid> ... "s<first slot>". */
static struct rstream *
stream_named(struct rtask *r, const char *sid, size_t n)
{
    size_t i;

    for (i = 0; i < r->nstreams; i++) {
        if (strlen(r->streams[i].sid) == n &&
            memcmp(r->streams[i].sid, sid, n) == 0) {
            return &r->streams[i];
        }
    }
    return NULL;
}

struct sread_key {
    struct sread *w;
    struct rstream *st;
    unsigned slot;
};

static void
on_hmget(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct sread_key *k = arg;
    struct sread *w = k->w;

    (void)c;
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING &&
        rep->element[1]->type == REDIS_REPLY_STRING &&
        rep->element[0]->len == RSRC_REPLID_LEN) {
        rslots_note_ckpt(&k->st->links[w->j].slots, k->slot,
                         rep->element[0]->str,
                         strtoull(rep->element[1]->str, NULL, 10));
    }
    free(k);
    if (rep == NULL) {
        return;
    }
    if (--w->waiting == 0 && w->scanned) {
        sread_done(w);
    }
}

static void
on_scan(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct sread *w = arg;
    struct rtask *r = w->r;
    const struct redisReply *keys;
    struct sread_key *k;
    const char *p, *ob, *cb, *sid;
    size_t i, prefix;
    char pre[160];

    if (rep == NULL) {
        return;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_STRING ||
        rep->element[1]->type != REDIS_REPLY_ARRAY) {
        rtask_restart_later_(r, "redis destination: SCAN for the slot "
                                "checkpoints failed");
        return;
    }
    snprintf(w->cursor, sizeof(w->cursor), "%s", rep->element[0]->str);
    keys = rep->element[1];
    prefix = (size_t)snprintf(pre, sizeof(pre), "tandem:checkpoint:%s:",
                              r->spec->name);
    for (i = 0; i < keys->elements; i++) {
        p = keys->element[i]->str;
        if (keys->element[i]->type != REDIS_REPLY_STRING ||
            strncmp(p, pre, prefix) != 0) {
            continue;
        }
        sid = p + prefix;
        ob = strstr(sid, ":slot:{");
        cb = ob != NULL ? strchr(ob + 7, '}') : NULL;
        k = calloc(1, sizeof(*k));
        if (cb == NULL || k == NULL ||
            (k->st = stream_named(r, sid, (size_t)(ob - sid))) == NULL) {
            free(k);
            continue;
        }
        k->w = w;
        k->slot = crc16_xmodem((const uint8_t *)ob + 7,
                               (size_t)(cb - ob - 7)) % RTASK_SLOTS;
        {
            const char *hmget[] = {"HMGET", p, "replid", "offset", NULL};

            if (rcli_call(c, on_hmget, k, hmget) < 0) {
                free(k);
                rtask_restart_later_(r, "redis destination: too many slot "
                                        "checkpoints in flight");
                return;
            }
        }
        w->waiting++;
    }
    if (strcmp(w->cursor, "0") == 0) {
        w->scanned = true;
        if (w->waiting == 0) {
            sread_done(w);
        }
        return;
    }
    sread_next(w);
}

static void
sread_next(struct sread *w)
{
    char match[160];
    const char *scan[] = {"SCAN", w->cursor, "MATCH", match, "COUNT", "100",
                          NULL};

    snprintf(match, sizeof(match), "tandem:checkpoint:%s:*:slot:*",
             w->r->spec->name);
    rcli_call(w->r->check[w->j], on_scan, w, scan);
}

static void
on_sread_ready(struct rcli *c, void *arg)
{
    struct sread *w = arg;
    const char *sel[] = {"SELECT", "0", NULL};

    rcli_call(c, NULL, NULL, sel);
    sread_next(w);
}

static void
on_sread_error(struct rcli *c, const char *err, void *arg)
{
    struct sread *w = arg;

    (void)c;
    rtask_restart_later_(w->r, err);
}

void
rtask_read_slot_ckpts_(struct rtask *r)
{
    struct sread *ws;
    char err[256];
    size_t j;

    r->check = calloc(r->dst_topo.n, sizeof(*r->check));
    ws = calloc(r->dst_topo.n, sizeof(*ws));
    r->check_state = ws;
    if (r->check == NULL || ws == NULL) {
        rtask_fail_(r, "out of memory");
        return;
    }
    r->checks_left = r->dst_topo.n;
    for (j = 0; j < r->dst_topo.n; j++) {
        ws[j].r = r;
        ws[j].j = j;
        snprintf(ws[j].cursor, sizeof(ws[j].cursor), "0");
        r->check[j] = rcli_new(r->base, r->dns, r->dst_topo.node[j].url,
                               "redis destination", r->ctx, on_sread_ready,
                               on_sread_error, &ws[j], err, sizeof(err));
        if (r->check[j] == NULL || rcli_start(r->check[j]) < 0) {
            rtask_fail_(r, "%s", err);
            return;
        }
    }
}
