/*
 * schema_int.h - what the schema history's files share: the struct schema
 * itself and the helpers one file defines for the others.
 *
 * schema.c holds the model (columns, tables, the table hash, temporary
 * tables, databases, lifetime); schema_collation.c the collation and
 * charset tables and name <-> id resolution; schema_apply.c applies parsed
 * DDL; schema_check.c checks TABLE_MAPs and fills their columns;
 * schema_load.c takes information_schema rows.  Helpers returning int
 * return 0 or -1 (out of memory) unless said otherwise; tables returned by
 * the lookups are owned by the schema.  This header is internal to those
 * files: other modules use schema.h.
 */
#ifndef TANDEM_PROTO_MYSQL_SCHEMA_INT_H
#define TANDEM_PROTO_MYSQL_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mysql/ddl.h"
#include "proto/mysql/schema.h"

/* ---- the schema ---- */

struct schema_db {
    char *name;                   /* owned database name */
    uint16_t collation;           /* default collation, 0 unknown */
};

struct named_id {
    char *name;                   /* owned, lower-case */
    uint16_t id;                  /* collation id */
};

struct schema {
    enum schema_flavor flavor;    /* server family */
    int lctn;                     /* lower_case_table_names */
    uint16_t server_collation;    /* collation_server default */
    uint64_t version;             /* bumped on every change */
    struct schema_db *dbs;        /* known databases (owned) */
    size_t ndbs;                  /* entries in dbs */
    size_t capdbs;                /* allocated entries */
    struct schema_table **buckets; /* hash of real tables */
    size_t nbuckets;              /* power of two */
    size_t ntables;               /* real tables */
    struct schema_table *temps;   /* temporary tables, newest first */
    size_t ntemps;                /* entries in temps */
    struct named_id *colls;       /* server collations (owned) */
    size_t ncolls;                /* entries in colls */
    size_t capcolls;              /* allocated entries */
    struct named_id *csdefs;      /* charset default overrides (owned) */
    size_t ncsdefs;               /* entries in csdefs */
    size_t capcsdefs;             /* allocated entries */
    char **scope;                 /* databases held (owned), when scoped */
    size_t nscope;                /* entries in scope */
    bool scoped;                  /* false: every database is held */
    struct ddl_stmt stmt;         /* parse tree of the current statement */
};

/* ---- schema.c: helpers ---- */

/* ASCII lower case. */
static inline char
schema_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Formats into err[0..errlen) when err is not NULL; returns -1. */
int schema_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* malloc'd copies; NULL when out of memory. */
char *schema_xstrndup(const char *p, size_t n);
char *schema_xstrdup(const char *p);

/* Case-insensitive (ASCII) comparison of NUL-terminated a with b[0..n). */
bool schema_ieq_n(const char *a, const char *b, size_t n);

/* Column name equality (ASCII case-insensitive). */
bool schema_col_name_eq(const char *a, const char *b);

/* ---- schema.c: columns and tables ---- */

/*
 * Converts a parsed column definition; <table_coll> is the table default
 * collation that character columns without their own take.
 */
int schema_col_from_ddl(const struct schema *s, const struct ddl_column *dc,
                        uint16_t table_coll, uint16_t utf8mb4,
                        struct schema_column *c);

struct schema_table *schema_table_new(const char *db, size_t dblen,
                                      const char *name, size_t nlen);
void schema_table_free(struct schema_table *t);
struct schema_table *schema_table_clone(const struct schema_table *src);
/* Inserts *c (moved in) at index <at>. */
int schema_table_insert_col(struct schema_table *t, uint32_t at,
                            struct schema_column *c);
void schema_table_remove_col(struct schema_table *t, uint32_t at);
void schema_table_clear_cols(struct schema_table *t);
/* Index of the (not hidden) column <name>, or -1. */
int schema_table_find_col(const struct schema_table *t, const char *name);
/* Renumbers pk_pos after a key column went away. */
void schema_table_compact_pk(struct schema_table *t);
void schema_table_drop_pk(struct schema_table *t);
/* Marks <t> unknown with a copy of <reason>. */
int schema_table_set_unknown(struct schema_table *t, const char *reason);

/* ---- schema.c: real and temporary tables, databases ---- */

/* The hash slot that holds real table db.name, or NULL. */
struct schema_table **schema_find_slot(const struct schema *s, const char *db,
                                       size_t dblen, const char *name,
                                       size_t nlen);
struct schema_table *schema_find_real(const struct schema *s, const char *db,
                                      const char *name);
/* Unlinks the real table db.name (not freed); NULL if absent. */
struct schema_table *schema_unlink_real(struct schema *s, const char *db,
                                        const char *name);
/* Inserts <t>, freeing a table of the same name that was there. */
int schema_insert_real(struct schema *s, struct schema_table *t);

struct schema_table **schema_find_temp_slot(struct schema *s,
                                            uint32_t thread, const char *db,
                                            const char *name);
struct schema_table *schema_unlink_temp(struct schema *s, uint32_t thread,
                                        const char *db, const char *name);
/* Inserts <t> as a temporary table of session <thread>. */
void schema_insert_temp(struct schema *s, struct schema_table *t,
                        uint32_t thread);

/* Whether the tables of database name[0..n) are held (schema_set_scope). */
bool schema_scope_has(const struct schema *s, const char *name, size_t n);

struct schema_db *schema_find_db(const struct schema *s, const char *name,
                                 size_t n);
/* Adds or updates database name[0..n); NULL when out of memory. */
struct schema_db *schema_put_db(struct schema *s, const char *name, size_t n,
                                uint16_t collation);
/* Drops the database entry and every table in it. */
void schema_drop_db(struct schema *s, const char *name);

/* ---- schema_collation.c ---- */

/*
 * Collation of an explicit CHARACTER SET <cs> and/or COLLATE <coll>
 * clause; 0 when neither is given or the names are unknown.
 */
uint16_t schema_resolve_collation(const struct schema *s, const char *cs,
                                  const char *coll,
                                  uint16_t utf8mb4_override);

/* Collation of a character column, <table_coll> its table's default. */
uint16_t schema_text_collation(const struct schema *s,
                               const struct ddl_column *dc,
                               uint16_t table_coll, uint16_t utf8mb4);

/* ---- schema_apply.c: system versioning ---- */

/* Does <t> have explicit or implicit ROW START/END columns? */
bool schema_has_period(const struct schema_table *t);

/* MariaDB: appends the implicit row_start/row_end columns if missing. */
int schema_add_implicit_versioning(struct schema_table *t);

#endif
