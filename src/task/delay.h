/*
 * delay.h - a task's replication delay over the last minute.
 *
 * A sample is a delay in milliseconds: the apply time of a heartbeat or a
 * transaction minus its source time (see task.h).  The tracker keeps the
 * last sample and, for each of the last DELAY_SLOTS seconds, the largest
 * delay seen in that second; p50, p99 and max are taken over those
 * per-second values.  Fixed size (under 500 bytes), no allocation: a host
 * runs hundreds of idle tasks, each with its own tracker.
 */
#ifndef TANDEM_TASK_DELAY_H
#define TANDEM_TASK_DELAY_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds in the window. */
#define DELAY_SLOTS 60

/* One second of the window. */
struct delay_slot {
    uint32_t sec;                 /* seconds since the epoch; 0: empty */
    int32_t max_ms;               /* the largest delay seen in it */
};

struct delay {
    int64_t last_ms;              /* the last sample; -1: none yet */
    uint64_t last_at_ms;          /* when it was taken (ms since epoch) */
    struct delay_slot slot[DELAY_SLOTS]; /* by second modulo DELAY_SLOTS */
};

/* An empty tracker (last_ms -1). */
void delay_init(struct delay *d);

/* Records a delay of <ms> (negative counts as 0) observed at <now_ms>.
 * A <sample> becomes the last one; otherwise it only enters the window (a
 * lower bound seen while nothing is applied, so that a stall shows in
 * max and p99). */
void delay_add(struct delay *d, uint64_t now_ms, int64_t ms, bool sample);

/* p50, p99 and max of the per-second values of the DELAY_SLOTS seconds up
 * to <now_ms> (nearest rank); each -1 when the window is empty. */
void delay_window(const struct delay *d, uint64_t now_ms, int64_t *p50,
                  int64_t *p99, int64_t *max);

#endif
