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
#include <stdint.h>

#include "src/task/spec.h"

struct event_base;
struct evdns_base;
struct heartbeats;
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
/* Called at every other change of status (after it is logged). */
typedef void (*task_status_cb)(struct task *t, enum task_status s,
                               void *arg);

/* What a running task has done so far.  Counters only grow; a reader
 * makes rates from two readings. */
struct task_stats {
    enum task_status status;      /* where it is */
    const char *file;             /* last committed position, or NULL */
    uint64_t pos;                 /* ... */
    uint64_t applied_txns;        /* source transactions committed */
    uint64_t applied_rows;        /* row changes committed */
    uint64_t read_bytes;          /* bytes read from the source */
    uint64_t written_bytes;       /* bytes sent to the destination */
    uint64_t errors;              /* restarts after errors */
    int64_t delay_ms;             /* apply time minus the source time of the
                                     last applied heartbeat or transaction,
                                     or more while one waits longer than
                                     that; -1 when not known yet */
    int64_t delay_p50_ms;         /* over the last minute; -1: none */
    int64_t delay_p99_ms;         /* ... */
    int64_t delay_max_ms;         /* ... */
    uint64_t bytes_behind;        /* source binlog bytes not yet applied */
    uint64_t queue_bytes;         /* bytes queued for the destination */
    uint64_t spill_bytes;         /* bytes spilled to disk (none yet) */
    uint64_t tables_total;        /* full sync: tables to copy */
    uint64_t tables_done;         /* ... copied */
    uint64_t rows_copied;         /* ... rows */
};

/* Takes ownership of nothing: spec must outlive the task. */
struct task *task_new(struct event_base *base, struct evdns_base *dns,
                      const struct task_spec *spec, task_done_cb done,
                      void *arg, char *err, size_t errlen);
/* Before task_start(): the task stops by itself (STOPPED) once it has
 * applied everything the source's binlog held when the stream started
 * (a one-shot catch-up; run again, it resumes from its checkpoint). */
void task_until_caught_up(struct task *t);
/* Called once the objects of task_copy_added() are copied. */
typedef void (*task_added_cb)(struct task *t, void *arg);
/* Before task_start(), for a "full+incremental" task: <added> (the spec
 * with only the objects added since its full copy; it must outlive the
 * task) is copied before the stream goes on from the checkpoint (see
 * copy_start_added()); then cb.  A task without a checkpoint yet copies
 * everything anyway. */
void task_copy_added(struct task *t, const struct task_spec *added,
                     task_added_cb cb, void *arg);
/* Before task_start(): status changes go to cb as well as to the log. */
void task_on_status(struct task *t, task_status_cb cb, void *arg);
/* Before task_start(): the task takes the heartbeat writer of its source
 * from <hbs> (borrowed: it must outlive the task; see
 * src/task/heartbeat.h) and measures its delay in milliseconds from the
 * heartbeat rows.  NULL (the default): no heartbeat is written, and the
 * delay comes from the binlog's timestamps (seconds). */
void task_set_heartbeats(struct task *t, struct heartbeats *hbs);
void task_get_stats(const struct task *t, struct task_stats *st);
int task_start(struct task *t);
/* Stops reading the source, lets what was read commit, then STOPPED. */
void task_stop(struct task *t);
void task_free(struct task *t);

#endif
