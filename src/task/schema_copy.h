/*
 * schema_copy.h - schema sync, the first step of full sync: reads the
 * definition of every table a task selects at the source and rewrites it
 * for the destination.
 *
 *   SET NAMES -> SET SESSION -> LIST_DBS -> LIST_TABLES -> SHOW_CREATE (xN)
 *     -> DONE            any step -> FAILED
 *
 * On a connected source myconn (READY) it runs, one query at a time:
 *
 *   SET NAMES utf8mb4
 *   SET SESSION sql_quote_show_create = 1, sql_mode = 'NO_ENGINE_SUBSTITUTION'
 *       (names always in backquotes; a neutral sql_mode so that SHOW CREATE
 *       TABLE writes the default dialect: no ANSI_QUOTES double quotes, no
 *       ORACLE type names, whatever the account's default mode)
 *   information_schema.SCHEMATA   every selected source database exists
 *   information_schema.TABLES     the tables: for a whole database its base
 *       tables (TABLE_TYPE 'BASE TABLE', and MariaDB's 'SYSTEM VERSIONED',
 *       which are base tables too), never views or sequences; for a
 *       table-by-table database the listed tables, each of which must be
 *       a base table
 *   SHOW CREATE TABLE             per table, rewritten by ddl_rewrite()
 *       with the task's mapping (database, table and column names, excluded
 *       columns dropped)
 *
 * The result, in order: one CREATE DATABASE IF NOT EXISTS per destination
 * database (with the source database's character set and collation; spec
 * order, each destination database once), then one CREATE TABLE per table
 * (spec order; a whole database's tables in name order).
 *
 * Qualification: the rewriter keeps unqualified names unqualified, and
 * SHOW CREATE TABLE writes the table and its foreign keys' REFERENCES to
 * tables of the same database unqualified.  So each CREATE TABLE comes
 * with the destination database it must run in (schema_stmt.db): select
 * it first (USE, or the connection's default database).  Qualifying only
 * the table name would leave REFERENCES pointing at whatever database is
 * current.
 *
 * Foreign keys: tables come in the order above, not in dependency order,
 * so run them with foreign_key_checks = 0 (as mysqldump's output does).
 *
 * Errors are one line naming the cause and the fix, e.g.
 *   source table `shop`.`nope` does not exist — create it at the source or
 *   remove it from "objects" in the task spec
 *
 * Nothing blocks: every step is a callback of the myconn.  Nothing logs.
 */
#ifndef TANDEM_TASK_SCHEMA_COPY_H
#define TANDEM_TASK_SCHEMA_COPY_H

#include <stddef.h>

#include "src/source/myconn.h"
#include "src/task/spec.h"

struct schema_copy;

/* Steps of a schema copy. */
enum schema_copy_step {
    SCHEMA_COPY_INIT = 0,    /* created, nothing sent */
    SCHEMA_COPY_SET_NAMES,   /* SET NAMES utf8mb4 */
    SCHEMA_COPY_SET_SESSION, /* sql_quote_show_create, sql_mode */
    SCHEMA_COPY_LIST_DBS,    /* information_schema.SCHEMATA */
    SCHEMA_COPY_LIST_TABLES, /* information_schema.TABLES */
    SCHEMA_COPY_SHOW_CREATE, /* SHOW CREATE TABLE, one table at a time */
    SCHEMA_COPY_DONE,        /* every statement is ready */
    SCHEMA_COPY_FAILED,      /* stopped with an error */
    SCHEMA_COPY_STEP_COUNT   /* sentinel */
};

/* "init", "set names", ... "failed"; "unknown" when out of range. */
const char *schema_copy_step_name(enum schema_copy_step s);

/* What a destination statement does. */
enum schema_stmt_kind {
    SCHEMA_STMT_CREATE_DATABASE = 0, /* CREATE DATABASE IF NOT EXISTS */
    SCHEMA_STMT_CREATE_TABLE,        /* CREATE TABLE of one source table */
    SCHEMA_STMT_KIND_COUNT           /* sentinel */
};

/* One statement for the destination. */
struct schema_stmt {
    enum schema_stmt_kind kind; /* what it does */
    char *sql;                  /* owned; NUL-terminated, no trailing ';';
                                   a CREATE TABLE keeps SHOW CREATE TABLE's
                                   line breaks */
    char *db;                   /* owned; destination database: the one
                                   created (CREATE_DATABASE) or the one to
                                   select before running it (CREATE_TABLE) */
    char *src_db;               /* owned; source database */
    char *src_table;            /* owned; source table (NULL for
                                   CREATE_DATABASE) */
};

/*
 * Called once when the copy ends: <err> NULL on success (the statements
 * are in schema_copy_stmts()), else one line naming cause and fix.  Runs
 * from inside a myconn result callback: do not free the schema copy or
 * the myconn here; stop the loop or defer.
 */
typedef void (*schema_copy_done_cb)(struct schema_copy *sc, const char *err,
                                    void *arg);

/*
 * Starts reading the schema of the tables <spec> selects over <conn>,
 * which must be READY (connected, idle).  <spec> and <conn> are borrowed:
 * both must outlive the schema copy.  <done> runs once, from the event
 * loop, never from inside this call.  If <conn> dies meanwhile, its own
 * error callback reports it and <done> never runs: free the schema copy
 * then.
 *
 * Returns the schema copy (free it with schema_copy_free()), or NULL with
 * one line in <err>: out of memory, or <conn> not READY.
 */
struct schema_copy *schema_copy_start(const struct task_spec *spec,
                                      struct myconn *conn,
                                      schema_copy_done_cb done, void *arg,
                                      char *err, size_t errlen);

/* The current step. */
enum schema_copy_step schema_copy_get_step(const struct schema_copy *sc);

/*
 * The destination statements, in the order to run them; *<n> is set to
 * their count.  Empty unless the copy is DONE.  Owned by <sc>, valid until
 * schema_copy_free().
 */
const struct schema_stmt *schema_copy_stmts(const struct schema_copy *sc,
                                            size_t *n);

/* Frees <sc> and its statements; <conn> is left as it is.  Before the
 * copy ends a query of it may still be running, whose callback points at
 * <sc>: free <conn> first then.  Not from inside <done>.  NULL is a
 * no-op. */
void schema_copy_free(struct schema_copy *sc);

#endif
