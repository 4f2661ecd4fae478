/*
 * schema.h - versioned table definitions for decoding MySQL/MariaDB binlog
 * row events.
 *
 * A TABLE_MAP event gives each column's binlog type and metadata but, unless
 * the source runs with binlog_row_metadata=FULL, neither names nor reliable
 * signedness, charsets or ENUM/SET members.  struct schema keeps, for every
 * table, its definition as it stands at the current point of the binlog:
 * the definitions read from information_schema at a known position when a
 * task starts (schema_load_*), then every DDL statement of the QUERY events
 * that follow, applied in order (schema_apply_query).  Before decoding rows
 * the decoder checks the TABLE_MAP against the history
 * (schema_check_table_map) and takes names, signedness, charsets and ENUM
 * values from it (schema_fill_columns).  A table the history cannot vouch
 * for (a DDL it could not parse, CREATE TABLE ... SELECT, a TABLE_MAP that
 * does not match) stops with an error that says why and how to get past it;
 * columns are never shifted or guessed.
 *
 * Temporary tables live apart, per session (the QUERY event's thread id),
 * and never shadow or replace a real table: row-based binlogs carry no rows
 * for them.
 *
 * Names: database and table names compare by lower_case_table_names (0:
 * exact bytes, 1 or 2: ASCII case-insensitive); column names always compare
 * ASCII case-insensitively.  Non-ASCII letters compare by their bytes.
 *
 * Scope: a history may hold only some databases (schema_set_scope()), the
 * ones whose rows its reader decodes; the definitions of a server's other
 * databases then cost neither the queries that load them nor memory.
 *
 * Memory: the schema owns all its strings (malloc; this is not a per-event
 * path).  Pointers to tables and columns returned by the functions below
 * stay valid until the next call that changes the schema (schema_apply_*,
 * schema_load_*) or schema_free().
 */
#ifndef TANDEM_PROTO_MYSQL_SCHEMA_H
#define TANDEM_PROTO_MYSQL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/value.h"

/* Which server family wrote the binlog: defaults and type names differ. */
enum schema_flavor {
    SCHEMA_FLAVOR_MYSQL = 0,      /* MySQL 8.0+: utf8mb4_0900_ai_ci (255) */
    SCHEMA_FLAVOR_MYSQL57,        /* MySQL 5.6/5.7: latin1, utf8mb4 = 45 */
    SCHEMA_FLAVOR_MARIADB,        /* MariaDB 10.x/11.x: latin1, utf8mb4 = 45 */
    SCHEMA_FLAVOR_COUNT           /* sentinel */
};

const char *schema_flavor_name(enum schema_flavor f);

/* MariaDB binlog types of COMPRESSED columns (not in value.h). */
#define SCHEMA_MYT_BLOB_COMPRESSED    140
#define SCHEMA_MYT_VARCHAR_COMPRESSED 141

/* Most temporary tables kept per schema; the oldest goes first. */
#define SCHEMA_MAX_TEMP_TABLES 4096

/* One column as the history knows it. */
struct schema_column {
    char *name;                   /* owned, NUL-terminated */
    uint8_t type;                 /* TABLE_MAP type (MYT_*); MYT_INVALID:
                                     unknown, matches any type */
    uint8_t real_type;            /* MYT_STRING: MYT_STRING, MYT_ENUM or
                                     MYT_SET; otherwise == type */
    uint16_t charset;             /* collation id; 63 binary; 0 none/unknown */
    bool is_unsigned;             /* UNSIGNED integer/decimal/float */
    bool nullable;                /* NULL allowed (TABLE_MAP is authority) */
    bool is_json_text;            /* MariaDB JSON: LONGTEXT + json_valid */
    bool invisible;               /* INVISIBLE: not in SELECT *, in binlog */
    bool generated;               /* AS (expr) VIRTUAL/STORED: in binlog */
    bool hidden;                  /* MySQL functional-index column: some
                                     servers log it, some do not */
    bool system_implicit;         /* MariaDB implicit row_start/row_end */
    uint8_t period;               /* enum ddl_gen ROW_START/ROW_END, or 0 */
    uint16_t pk_pos;              /* 1-based position in the primary key */
    uint32_t length;              /* declared length/precision, 0 if none */
    uint32_t scale;               /* declared scale or fsp */
    char *hidden_index;           /* hidden: the index it serves (owned) */
    struct span *enum_values;     /* ENUM/SET members (owned array) */
    uint32_t n_enum_values;       /* entries in enum_values */
    char *enum_buf;               /* owned bytes the members point into */
};

