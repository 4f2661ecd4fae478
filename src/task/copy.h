/*
 * copy.h - full synchronization of a task's tables: schema, then rows
 * read in consistent snapshots of the source, then the position the
 * incremental stream starts from.
 *
 *   CONNECT -> SCHEMA (tandem schema's statements, existing_tables
 *   applied; tables the copy creates get their plain secondary indexes
 *   after their rows) -> STATE (tandem.copy, tandem.copy_table: what an
 *   interrupted copy finished) -> SNAPSHOTS (up to apply.workers readers,
 *   each: START TRANSACTION WITH CONSISTENT SNAPSHOT and its
 *   binlog_snapshot_file/position; the latest is recorded before any row
 *   read in it is written) -> TABLES (each reader takes a table at a time
 *   and reads it in chunks by primary key; apply.workers destination
 *   connections write each chunk in one transaction with the table's
 *   progress row; a table whose rows are all written gets its indexes)
 *   -> FINISH (the checkpoint at the earliest snapshot any table was read
 *   in, in one transaction with the copy's end)
 *
 * The stream starting there writes over, up to the latest snapshot, what
 * the copy may hold already (see src/task/replay.h), which makes the
 * tables equal to the source at that snapshot whatever snapshot each
 * chunk came from.  A copy cut short resumes each table after its last
 * finished chunk, in new snapshots, writing over rows a later chunk left.
 *
 * Values are read as text in UTC: binary strings, BLOBs and spatial
 * values as hex (mysqldump --hex-blob does the same), BIT as a number,
 * everything else as it prints, and written back as literals.  A row the
 * destination already has (existing_tables "ignore") is kept.  Row
 * filters go into the chunk's WHERE; excluded and generated columns are
 * not written.  Nothing blocks; the copy owns its connections.
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
/*
 * The copy of tables added to a task whose full copy is done: <added> is
 * the task's spec with only the added objects.  It runs like an
 * interrupted copy resumed (tables with progress rows are done already),
 * in new snapshots recorded as tandem.copy's latest, and leaves the
 * task's checkpoint alone: the stream goes on from there, dropping an
 * added table's rows older than its snapshot and writing over the others
 * up to the latest snapshot (src/task/replay.h).  done gets the
 * checkpoint's position unchanged (file NULL).
 */
struct copy *copy_start_added(struct event_base *base,
                              struct evdns_base *dns,
                              const struct task_spec *added,
                              const char *log_ctx, copy_done_cb done,
                              void *arg, char *err, size_t errlen);
void copy_free(struct copy *cp);

/* How far <cp> is: tables to copy (0 until the schema step has listed
 * them), tables whose rows are all written, and rows written, earlier
 * runs of an interrupted copy included. */
void copy_progress(const struct copy *cp, uint64_t *tables_total,
                   uint64_t *tables_done, uint64_t *rows);

#endif
