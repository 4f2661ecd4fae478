/*
 * schema_load.c - the schema history's start-up definitions, from
 * information_schema rows.
 *
 * The connection glue runs the SCHEMA_SQL_* queries of schema.h at a known
 * binlog position and hands each row to a loader here: databases with
 * their default collations, tables, columns (COLUMN_TYPE is parsed with
 * the DDL parser's column-type reader, so a column loaded here and the
 * same column created by DDL come out alike), and the facts
 * information_schema.COLUMNS does not show: MariaDB's implicit
 * system-versioning columns and JSON checks, MySQL's functional-index
 * hidden columns.  A column that cannot be read marks its table unknown,
 * so loading goes on and only that table's rows fail.  Rows of databases
 * outside the schema's scope are ignored.
 */
#include "proto/mysql/schema_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- information_schema loaders ---- */

/* Copies a span into a NUL-terminated buffer; false if it does not fit. */
static bool
span_cstr(struct span v, char *out, size_t outlen)
{
    if (v.p == NULL || v.len >= outlen) {
        return false;
    }
    if (v.len > 0) {
        memcpy(out, v.p, v.len);
    }
    out[v.len] = '\0';
    return true;
}

static bool
span_ieq(struct span v, const char *lit)
{
    return v.p != NULL && schema_ieq_n(lit, (const char *)v.p, v.len);
}

/* The real table db.name, created empty when absent. */
static struct schema_table *
load_table(struct schema *s, struct span db, struct span name)
{
    struct schema_table **pp =
        schema_find_slot(s, (const char *)db.p, db.len, (const char *)name.p,
                         name.len);
    struct schema_table *t;

    if (pp != NULL) {
        return *pp;
    }
    t = schema_table_new((const char *)db.p, db.len, (const char *)name.p,
                         name.len);
    if (t == NULL) {
        return NULL;
    }
    if (schema_insert_real(s, t) < 0) {
        schema_table_free(t);
        return NULL;
    }
    return t;
}

int
schema_load_database(struct schema *s, struct span name,
                     struct span default_collation, char *err, size_t errlen)
{
    char coll[96];
    uint16_t id = 0;

    if (name.p == NULL || name.len == 0) {
        return schema_seterr(err, errlen, "SCHEMATA row without SCHEMA_NAME");
    }
    if (!schema_in_scope(s, name)) {
        return 1;
    }
    if (span_cstr(default_collation, coll, sizeof(coll))) {
        id = schema_collation_id(s, coll);
    }
    if (schema_put_db(s, (const char *)name.p, name.len, id) == NULL) {
        return schema_seterr(err, errlen, "out of memory");
    }
    s->version++;
    return 0;
}

int
schema_load_table(struct schema *s, struct span db, struct span name,
                  struct span table_collation, struct span table_type,
                  char *err, size_t errlen)
{
    struct schema_table *t;
    char coll[96];

    if (db.p == NULL || name.p == NULL) {
        return schema_seterr(err, errlen, "TABLES row without a name");
    }
    if (span_ieq(table_type, "VIEW") || span_ieq(table_type, "SYSTEM VIEW") ||
        !schema_in_scope(s, db)) {
        return 1;
    }
    t = load_table(s, db, name);
    if (t == NULL) {
        return schema_seterr(err, errlen, "out of memory");
    }
    if (span_cstr(table_collation, coll, sizeof(coll))) {
        t->collation = schema_collation_id(s, coll);
    }
    t->version = ++s->version;
    return 0;
}

int
schema_parse_column_type(const struct schema *s, const char *text, size_t len,
                         const char *collation_name,
                         struct schema_column *col, char *err, size_t errlen)
{
    struct ddl_stmt st;
    struct ddl_column *dc;
    struct ddl_opts opts;
    int rc;