/* One table. */
struct schema_table {
    char *db;                     /* owned database name */
    char *name;                   /* owned table name */
    struct schema_column *cols;   /* columns in TABLE_MAP order (owned) */
    uint32_t ncols;               /* columns, hidden ones included */
    uint32_t cap;                 /* allocated entries in cols */
    uint32_t n_hidden;            /* columns with hidden set */
    uint32_t hidden_unknown;      /* functional-index columns whose place
                                     information_schema does not give */
    uint16_t collation;           /* table default collation id */
    uint64_t version;             /* schema version of the last change */
    bool unknown;                 /* columns unknown: rows must fail */
    char *unknown_reason;         /* why (owned), when unknown */
    bool outside;                 /* unknown because a rename brought it
                                     in from outside the scope: the
                                     reason names where it came from */
    bool temporary;               /* a session's TEMPORARY table */
    uint32_t thread_id;           /* temporary: the owning session */
    struct schema_table *hnext;   /* internal: hash chain / temp list */
};

/* The history (opaque). */
struct schema;

/*
 * New empty schema for a server of <flavor>; <lower_case_table_names> is
 * the server variable (0, 1 or 2).  Returns NULL when out of memory.
 */
struct schema *schema_new(enum schema_flavor flavor,
                          int lower_case_table_names);

/* Frees everything; NULL is a no-op. */
void schema_free(struct schema *s);

/* Incremented on every change; table->version takes its value. */
uint64_t schema_version(const struct schema *s);

/* ---- scope ---- */

/*
 * Limits the history to the databases dbs[0..n) (names compare under
 * lower_case_table_names; the names are copied); <dbs> NULL: every
 * database, the default.  Only tables of those databases are held: the
 * schema_load_* loaders ignore rows of other databases (they return 1),
 * and DDL that creates or changes a table elsewhere changes nothing.  A
 * table that RENAME TABLE or ALTER TABLE ... RENAME moves out of the scope
 * is forgotten; one moved in from outside is held as unknown (its
 * definition was never loaded) with <outside> set, so its rows fail with
 * the reason; when the history already holds a table under the target
 * name (the server refuses to rename onto an existing table, so the
 * definitions were loaded after that rename) it keeps that one.
 * Call it before loading.  Returns 0, or -1 when out of memory (the
 * scope is then unchanged).
 */
int schema_set_scope(struct schema *s, const char *const *dbs, size_t n);

/* Whether the history holds the tables of database <db>. */
bool schema_in_scope(const struct schema *s, struct span db);

/* ---- charsets and collations ---- */

/*
 * Server default collation (collation_server), used for databases created
 * without a charset when the QUERY event does not carry one.  Defaults:
 * 255 for MySQL 8, 8 (latin1_swedish_ci) for MySQL 5.7 and MariaDB.
 */
void schema_set_server_collation(struct schema *s, uint16_t id);

/*
 * Records the server's own collation <name> = <id> (from
 * SCHEMA_SQL_COLLATIONS); these take precedence over the built-in table of
 * MySQL 8.4 / MariaDB 11.4 collations, which is only the fallback.  Only
 * what the built-in table does not already say is kept: a server's
 * hundreds of standard collations cost no memory.
 * Returns 0, or -1 when out of memory.
 */
int schema_add_collation(struct schema *s, const char *name, uint16_t id);

