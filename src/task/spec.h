/*
 * spec.h - the replication task spec: a JSON document, loaded and checked
 * into plain C structs.
 *
 * The same document is a file (`tandem run spec.json`) and an HTTP API
 * body.  Every field, its type and default (conf/task-mysql-to-mysql.json
 * uses them all):
 *
 *   {
 *     "name": "shop-to-replica",        required, 1..64 of [A-Za-z0-9_.-]
 *     "source":      {"type": "mysql", "url": "mysql://u:pw@host:3306"},
 *     "destination": {"type": "mysql", "url": "mysql://u:pw@host:3307"},
 *                                       both required; type "mysql" (or its
 *                                       synonym "mariadb"); url mysql://
 *     "mode": "incremental",            the default; "full" (copy the
 *                                       tables, then stop) or
 *                                       "full+incremental" (copy, then
 *                                       stream from the copy's snapshot)
 *     "start": "now",                   or {"gtid": "0-1-100"} (a MariaDB
 *                                       GTID list or a MySQL GTID set), or
 *                                       {"file": "bin.000001", "pos": 4}
 *     "start_at": "2026-05-01T02:00:00Z",   when the task begins: an RFC
 *                                       3339 time, "Z" or an offset such
 *                                       as "+08:00", a fraction of a second
 *                                       allowed (and dropped); absent or
 *                                       past: at once
 *     "objects": [                      required, at least one entry
 *       {"db": "shop", "as": "shop_copy"},         a whole database
 *       {"db": "crm", "as": "crm2", "tables": [    only these tables
 *         {"name": "users", "as": "customers",
 *          "columns": {"email": "mail"},           renames, source: dest
 *          "exclude_columns": ["pw_hash"],         not replicated
 *          "filter": "id > 100"}]}                 row filter on the
 *                                                  source columns
 *     ],
 *     "schema_sync": true,              the default: full sync creates
 *                                       the databases and tables at the
 *                                       destination from the source's
 *     "existing_tables": "intercept",   a destination table of the same
 *                                       name when full sync begins:
 *                                       "intercept" (default) refuses to
 *                                       start, "ignore" keeps it and
 *                                       writes into it, "clear" truncates
 *                                       it before the copy
 *     "snapshot": "auto",               how full sync reads a consistent
 *                                       state: "auto" (default) takes no
 *                                       lock where the server tells a
 *                                       snapshot's binlog position
 *                                       (MariaDB), else opens the
 *                                       readers' snapshots under a brief
 *                                       FLUSH TABLES WITH READ LOCK
 *                                       (MySQL); "lock" takes that lock
 *                                       on any server
 *     "dml": ["insert", "update", "delete"],     default: all three
 *     "ddl": {"sync": true, "filter_drop_database": true},  the defaults
 *     "conflict": "error",              "error" (default) | "ignore" |
 *                                       "overwrite"
 *     "apply": {"workers": 4, "batch_rows": 1000,
 *               "queue_bytes": 67108864, "batch_txns": 100}  the defaults
 *     "flow_control": {                 the full copy's pace, unlimited
 *                                       when absent; one rate or both:
 *       "rows_per_sec": 50000,          1..10^12 rows a second
 *       "bytes_per_sec": 52428800,      1..10484711424 (9999 MiB) a second
 *       "windows": [                    1..3 daily windows, no two
 *         {"from": "22:00", "to": "02:00"}]}   overlapping: the limits hold
 *                                       only inside them (without: all
 *                                       day); 24-hour "HH:MM" of the host's
 *                                       local time, "from" in, "to" out,
 *                                       past midnight when "to" is earlier
 *   }
 *
 * Unknown fields are refused everywhere, so that a typo never turns into a
 * silently ignored setting.  The default conflict policy is "error": a
 * conflicting change stops the task rather than losing or overwriting
 * data nobody chose to lose (DTS's default, TaskFailed, does the same).
 *
 * Checks beyond types and ranges: a database appears once in "objects",
 * a table once in its "tables" (which, when given, is not empty); two
 * source tables never map to one destination table, and a whole
 * database shares its destination database with no other entry;
 * "columns", "exclude_columns" and "filter" belong to tables, not to
 * whole databases; a column is not both renamed and excluded, nor renamed
 * twice, and no two columns are renamed to one name; filters compile
 * (filter_parse()); "dml" lists each kind at most once and at least one;
 * when source and destination URLs name the same host and port, no table
 * is copied onto itself.
 *
 * "schema_sync", "existing_tables", "snapshot" and "flow_control" belong
 * to full
 * sync (an incremental task warns that flow_control does not pace it).  "start_at" delays any task's start;
 * it is not compared with the clock here: a time already past means at
 * once.
 *
 * Names: database and table names compare exactly (case-sensitive, as
 * with lower_case_table_names=0); column names compare ASCII
 * case-insensitively, as MySQL does.  Destination names ("as", column
 * renames) are MySQL identifiers: 1..64 characters of the Basic
 * Multilingual Plane, no NUL, no trailing space.
 *
 * Secrets: the URLs carry passwords.  Print task_spec_masked_url() output,
 * never the URL itself; no error message of this file contains a URL's
 * password.  task_spec_free() wipes the URLs.
 *
 * Nothing here logs, and only task_spec_load_file() blocks (file I/O); a
 * loaded spec is not changed by anything here and may be read from
 * anywhere.
 */
