/*
 * heartbeat.h - one heartbeat writer per source server, shared by the
 * tasks of a process that read that server.
 *
 * Every second the writer upserts a row of tandem.heartbeat on the source:
 *
 *   CREATE TABLE tandem.heartbeat (
 *     server_id INT UNSIGNED NOT NULL,   -- the source's @@server_id
 *     host VARCHAR(255) NOT NULL,        -- the writing host's name
 *     ts BIGINT NOT NULL,                -- when it was written: us since
 *                                        -- the epoch, the host's clock
 *     PRIMARY KEY (server_id, host))
 *
 * Each task reading that server finds the row in its binlog stream, never
 * replicates it, and takes as its delay the time it applies the row minus
 * ts.  Both ends are this host's clock, so the delay does not depend on
 * the source's clock.  Rows of other hosts (other processes with other
 * clocks) are recognised and skipped; processes on one host write the same
 * row.  The table and its database are created on the first write that
 * finds them missing.
 *
 * The writer also reads SHOW BINARY LOGS each second, from which a task
 * computes how many binlog bytes it is behind.
 *
 * An account that may not write the row (no privilege, a read-only server)
 * gets one warning naming the fix; the writer then stops writing (it tries
 * again every few minutes, quietly) and tasks take their delay from the
 * binlog's own timestamps and the server's heartbeat events.  Lost
 * connections are retried with backoff, quietly.
 *
 * Shared: heartbeat_acquire() returns the writer of a host:port, creating
 * it on first use; the last heartbeat_release() frees it.  A hundred tasks
 * on one source cost one row a second in each of their streams, not a
 * hundred.  All of it runs in the loop of the registry's event_base.
 */
#ifndef TANDEM_TASK_HEARTBEAT_H
#define TANDEM_TASK_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;
struct url;
struct mysrc_row;
struct heartbeats;
struct heartbeat;

/* Period of the writes, ms. */
#define HEARTBEAT_PERIOD_MS 1000

/* A heartbeat row as a task's stream carries it.  Views borrow from the
 * row (valid during the row callback). */
struct heartbeat_row {
    uint32_t server_id;           /* the source's @@server_id */
    const char *host;             /* the writing host (not NUL-ended) */
    size_t host_len;              /* ... bytes */
    uint64_t ts_us;               /* when written, us since the epoch */
};

/* A registry for the loop <base> (writers use <dns>, which may be NULL).
 * NULL when out of memory. */
struct heartbeats *heartbeats_new(struct event_base *base,
                                  struct evdns_base *dns);
/* Frees the registry and every writer (their tasks must be freed first).
 * NULL is a no-op. */
void heartbeats_free(struct heartbeats *hbs);

/*
 * The writer of <source>'s host:port, started on first use with the
 * account and TLS settings of <source> (borrowed: copied).  When the
 * writer cannot write with the account it has and <source> brings
 * another account, the writer tries that one.  Returns a reference for
 * heartbeat_release(), or NULL when out of memory.
 */
struct heartbeat *heartbeat_acquire(struct heartbeats *hbs,
                                    const struct url *source);
/* Drops a reference; the last one stops and frees the writer.  NULL is a
 * no-op.  Not from inside the writer's own callbacks (it has none that
 * reach tasks). */
void heartbeat_release(struct heartbeat *hb);

/*
 * Whether <r> is a row of tandem.heartbeat (any writer's): fills <out>
 * when its values can be read.  Returns 1 for a heartbeat row read into
 * <out>, 0 for another table, -1 for a heartbeat row that cannot be read
 * (an unexpected definition): skip it all the same.
 */
int heartbeat_parse_row(const struct mysrc_row *r, struct heartbeat_row *out);

/* Whether <row> was written by this process's host for <hb>'s server
 * (any server while the writer has not learnt its server_id yet). */
bool heartbeat_is_ours(const struct heartbeat *hb,
                       const struct heartbeat_row *row);

/* Whether the writer's last write succeeded less than three periods ago
 * (tasks read the rows rather than the binlog's timestamps). */
bool heartbeat_writing(const struct heartbeat *hb, uint64_t now_us);

/*
 * The ts of the oldest row the writer wrote after <seen_us> (the last ts
 * a task read), as far as it remembers; 0 when it wrote none since.  A
 * task that has not read that row yet is at least now minus it behind.
 */
uint64_t heartbeat_unseen_since(const struct heartbeat *hb, uint64_t seen_us);

/* Binlog bytes of the source after (<file>, <pos>) as of the last SHOW
 * BINARY LOGS (at most a period old): true with *<bytes>, false when not
 * known (not read yet, refused, or <file> is no longer listed). */
bool heartbeat_bytes_after(const struct heartbeat *hb, const char *file,
                           uint64_t pos, uint64_t *bytes);

#endif