/*
 * Records that <charset> defaults to collation <id> (from
 * SCHEMA_SQL_CHARSETS, or MariaDB's @@character_set_collations); as for
 * collations, only what differs from the built-in defaults is kept.
 * Returns 0, or -1 when out of memory.
 */
int schema_set_charset_collation(struct schema *s, const char *charset,
                                 uint16_t id);

/* Collation id of <name> ("utf8mb4_general_ci", "utf8_bin"), 0 if unknown. */
uint16_t schema_collation_id(const struct schema *s, const char *name);

/* Default collation id of charset <name> ("utf8mb4", "utf8"), 0 unknown. */
uint16_t schema_charset_collation(const struct schema *s, const char *name);

/* ---- DDL ---- */

/* What a QUERY event tells about the session that ran the statement. */
struct schema_query_ctx {
    const char *db;               /* current database (event db), or NULL */
    uint64_t sql_mode;            /* Q_SQL_MODE_CODE; DDL_MODE_* matter */
    uint32_t thread_id;           /* event thread id: scope of TEMPORARY */
    uint16_t collation_server;    /* Q_CHARSET_CODE server collation, 0 */
    uint16_t utf8mb4_collation;   /* MySQL Q_DEFAULT_COLLATION_FOR_UTF8MB4,
                                     0: the flavor's default */
};

/*
 * Applies the statement sql[0..len) run in database <current_db> (NULL if
 * none) with a default session.  Same as schema_apply_query() with a
 * zeroed context holding only the database.
 */
int schema_apply_ddl(struct schema *s, const char *current_db,
                     const char *sql, size_t len, char *err, size_t errlen);

/*
 * Applies one statement of a QUERY event to the history.
 *
 * Returns 0 when the statement is a schema change that was applied (also
 * when it changed nothing we track, e.g. ALTER TABLE ... ENGINE=InnoDB or
 * an ALTER of a table the history does not hold), 1 when it is not schema
 * changing (DML, GRANT, views, routines, TRUNCATE, CREATE/DROP INDEX
 * without functional key parts, ...), and -1 when it looks schema changing
 * but cannot be parsed or applied: <err> then holds a one-line reason with
 * the offset, and the table it concerned, when known, is marked unknown so
 * its rows fail instead of being decoded with a stale definition.  A
 * statement about a table outside the scope (schema_set_scope()) returns
 * 0 even when it cannot be parsed past the table's name.
 * <kind>, when not NULL, receives the statement kind (DDL_TRUNCATE_TABLE for
 * TRUNCATE, DDL_NONE for DML...), also on error.
 */
int schema_apply_query(struct schema *s, const struct schema_query_ctx *ctx,
                       const char *sql, size_t len, enum ddl_kind *kind,
                       char *err, size_t errlen);

/* ---- lookups and TABLE_MAP checks ---- */

/* The real (not temporary) table db.table, or NULL. */
const struct schema_table *schema_find_table(const struct schema *s,
                                             struct span db,
                                             struct span table);

/* Results of schema_check_table_map(). */
enum schema_check {
    SCHEMA_OK = 0,                /* the TABLE_MAP matches the history */
    SCHEMA_ENOTABLE = -1,         /* the history has no such table */
    SCHEMA_EUNKNOWN = -2,         /* the table's columns are unknown */
    SCHEMA_EMISMATCH = -3         /* column count or types differ */
};

/*
 * Checks a TABLE_MAP (database <db>, table <table>, <ncols> columns with
 * binlog <types> and <metas> (metas may be NULL)) against the history.
 * Types compare after normalizing what servers legitimately vary: CHAR,
 * ENUM and SET (MYT_STRING with the real type in the high byte of meta),
 * VARCHAR/VAR_STRING, old and new temporal types, DECIMAL/NEWDECIMAL, the
 * BLOB family with JSON, GEOMETRY and VECTOR, COMPRESSED columns.  MySQL's
 * hidden functional-index columns may be present or absent.
 *
 * Returns SCHEMA_OK with *out set (when out is not NULL), or a negative
 * enum schema_check with a one-line message in <err>.
 */