#ifndef TANDEM_TASK_SPEC_H
#define TANDEM_TASK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Database engines a task can read from or write to. */
enum task_engine {
    TASK_ENGINE_MYSQL = 0,  /* MySQL or MariaDB ("mysql", "mariadb") */
    TASK_ENGINE_REDIS,      /* Redis ("redis"): see the Redis spec below */
    TASK_ENGINE_COUNT       /* sentinel */
};

/* What a task copies. */
enum task_mode {
    TASK_MODE_INCREMENTAL = 0,     /* changes from the start point on */
    TASK_MODE_FULL,                /* one full copy */
    TASK_MODE_FULL_INCREMENTAL,    /* full copy, then changes */
    TASK_MODE_COUNT                /* sentinel */
};

/* Where incremental sync starts reading the source's log. */
enum task_start_kind {
    TASK_START_NOW = 0,     /* the current end of the binlog */
    TASK_START_GTID,        /* after the transactions of a GTID set/list */
    TASK_START_FILE_POS,    /* binlog file + position */
    TASK_START_COUNT        /* sentinel */
};

/* What the sink does when a change conflicts with destination data. */
enum task_conflict {
    TASK_CONFLICT_ERROR = 0,    /* stop the task with an error (default) */
    TASK_CONFLICT_IGNORE,       /* skip the change, keep destination row */
    TASK_CONFLICT_OVERWRITE,    /* the source row replaces the dest row */
    TASK_CONFLICT_COUNT         /* sentinel */
};

/* What full sync does with a destination table that already exists
 * under the name it would create. */
/* How full sync opens its readers' consistent snapshots. */
enum task_snapshot {
    TASK_SNAPSHOT_AUTO = 0,         /* without a lock where the server
                                       tells each snapshot's position */
    TASK_SNAPSHOT_LOCK,             /* under a brief global read lock */
};

enum task_existing_tables {
    TASK_EXISTING_INTERCEPT = 0,    /* refuse to start (default) */
    TASK_EXISTING_IGNORE,           /* keep the table and its rows, write
                                       into it */
    TASK_EXISTING_CLEAR,            /* truncate it before the copy */
    TASK_EXISTING_COUNT             /* sentinel */
};

/* One end of a task. */
struct task_endpoint {
    enum task_engine type;  /* engine */
    char *url;              /* owned; carries the password: never print it,
                               print task_spec_masked_url() instead */
};

/* The start point (only for TASK_MODE_INCREMENTAL). */
struct task_start {
    enum task_start_kind kind;  /* which of the fields below is set */
    char *gtid;                 /* owned; TASK_START_GTID, else NULL:
                                   checked by gtid_set_parse() */
    char *file;                 /* owned; TASK_START_FILE_POS, else NULL */
    uint64_t pos;               /* TASK_START_FILE_POS: 4..2^32-1, else 0 */
};

/* One column rename of a table. */
struct task_column_map {
    char *from;             /* owned; source column name */
    char *to;               /* owned; destination column name */
};

/* One selected table of a database selected table by table. */
struct task_table {
    char *name;                         /* owned; source table name */
    char *as;                           /* owned; destination table name
                                           (equal to name if not renamed) */
    struct task_column_map *columns;    /* owned; renames, spec order */
    size_t ncolumns;                    /* entries in columns */
    char **exclude_columns;             /* owned; columns not replicated */
    size_t nexclude_columns;            /* entries in exclude_columns */
    char *filter;                       /* owned; row filter text over the
                                           source column names (see
                                           proto/filter.h; it compiles), NULL
                                           if every row is replicated */
};

/* One entry of "objects": a database, whole or table by table. */
struct task_object {
    char *db;                   /* owned; source database name */
    char *as;                   /* owned; destination database name (equal
                                   to db if not renamed) */
    bool whole_db;              /* every table of db, no per-table rules
                                   (tables is NULL); false: only tables */
    struct task_table *tables;  /* owned; the selected tables, spec order */
    size_t ntables;             /* entries in tables (0 iff whole_db) */
    struct task_table **by_name_; /* private: tables sorted by name */
};

