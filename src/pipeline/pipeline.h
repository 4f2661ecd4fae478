/*
 * pipeline.h - from source row changes to destination row changes.
 *
 * Object selection, database/table/column name mapping, column exclusion,
 * row filters, DML selection and DDL selection, as the task spec says.
 * Each row change of a selected table becomes a struct sink_row in the
 * transaction being built: destination names as quoted identifiers and
 * values as SQL literals.  An UPDATE that moves a row into or out of a
 * table's filter becomes an insert or a delete.  No I/O here.
 */
#ifndef TANDEM_PIPELINE_PIPELINE_H
#define TANDEM_PIPELINE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "src/sink/mysql.h"
#include "src/source/mysql.h"
#include "src/task/spec.h"

struct pipeline;

/* A pipeline for a loaded spec (its filters were checked by the loader;
 * each is compiled when its table first shows up).  NULL with the reason
 * in err when out of memory. */
struct pipeline *pipeline_new(const struct task_spec *spec,
                              struct mysink *sink, const char *log_ctx,
                              char *err, size_t errlen);

/*
 * Adds row change r to txn (zero or one destination rows: a row of a table
 * not selected, of a DML type not replicated or outside its filter adds
 * none).  Returns 0, or -1 with a one-line reason in err (a value that
 * cannot be written, a filter column missing from the row image).
 */
int pipeline_row(struct pipeline *p, const struct mysrc_row *r,
                 struct sink_txn *txn, char *err, size_t errlen);

/*
 * Decides about DDL d: returns 1 and fills txn->ddl (rewritten for the
 * task's database, table and column names, objects not copied and
 * excluded columns left out) and txn->ddl_db (the database to run it in)
 * when it is to be applied at the destination; 0 when it is skipped (DDL
 * sync off, objects not selected, only excluded columns touched; DROP
 * DATABASE filtered and statements that cannot be rewritten safely are
 * logged); -1 when out of memory.
 */
int pipeline_ddl(struct pipeline *p, const struct mysrc_ddl *d,
                 struct sink_txn *txn);

void pipeline_free(struct pipeline *p);

#endif
