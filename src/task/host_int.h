/*
 * host_int.h - what the parts of the daemon's task host share (host.c:
 * lifecycle and store; host_api.c: the API's requests and answers).
 */
#ifndef TANDEM_TASK_HOST_INT_H
#define TANDEM_TASK_HOST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "src/task/host.h"
#include "src/task/spec.h"
#include "src/task/task.h"

struct heartbeats;
struct task;
struct precheck;
struct myconn;
struct rcli;

/* The statuses users see, in the managed services' words. */
#define HOST_STATUSES(X)                   \
    X(CREATED, "created")                  \
    X(PRECHECKING, "prechecking")          \
    X(PRECHECK_FAILED, "precheck_failed")  \
    X(READY, "ready")                      \
    X(FULL_SYNC, "full_sync")              \
    X(INCREMENTAL, "incremental")          \
    X(PAUSED, "paused")                    \
    X(FAILED, "failed")                    \
    X(COMPLETED, "completed")

enum hstatus {
#define X(s, n) HS_##s,
    HOST_STATUSES(X)
#undef X
    HS_COUNT /* sentinel */
};

/* Why a running task is being stopped: what it becomes once stopped. */
enum hstop {
    HSTOP_NONE = 0,     /* not being stopped */
    HSTOP_PAUSE,        /* -> paused */
    HSTOP_COMPLETE,     /* -> completed */
    HSTOP_RESTART,      /* -> started again (a changed spec) */
    HSTOP_SHUTDOWN      /* status kept: the next daemon resumes it */
};

/* Someone waiting for an answer. */
struct hwaiter {
    host_reply_fn fn;             /* called once */
    void *arg;                    /* its argument */
    struct hwaiter *next;         /* next in the list */
};

struct htask {
    struct host *h;               /* owner */
    struct htask *next;           /* next task, creation order */
    char name[64];                /* the task's name */
    json_t *doc;                  /* the spec document, secrets in clear
                                     (memory only) */
    struct task_spec spec;        /* doc, loaded */
    struct task_spec added;       /* "objects_to_copy" alone, while the
                                     run copies them */
    json_t *next_doc;             /* a change waiting for run to stop */
    struct task_spec next_spec;   /* ... loaded */
    enum hstatus status;          /* where it is */
    char *error;                  /* why it failed, or NULL */
    const char *phase;            /* detail of the status ("connecting") */
    struct task *run;             /* the running task, or NULL */
    enum hstop stop;              /* why run is being stopped */
    struct precheck *pre;         /* prechecks, while they run */
    json_t *report;               /* the last prechecks' report, or NULL */
    bool start_when_ready;        /* start once the prechecks pass */
    struct hwaiter *waiters;      /* answers due when pre/run/reset ends */
    struct myconn *reset_conn;    /* a reset's destination connection */
    struct rcli *reset_rcli;      /* ... for a Redis destination */
    unsigned reset_step;          /* its statement */
    struct event *reap;           /* frees a finished run off its stack */
    int64_t created_ms;           /* when created */
    int64_t updated_ms;           /* when the status last changed */
    char *mirror_file;            /* checkpoint last mirrored in store */
    uint64_t mirror_pos;          /* ... */
    struct task_stats last;       /* the run's stats at the last tick */
    bool has_last;                /* ... taken */
    double tps;                   /* transactions a second, last tick */
    double rows_per_sec;          /* rows applied a second, last tick */
    double read_bps;              /* source bytes a second, last tick */
    double write_bps;             /* destination bytes a second, ... */
};

/* A task's log line waiting for the store. */
struct hlog {
    struct hlog *next;            /* next, in order */
    int64_t ts_ms;                /* when */
    int level;                    /* enum log_level */
    char name[64];                /* the task */
    char msg[];                   /* the line */
};

struct host {
    struct event_base *base;      /* loop (borrowed) */
    struct evdns_base *dns;       /* resolver (borrowed) */
    struct store *st;             /* state store (borrowed) */
    struct heartbeats *hbs;       /* one heartbeat writer per source */
    uint64_t queue_bytes;         /* default apply.queue_bytes */
    struct htask *tasks;          /* every task, creation order */
    struct event *tick;           /* every second: mirrors, rates */
    struct hlog *logs;            /* lines for the store, oldest first */
    struct hlog **logs_tail;      /* where the next one goes */
    struct event *log_flush;      /* writes them, once per loop turn */
    uint64_t ticks;               /* seconds ticked */
    void (*shutdown_done)(void *arg); /* host_shutdown()'s callback */
    void *shutdown_arg;           /* ... */
    struct event *shutdown_timer; /* its bound */
};

const char *hstatus_name(enum hstatus s);
bool hstatus_parse(const char *s, enum hstatus *out);
struct htask *host_find(struct host *h, const char *name);
/* The run's stats now (none when not running: delays -1); out->file is
 * the run's, valid until the loop runs again. */
void host_stats(const struct htask *t, struct task_stats *out);
/* Writes the task log lines waiting for the store. */
void host_flush_logs(struct host *h);
/* {"error": msg} with code. */
int host_error(json_t **out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The document with masked URLs, without description and tags. */
json_t *host_public_spec(const struct htask *t);
/* The row of GET /v1/tasks (ts: host_stats() of t), and the whole of
 * GET /v1/tasks/NAME. */
json_t *host_task_summary(const struct htask *t,
                          const struct task_stats *ts);
json_t *host_task_view(const struct htask *t);
/* The "metrics" object of the view (also the samples stored). */
json_t *host_task_metrics(const struct htask *t,
                          const struct task_stats *ts);
/* Makes doc (a changed document) the task's, stored at once; a running
 * task takes it by restarting when restart, else at its next start.
 * 200 with the task's view, or an error. */
int host_apply_doc(struct htask *t, json_t *doc, bool restart,
                   json_t **out);

/* A reset is talking to the destination. */
#define resetting(t) ((t)->reset_conn != NULL || (t)->reset_rcli != NULL)

#endif
