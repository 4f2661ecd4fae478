/*
 * host.c - the daemon's tasks: lifecycle, prechecks, reset, the store
 * (see host.h).  host_api.c turns requests into these calls.
 */
#include "src/task/host.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "proto/buf.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/store/store.h"
#include "src/task/heartbeat.h"
#include "src/task/host_int.h"
#include "src/task/precheck.h"
#include "src/task/rcli.h"
#include "src/task/task.h"

static const char *const hstatus_names[] = {
#define X(s, n) n,
    HOST_STATUSES(X)
#undef X
};

const char *
hstatus_name(enum hstatus s)
{
    return (unsigned)s < HS_COUNT ? hstatus_names[s] : "unknown";
}

bool
hstatus_parse(const char *s, enum hstatus *out)
{
    unsigned i;

    for (i = 0; i < HS_COUNT; i++) {
        if (strcmp(s, hstatus_names[i]) == 0) {
            *out = (enum hstatus)i;
            return true;
        }
    }
    return false;
}

static int64_t
now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static bool
running(const struct htask *t)
{
    return t->run != NULL;
}

struct htask *
host_find(struct host *h, const char *name)
{
    struct htask *t;

    for (t = h->tasks; t != NULL; t = t->next) {
        if (strcmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

int
host_error(json_t **out, int code, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    *out = json_pack("{s:s}", "error", msg);
    return code;
}

/* ---- the store ---- */

/* Frees a string that may hold a password, wiped first. */
static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* The document as stored: the spec plus description and tags. */
static char *
doc_text(const json_t *doc)
{
    return json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void
save_status(struct htask *t)
{
    char err[600];

    if (store_task_set_status(t->h->st, t->name, hstatus_name(t->status),
                              t->error, err, sizeof(err)) != 0) {
        log_error("task=%s: the store did not take its status: %s",
                  t->name, err);
    }
}

static int
save_task(struct htask *t, char *err, size_t errlen)
{
    char *text = doc_text(t->next_doc != NULL ? t->next_doc : t->doc);
    int rc;

    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = store_task_put(t->h->st, t->name, text, hstatus_name(t->status),
                        t->error, err, errlen);
    wipe_free(text);
    return rc;
}

/* The log context of t's lines: "task=NAME". */
static const char *
ctx_of(const struct htask *t, char ctx[80])
{
    snprintf(ctx, 80, "task=%s", t->name);
    return ctx;
}

static void
set_status(struct htask *t, enum hstatus s, const char *error)
{
    char ctx[80];

    free(t->error);
    t->error = error != NULL ? strdup(error) : NULL;
    t->updated_ms = now_ms();
    ctx_of(t, ctx);
    if (t->status != s) {
        if (error != NULL) {
            clog(LOG_ERROR, ctx, "status %s -> %s: %s",
                 hstatus_name(t->status), hstatus_name(s), error);
        } else {
            clog(LOG_INFO, ctx, "status %s -> %s", hstatus_name(t->status),
                 hstatus_name(s));
        }
    }
    t->status = s;
    save_status(t);
}

/* ---- answers due later ---- */

static int
add_waiter(struct htask *t, host_reply_fn fn, void *arg)
{
    struct hwaiter *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        return -1;
    }
    w->fn = fn;
    w->arg = arg;
    w->next = t->waiters;
    t->waiters = w;
    return 0;
}

/* Answers every waiter with body built by make(t) (a new one each). */
static void
answer_waiters(struct htask *t, int code, json_t *(*make)(struct htask *t))
{
    struct hwaiter *w = t->waiters;

    t->waiters = NULL;
    while (w != NULL) {
        struct hwaiter *next = w->next;

        w->fn(w->arg, code, make(t));
        free(w);
        w = next;
    }
}

void
host_forget_reply(struct host *h, void *arg)
{
    struct htask *t;
    struct hwaiter **p;

    for (t = h->tasks; t != NULL; t = t->next) {
        for (p = &t->waiters; *p != NULL;) {
            if ((*p)->arg == arg) {
                struct hwaiter *w = *p;

                *p = w->next;
                free(w);
            } else {
                p = &(*p)->next;
            }
        }
    }
}

static json_t *
status_answer(struct htask *t)
{
    return json_pack("{s:s,s:s,s:s?,s:s?}", "name", t->name, "status",
                     hstatus_name(t->status), "phase", t->phase, "error",
                     t->error);
}

static json_t *
precheck_answer(struct htask *t)
{
    return json_pack("{s:s,s:s,s:O?}", "name", t->name, "status",
                     hstatus_name(t->status), "report", t->report);
}

/* ---- running ---- */

static void run_task(struct htask *t);
static void run_prechecks(struct htask *t);

static void
on_run_status(struct task *run, enum task_status s, void *arg)
{
    struct htask *t = arg;

    (void)run;
    switch (s) {
    case TASK_FULL_SYNC:
        t->phase = "copying";
        set_status(t, HS_FULL_SYNC, NULL);
        break;
    case TASK_INCREMENTAL:
        t->phase = "streaming";
        set_status(t, HS_INCREMENTAL, NULL);
        break;
    case TASK_RECONNECTING:
        t->phase = "reconnecting";
        break;
    case TASK_STOPPING:
        t->phase = "stopping";
        break;
    default:
        t->phase = "connecting";
        break;
    }
}

/* A changed document waiting for the run to stop becomes the task's. */
static void
take_next_doc(struct htask *t)
{
    if (t->next_doc == NULL) {
        return;
    }
    json_decref(t->doc);
    t->doc = t->next_doc;
    t->next_doc = NULL;
    task_spec_free(&t->spec);
    t->spec = t->next_spec;
    memset(&t->next_spec, 0, sizeof(t->next_spec));
}

/* Frees the finished run on the next loop turn, off its own stack. */
static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
    struct htask *t = arg;
    struct host *h = t->h;
    enum hstop why = t->stop;

    (void)fd;
    (void)what;
    task_free(t->run);
    t->run = NULL;
    t->stop = HSTOP_NONE;
    take_next_doc(t);
    if (why == HSTOP_RESTART && t->status != HS_FAILED) {
        run_task(t);
    }
    answer_waiters(t, 200, status_answer);
    if (h->shutdown_done != NULL) {
        struct htask *o;

        for (o = h->tasks; o != NULL && o->run == NULL; o = o->next) {
        }
        if (o == NULL) {
            void (*done)(void *) = h->shutdown_done;

            h->shutdown_done = NULL;
            done(h->shutdown_arg);
        }
    }
}

/* Opens the store transaction of a batch of writes, once (*open). */
static void
batch(struct host *h, bool *open)
{
    char err[600];

    if (open != NULL && !*open) {
        *open = store_begin(h->st, err, sizeof(err)) == 0;
    }
}

/* The store's mirror of the run's checkpoint ts->file:pos, when it moved;
 * inside the batch *open (NULL: a write of its own). */
static void
mirror(struct htask *t, const struct task_stats *ts, bool *open)
{
    char err[600];

    if (ts->file == NULL || (t->mirror_file != NULL &&
                             strcmp(t->mirror_file, ts->file) == 0 &&
                             t->mirror_pos == ts->pos)) {
        return;
    }
    batch(t->h, open);
    if (store_checkpoint_put(t->h->st, t->name, ts->file, ts->pos, NULL, err,
                             sizeof(err)) != 0) {
        log_error("task=%s: the store did not take its checkpoint: %s",
                  t->name, err);
        return;
    }
    free(t->mirror_file);
    t->mirror_file = strdup(ts->file);
    t->mirror_pos = ts->pos;
}

static void
on_run_done(struct task *run, const char *err, void *arg)
{
    struct htask *t = arg;
    struct timeval now = {0, 0};
    struct task_stats ts;

    t->phase = NULL;
    task_get_stats(run, &ts);
    mirror(t, &ts, NULL);
    if (err != NULL && t->stop != HSTOP_SHUTDOWN) {
        set_status(t, HS_FAILED, err);
    } else {
        switch (t->stop) {
        case HSTOP_PAUSE:
            set_status(t, HS_PAUSED, NULL);
            break;
        case HSTOP_SHUTDOWN:
        case HSTOP_RESTART:
            break;
        case HSTOP_NONE: /* a "full" task's copy is done */
        case HSTOP_COMPLETE:
            set_status(t, HS_COMPLETED, NULL);
            break;
        }
    }
    evtimer_add(t->reap, &now);
}

static int load_doc(struct host *h, json_t *doc, struct task_spec *out_spec,
                    json_t **out);

/* The objects added since the full copy have been copied: the stream
 * goes on with them. */
static void
on_added_copied(struct task *run, void *arg)
{
    struct htask *t = arg;
    json_t *doc = t->next_doc != NULL ? t->next_doc : t->doc;
    char err[600], ctx[80];

    (void)run;
    json_object_del(doc, "objects_to_copy");
    if (doc != t->doc) {
        json_object_del(t->doc, "objects_to_copy");
    }
    if (save_task(t, err, sizeof(err)) != 0) {
        log_error("task=%s: the store did not take its spec: %s", t->name,
                  err);
    }
    clog(LOG_INFO, ctx_of(t, ctx), "the added objects are copied");
}

/* The spec of "objects_to_copy" (the doc with only those objects) into
 * t->added; false when there are none. */
static bool
load_added(struct htask *t)
{
    json_t *tc = json_object_get(t->doc, "objects_to_copy"), *doc, *out;
    char ctx[80];
    bool ok;

    task_spec_free(&t->added);
    if (json_array_size(tc) == 0 ||
        t->spec.mode != TASK_MODE_FULL_INCREMENTAL) {
        return false;
    }
    doc = json_deep_copy(t->doc);
    out = NULL;
    ok = doc != NULL && json_object_set(doc, "objects", tc) == 0 &&
         load_doc(t->h, doc, &t->added, &out) == 0;
    if (!ok) {
        clog(LOG_ERROR, ctx_of(t, ctx), "the added objects cannot be "
             "copied: %s", out != NULL ? json_string_value(json_object_get(
             out, "error")) : "out of memory");
    }
    json_decref(out);
    json_decref(doc);
    return ok;
}

static void
run_task(struct htask *t)
{
    char err[1024];

    t->run = task_new(t->h->base, t->h->dns, &t->spec, on_run_done, t, err,
                      sizeof(err));
    if (t->run == NULL) {
        set_status(t, HS_FAILED, err);
        return;
    }
    task_on_status(t->run, on_run_status, t);
    task_set_heartbeats(t->run, t->h->hbs);
    if (load_added(t)) {
        task_copy_added(t->run, &t->added, on_added_copied, t);
    }
    t->phase = t->spec.has_start_at && t->spec.start_at > (int64_t)time(NULL)
               ? "waiting for start_at" : "connecting";
    if (t->status != HS_FULL_SYNC && t->status != HS_INCREMENTAL) {
        /* a task with a checkpoint has copied (the run corrects it) */
        set_status(t, t->spec.mode == TASK_MODE_INCREMENTAL ||
                      t->mirror_file != NULL ? HS_INCREMENTAL :
                      HS_FULL_SYNC, NULL);
    }
    if (task_start(t->run) != 0) {
        /* on_run_done has run: the status says why */
        return;
    }
}

/* Stops the run; what it becomes is decided by why. */
static void
stop_run(struct htask *t, enum hstop why)
{
    t->stop = why;
    task_stop(t->run);
}

/* ---- prechecks ---- */

static void
on_prechecked(struct precheck *p, const struct precheck_report *r,
              void *arg)
{
    struct htask *t = arg;
    bool failed = precheck_report_failed(r);

    (void)p;
    json_decref(t->report);
    t->report = precheck_report_json(r);
    precheck_free(t->pre);
    t->pre = NULL;
    set_status(t, failed ? HS_PRECHECK_FAILED : HS_READY, NULL);
    answer_waiters(t, 200, precheck_answer);
    if (t->start_when_ready) {
        t->start_when_ready = false;
        if (!failed) {
            run_task(t);
        }
    }
}

static void
run_prechecks(struct htask *t)
{
    set_status(t, HS_PRECHECKING, NULL);
    t->pre = precheck_start(t->h->base, t->h->dns, &t->spec, on_prechecked,
                            t);
    if (t->pre == NULL) {
        set_status(t, HS_PRECHECK_FAILED, "out of memory");
        answer_waiters(t, 500, status_answer);
    }
}

int
host_precheck(struct host *h, const char *name, host_reply_fn reply,
              void *arg, json_t **out)
{
    struct htask *t = host_find(h, name);

    if (t == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    if (t->status != HS_CREATED && t->status != HS_PRECHECK_FAILED &&
        t->status != HS_READY && t->status != HS_PRECHECKING) {
        return host_error(out, 409, "task '%s' is %s: prechecks run before "
                          "a task starts; reset it first to check it "
                          "again", name, hstatus_name(t->status));
    }
    if (add_waiter(t, reply, arg) != 0) {
        return host_error(out, 500, "out of memory");
    }
    if (t->pre == NULL) {
        run_prechecks(t);
    }
    return 0;
}

/* ---- start, pause, resume, stop ---- */

int
host_action(struct host *h, const char *name, const char *verb,
            host_reply_fn reply, void *arg, json_t **out)
{
    struct htask *t = host_find(h, name);
    const char *st;

    if (t == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    st = hstatus_name(t->status);
    if (t->stop != HSTOP_NONE || resetting(t)) {
        return host_error(out, 409, "task '%s' is busy (%s): try again "
                          "when it is done", name,
                          resetting(t) ? "resetting" : "stopping");
    }
    if (strcmp(verb, "start") == 0) {
        if (running(t) || t->status == HS_PAUSED ||
            t->status == HS_FAILED || t->status == HS_COMPLETED) {
            return host_error(out, 409, "task '%s' is %s: start applies to "
                              "a new task (use resume for a paused or "
                              "failed one, reset for a completed one)",
                              name, st);
        }
        if (t->status == HS_READY) {
            run_task(t);
        } else {
            t->start_when_ready = true;
            if (t->pre == NULL) {
                run_prechecks(t);
            }
        }
    } else if (strcmp(verb, "resume") == 0) {
        if (t->status != HS_PAUSED && t->status != HS_FAILED) {
            return host_error(out, 409, "task '%s' is %s: only a paused or "
                              "failed task resumes", name, st);
        }
        run_task(t);
    } else if (strcmp(verb, "pause") == 0 || strcmp(verb, "stop") == 0) {
        bool pause = verb[0] == 'p';

        if (!running(t)) {
            if (!pause && t->status == HS_PAUSED) {
                set_status(t, HS_COMPLETED, NULL);
                *out = status_answer(t);
                return 200;
            }
            return host_error(out, 409, "task '%s' is %s: only a running "
                              "task %s", name, st,
                              pause ? "pauses" : "stops");
        }
        if (add_waiter(t, reply, arg) != 0) {
            return host_error(out, 500, "out of memory");
        }
        stop_run(t, pause ? HSTOP_PAUSE : HSTOP_COMPLETE);
        return 0;
    } else {
        return host_error(out, 404, "no action '%s': POST /v1/tasks/NAME/"
                          "{precheck,start,pause,resume,stop,reset}", verb);
    }
    *out = status_answer(t);
    return 200;
}

/* ---- reset: the destination forgets the task's position ---- */

static const char *const reset_sql[] = {
    "DELETE FROM tandem.checkpoint WHERE task = ",
    "DELETE FROM tandem.copy WHERE task = ",
    "DELETE FROM tandem.copy_table WHERE task = ",
};

static void reset_next(struct htask *t);

static void
reset_end(struct htask *t, const char *err)
{
    char e[600], ctx[80];

    myconn_free(t->reset_conn);
    t->reset_conn = NULL;
    rcli_free(t->reset_rcli);
    t->reset_rcli = NULL;
    if (err != NULL) {
        answer_waiters(t, 502, status_answer);
        clog(LOG_ERROR, ctx_of(t, ctx), "reset: %s", err);
        return;
    }
    json_decref(t->report);
    t->report = NULL;
    if (store_checkpoint_delete(t->h->st, t->name, e, sizeof(e)) != 0) {
        clog(LOG_ERROR, ctx_of(t, ctx), "reset: %s", e);
    }
    free(t->mirror_file);
    t->mirror_file = NULL;
    set_status(t, HS_CREATED, NULL);
    answer_waiters(t, 200, status_answer);
}

static void
on_reset_result(struct myconn *c, const struct myresult *res,
                const char *err, void *arg)
{
    struct htask *t = arg;

    (void)c;
    (void)res;
    /* 1049 unknown database, 1146 unknown table: nothing to forget */
    if (err != NULL && strncmp(err, "1049 ", 5) != 0 &&
        strncmp(err, "1146 ", 5) != 0) {
        char e[700];

        snprintf(e, sizeof(e), "the destination refused to forget the "
                 "position: %s", err);
        reset_end(t, e);
        return;
    }
    t->reset_step++;
    reset_next(t);
}

static void
reset_next(struct htask *t)
{
    struct pbuf q = {0};

    if (t->reset_step == sizeof(reset_sql) / sizeof(reset_sql[0])) {
        reset_end(t, NULL);
        return;
    }
    pbuf_puts(&q, reset_sql[t->reset_step]);
    sqlenc_text(&q, t->name, strlen(t->name));
    pbuf_putc(&q, '\0');
    if (q.failed || myconn_query(t->reset_conn, (const char *)q.data,
                                 on_reset_result, t) != 0) {
        reset_end(t, "out of memory");
    }
    pbuf_free(&q);
}

static void
on_reset_ready(struct myconn *c, void *arg)
{
    (void)c;
    reset_next(arg);
}

static void
on_reset_error(struct myconn *c, const char *err, void *arg)
{
    (void)c;
    reset_end(arg, err);
}

/* A Redis destination forgets the task: its checkpoint and full sync
 * mark (src/task/rtask.c) go. */
static void
on_redis_reset_del(struct rcli *c, struct redisReply *r, void *arg)
{
    struct htask *t = arg;
    char e[400];

    (void)c;
    if (r != NULL && r->type == REDIS_REPLY_ERROR) {
        snprintf(e, sizeof(e), "the destination refused to forget the "
                 "position: %.300s", r->str);
        reset_end(t, e);
        return;
    }
    reset_end(t, NULL);
}

static void
on_redis_reset_ready(struct rcli *c, void *arg)
{
    struct htask *t = arg;
    char ckpt[160], mark[160];
    const char *sel[] = {"SELECT", "0", NULL};
    const char *del[] = {"DEL", ckpt, mark, NULL};

    snprintf(ckpt, sizeof(ckpt), "tandem:checkpoint:%s", t->name);
    snprintf(mark, sizeof(mark), "tandem:fullsync:%s", t->name);
    rcli_call(c, NULL, NULL, sel);
    rcli_call(c, on_redis_reset_del, t, del);
}

static void
on_redis_reset_error(struct rcli *c, const char *err, void *arg)
{
    (void)c;
    reset_end(arg, err);
}

static int
host_reset_redis(struct host *h, struct htask *t, host_reply_fn reply,
                 void *arg, json_t **out)
{
    char err[600], ctx[96];

    snprintf(ctx, sizeof(ctx), "task=%s peer=destination", t->name);
    t->reset_rcli = rcli_new(h->base, h->dns, t->spec.destination.url,
                             "redis destination", ctx, on_redis_reset_ready,
                             on_redis_reset_error, t, err, sizeof(err));
    if (t->reset_rcli == NULL) {
        return host_error(out, 400, "%s", err);
    }
    if (add_waiter(t, reply, arg) != 0 || rcli_start(t->reset_rcli) != 0) {
        rcli_free(t->reset_rcli);
        t->reset_rcli = NULL;
        return host_error(out, 500, "out of memory");
    }
    return 0;
}

int
host_reset(struct host *h, const char *name, host_reply_fn reply, void *arg,
           json_t **out)
{
    struct htask *t = host_find(h, name);
    struct myconn_opts o;
    struct url u;
    char err[600], ctx[96];

    if (t == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    if (running(t) || t->pre != NULL || resetting(t)) {
        return host_error(out, 409, "task '%s' is %s: pause or stop it "
                          "before a reset", name, resetting(t) ?
                          "resetting" : hstatus_name(t->status));
    }
    if (t->spec.destination.type == TASK_ENGINE_REDIS) {
        return host_reset_redis(h, t, reply, arg, out);
    }
    if (url_parse(t->spec.destination.url, &u, err, sizeof(err)) != 0) {
        return host_error(out, 400, "%s", err);
    }
    snprintf(ctx, sizeof(ctx), "task=%s peer=destination", t->name);
    memset(&o, 0, sizeof(o));
    o.host = u.host;
    o.port = u.port;
    o.user = u.user;
    o.password = u.password;
    o.tls = (int)u.tls;
    o.ca_file = u.ca_file;
    o.log_ctx = ctx;
    t->reset_conn = myconn_new(h->base, h->dns, &o);
    url_free(&u);
    t->reset_step = 0;
    if (t->reset_conn == NULL || add_waiter(t, reply, arg) != 0 ||
        myconn_connect(t->reset_conn, on_reset_ready, on_reset_error, t) !=
            0) {
        myconn_free(t->reset_conn);
        t->reset_conn = NULL;
        return host_error(out, 500, "out of memory");
    }
    return 0;
}

/* ---- create, delete ---- */

/* Name rules of the managed services: 4-50 characters, a letter first,
 * then letters, digits, '-' and '_'. */
static bool
name_ok(const char *n)
{
    size_t i, len = strlen(n);

    if (len < 4 || len > 50 ||
        !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z'))) {
        return false;
    }
    for (i = 1; i < len; i++) {
        char c = n[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Checks description and tags, loads the rest as a spec into *out_spec
 * (freed first). */
static int
load_doc(struct host *h, json_t *doc, struct task_spec *out_spec,
         json_t **out)
{
    json_t *spec = json_deep_copy(doc), *d, *tags, *v;
    char err[1200];
    size_t i;
    char *text;
    int rc;

    if (spec == NULL) {
        return host_error(out, 500, "out of memory");
    }
    d = json_object_get(spec, "description");
    if (d != NULL && (!json_is_string(d) || json_string_length(d) > 256)) {
        json_decref(spec);
        return host_error(out, 400, "description: a string of at most "
                          "256 characters");
    }
    tags = json_object_get(spec, "tags");
    if (tags != NULL) {
        if (!json_is_array(tags) || json_array_size(tags) > 20) {
            json_decref(spec);
            return host_error(out, 400, "tags: a list of at most 20 "
                              "strings");
        }
        json_array_foreach(tags, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > 64) {
                json_decref(spec);
                return host_error(out, 400, "tags[%zu]: a string of 1 to "
                                  "64 characters", i);
            }
        }
    }
    json_object_del(spec, "description");
    json_object_del(spec, "tags");
    json_object_del(spec, "objects_to_copy");
    text = json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(spec);
    if (text == NULL) {
        return host_error(out, 500, "out of memory");
    }
    task_spec_free(out_spec);
    rc = task_spec_load_text(text, strlen(text), "the task", out_spec, err,
                             sizeof(err));
    wipe_free(text);
    if (rc != 0) {
        return host_error(out, 400, "%s", err);
    }
    if (json_object_get(json_object_get(doc, "apply"), "queue_bytes") ==
        NULL) {
        out_spec->apply.queue_bytes = h->queue_bytes;
    }
    return 0;
}

static struct htask *
htask_new(struct host *h, const char *name)
{
    struct htask *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->h = h;
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->reap = evtimer_new(h->base, on_reap, t);
    if (t->reap == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

static void
htask_free(struct htask *t)
{
    struct hwaiter *w;

    task_free(t->run);
    precheck_free(t->pre);
    myconn_free(t->reset_conn);
    rcli_free(t->reset_rcli);
    while ((w = t->waiters) != NULL) {
        t->waiters = w->next;
        w->fn(w->arg, 410, json_pack("{s:s}", "error", "the task was "
                                     "deleted"));
        free(w);
    }
    if (t->reap != NULL) {
        event_free(t->reap);
    }
    json_decref(t->doc);
    json_decref(t->next_doc);
    json_decref(t->report);
    task_spec_free(&t->spec);
    task_spec_free(&t->next_spec);
    task_spec_free(&t->added);
    free(t->error);
    free(t->mirror_file);
    free(t);
}

static void
append(struct host *h, struct htask *t)
{
    struct htask **p = &h->tasks;

    while (*p != NULL) {
        p = &(*p)->next;
    }
    *p = t;
}

int
host_create(struct host *h, const char *body, size_t len, json_t **out)
{
    json_error_t je;
    json_t *doc = json_loadb(body, len, 0, &je), *n;
    struct htask *t;
    char err[700], ctx[80];
    int code;

    if (doc == NULL || !json_is_object(doc)) {
        json_decref(doc);
        return host_error(out, 400, "the body is not a JSON object: %s "
                          "(line %d) — send the task spec", doc == NULL ?
                          je.text : "another JSON value", je.line);
    }
    n = json_object_get(doc, "name");
    if (!json_is_string(n) || !name_ok(json_string_value(n))) {
        json_decref(doc);
        return host_error(out, 400, "name: 4 to 50 characters, a letter "
                          "first, then letters, digits, '-' or '_'");
    }
    if (host_find(h, json_string_value(n)) != NULL) {
        code = host_error(out, 409, "a task named '%s' exists: choose "
                          "another name or delete it first",
                          json_string_value(n));
        json_decref(doc);
        return code;
    }
    t = htask_new(h, json_string_value(n));
    if (t == NULL) {
        json_decref(doc);
        return host_error(out, 500, "out of memory");
    }
    if ((code = load_doc(h, doc, &t->spec, out)) != 0) {
        json_decref(doc);
        htask_free(t);
        return code;
    }
    t->doc = doc;
    t->status = HS_CREATED;
    t->created_ms = t->updated_ms = now_ms();
    if (save_task(t, err, sizeof(err)) != 0) {
        htask_free(t);
        return host_error(out, 500, "the store did not take the task: %s",
                          err);
    }
    append(h, t);
    clog(LOG_INFO, ctx_of(t, ctx), "created");
    *out = json_pack("{s:s,s:s}", "name", t->name, "status", "created");
    return 201;
}

int
host_delete(struct host *h, const char *name, json_t **out)
{
    struct htask **p, *t;
    char err[600];

    for (p = &h->tasks; *p != NULL && strcmp((*p)->name, name) != 0;
         p = &(*p)->next) {
    }
    if ((t = *p) == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    if (store_task_delete(h->st, name, err, sizeof(err)) != 0) {
        return host_error(out, 500, "the store did not delete the task: "
                          "%s", err);
    }
    *p = t->next;
    log_info("task %s deleted, with its secrets, logs and metrics", name);
    htask_free(t);
    *out = json_pack("{s:s,s:b}", "name", name, "deleted", 1);
    return 200;
}

int
host_apply_doc(struct htask *t, json_t *doc, bool restart, json_t **out)
{
    struct task_spec spec;
    char err[700];
    int code;

    memset(&spec, 0, sizeof(spec));
    if ((code = load_doc(t->h, doc, &spec, out)) != 0) {
        return code;
    }
    if (strcmp(spec.name, t->name) != 0) {
        task_spec_free(&spec);
        return host_error(out, 400, "name: a task keeps its name; create "
                          "a new task for another one");
    }
    json_decref(t->next_doc);
    task_spec_free(&t->next_spec);
    t->next_doc = json_incref(doc);
    t->next_spec = spec;
    if (save_task(t, err, sizeof(err)) != 0) {
        json_decref(t->next_doc);
        t->next_doc = NULL;
        task_spec_free(&t->next_spec);
        return host_error(out, 500, "the store did not take the change: "
                          "%s", err);
    }
    if (running(t) && restart) {
        /* the running task reads the spec it has until it stops */
        stop_run(t, HSTOP_RESTART);
    } else if (!running(t)) {
        take_next_doc(t);
        if (t->status == HS_READY) {
            /* the prechecks were of the old spec */
            set_status(t, HS_CREATED, NULL);
        }
    }
    *out = host_task_view(t);
    return 200;
}

/* ---- restore, tick, shutdown ---- */

static int
on_stored(void *arg, const struct store_task *st)
{
    struct host *h = arg;
    json_error_t je;
    json_t *doc, *out = NULL;
    struct store_checkpoint ck;
    struct htask *t;
    enum hstatus s;
    char err[600];

    t = htask_new(h, st->name);
    if (t == NULL) {
        return -1;
    }
    doc = st->spec_json != NULL ? json_loads(st->spec_json, 0, &je) : NULL;
    if (doc == NULL || load_doc(h, doc, &t->spec, &out) != 0) {
        log_error("task=%s: its stored spec is refused (%s): it stays "
                  "failed — delete it and create it again", st->name,
                  out != NULL ? json_string_value(json_object_get(out,
                  "error")) : st->spec_json == NULL ? st->error : je.text);
        json_decref(out);
        json_decref(doc);
        doc = json_pack("{s:s}", "name", st->name);
        t->status = HS_FAILED;
        t->error = strdup("the stored spec is damaged: delete the task "
                          "and create it again");
    } else if (!hstatus_parse(st->status, &s)) {
        t->status = HS_CREATED;
    } else {
        t->status = s == HS_PRECHECKING ? HS_CREATED : s;
        t->error = st->error != NULL ? strdup(st->error) : NULL;
    }
    t->doc = doc;
    if (store_checkpoint_get(h->st, st->name, &ck, err, sizeof(err)) == 0) {
        t->mirror_file = ck.file;
        t->mirror_pos = ck.pos;
        ck.file = NULL;
        store_checkpoint_free(&ck);
    }
    t->created_ms = st->created_ms;
    t->updated_ms = st->updated_ms;
    append(h, t);
    return 0;
}

/* Metrics samples go to the store this often (ticks). */
#define HOST_SAMPLE_TICKS 10

void
host_stats(const struct htask *t, struct task_stats *out)
{
    static const struct task_stats none = {
        .delay_ms = -1, .delay_p50_ms = -1, .delay_p99_ms = -1,
        .delay_max_ms = -1,
    };

    if (t->run != NULL) {
        task_get_stats(t->run, out);
    } else {
        *out = none;
    }
}

/* The rates of the last second, from two readings. */
static void
take_rates(struct htask *t, const struct task_stats *now)
{
    const struct task_stats *p = &t->last;

    if (!t->has_last) {
        t->tps = t->rows_per_sec = t->read_bps = t->write_bps = 0;
        return;
    }
    t->tps = (double)(now->applied_txns - p->applied_txns);
    t->rows_per_sec = (double)(now->applied_rows - p->applied_rows);
    t->read_bps = (double)(now->read_bytes - p->read_bytes);
    t->write_bps = (double)(now->written_bytes - p->written_bytes);
}

static void
sample(struct host *h, struct htask *t, const struct task_stats *ts,
       int64_t now)
{
    json_t *m = host_task_metrics(t, ts);
    char *text = m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;
    char err[600];

    if (text != NULL && store_metrics_put(h->st, t->name, now, text, err,
                                          sizeof(err)) != 0) {
        log_error("the store did not take task %s's metrics: %s", t->name,
                  err);
    }
    free(text);
    json_decref(m);
}

/* Every second: rates, checkpoint mirrors and (every few seconds) the
 * metrics samples, in one store transaction. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct host *h = arg;
    struct task_stats ts;
    struct htask *t;
    bool open = false, due = ++h->ticks % HOST_SAMPLE_TICKS == 0;
    int64_t now = now_ms();
    char err[600];

    (void)fd;
    (void)what;
    for (t = h->tasks; t != NULL; t = t->next) {
        if (t->run == NULL) {
            t->has_last = false;
            take_rates(t, NULL);
            continue;
        }
        task_get_stats(t->run, &ts);
        take_rates(t, &ts);
        t->last = ts;
        t->last.file = NULL;      /* the run's; read it only from the run */
        t->has_last = true;
        if (due) {
            batch(h, &open);
            sample(h, t, &ts, now);
        }
        mirror(t, &ts, &open);
    }
    if (open && store_commit(h->st, err, sizeof(err)) != 0) {
        log_error("the store did not take the checkpoint mirrors: %s", err);
    }
}

void
host_flush_logs(struct host *h)
{
    struct hlog *l;
    char err[600];
    bool open;

    if (h->logs == NULL) {
        return;
    }
    open = store_begin(h->st, err, sizeof(err)) == 0;
    while ((l = h->logs) != NULL) {
        h->logs = l->next;
        if (host_find(h, l->name) != NULL &&
            store_log_add(h->st, l->name, l->ts_ms, l->level,
                          l->level == LOG_ERROR ? "error" :
                          l->level == LOG_WARN ? "alarm" : "notice",
                          l->msg, err, sizeof(err)) != 0) {
            log_error("the store did not take a line of task %s's log: %s",
                      l->name, err);
        }
        free(l);
    }
    h->logs_tail = &h->logs;
    if (open && store_commit(h->st, err, sizeof(err)) != 0) {
        log_error("the store did not take the tasks' log lines: %s", err);
    }
}

static void
on_log_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    host_flush_logs(arg);
}

/* Lines of a task's context ("task=NAME ...") go to its log, written to
 * the store in one batch at the end of the loop turn. */
static void
on_log(void *arg, enum log_level l, const char *kv, const char *msg,
       int64_t ts_ms)
{
    struct host *h = arg;
    struct timeval now = {0, 0};
    struct hlog *e;
    size_t n, len;

    if (kv == NULL || strncmp(kv, "task=", 5) != 0 || l > LOG_INFO) {
        return;
    }
    kv += 5;
    n = strcspn(kv, " ");
    len = strlen(msg);
    if (n >= sizeof(e->name) || (e = malloc(sizeof(*e) + len + 1)) ==
                                    NULL) {
        return;
    }
    memcpy(e->name, kv, n);
    e->name[n] = '\0';
    memcpy(e->msg, msg, len + 1);
    e->ts_ms = ts_ms;
    e->level = (int)l;
    e->next = NULL;
    *h->logs_tail = e;
    h->logs_tail = &e->next;
    if (!evtimer_pending(h->log_flush, NULL)) {
        evtimer_add(h->log_flush, &now);
    }
}

struct host *
host_new(struct event_base *base, struct evdns_base *dns, struct store *st,
         uint64_t queue_bytes, char *err, size_t errlen)
{
    struct host *h = calloc(1, sizeof(*h));
    struct timeval second = {1, 0};

    if (h == NULL || (h->tick = event_new(base, -1, EV_PERSIST, on_tick,
                                          h)) == NULL ||
        (h->log_flush = evtimer_new(base, on_log_flush, h)) == NULL) {
        if (h != NULL && h->tick != NULL) {
            event_free(h->tick);
        }
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->base = base;
    h->dns = dns;
    h->st = st;
    h->queue_bytes = queue_bytes;
    h->logs_tail = &h->logs;
    h->hbs = heartbeats_new(base, dns);
    if (h->hbs == NULL) {
        host_free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (store_task_each(st, on_stored, h, err, errlen) != 0) {
        host_free(h);
        return NULL;
    }
    log_set_tap(on_log, h);
    event_add(h->tick, &second);
    return h;
}

void
host_resume(struct host *h)
{
    struct htask *t;
    unsigned resumed = 0, count = 0;
    char ctx[80];

    for (t = h->tasks; t != NULL; t = t->next) {
        count++;
        if (t->status == HS_FULL_SYNC || t->status == HS_INCREMENTAL) {
            clog(LOG_INFO, ctx_of(t, ctx), "resuming (%s when the daemon "
                 "stopped)", hstatus_name(t->status));
            run_task(t);
            resumed++;
        }
    }
    log_info("%u task(s) in the store, %u resumed", count, resumed);
}

static void
on_shutdown_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct host *h = arg;
    void (*done)(void *) = h->shutdown_done;

    (void)fd;
    (void)what;
    if (done != NULL) {
        log_warn("tasks still stopping after the shutdown bound: cut (their "
                 "open destination transactions roll back)");
        h->shutdown_done = NULL;
        done(h->shutdown_arg);
    }
}

void
host_shutdown(struct host *h, unsigned timeout_ms,
              void (*done)(void *arg), void *arg)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    struct htask *t;
    bool any = false;

    h->shutdown_done = done;
    h->shutdown_arg = arg;
    for (t = h->tasks; t != NULL; t = t->next) {
        precheck_free(t->pre);
        t->pre = NULL;
        if (t->run != NULL) {
            any = true;
            if (t->stop == HSTOP_NONE || t->stop == HSTOP_RESTART) {
                stop_run(t, HSTOP_SHUTDOWN);
            }
        }
    }
    if (!any) {
        h->shutdown_done = NULL;
        done(arg);
        return;
    }
    h->shutdown_timer = evtimer_new(h->base, on_shutdown_timeout, h);
    if (h->shutdown_timer != NULL) {
        evtimer_add(h->shutdown_timer, &tv);
    }
}

void
host_set_queue_bytes(struct host *h, uint64_t queue_bytes)
{
    h->queue_bytes = queue_bytes;
}

void
host_free(struct host *h)
{
    struct htask *t;

    if (h == NULL) {
        return;
    }
    host_flush_logs(h);
    log_set_tap(NULL, NULL);
    while ((t = h->tasks) != NULL) {
        h->tasks = t->next;
        htask_free(t);
    }
    heartbeats_free(h->hbs);
    if (h->tick != NULL) {
        event_free(h->tick);
    }
    event_free(h->log_flush);
    if (h->shutdown_timer != NULL) {
        event_free(h->shutdown_timer);
    }
    free(h);
}
