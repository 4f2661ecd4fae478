/*
 * rsink_probe.c - drives src/sink/redis.c against a real redis-server for
 * tests/integration/test_redis_sink.py (built by that test from the
 * sources the writer needs).
 *
 *   rsink_probe [-q queue_bytes] [-r reply_timeout_ms] [-c connect_ms]
 *               <url> <task>
 *
 * Connects, prints the ready line, then runs the lines of stdin in turn,
 * one JSON value each:
 *   ["SET","k","v"]          a command in the current db
 *   {"cmd":[...], "db":N, "ignore":true}   the same with a db and flags
 *   {"db":N}                 the current db from now on
 *   {"begin":true}           rsink_begin()
 *   {"commit":["replid",N]}  rsink_commit()
 *   {"clear":true}           rsink_checkpoint_clear()
 *   {"gen":{"n":N,"prefix":"k:","size":S,"cmd":"SET"|"RPUSH","keys":K,
 *           "batch":B,"replid":"r","offset":O}}
 *                            N commands: SET <prefix><i> <value i>, or
 *                            RPUSH <prefix><i % K> <value i>; value i is
 *                            "v<i>:" padded with 'x' to S bytes; with
 *                            B > 0, every B commands form a batch
 *                            committed at (r, O + i + 1)
 *   {"sync":true}            waits until nothing is pending, prints synced
 *   {"sleep_ms":N}           waits N ms (the loop goes on)
 *   {"free":true}            frees the writer now and ends
 * Sending waits while rsink_full() answers true, until drained.  Prints
 * JSON lines:
 *   {"ready":{"major":7,"minor":0,"rdb":10,"replid":..|null,"offset":N,
 *             "updated":N}}
 *   {"acked":["replid",offset,ncmds]}
 *   {"full":pending} {"drained":pending}
 *   {"ret":-1,"line":N}      a call refused (line number from 1)
 *   {"error":"message"}      then the writer is freed inside the callback
 *   {"synced":{stats}}
 *   {"done":{stats, "maxgap_ms":G, "max_pending":P}}
 * where G is the longest gap between two runs of a 10 ms timer.  Exits 0
 * after stdin's end once nothing is pending, 3 after an error, 2 on bad
 * usage or input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "proto/buf.h"
#include "src/core/log.h"
#include "src/sink/redis.h"

/* A generator in progress. */
struct gen {
    bool on;                  /* running */
    uint64_t n, i;            /* commands, next index */
    char prefix[128];         /* key prefix */
    size_t size;              /* value bytes */
    bool rpush;               /* RPUSH instead of SET */
    uint64_t keys;            /* RPUSH: distinct keys */
    uint64_t batch;           /* commands per batch, 0: bulk */
    char replid[64];          /* batch checkpoint */
    uint64_t offset;          /* ... base offset */
    char *val;                /* value buffer (owned) */
};

struct probe {
    struct event_base *base;  /* loop */
    struct rsink *s;          /* writer, NULL once freed */
    struct event *in_ev;      /* stdin */
    struct event *work_ev;    /* runs lines */
    struct event *tick_ev;    /* 10 ms timer */
    struct evbuffer *in;      /* stdin bytes */
    bool eof;                 /* stdin ended */
    bool ready;               /* ready seen */
    bool paused;              /* full: waiting for drained */
    bool syncing;             /* {"sync"}: waiting for pending 0 */
    uint64_t sleep_until;     /* {"sleep_ms"}: monotonic ms */
    int db;                   /* current db */
    unsigned long line;       /* lines read */
    struct gen g;             /* generator */
    uint64_t last_tick;       /* monotonic ms */
    uint64_t maxgap;          /* ms */
    size_t max_pending;       /* highest rsink_pending_bytes() seen */
    int status;               /* exit status */
};

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
emit(json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);

    printf("%s\n", t);
    fflush(stdout);
    free(t);
    json_decref(j);
}

static json_t *
stats_json(struct probe *p)
{
    struct rsink_stats st;

    memset(&st, 0, sizeof(st));
    if (p->s != NULL) {
        rsink_get_stats(p->s, &st);
    }
    return json_pack("{sIsIsIsIsIsIsIsIsI}", "bytes", (json_int_t)st.bytes_written,
                     "cmds_sent", (json_int_t)st.cmds_sent,
                     "cmds_acked", (json_int_t)st.cmds_acked,
                     "batches_acked", (json_int_t)st.batches_acked,
                     "errors_ignored", (json_int_t)st.errors_ignored,
                     "pending", (json_int_t)(p->s != NULL ?
                         rsink_pending_bytes(p->s) : 0),
                     "maxgap_ms", (json_int_t)p->maxgap,
                     "max_pending", (json_int_t)p->max_pending,
                     "line", (json_int_t)p->line);
}

