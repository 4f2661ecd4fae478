/*
 * rtask.h - a Redis to Redis task: the runtime behind struct task when
 * the spec's source is Redis (task.c hands its calls over).
 *
 *   rsrc (PSYNC) --RDB keys as commands (rdbcmd)--> rsink, pipelined
 *        |      --commands, db mapped, keys selected--> rsink batches:
 *        |        MULTI ... HSET tandem:checkpoint:<task> replid offset EXEC
 *        +<-- pause over the sink's bound, resume when drained
 *   rcli --SET tandem:heartbeat <ms>, INFO replication every second-->
 *        source: the heartbeat comes back through the stream and, once
 *        its batch is acknowledged, gives the delay
 *
 * Exactly once: the destination's checkpoint moves in the same MULTI/EXEC
 * as the commands it covers, and a restart continues with PSYNC from it.
 * A source transaction (MULTI/EXEC in the stream) is never split over two
 * batches.  A lost source link resumes from the last command handed over
 * (+CONTINUE); a source that answers with a full resynchronisation where
 * the task needs its backlog fails the task, naming the way out.
 */
#ifndef TANDEM_TASK_RTASK_H
#define TANDEM_TASK_RTASK_H

#include <stddef.h>

#include "src/task/task.h"

struct rtask;

/* How the task reports to struct task. */
struct rtask_hooks {
    void (*status)(void *arg, enum task_status s, const char *why);
    void (*done)(void *arg, enum task_status s, const char *err);
    void *arg;
};

struct rtask *rtask_new(struct event_base *base, struct evdns_base *dns,
                        const struct task_spec *spec,
                        const struct rtask_hooks *hooks, char *err,
                        size_t errlen);
int rtask_start(struct rtask *r);
/* Before rtask_start(): stop (STOPPED) once every stream has applied
 * what its master held when the stream began. */
void rtask_until_caught_up(struct rtask *r);
void rtask_get_stats(const struct rtask *r, struct task_stats *st);
void rtask_stop(struct rtask *r);
void rtask_free(struct rtask *r);

#endif
