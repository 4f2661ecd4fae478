/*
 * replay.h - the window after a full copy in which the stream writes
 * over what the copy may already have read.
 *
 * A copy reads its tables in several snapshots (one per reader, and
 * new ones when an interrupted copy resumes).  The stream starts at the
 * earliest of them, so no change is missed; up to the latest ("until")
 * a change may already be in the rows the copy wrote, so its rows are
 * written over (a duplicate key replaces the row; an update of a missing
 * row inserts it; a delete of a missing row does nothing), which leaves
 * every row as the source had it at "until".  A row of a table the copy
 * read from a snapshot at or after the row's position is in that table
 * already and is dropped: a table without a key could not be written
 * over twice.
 *
 * Read from tandem.copy and tandem.copy_table at the destination.
 */
#ifndef TANDEM_TASK_REPLAY_H
#define TANDEM_TASK_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

struct replay;

/* A window ending at (file, pos); NULL when out of memory. */
struct replay *replay_new(const char *file, uint64_t pos);
/* The copy read db.table from a snapshot at (file, pos).  0 or -1 when
 * out of memory. */
int replay_add_table(struct replay *rp, const char *db, const char *table,
                     const char *file, uint64_t pos);
/* Whether a row of db.table at (file, pos) is in what the copy read. */
bool replay_has_row(struct replay *rp, const char *db, const char *table,
                    const char *file, uint64_t pos);
/* Whether changes at (file, pos) fall in the window. */
bool replay_covers(const struct replay *rp, const char *file, uint64_t pos);
/* The window's end. */
const char *replay_until(const struct replay *rp, uint64_t *pos);
void replay_free(struct replay *rp);

#endif