static void
finish(struct probe *p, int status)
{
    json_t *st = stats_json(p);

    p->status = status;
    emit(json_pack("{so}", "done", st));
    if (p->s != NULL) {
        rsink_free(p->s);
        p->s = NULL;
    }
    event_base_loopexit(p->base, NULL);
}

/* After a call: notes pending, pauses when full. */
static void
after_call(struct probe *p, int rc)
{
    size_t pend;

    if (rc != 0) {
        emit(json_pack("{sisI}", "ret", rc, "line", (json_int_t)p->line));
    }
    if (p->s == NULL) {
        return;
    }
    pend = rsink_pending_bytes(p->s);
    if (pend > p->max_pending) {
        p->max_pending = pend;
    }
    if (!p->paused && rsink_full(p->s)) {
        p->paused = true;
        emit(json_pack("{sI}", "full", (json_int_t)pend));
    }
}

/* Runs up to 2000 commands of the generator. */
static void
gen_step(struct probe *p)
{
    struct gen *g = &p->g;
    char key[160], num[32];
    struct span argv[3];
    unsigned k;
    int n;

    for (k = 0; k < 2000 && g->i < g->n && !p->paused && p->s != NULL;
         k++) {
        if (g->batch > 0 && g->i % g->batch == 0) {
            after_call(p, rsink_begin(p->s));
        }
        n = snprintf(num, sizeof(num), "v%" PRIu64 ":", g->i);
        memset(g->val, 'x', g->size);
        memcpy(g->val, num, (size_t)n < g->size ? (size_t)n : g->size);
        if (g->rpush) {
            snprintf(key, sizeof(key), "%s%" PRIu64, g->prefix,
                     g->i % g->keys);
        } else {
            snprintf(key, sizeof(key), "%s%" PRIu64, g->prefix, g->i);
        }
        argv[0].p = (const uint8_t *)(g->rpush ? "RPUSH" : "SET");
        argv[0].len = strlen((const char *)argv[0].p);
        argv[1].p = (const uint8_t *)key;
        argv[1].len = strlen(key);
        argv[2].p = (const uint8_t *)g->val;
        argv[2].len = g->size;
        after_call(p, rsink_cmd(p->s, p->db, 3, argv, 0));
        g->i++;
        if (p->s != NULL && g->batch > 0 &&
            (g->i % g->batch == 0 || g->i == g->n)) {
            after_call(p, rsink_commit(p->s, g->replid, g->offset + g->i));
        }
    }
    if (g->i >= g->n) {
        g->on = false;
        free(g->val);
        g->val = NULL;
    }
}

static int
gen_start(struct probe *p, json_t *o)
{
    struct gen *g = &p->g;
    json_t *v;

    memset(g, 0, sizeof(*g));
    g->n = (uint64_t)json_integer_value(json_object_get(o, "n"));
    v = json_object_get(o, "prefix");
    snprintf(g->prefix, sizeof(g->prefix), "%s",
             v != NULL ? json_string_value(v) : "k:");
    v = json_object_get(o, "size");
    g->size = v != NULL ? (size_t)json_integer_value(v) : 16;
    v = json_object_get(o, "cmd");
    g->rpush = v != NULL && strcmp(json_string_value(v), "RPUSH") == 0;
    v = json_object_get(o, "keys");
    g->keys = v != NULL ? (uint64_t)json_integer_value(v) : 1;
    if (g->keys == 0) {
        g->keys = 1;
    }
    g->batch = (uint64_t)json_integer_value(json_object_get(o, "batch"));
    v = json_object_get(o, "replid");
    snprintf(g->replid, sizeof(g->replid), "%s",
             v != NULL ? json_string_value(v) : "gen");
    g->offset = (uint64_t)json_integer_value(json_object_get(o, "offset"));
    if (g->size < 1) {
        g->size = 1;
    }
    g->val = malloc(g->size);
    if (g->val == NULL) {
        return -1;
    }
    g->on = true;
    return 0;
}

