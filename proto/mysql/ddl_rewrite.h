/*
 * ddl_rewrite.h - rewrites one MySQL/MariaDB DDL statement for a
 * destination whose databases, tables and columns carry other names, and
 * which lacks the objects a task does not copy.
 *
 * ddl_rewrite() reads a statement that ddl_parse() classifies as a schema
 * change (CREATE/ALTER/DROP DATABASE, CREATE/ALTER/DROP/RENAME/TRUNCATE
 * TABLE, CREATE ... LIKE, CREATE/DROP INDEX, CREATE/DROP SEQUENCE) and
 * asks the caller's mapping, through callbacks, what each database, table
 * and column it names becomes.  It works on tokens: every name it maps is
 * replaced by the destination name in backquotes (sqlenc_ident()), every
 * piece that only concerns excluded columns or tables not copied is cut
 * out, and every other byte (comments, whitespace, executable comments,
 * options, the case of keywords) is kept as written.
 *
 * Names are resolved the way the server does: an unqualified table belongs
 * to the statement's default database, and stays unqualified, so the
 * caller runs the result with the mapped default database selected
 * (USE <map->db(default_db)>).  Column names inside expressions (generated
 * columns, DEFAULT (expr), CHECK, functional key parts, partitioning) are
 * mapped too; a name whose role cannot be told from its position (after
 * AS, after a number, qualified with a table) is refused rather than
 * guessed when it names a mapped column.
 *
 * What happens to objects not copied and excluded columns:
 *
 *   CREATE TABLE     an excluded column's definition is dropped, and so
 *                    is an index, foreign key or CHECK that only uses
 *                    excluded columns; one mixing excluded and copied
 *                    columns, and a generated column or column CHECK
 *                    computed from an excluded column, is refused.
 *   ALTER TABLE      clauses that only touch excluded columns are dropped
 *                    (DDL_RW_EMPTY when none is left); AFTER an excluded
 *                    column is dropped (the column goes last); CHANGE or
 *                    RENAME COLUMN between an excluded and a copied name
 *                    is refused.
 *   CREATE INDEX     only excluded columns: DDL_RW_EMPTY; mixed: refused.
 *   DROP TABLE list  tables not copied are dropped from the list.
 *   RENAME TABLE     pairs of tables not copied are dropped; a pair that
 *                    moves a table into or out of the copied tables, or a
 *                    table with per-table rules, is refused; likewise
 *                    ALTER TABLE ... RENAME TO.
 *   references       FOREIGN KEY ... REFERENCES, CREATE TABLE ... LIKE,
 *                    UNION=(...), EXCHANGE PARTITION ... WITH TABLE and
 *                    sequence functions naming a table not copied are
 *                    refused (the destination does not have it).
 *   CREATE TABLE ... SELECT is refused (its query is not rewritten).
 *
 * Memory: nothing is kept between calls; the result is written to the
 * caller's pbuf.  proto/ code: no I/O, no logging; callable from anywhere.
 */
#ifndef TANDEM_PROTO_MYSQL_DDL_REWRITE_H
#define TANDEM_PROTO_MYSQL_DDL_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/buf.h"
#include "proto/mysql/ddl.h"

/* What ddl_rewrite() made of a statement. */
enum ddl_rw_result {
    DDL_RW_REWRITTEN = 0,   /* out holds the statement for the destination */
    DDL_RW_NOT_DDL,         /* not a schema change (DML, views, grants...) */
    DDL_RW_NOT_SELECTED,    /* only about objects not copied: skip it */
    DDL_RW_EMPTY,           /* nothing left to apply: every clause only
                               touched excluded columns */
    DDL_RW_REFUSED,         /* cannot be rewritten safely: err says why */
    DDL_RW_COUNT            /* sentinel */
};

/* "REWRITTEN", "NOT_DDL", ... */
const char *ddl_rw_result_name(enum ddl_rw_result r);

/*
 * The mapping, as callbacks over source names (NUL-terminated, unquoted).
 * Returned strings must stay valid until ddl_rewrite() returns; a callback
 * may return its own argument.  A NULL callback maps every name to itself.
 */
struct ddl_rw_map {
    /* Destination name of database <db>; NULL: not copied. */
    const char *(*db)(void *arg, const char *db);
    /* Destination name of table <db>.<table> (its database is copied);
     * NULL: not copied.  Sets *<rules> when the table has per-table rules
     * (column renames or exclusions, a row filter): renaming such a table
     * into another name, or copying its shape with LIKE, is refused. */
    const char *(*table)(void *arg, const char *db, const char *table,
                         bool *rules);
    /* Destination name of column <column> of copied table <db>.<table>;
     * NULL: the column is excluded. */
    const char *(*column)(void *arg, const char *db, const char *table,
                          const char *column);
    void *arg;              /* passed to every callback */
};

/*
 * Rewrites the statement sql[0..len) (not NUL-terminated), read with
 * <opts> as ddl_parse() reads it (NULL: MySQL, default sql_mode), whose
 * default database is <default_db> (NULL or "": none), through <map>.
 *
 * Returns DDL_RW_REWRITTEN with the statement in <out> (reset first; not
 * NUL-terminated, out->len bytes; identical to the input when nothing is
 * mapped); DDL_RW_NOT_DDL, DDL_RW_NOT_SELECTED or DDL_RW_EMPTY when there
 * is nothing to run at the destination (<out> empty); or DDL_RW_REFUSED
 * with one line in <err> naming the object and the reason (a statement
 * ddl_parse() cannot read is refused with its parse error).  When <out>
 * cannot grow (allocation or out->limit) the result is DDL_RW_REFUSED with
 * "out of memory" and out->failed stays set, so the caller can tell it
 * from a statement that cannot be rewritten.
 */
enum ddl_rw_result ddl_rewrite(const char *sql, size_t len,
                               const char *default_db,
                               const struct ddl_opts *opts,
                               const struct ddl_rw_map *map,
                               struct pbuf *out, char *err, size_t errlen);

#endif