/* Most key prefixes one Redis database may list. */
#define TASK_REDIS_MAX_PREFIXES 256

/* Highest Redis database number a spec may name. */
#define TASK_REDIS_MAX_DB 65535

/* One selected Redis database (spec_redis.c). */
struct task_redis_db {
    unsigned db;                /* source database number */
    unsigned as;                /* destination database number */
    char **key_prefixes;        /* owned; only keys starting with one of
                                   these are replicated; NULL: every key */
    size_t nkey_prefixes;       /* entries in key_prefixes */
};

/* What a Redis task selects.  No "objects": every database, each to the
 * database of the same number. */
struct task_redis {
    struct task_redis_db *dbs;  /* owned; spec order */
    size_t ndbs;                /* entries in dbs; 0: every database */
};

/* Apply (sink) settings. */
struct task_apply {
    unsigned workers;       /* parallel destination connections, 1..64 */
    unsigned batch_rows;    /* most rows per statement batch, 1..100000 */
    uint64_t queue_bytes;   /* cap of the source->sink queue, 1 MiB..64 GiB */
    unsigned batch_txns;    /* most source transactions grouped into one
                               destination transaction, 1..10000 */
};

/* Most windows "flow_control" may have. */
#define TASK_FLOW_MAX_WINDOWS 3

/* Most "flow_control.rows_per_sec". */
#define TASK_FLOW_MAX_ROWS_PER_SEC UINT64_C(1000000000000)

/* Most "flow_control.bytes_per_sec": 9999 MiB a second. */
#define TASK_FLOW_MAX_BYTES_PER_SEC (UINT64_C(9999) << 20)

/* A daily time window, in minutes since midnight of the host's local
 * time; the minutes from <from> up to, not including, <to>. */
struct task_flow_window {
    unsigned from;          /* first minute inside, 0..1439 */
    unsigned to;            /* first minute after, 0..1439, != from; below
                               from: the window runs past midnight */
};

/* The full copy's pace ("flow_control"). */
struct task_flow_control {
    uint64_t rows_per_sec;  /* most rows a second, 1..10^12; 0: no limit */
    uint64_t bytes_per_sec; /* most bytes a second, 1..9999 MiB; 0: no
                               limit (one of the two is set whenever
                               "flow_control" is) */
    struct task_flow_window windows[TASK_FLOW_MAX_WINDOWS]; /* when the
                               limits hold, spec order, none overlapping */
    size_t nwindows;        /* entries in windows; 0: all day */
};

/* A loaded, checked task spec.  Everything is owned: task_spec_free(). */
struct task_spec {
    char *name;                         /* task name, [A-Za-z0-9_.-]{1,64} */
    struct task_endpoint source;        /* where changes come from */
    struct task_endpoint destination;   /* where they are applied */
    enum task_mode mode;                /* what is copied */
    struct task_start start;            /* where incremental sync starts */
    bool has_start_at;                  /* "start_at" given */
    int64_t start_at;                   /* when the task begins, seconds
                                           since 1970-01-01 UTC (0 when not
                                           given); a past time: at once */
    struct task_object *objects;        /* selected databases, spec order */
    size_t nobjects;                    /* entries in objects, >= 1 */
    bool dml_insert;                    /* replicate INSERTs (row inserts) */
    bool dml_update;                    /* replicate UPDATEs */
    bool dml_delete;                    /* replicate DELETEs */
    bool ddl_sync;                      /* replicate DDL statements */
    bool ddl_filter_drop_database;      /* never replicate DROP DATABASE */
    bool schema_sync;                   /* full sync creates databases and
                                           tables at the destination */
    enum task_existing_tables existing_tables; /* a destination table that
                                           exists when full sync begins */
    enum task_snapshot snapshot;        /* how full sync's snapshots open */
    enum task_conflict conflict;        /* conflict policy */
    struct task_apply apply;            /* sink settings */
    struct task_flow_control flow;      /* full copy pace: all zero when
                                           "flow_control" is absent */
    struct task_redis redis;            /* a Redis task's selection (the
                                           source is TASK_ENGINE_REDIS;
                                           objects is then empty) */
    struct task_object **by_db_;        /* private: objects sorted by db */
};

/* The largest spec file task_spec_load_file() reads. */
#define TASK_SPEC_MAX_BYTES (16u << 20)