/* A command from a JSON array of strings. */
static void
run_cmd(struct probe *p, json_t *arr, int db, unsigned flags)
{
    struct span argv[64];
    size_t i, n = json_array_size(arr);

    if (n == 0 || n > 64) {
        fprintf(stderr, "line %lu: 1..64 arguments\n", p->line);
        finish(p, 2);
        return;
    }
    for (i = 0; i < n; i++) {
        json_t *a = json_array_get(arr, i);

        argv[i].p = (const uint8_t *)json_string_value(a);
        argv[i].len = json_string_length(a);
    }
    after_call(p, rsink_cmd(p->s, db, n, argv, flags));
}

/* Runs one input line. */
static void
run_line(struct probe *p, const char *text, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_ALLOW_NUL, &je), *v;

    p->line++;
    if (j == NULL) {
        fprintf(stderr, "line %lu: %s\n", p->line, je.text);
        finish(p, 2);
        return;
    }
    if (json_is_array(j)) {
        run_cmd(p, j, p->db, 0);
    } else if ((v = json_object_get(j, "cmd")) != NULL) {
        json_t *d = json_object_get(j, "db");

        run_cmd(p, v, d != NULL ? (int)json_integer_value(d) : p->db,
                json_is_true(json_object_get(j, "ignore"))
                    ? RSINK_IGNORE_ERROR : 0);
    } else if ((v = json_object_get(j, "db")) != NULL) {
        p->db = (int)json_integer_value(v);
    } else if (json_object_get(j, "begin") != NULL) {
        after_call(p, rsink_begin(p->s));
    } else if ((v = json_object_get(j, "commit")) != NULL) {
        after_call(p, rsink_commit(p->s,
                                   json_string_value(json_array_get(v, 0)),
                                   (uint64_t)json_integer_value(
                                       json_array_get(v, 1))));
    } else if (json_object_get(j, "clear") != NULL) {
        after_call(p, rsink_checkpoint_clear(p->s));
    } else if ((v = json_object_get(j, "gen")) != NULL) {
        if (gen_start(p, v) != 0) {
            finish(p, 2);
        }
    } else if (json_object_get(j, "sync") != NULL) {
        p->syncing = true;
    } else if ((v = json_object_get(j, "sleep_ms")) != NULL) {
        p->sleep_until = mono_ms() + (uint64_t)json_integer_value(v);
    } else if (json_object_get(j, "free") != NULL) {
        rsink_free(p->s);
        p->s = NULL;
        finish(p, 0);
    } else {
        fprintf(stderr, "line %lu: unknown input\n", p->line);
        finish(p, 2);
    }
    json_decref(j);
}

/* Runs input while nothing waits; at most 1000 lines per call. */
static void
on_work(evutil_socket_t fd, short what, void *arg)
{
    struct probe *p = arg;
    unsigned k;

    (void)fd;
    (void)what;
    for (k = 0; k < 1000; k++) {
        char *ln;
        size_t n;

        if (p->s == NULL || !p->ready || p->paused || p->syncing ||
            (p->sleep_until != 0 && mono_ms() < p->sleep_until)) {
            return;
        }
        p->sleep_until = 0;
        if (p->g.on) {
            gen_step(p);
            if (p->g.on || p->paused) {
                if (!p->paused) {
                    event_active(p->work_ev, EV_TIMEOUT, 0);
                }
                return;
            }
            continue;
        }
        ln = evbuffer_readln(p->in, &n, EVBUFFER_EOL_LF);
        if (ln == NULL) {
            if (p->eof && evbuffer_get_length(p->in) == 0) {
                p->syncing = true;     /* the end: wait, then finish */
            }
            return;
        }
        if (n > 0) {
            run_line(p, ln, n);
        }
        free(ln);
    }
    event_active(p->work_ev, EV_TIMEOUT, 0);
}

static void
on_stdin(evutil_socket_t fd, short what, void *arg)
{
    struct probe *p = arg;
    char buf[65536];
    ssize_t r;

    (void)what;
    r = read(fd, buf, sizeof(buf));
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (r <= 0) {
        p->eof = true;
        event_del(p->in_ev);
    } else {
        evbuffer_add(p->in, buf, (size_t)r);
    }
    event_active(p->work_ev, EV_TIMEOUT, 0);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct probe *p = arg;
    uint64_t now = mono_ms();

    (void)fd;
    (void)what;
    if (p->last_tick != 0 && now - p->last_tick > p->maxgap) {
        p->maxgap = now - p->last_tick;
    }
    p->last_tick = now;
    if (p->s != NULL && p->syncing && rsink_pending_bytes(p->s) == 0) {
        p->syncing = false;
        if (p->eof && evbuffer_get_length(p->in) == 0 && !p->g.on) {
            finish(p, 0);
            return;
        }
        emit(json_pack("{so}", "synced", stats_json(p)));
    }
    if (p->sleep_until != 0 || !p->syncing) {
        event_active(p->work_ev, EV_TIMEOUT, 0);
    }
}