int schema_check_table_map(const struct schema *s, struct span db,
                           struct span table, uint32_t ncols,
                           const uint8_t *types, const uint16_t *metas,
                           const struct schema_table **out, char *err,
                           size_t errlen);

/*
 * Fills cols[0..ncols) of a TABLE_MAP that schema_check_table_map()
 * accepted for <t>: name, is_unsigned, charset, is_json_text and the
 * ENUM/SET members.  type, meta and nullable are left as the caller set
 * them from the TABLE_MAP.  The names and members are spans into the
 * schema's storage: valid until the next schema_apply_* or schema_load_*
 * call that changes or drops <t> (its version changes), or schema_free().
 * Returns 0, or -1 with <err> when ncols does not fit the table.
 */
int schema_fill_columns(const struct schema_table *t,
                        struct mysql_column *cols, uint32_t ncols, char *err,
                        size_t errlen);

/* ---- loading the start-up definitions from information_schema ---- */

/*
 * Gives back the spare room loading left in the tables' column arrays
 * (they grow by doubling); call it once the loaders are done.  Changes
 * nothing the lookups see.
 */
void schema_trim(struct schema *s);

/*
 * Queries the connection glue runs at the start position, in this order.
 * Each ends in a WHERE clause so the glue can append " AND ..." filters;
 * SCHEMA_SQL_COLUMNS must be followed by SCHEMA_SQL_COLUMNS_ORDER.
 *
 * MySQL 8.0.30+: run SET SESSION show_gipk_in_create_table_and_
 * information_schema = ON first, or generated invisible primary keys are
 * missing from the columns.
 */

/* Rows: ID, COLLATION_NAME -> schema_add_collation(). */
#define SCHEMA_SQL_COLLATIONS                                                 \
    "SELECT ID, COLLATION_NAME FROM information_schema.COLLATIONS "          \
    "WHERE ID IS NOT NULL"
/* MariaDB 10.10+ (UCA 14.0.0 collations): ID, FULL_COLLATION_NAME. */
#define SCHEMA_SQL_MARIADB_COLLATIONS                                         \
    "SELECT ID, FULL_COLLATION_NAME FROM "                                    \
    "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE 1=1"
/* Rows: CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME. */
#define SCHEMA_SQL_CHARSETS                                                   \
    "SELECT CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME FROM "                   \
    "information_schema.CHARACTER_SETS WHERE 1=1"
/* Rows: SCHEMA_NAME, DEFAULT_COLLATION_NAME -> schema_load_database(). */
#define SCHEMA_SQL_SCHEMATA                                                   \
    "SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM "                        \
    "information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN "                   \
    "('information_schema', 'performance_schema', 'sys')"
/* Rows: TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION, TABLE_TYPE. */
#define SCHEMA_SQL_TABLES                                                     \
    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION, TABLE_TYPE FROM "      \
    "information_schema.TABLES WHERE TABLE_TYPE <> 'VIEW' AND "               \
    "TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', "       \
    "'sys')"
/* Rows -> struct schema_column_row -> schema_load_column(). */
#define SCHEMA_SQL_COLUMNS                                                    \
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, "        \
    "DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, "            \
    "IS_NULLABLE, COLUMN_KEY, EXTRA FROM information_schema.COLUMNS WHERE "   \
    "TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', "       \
    "'sys')"
#define SCHEMA_SQL_COLUMNS_ORDER                                              \
    " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
/*
 * MariaDB: system-versioned tables whose row_start/row_end are implicit
 * (not in information_schema.COLUMNS, but in every TABLE_MAP).
 * Rows: TABLE_SCHEMA, TABLE_NAME -> schema_load_implicit_versioning().
 */
