/*
 * task.h - one replication task: source -> pipeline -> sink, exactly once.
 *
 *   mysrc --rows/commit--> pipeline --txn--> mysink --COMMIT--> checkpoint
 *     ^                                        |
 *     +---- pause over the queue bound, resume when drained
 *
 * On start the task reads its checkpoint at the destination and streams
 * the source from there (or from the spec's start point the first time).
 * A destination failure tears the pipeline down and restarts it, after a
 * backoff, from the checkpoint the destination committed: nothing is lost
 * or applied twice.  Statuses follow the managed services' names.
 */
#ifndef TANDEM_TASK_TASK_H
#define TANDEM_TASK_TASK_H

#include <stdbool.h>

#include "src/task/spec.h"

struct event_base;
struct evdns_base;
struct task;

#define TASK_STATUSES(X)              \
    X(CREATED, "created")             \
    X(PRECHECKING, "prechecking")     \
    X(FULL_SYNC, "full sync")         \
    X(INCREMENTAL, "incremental sync") \
    X(RECONNECTING, "reconnecting")   \
    X(STOPPING, "stopping")           \
    X(STOPPED, "stopped")             \
    X(FAILED, "failed")

enum task_status {
#define X(s, n) TASK_##s,
    TASK_STATUSES(X)
#undef X
    TASK_STATUS_COUNT /* sentinel */
};

const char *task_status_name(enum task_status s);

/* Called once the task is STOPPED or FAILED (err: one line, or NULL). */
typedef void (*task_done_cb)(struct task *t, const char *err, void *arg);

/* Takes ownership of nothing: spec must outlive the task. */
struct task *task_new(struct event_base *base, struct evdns_base *dns,
                      const struct task_spec *spec, task_done_cb done,
                      void *arg, char *err, size_t errlen);
/* Before task_start(): the task stops by itself (STOPPED) once it has
 * applied everything the source's binlog held when the stream started
 * (a one-shot catch-up; run again, it resumes from its checkpoint). */
void task_until_caught_up(struct task *t);
int task_start(struct task *t);
/* Stops reading the source, lets what was read commit, then STOPPED. */
void task_stop(struct task *t);
void task_free(struct task *t);

#endif
