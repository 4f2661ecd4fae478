/*
 * copy.h - full synchronization of a task's tables: schema, then rows
 * from one consistent snapshot of the source, then the position the
 * incremental stream starts from.
 *
 *   CONNECT (source and destination) -> SCHEMA (tandem schema's
 *   statements, existing_tables applied) -> SNAPSHOT (MariaDB: START
 *   TRANSACTION WITH CONSISTENT SNAPSHOT, binlog_snapshot_file/position)
 *   -> TABLES (per table: columns, then chunks by primary key, each
 *   written with multi-row INSERTs by one of apply.workers destination
 *   connections while the next chunk is read) -> FINISH (the checkpoint
 *   row at the snapshot's position, in one transaction with the copy's
 *   end)
 *
 * Values are read as text in UTC: binary strings, BLOBs and spatial
 * values as hex (mysqldump --hex-blob does the same), BIT as a number,
 * everything else as it prints, and written back as literals.  A row the
 * destination already has (existing_tables "ignore") is kept.  Row
 * filters go into the chunk's WHERE; excluded and generated columns are
 * not written.
 *
 * A copy interrupted (crash, lost connection) is started again from
 * scratch: tandem.copy records that it ran, and the tables are emptied
 * first, except under existing_tables "ignore", where the rows are
 * written over instead (the user's own rows stay).  Nothing blocks; the
 * copy owns its two connections.
 */
#ifndef TANDEM_TASK_COPY_H
#define TANDEM_TASK_COPY_H

#include <stdint.h>

#include "src/task/spec.h"

struct event_base;
struct evdns_base;
struct copy;

/* Called once: err NULL with the position the stream starts at, or one
 * line naming cause and fix.  Runs from a callback of the copy: do not
 * free it here. */
typedef void (*copy_done_cb)(struct copy *cp, const char *err,
                             const char *file, uint64_t pos, void *arg);

/* Starts copying the tables <spec> selects (the spec must outlive the
 * copy).  NULL with the reason in err when it cannot start. */
struct copy *copy_start(struct event_base *base, struct evdns_base *dns,
                        const struct task_spec *spec, const char *log_ctx,
                        copy_done_cb done, void *arg, char *err,
                        size_t errlen);
void copy_free(struct copy *cp);

#endif