static void
on_ready(struct rsink *s, void *arg)
{
    struct probe *p = arg;
    const char *replid;
    uint64_t offset;
    int major = 0, minor = 0;
    json_t *j;

    p->ready = true;
    rsink_server_version(s, &major, &minor);
    j = json_pack("{sisisi}", "major", major, "minor", minor, "rdb",
                  rsink_rdb_version(s));
    if (rsink_checkpoint(s, &replid, &offset)) {
        json_object_set_new(j, "replid", json_string(replid));
        json_object_set_new(j, "offset", json_integer((json_int_t)offset));
        json_object_set_new(j, "updated", json_integer(
            (json_int_t)rsink_checkpoint_updated(s)));
    } else {
        json_object_set_new(j, "replid", json_null());
    }
    emit(json_pack("{so}", "ready", j));
    event_active(p->work_ev, EV_TIMEOUT, 0);
}

static void
on_acked(struct rsink *s, const char *replid, uint64_t offset,
         uint64_t ncmds, void *arg)
{
    (void)s;
    (void)arg;
    emit(json_pack("{s[sII]}", "acked", replid, (json_int_t)offset,
                   (json_int_t)ncmds));
}

static void
on_drained(struct rsink *s, void *arg)
{
    struct probe *p = arg;

    emit(json_pack("{sI}", "drained", (json_int_t)rsink_pending_bytes(s)));
    p->paused = false;
    event_active(p->work_ev, EV_TIMEOUT, 0);
}

static void
on_error(struct rsink *s, const char *msg, void *arg)
{
    struct probe *p = arg;
    json_t *st;

    emit(json_pack("{ss}", "error", msg));
    st = stats_json(p);
    /* freed inside its own callback: the writer defers it */
    rsink_free(s);
    p->s = NULL;
    p->status = 3;
    emit(json_pack("{so}", "done", st));
    event_base_loopexit(p->base, NULL);
}

int
main(int argc, char **argv)
{
    struct probe p;
    struct rsink_opts o;
    struct rsink_cbs cbs;
    struct timeval tick = {0, 10000};
    char err[512];
    int opt;

    memset(&p, 0, sizeof(p));
    memset(&o, 0, sizeof(o));
    while ((opt = getopt(argc, argv, "q:r:c:")) != -1) {
        switch (opt) {
        case 'q':
            o.queue_bytes = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'r':
            o.reply_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'c':
            o.connect_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: rsink_probe [-q bytes] [-r ms] [-c ms] "
                        "<url> <task>\n");
        return 2;
    }
    if (getenv("RSINK_PROBE_DEBUG") != NULL) {
        log_current_level = LOG_DEBUG;
    }
    o.url = argv[optind];
    o.task = argv[optind + 1];
    memset(&cbs, 0, sizeof(cbs));
    cbs.ready = on_ready;
    cbs.acked = on_acked;
    cbs.drained = on_drained;
    cbs.error = on_error;
    cbs.arg = &p;
    p.base = event_base_new();
    p.in = evbuffer_new();
    p.s = rsink_new(p.base, NULL, &o, &cbs, err, sizeof(err));
    if (p.s == NULL) {
        emit(json_pack("{ss}", "error", err));
        evbuffer_free(p.in);
        event_base_free(p.base);
        return 3;
    }
    p.in_ev = event_new(p.base, 0, EV_READ | EV_PERSIST, on_stdin, &p);
    p.work_ev = event_new(p.base, -1, 0, on_work, &p);
    p.tick_ev = event_new(p.base, -1, EV_PERSIST, on_tick, &p);
    event_add(p.in_ev, NULL);
    event_add(p.tick_ev, &tick);
    if (rsink_start(p.s) != 0) {
        emit(json_pack("{ss}", "error", "rsink_start failed"));
        p.status = 3;
    } else {
        event_base_dispatch(p.base);
    }
    rsink_free(p.s);
    free(p.g.val);
    event_free(p.in_ev);
    event_free(p.work_ev);
    event_free(p.tick_ev);
    evbuffer_free(p.in);
    event_base_free(p.base);
    return p.status;
}
