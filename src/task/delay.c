/*
 * delay.c - a task's replication delay over the last minute (see
 * delay.h): one slot per second, each holding the largest delay of its
 * second, overwritten when its second comes round again.
 */
#include "src/task/delay.h"

#include <string.h>

void
delay_init(struct delay *d)
{
    memset(d, 0, sizeof(*d));
    d->last_ms = -1;
}

void
delay_add(struct delay *d, uint64_t now_ms, int64_t ms, bool sample)
{
    uint32_t sec = (uint32_t)(now_ms / 1000);
    struct delay_slot *s = &d->slot[sec % DELAY_SLOTS];

    if (ms < 0) {
        ms = 0;
    }
    if (ms > INT32_MAX) {
        ms = INT32_MAX;
    }
    if (sample) {
        d->last_ms = ms;
        d->last_at_ms = now_ms;
    }
    if (s->sec != sec) {
        s->sec = sec;
        s->max_ms = (int32_t)ms;
    } else if ((int32_t)ms > s->max_ms) {
        s->max_ms = (int32_t)ms;
    }
}

/* The value of nearest rank ceil(<pct> * n / 100) of sorted v[0..n). */
static int64_t
rank(const int32_t *v, unsigned n, unsigned pct)
{
    unsigned r = (pct * n + 99) / 100;

    return v[r > 0 ? r - 1 : 0];
}

void
delay_window(const struct delay *d, uint64_t now_ms, int64_t *p50,
             int64_t *p99, int64_t *max)
{
    uint32_t now = (uint32_t)(now_ms / 1000);
    int32_t v[DELAY_SLOTS];
    unsigned n = 0, i, j;

    for (i = 0; i < DELAY_SLOTS; i++) {
        const struct delay_slot *s = &d->slot[i];

        if (s->sec == 0 || s->sec > now || now - s->sec >= DELAY_SLOTS) {
            continue;
        }
        /* insertion sort: at most DELAY_SLOTS values */
        for (j = n; j > 0 && v[j - 1] > s->max_ms; j--) {
            v[j] = v[j - 1];
        }
        v[j] = s->max_ms;
        n++;
    }
    if (n == 0) {
        *p50 = *p99 = *max = -1;
        return;
    }
    *p50 = rank(v, n, 50);
    *p99 = rank(v, n, 99);
    *max = v[n - 1];
}