    memset(&st, 0, sizeof(st));
    memset(col, 0, sizeof(*col));
    opts.sql_mode = 0;
    opts.mariadb = s->flavor == SCHEMA_FLAVOR_MARIADB;
    if (ddl_parse_column_type(&st, text, len, &opts, &dc) < 0) {
        schema_seterr(err, errlen, "cannot parse COLUMN_TYPE '%.*s': %s",
                      (int)(len > 64 ? 64 : len), text, st.err);
        ddl_stmt_free(&st);
        return -1;
    }
    dc->name = "";
    rc = schema_col_from_ddl(s, dc, 0, 0, col);
    if (rc == 0) {
        free(col->name);
        col->name = NULL;
        if (collation_name != NULL) {
            col->charset = schema_collation_id(s, collation_name);
        } else if (dc->is_binary || dc->is_json ||
                   col->type == MYT_GEOMETRY) {
            col->charset = s->flavor == SCHEMA_FLAVOR_MARIADB && dc->is_json
                               ? 46
                               : MYSQL_CHARSET_BINARY;
        } else {
            col->charset = 0;
        }
    } else {
        schema_column_clear(col);
        schema_seterr(err, errlen, "out of memory");
    }
    ddl_stmt_free(&st);
    return rc;
}

/* Whether span v holds the text needle (case-insensitive). */
static bool
span_has(struct span v, const char *needle)
{
    size_t n = strlen(needle), i, j;

    for (i = 0; v.p != NULL && i + n <= v.len; i++) {
        for (j = 0; j < n && tolower(v.p[i + j]) == tolower(
                 (unsigned char)needle[j]); j++) {
        }
        if (j == n) {
            return true;
        }
    }
    return false;
}

int
schema_load_column(struct schema *s, const struct schema_column_row *row,
                   char *err, size_t errlen)
{
    struct schema_table *t;
    struct schema_column c;
    char coll[96];
    const struct span *tp;

    if (row->table_schema.p == NULL || row->table_name.p == NULL ||
        row->column_name.p == NULL) {
        return schema_seterr(err, errlen, "COLUMNS row without a name");
    }
    if (!schema_in_scope(s, row->table_schema)) {
        return 1;
    }
    t = load_table(s, row->table_schema, row->table_name);
    if (t == NULL) {
        return schema_seterr(err, errlen, "out of memory");
    }
    if (row->ordinal_position == 1 && (t->ncols > 0 || t->unknown)) {
        schema_table_clear_cols(t); /* the table again: start over */
        t->unknown = false;
        t->outside = false;
        free(t->unknown_reason);
        t->unknown_reason = NULL;
    } else if (t->unknown) {
        return 1; /* a column of it could not be read: rows will fail */
    }
    if (row->ordinal_position != t->ncols + 1) {
        return schema_seterr(err, errlen,
                             "column %s.%s.%.*s: ORDINAL_POSITION %u where "
                             "%u was expected",
                             t->db, t->name, (int)row->column_name.len,
                             (const char *)row->column_name.p,
                             row->ordinal_position, t->ncols + 1);
    }
    tp = row->column_type.p != NULL ? &row->column_type : &row->data_type;
    if (tp->p == NULL) {
        return schema_seterr(err, errlen,
                             "column %s.%s.%.*s: no COLUMN_TYPE", t->db,
                             t->name, (int)row->column_name.len,
                             (const char *)row->column_name.p);
    }
    if (schema_parse_column_type(
            s, (const char *)tp->p, tp->len,
            span_cstr(row->collation_name, coll, sizeof(coll)) ? coll : NULL,
            &c, err, errlen) < 0) {
        char why[400];

        snprintf(why, sizeof(why), "information_schema column %.*s: %s",
                 (int)row->column_name.len, (const char *)row->column_name.p,
                 err != NULL && errlen > 0 ? err : "bad COLUMN_TYPE");
        schema_table_set_unknown(t, why);
        t->version = ++s->version;
        return -1;
    }
    c.name = schema_xstrndup((const char *)row->column_name.p,
                             row->column_name.len);
    if (c.name == NULL) {
        schema_column_clear(&c);
        return schema_seterr(err, errlen, "out of memory");
    }
    c.nullable = span_ieq(row->is_nullable, "YES");
    /* AS (expr) columns; not MySQL's DEFAULT_GENERATED (a default) */
    c.generated = span_has(row->extra, "VIRTUAL GENERATED") ||
                  span_has(row->extra, "STORED GENERATED") ||
                  span_has(row->extra, "PERSISTENT GENERATED");
    if (span_ieq(row->column_key, "PRI")) {
        uint16_t pos = 0;
        uint32_t i;

        for (i = 0; i < t->ncols; i++) {
            if (t->cols[i].pk_pos > pos) {
                pos = t->cols[i].pk_pos;
            }
        }
        c.pk_pos = (uint16_t)(pos + 1);
    }
    if (schema_table_insert_col(t, t->ncols, &c) < 0) {
        schema_column_clear(&c);
        return schema_seterr(err, errlen, "out of memory");
    }
    t->version = ++s->version;
    return 0;
}