#define SCHEMA_SQL_MARIADB_IMPLICIT_VERSIONING                                \
    "SELECT t.TABLE_SCHEMA, t.TABLE_NAME FROM information_schema.TABLES t "   \
    "WHERE t.TABLE_TYPE = 'SYSTEM VERSIONED' AND NOT EXISTS (SELECT 1 FROM "  \
    "information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND " \
    "c.TABLE_NAME = t.TABLE_NAME AND c.GENERATION_EXPRESSION = 'ROW START')"
/*
 * MariaDB: JSON columns are LONGTEXT with a json_valid() check.
 * Rows: CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE ->
 * schema_load_json_check().
 */
#define SCHEMA_SQL_MARIADB_JSON_CHECKS                                        \
    "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM "                \
    "information_schema.CHECK_CONSTRAINTS WHERE CHECK_CLAUSE LIKE "           \
    "'json_valid(%'"
/*
 * MySQL 8.0.13+: functional index key parts (hidden columns that some
 * servers put in TABLE_MAPs).  Rows: TABLE_SCHEMA, TABLE_NAME ->
 * schema_load_functional_index().
 */
#define SCHEMA_SQL_MYSQL_FUNCTIONAL_INDEXES                                   \
    "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.STATISTICS "     \
    "WHERE EXPRESSION IS NOT NULL"

/* One row of SCHEMA_SQL_COLUMNS; a NULL value has p == NULL. */
struct schema_column_row {
    struct span table_schema;     /* TABLE_SCHEMA */
    struct span table_name;       /* TABLE_NAME */
    struct span column_name;      /* COLUMN_NAME */
    uint32_t ordinal_position;    /* ORDINAL_POSITION (1-based) */
    struct span data_type;        /* DATA_TYPE ("int") */
    struct span column_type;      /* COLUMN_TYPE ("int(10) unsigned") */
    struct span character_set_name; /* CHARACTER_SET_NAME or NULL */
    struct span collation_name;   /* COLLATION_NAME or NULL */
    struct span is_nullable;      /* IS_NULLABLE: "YES" / "NO" */
    struct span column_key;       /* COLUMN_KEY: "PRI", "UNI", ... */
    struct span extra;            /* EXTRA: "VIRTUAL GENERATED", ... */
};

/*
 * Each loader returns 0 when the row was taken, 1 when it was ignored (a
 * VIEW, a check clause that is not json_valid(col), the other columns of a
 * table whose COLUMN_TYPE could not be read), -1 on a bad row with <err>
 * set; a table with a bad column is marked unknown, so loading may go on.
 * Rows may come in any table order, but the columns of one table in
 * ORDINAL_POSITION order; a table's column 1 arriving again restarts that
 * table's column list.
 */
int schema_load_database(struct schema *s, struct span name,
                         struct span default_collation, char *err,
                         size_t errlen);
int schema_load_table(struct schema *s, struct span db, struct span name,
                      struct span table_collation, struct span table_type,
                      char *err, size_t errlen);
int schema_load_column(struct schema *s, const struct schema_column_row *row,
                       char *err, size_t errlen);
int schema_load_implicit_versioning(struct schema *s, struct span db,
                                    struct span table, char *err,
                                    size_t errlen);
int schema_load_json_check(struct schema *s, struct span db,
                           struct span table, struct span check_clause,
                           char *err, size_t errlen);
int schema_load_functional_index(struct schema *s, struct span db,
                                 struct span table, char *err, size_t errlen);

/*
 * Parses a COLUMN_TYPE value into <col> (name left NULL, charset resolved
 * from <collation_name> when given, else 63 for byte strings, else 0).
 * Returns 0, or -1 with <err>.  The caller frees with
 * schema_column_clear().
 */
int schema_parse_column_type(const struct schema *s, const char *text,
                             size_t len, const char *collation_name,
                             struct schema_column *col, char *err,
                             size_t errlen);

/* Frees what a schema_column owns and zeroes it. */
void schema_column_clear(struct schema_column *col);

#endif
