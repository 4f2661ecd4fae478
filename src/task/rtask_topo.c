/*
 * rtask_topo.c - the masters behind each side of a Redis task.
 *
 * CLUSTER SLOTS on the server of the URL: a standalone server refuses it
 * ("cluster support disabled") and is the side's one node; a cluster
 * answers with its slot ranges and the master of each, which become the
 * side's nodes, reached with the URL's user, password and TLS settings.
 * Each node also gets a hash tag whose slot it serves, for the keys
 * tandem keeps there (checkpoints, heartbeats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "src/core/url.h"
#include "src/task/rcli.h"
#include "src/task/rtask_int.h"

/* What a discovery waits for. */
struct disc {
    struct rtask *r;
    int side;                  /* 0 source, 1 destination */
    char *url;                 /* the seed (owned) */
    rtopo_cb cb;
};

void
rtopo_clear(struct rtopo *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->node[i].url);
    }
    memset(t, 0, sizeof(*t));
}

size_t
rtopo_node_of(const struct rtopo *t, unsigned slot)
{
    return t->cluster ? t->owner[slot % RTASK_SLOTS] : 0;
}

char *
rtopo_url_with(const char *url, const char *host, unsigned port)
{
    const char *p = strstr(url, "://"), *auth, *end, *at;
    size_t hlen = strlen(host);
    char *out;
    size_t n;

    if (p == NULL) {
        return NULL;
    }
    auth = p + 3;
    end = auth + strcspn(auth, "/?");
    at = NULL;
    for (p = auth; p < end; p++) {
        if (*p == '@') {
            at = p;
        }
    }
    if (at != NULL) {
        auth = at + 1;
    }
    n = (size_t)(auth - url) + hlen + 2 + 8 + strlen(end) + 1;
    out = malloc(n);
    if (out == NULL) {
        return NULL;
    }
    snprintf(out, n, "%.*s%s%s%s:%u%s", (int)(auth - url), url,
             strchr(host, ':') != NULL ? "[" : "", host,
             strchr(host, ':') != NULL ? "]" : "", port, end);
    return out;
}

static int
add_node(struct rtopo *t, const char *seed, const char *host, unsigned port,
         unsigned first)
{
    struct rnode *nd;
    char addr[sizeof(nd->addr)];
    size_t i;

    snprintf(addr, sizeof(addr), "%s:%u", host, port);
    for (i = 0; i < t->n; i++) {
        if (strcmp(t->node[i].addr, addr) == 0) {
            if (first < t->node[i].first_slot) {
                t->node[i].first_slot = first;
            }
            return (int)i;
        }
    }
    if (t->n == RTASK_MAX_NODES) {
        return -1;
    }
    nd = &t->node[t->n];
    nd->url = rtopo_url_with(seed, host, port);
    if (nd->url == NULL) {
        return -1;
    }
    memcpy(nd->addr, addr, sizeof(addr));
    nd->first_slot = first;
    return (int)t->n++;
}

/* CLUSTER SLOTS: [[start, end, [host, port, id...], replicas...]...]. */
static const char *
read_slots(struct disc *d, struct rtopo *t, const struct redisReply *rep)
{
    static char why[160];
    struct url u;
    char err[256];
    size_t i, j;
    long long a, b;
    int k;

    if (url_parse(d->url, &u, err, sizeof(err)) < 0) {
        snprintf(why, sizeof(why), "%.150s", err);
        return why;
    }
    memset(t->owner, 0xff, sizeof(t->owner));
    for (i = 0; i < rep->elements; i++) {
        const redisReply *e = rep->element[i], *m;
        const char *host;

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER ||
            e->element[2]->type != REDIS_REPLY_ARRAY ||
            e->element[2]->elements < 2) {
            url_free(&u);
            return "CLUSTER SLOTS answered something else than slot ranges";
        }
        a = e->element[0]->integer;
        b = e->element[1]->integer;
        m = e->element[2];
        if (a < 0 || b >= RTASK_SLOTS || a > b ||
            m->element[0]->type != REDIS_REPLY_STRING ||
            m->element[1]->type != REDIS_REPLY_INTEGER) {
            url_free(&u);
            return "CLUSTER SLOTS answered a bad slot range";
        }
        /* An empty or unknown host: the address the seed was reached at. */
        host = m->element[0]->len > 0 && strcmp(m->element[0]->str, "?") != 0
                   ? m->element[0]->str
                   : u.host;
        k = add_node(t, d->url, host, (unsigned)m->element[1]->integer,
                     (unsigned)a);
        if (k < 0) {
            url_free(&u);
            return "more than 64 masters, or out of memory";
        }
        for (j = (size_t)a; j <= (size_t)b; j++) {
            t->owner[j] = (uint8_t)k;
        }
    }
    url_free(&u);
    for (j = 0; j < RTASK_SLOTS; j++) {
        if (t->owner[j] == 0xff) {
            snprintf(why, sizeof(why), "slot %zu is served by no master "
                     "(cluster_state is not ok): fix the cluster first", j);
            return why;
        }
    }
    /* The tag of the node's first slot: a slot it serves. */
    for (j = 0; j < t->n; j++) {
        snprintf(t->node[j].tag, sizeof(t->node[j].tag), "%s",
                 rslots_tag(t->node[j].first_slot));
    }
    t->cluster = true;
    return NULL;
}