/* Whether a row of database <db> is ignored for the scope. */
static bool
outside(const struct schema *s, struct span db)
{
    return db.p != NULL && !schema_in_scope(s, db);
}

/* The loaded table db.table; NULL with <err>, or NULL for a database
 * outside the scope (err untouched). */
static struct schema_table *
loaded_table(struct schema *s, struct span db, struct span table, char *err,
             size_t errlen)
{
    struct schema_table **pp;

    if (db.p == NULL || table.p == NULL) {
        schema_seterr(err, errlen, "row without a table name");
        return NULL;
    }
    if (!schema_in_scope(s, db)) {
        return NULL;            /* not an error: the caller ignores it */
    }
    pp = schema_find_slot(s, (const char *)db.p, db.len,
                          (const char *)table.p, table.len);
    if (pp == NULL) {
        schema_seterr(err, errlen, "table %.*s.%.*s has no columns loaded",
                      (int)db.len, (const char *)db.p, (int)table.len,
                      (const char *)table.p);
        return NULL;
    }
    return *pp;
}

int
schema_load_implicit_versioning(struct schema *s, struct span db,
                                struct span table, char *err, size_t errlen)
{
    struct schema_table *t = loaded_table(s, db, table, err, errlen);

    if (t == NULL) {
        return outside(s, db) ? 1 : -1;
    }
    if (schema_has_period(t)) {
        return 1;
    }
    if (schema_add_implicit_versioning(t) < 0) {
        return schema_seterr(err, errlen, "out of memory");
    }
    t->version = ++s->version;
    return 0;
}

int
schema_load_json_check(struct schema *s, struct span db, struct span table,
                       struct span check_clause, char *err, size_t errlen)
{
    struct schema_table *t;
    char clause[200], name[160];
    const char *p, *q;
    size_t n;
    int i;

    if (!span_cstr(check_clause, clause, sizeof(clause))) {
        return 1;
    }
    /* json_valid(`col`), as MariaDB writes it (col with `` escapes). */
    if (strncmp(clause, "json_valid(`", 12) != 0) {
        return 1;
    }
    p = clause + 12;
    n = 0;
    for (q = p; *q != '\0'; q++) {
        if (*q == '`') {
            if (q[1] == '`') {
                q++;
            } else {
                break;
            }
        }
        if (n + 1 >= sizeof(name)) {
            return 1;
        }
        name[n++] = *q;
    }
    name[n] = '\0';
    if (*q != '`' || strcmp(q, "`)") != 0) {
        return 1;
    }
    t = loaded_table(s, db, table, err, errlen);
    if (t == NULL) {
        return outside(s, db) ? 1 : -1;
    }
    i = schema_table_find_col(t, name);
    if (i < 0 || (t->cols[i].type != MYT_BLOB &&
                  t->cols[i].type != SCHEMA_MYT_BLOB_COMPRESSED)) {
        return 1;
    }
    t->cols[i].is_json_text = true;
    t->version = ++s->version;
    return 0;
}

int
schema_load_functional_index(struct schema *s, struct span db,
                             struct span table, char *err, size_t errlen)
{
    struct schema_table *t = loaded_table(s, db, table, err, errlen);

    if (t == NULL) {
        return outside(s, db) ? 1 : -1;
    }
    t->hidden_unknown++;
    t->version = ++s->version;
    return 0;
}