/*
 * Reads, parses and checks the spec in file <path> into <out> (zeroed
 * first).  Returns 0, or -1 with ONE line in <err> (no newline), in one of
 * these forms:
 *
 *   <path>: cannot read: No such file or directory
 *   <path>: larger than 16 MiB: not a task spec
 *   <path>:<line>:<column>: <JSON syntax error from jansson>
 *   <path>: $.objects[1].tables[0].filter: <reason>
 *
 * the JSON path naming the field in error (or the object missing a
 * field, or holding an unknown one).  On failure <out> holds nothing to
 * free (task_spec_free() is still safe).  Blocks on file I/O: call it at
 * start-up or from the admin API, not per event.
 */
int task_spec_load_file(const char *path, struct task_spec *out, char *err,
                        size_t errlen);

/*
 * The same for <len> bytes of JSON at <json> (not NULL; need not be
 * NUL-terminated); <origin> names the text in messages ("api", a file
 * name).  Does not block.
 */
int task_spec_load_text(const char *json, size_t len, const char *origin,
                        struct task_spec *out, char *err, size_t errlen);

/* Frees what <s> owns (URLs wiped first) and zeroes it.  NULL: no-op. */
void task_spec_free(struct task_spec *s);

/*
 * Copies <ep>'s URL to <out> with the password replaced by "***", always
 * NUL-terminated.  Returns <out>.  The only way a URL should be printed.
 */
char *task_spec_masked_url(const struct task_endpoint *ep, char *out,
                           size_t outlen);

/* Names as written in the spec ("mysql", "incremental", "now",
 * "overwrite", "intercept"); "unknown" for an out-of-range value. */
const char *task_engine_name(enum task_engine e);
const char *task_mode_name(enum task_mode m);
const char *task_start_kind_name(enum task_start_kind k);
const char *task_conflict_name(enum task_conflict c);
const char *task_existing_tables_name(enum task_existing_tables e);

/*
 * Selection and mapping, for the pipeline.  Names are the source's, as
 * NUL-terminated strings; databases and tables compare exactly, columns
 * ASCII case-insensitively.  Lookups of databases and tables are binary
 * searches; of columns linear in the table's renames and exclusions.
 * Returned pointers are owned by the spec (valid until task_spec_free())
 * unless said otherwise.
 */

/* The object selecting database <db>, or NULL if <db> is not selected. */
const struct task_object *task_spec_find_db(const struct task_spec *s,
                                            const char *db);

/*
 * Looks up table <db>.<table>:
 *
 *   selected with per-table rules  returns its task_table, *obj_out = the
 *                                  object (a table-by-table database)
 *   selected as part of a whole    returns NULL, *obj_out = the object
 *   database                       (whole_db: no per-table rules)
 *   not selected                   returns NULL, *obj_out = NULL
 *
 * so the table is replicated iff *obj_out != NULL after the call.
 * <obj_out> may be NULL when the caller only wants the rules.
 */
const struct task_table *
task_spec_find_table(const struct task_spec *s, const char *db,
                     const char *table, const struct task_object **obj_out);

/* True iff <db>.<table> is replicated. */
bool task_spec_table_selected(const struct task_spec *s, const char *db,
                              const char *table);

/* Destination database of source database <db>, or NULL if <db> is not
 * selected. */
const char *task_spec_map_db(const struct task_spec *s, const char *db);

/*
 * Destination table name of <db>.<table>, or NULL if the table is not
 * selected.  For a table of a whole database this is <table> itself: the
 * caller's pointer comes back.
 */
const char *task_spec_map_table(const struct task_spec *s, const char *db,
                                const char *table);

/*
 * Destination name of source column <column> of the table whose rules are
 * <t> (from task_spec_find_table(); NULL for a table of a whole database,
 * which has no rules).  Returns the rename, or <column> itself (the
 * caller's pointer) when not renamed, or NULL when the column is excluded.
 */
const char *task_spec_map_column(const struct task_table *t,
                                 const char *column);

/* True iff source column <column> of table rules <t> (NULL: none) is
 * excluded from replication. */
bool task_spec_column_excluded(const struct task_table *t,
                               const char *column);

/*
 * A Redis task's selection: the rules of source database <db> (NULL when
 * not selected), and its destination number in *<as>.  Without
 * "objects" every database is selected, to the same number, with no
 * rules: *<as> = <db> and the result is a static entry with no prefixes.
 */
const struct task_redis_db *task_spec_redis_db(const struct task_spec *s,
                                               unsigned db, unsigned *as);

/* True iff key <key> (<len> bytes) of a database with rules <d> is
 * replicated: it starts with one of d's prefixes, or d has none. */
bool task_spec_redis_key_selected(const struct task_redis_db *d,
                                  const void *key, size_t len);

struct ddl_rw_map;

/* The task's selection and names as ddl_rewrite() asks for them
 * (proto/mysql/ddl_rewrite.h): map->arg is s, which must outlive it. */
void task_spec_ddl_map(const struct task_spec *s, struct ddl_rw_map *map);

#endif