static void
disc_end(struct disc *d, const char *err)
{
    struct rtask *r = d->r;
    int side = d->side;
    rtopo_cb cb = d->cb;

    rcli_free(r->disc[side]);
    r->disc[side] = NULL;
    free(d->url);
    free(d);
    cb(r, side, err);
}

static void
on_slots(struct rcli *c, struct redisReply *rep, void *arg)
{
    struct disc *d = arg;
    struct rtopo *t = d->side == 0 ? &d->r->src_topo : &d->r->dst_topo;
    const char *why;
    char msg[400];

    (void)c;
    if (rep == NULL) {
        return;
    }
    rtopo_clear(t);
    if (rep->type == REDIS_REPLY_ERROR) {
        if (strstr(rep->str, "cluster support disabled") == NULL &&
            strstr(rep->str, "unknown command") == NULL) {
            snprintf(msg, sizeof(msg), "redis %s: CLUSTER SLOTS refused: "
                     "%.200s — allow this account to run it",
                     d->side == 0 ? "source" : "destination", rep->str);
            disc_end(d, msg);
            return;
        }
        /* A server of its own. */
        t->n = 1;
        t->node[0].url = strdup(d->url);
        snprintf(t->node[0].addr, sizeof(t->node[0].addr), "%s",
                 "the server");
        t->known = t->node[0].url != NULL;
        disc_end(d, t->known ? NULL : "out of memory");
        return;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
        disc_end(d, "CLUSTER SLOTS answered no slot: is the cluster "
                    "created?");
        return;
    }
    why = read_slots(d, t, rep);
    if (why != NULL) {
        snprintf(msg, sizeof(msg), "redis %s cluster: %s",
                 d->side == 0 ? "source" : "destination", why);
        rtopo_clear(t);
        disc_end(d, msg);
        return;
    }
    t->known = true;
    disc_end(d, NULL);
}

static void
on_ready(struct rcli *c, void *arg)
{
    static const char *const slots[] = {"CLUSTER", "SLOTS", NULL};

    rcli_call(c, on_slots, arg, slots);
}

static void
on_error(struct rcli *c, const char *err, void *arg)
{
    (void)c;
    disc_end(arg, err);
}

int
rtopo_discover(struct rtask *r, int side, const char *url, rtopo_cb cb)
{
    struct disc *d = calloc(1, sizeof(*d));
    char err[256];

    if (d == NULL || (d->url = strdup(url)) == NULL) {
        free(d);
        return -1;
    }
    d->r = r;
    d->side = side;
    d->cb = cb;
    r->disc[side] = rcli_new(r->base, r->dns, url,
                             side == 0 ? "redis source" : "redis destination",
                             r->ctx, on_ready, on_error, d, err, sizeof(err));
    if (r->disc[side] == NULL || rcli_start(r->disc[side]) < 0) {
        rcli_free(r->disc[side]);
        r->disc[side] = NULL;
        free(d->url);
        free(d);
        return -1;
    }
    return 0;
}
