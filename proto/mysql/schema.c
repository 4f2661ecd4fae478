/*
 * schema.c - the schema history: table definitions as of the current binlog
 * position, built from information_schema rows at start-up
 * (schema_load.c) and moved forward by the DDL of QUERY events (parsed by
 * ddl.c, applied by schema_apply.c).
 *
 * This file holds the model those build on: columns and their copies,
 * tables, the hash of real tables keyed by (database, name) under the
 * server's lower_case_table_names rule, the per-session list of temporary
 * tables that lookups for TABLE_MAPs never see, the known databases with
 * their default collations, and the schema's lifetime.  Every change bumps
 * a schema-wide version that the changed table records.
 */
#include "proto/mysql/schema_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const flavor_names[SCHEMA_FLAVOR_COUNT] = {
    "mysql", "mysql57", "mariadb",
};

const char *
schema_flavor_name(enum schema_flavor f)
{
    return (unsigned)f < SCHEMA_FLAVOR_COUNT ? flavor_names[f] : "unknown";
}

int
schema_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

char *
schema_xstrndup(const char *p, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        if (n > 0) {
            memcpy(d, p, n);
        }
        d[n] = '\0';
    }
    return d;
}

char *
schema_xstrdup(const char *p)
{
    return schema_xstrndup(p, strlen(p));
}

/* Case-insensitive (ASCII) comparison of NUL-terminated a with b[0..n). */
bool
schema_ieq_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (a[i] == '\0' || schema_lower(a[i]) != schema_lower(b[i])) {
            return false;
        }
    }
    return a[n] == '\0';
}

/* Database/table name equality under lower_case_table_names. */
static bool
name_eq(const struct schema *s, const char *a, const char *b, size_t n)
{
    if (s->lctn != 0) {
        return schema_ieq_n(a, b, n);
    }
    return strlen(a) == n && memcmp(a, b, n) == 0;
}

bool
schema_col_name_eq(const char *a, const char *b)
{
    return ddl_ieq(a, b);
}

uint64_t
schema_version(const struct schema *s)
{
    return s->version;
}

/* ---- columns ---- */

void
schema_column_clear(struct schema_column *c)
{
    if (c == NULL) {
        return;
    }
    free(c->name);
    free(c->hidden_index);
    free(c->enum_values);
    free(c->enum_buf);
    memset(c, 0, sizeof(*c));
}

static int
set_enum_values(struct schema_column *c, const struct ddl_value *vals,
                uint32_t n)
{
    size_t total = 0, off = 0;
    uint32_t i;

    free(c->enum_values);
    free(c->enum_buf);
    c->enum_values = NULL;
    c->enum_buf = NULL;
    c->n_enum_values = 0;
    if (n == 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        total += vals[i].len;
    }
    c->enum_buf = malloc(total + 1);
    c->enum_values = calloc(n, sizeof(*c->enum_values));
    if (c->enum_buf == NULL || c->enum_values == NULL) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (vals[i].len > 0) {
            memcpy(c->enum_buf + off, vals[i].p, vals[i].len);
        }
        c->enum_values[i].p = (const uint8_t *)c->enum_buf + off;
        c->enum_values[i].len = vals[i].len;
        off += vals[i].len;
    }
    c->n_enum_values = n;
    return 0;
}

static int
col_copy(struct schema_column *d, const struct schema_column *src)
{
    size_t total = 0;
    uint32_t i;

    *d = *src;
    d->name = NULL;
    d->hidden_index = NULL;
    d->enum_values = NULL;
    d->enum_buf = NULL;
    d->n_enum_values = 0;
    d->name = schema_xstrdup(src->name);
    if (d->name == NULL) {
        return -1;
    }
    if (src->hidden_index != NULL) {
        d->hidden_index = schema_xstrdup(src->hidden_index);
        if (d->hidden_index == NULL) {
            return -1;
        }
    }
    if (src->n_enum_values > 0) {
        for (i = 0; i < src->n_enum_values; i++) {
            total += src->enum_values[i].len;
        }
        d->enum_buf = malloc(total + 1);
        d->enum_values = calloc(src->n_enum_values, sizeof(*d->enum_values));
        if (d->enum_buf == NULL || d->enum_values == NULL) {
            return -1;
        }
        if (total > 0) {
            memcpy(d->enum_buf, src->enum_buf, total);
        }
        for (i = 0; i < src->n_enum_values; i++) {
            d->enum_values[i].p = (const uint8_t *)d->enum_buf +
                                  (src->enum_values[i].p -
                                   (const uint8_t *)src->enum_buf);
            d->enum_values[i].len = src->enum_values[i].len;
        }
        d->n_enum_values = src->n_enum_values;
    }
    return 0;
}

/*
 * Converts a parsed column definition; <table_coll> is the table default
 * collation that character columns without their own take.
 */
int
schema_col_from_ddl(const struct schema *s, const struct ddl_column *dc,
                    uint16_t table_coll, uint16_t utf8mb4,
                    struct schema_column *c)
{
    memset(c, 0, sizeof(*c));
    c->name = schema_xstrdup(dc->name != NULL ? dc->name : "");
    if (c->name == NULL) {
        return -1;
    }
    c->type = dc->type;
    c->real_type = dc->real_type;
    if (dc->compressed && s->flavor == SCHEMA_FLAVOR_MARIADB) {
        if (dc->type == MYT_BLOB) {
            c->type = SCHEMA_MYT_BLOB_COMPRESSED;
            c->real_type = c->type;
        } else if (dc->type == MYT_VARCHAR) {
            c->type = SCHEMA_MYT_VARCHAR_COMPRESSED;
            c->real_type = c->type;
        }
    }
    c->is_unsigned = dc->is_unsigned;
    c->nullable = !dc->not_null && !dc->primary_key &&
                  dc->gen != DDL_GEN_ROW_START && dc->gen != DDL_GEN_ROW_END;
    c->invisible = dc->invisible;
    c->generated = dc->gen == DDL_GEN_VIRTUAL || dc->gen == DDL_GEN_STORED;
    if (dc->gen == DDL_GEN_ROW_START || dc->gen == DDL_GEN_ROW_END) {
        c->period = (uint8_t)dc->gen;
    }
    c->length = dc->has_length ? dc->length : 0;
    c->scale = dc->has_scale ? dc->scale : 0;
    if (dc->is_binary) {
        c->charset = MYSQL_CHARSET_BINARY;
    } else if (dc->is_text) {
        c->charset = schema_text_collation(s, dc, table_coll, utf8mb4);
    } else if (dc->is_json || c->type == MYT_GEOMETRY) {
        c->charset = MYSQL_CHARSET_BINARY;
    }
    c->is_json_text = s->flavor == SCHEMA_FLAVOR_MARIADB &&
                      (dc->is_json || dc->json_check) &&
                      (c->type == MYT_BLOB ||
                       c->type == SCHEMA_MYT_BLOB_COMPRESSED);
    if (dc->n_values > 0 && set_enum_values(c, dc->values, dc->n_values) < 0) {
        return -1;
    }
    return 0;
}

/* ---- tables ---- */

void
schema_table_free(struct schema_table *t)
{
    uint32_t i;

    if (t == NULL) {
        return;
    }
    for (i = 0; i < t->ncols; i++) {
        schema_column_clear(&t->cols[i]);
    }
    free(t->cols);
    free(t->db);
    free(t->name);
    free(t->unknown_reason);
    free(t);
}

struct schema_table *
schema_table_new(const char *db, size_t dblen, const char *name, size_t nlen)
{
    struct schema_table *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->db = schema_xstrndup(db, dblen);
    t->name = schema_xstrndup(name, nlen);
    if (t->db == NULL || t->name == NULL) {
        schema_table_free(t);
        return NULL;
    }
    return t;
}

static int
table_reserve(struct schema_table *t, uint32_t n)
{
    struct schema_column *nc;
    uint32_t ncap;

    if (t->ncols + n <= t->cap) {
        return 0;
    }
    ncap = t->cap ? t->cap * 2 : 8;
    while (ncap < t->ncols + n) {
        ncap *= 2;
    }
    nc = realloc(t->cols, ncap * sizeof(*nc));
    if (nc == NULL) {
        return -1;
    }
    t->cols = nc;
    t->cap = ncap;
    return 0;
}

/* Inserts *c (moved in) at index <at>. */
int
schema_table_insert_col(struct schema_table *t, uint32_t at,
                        struct schema_column *c)
{
    if (table_reserve(t, 1) < 0) {
        return -1;
    }
    if (at > t->ncols) {
        at = t->ncols;
    }
    memmove(&t->cols[at + 1], &t->cols[at],
            (t->ncols - at) * sizeof(t->cols[0]));
    t->cols[at] = *c;
    memset(c, 0, sizeof(*c));
    t->ncols++;
    if (t->cols[at].hidden) {
        t->n_hidden++;
    }
    return 0;
}

void
schema_table_remove_col(struct schema_table *t, uint32_t at)
{
    if (t->cols[at].hidden) {
        t->n_hidden--;
    }
    schema_column_clear(&t->cols[at]);
    memmove(&t->cols[at], &t->cols[at + 1],
            (t->ncols - at - 1) * sizeof(t->cols[0]));
    t->ncols--;
}

void
schema_table_clear_cols(struct schema_table *t)
{
    while (t->ncols > 0) {
        schema_table_remove_col(t, t->ncols - 1);
    }
    t->n_hidden = 0;
    t->hidden_unknown = 0;
}

int
schema_table_find_col(const struct schema_table *t, const char *name)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (!t->cols[i].hidden && schema_col_name_eq(t->cols[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Renumbers pk_pos after a key column went away. */
void
schema_table_compact_pk(struct schema_table *t)
{
    uint16_t next = 1, want;
    uint32_t i;
    bool found;

    for (want = 1; want != 0 && want <= t->ncols + 1; want++) {
        found = false;
        for (i = 0; i < t->ncols; i++) {
            if (t->cols[i].pk_pos == want) {
                t->cols[i].pk_pos = next;
                found = true;
            }
        }
        if (found) {
            next++;
        }
    }
}

void
schema_table_drop_pk(struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        t->cols[i].pk_pos = 0;
    }
}

int
schema_table_set_unknown(struct schema_table *t, const char *reason)
{
    char *r = schema_xstrdup(reason);

    if (r == NULL) {
        return -1;
    }
    free(t->unknown_reason);
    t->unknown_reason = r;
    t->unknown = true;
    t->outside = false;
    return 0;
}

struct schema_table *
schema_table_clone(const struct schema_table *src)
{
    struct schema_table *t = schema_table_new(src->db, strlen(src->db),
                                              src->name, strlen(src->name));
    uint32_t i;

    if (t == NULL) {
        return NULL;
    }
    if (src->ncols > 0 && table_reserve(t, src->ncols) < 0) {
        schema_table_free(t);
        return NULL;
    }
    for (i = 0; i < src->ncols; i++) {
        if (col_copy(&t->cols[i], &src->cols[i]) < 0) {
            t->ncols = i + 1;
            schema_table_free(t);
            return NULL;
        }
        t->ncols = i + 1;
    }
    t->n_hidden = src->n_hidden;
    t->hidden_unknown = src->hidden_unknown;
    t->collation = src->collation;
    t->version = src->version;
    t->unknown = src->unknown;
    t->outside = src->outside;
    if (src->unknown_reason != NULL) {
        t->unknown_reason = schema_xstrdup(src->unknown_reason);
        if (t->unknown_reason == NULL) {
            schema_table_free(t);
            return NULL;
        }
    }
    t->temporary = src->temporary;
    t->thread_id = src->thread_id;
    return t;
}

void
schema_trim(struct schema *s)
{
    struct schema_table *t;
    struct schema_column *nc;
    size_t i;

    for (i = 0; i < s->nbuckets; i++) {
        for (t = s->buckets[i]; t != NULL; t = t->hnext) {
            if (t->cap > t->ncols && t->ncols > 0) {
                nc = realloc(t->cols, t->ncols * sizeof(*nc));
                if (nc != NULL) {
                    t->cols = nc;
                    t->cap = t->ncols;
                }
            }
        }
    }
}

/* ---- the table hash ---- */

static uint64_t
name_hash(const struct schema *s, const char *db, size_t dblen,
          const char *name, size_t nlen)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < dblen; i++) {
        h = (h ^ (uint8_t)(s->lctn ? schema_lower(db[i]) : db[i])) *
            1099511628211ull;
    }
    h = (h ^ 0xff) * 1099511628211ull;
    for (i = 0; i < nlen; i++) {
        h = (h ^ (uint8_t)(s->lctn ? schema_lower(name[i]) : name[i])) *
            1099511628211ull;
    }
    return h;
}

struct schema_table **
schema_find_slot(const struct schema *s, const char *db, size_t dblen,
                 const char *name, size_t nlen)
{
    struct schema_table **pp;

    if (s->nbuckets == 0) {
        return NULL;
    }
    pp = &s->buckets[name_hash(s, db, dblen, name, nlen) & (s->nbuckets - 1)];
    for (; *pp != NULL; pp = &(*pp)->hnext) {
        if (name_eq(s, (*pp)->db, db, dblen) &&
            name_eq(s, (*pp)->name, name, nlen)) {
            return pp;
        }
    }
    return NULL;
}

struct schema_table *
schema_find_real(const struct schema *s, const char *db, const char *name)
{
    struct schema_table **pp;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    pp = schema_find_slot(s, db, strlen(db), name, strlen(name));
    return pp != NULL ? *pp : NULL;
}

const struct schema_table *
schema_find_table(const struct schema *s, struct span db, struct span table)
{
    struct schema_table **pp;

    if (s == NULL) {
        return NULL;
    }
    pp = schema_find_slot(s, (const char *)db.p, db.len,
                          (const char *)table.p, table.len);
    return pp != NULL ? *pp : NULL;
}

static int
hash_grow(struct schema *s)
{
    size_t nb = s->nbuckets ? s->nbuckets * 2 : 8, i;
    struct schema_table **b = calloc(nb, sizeof(*b)), *t, *nx;

    if (b == NULL) {
        return -1;
    }
    for (i = 0; i < s->nbuckets; i++) {
        for (t = s->buckets[i]; t != NULL; t = nx) {
            size_t h = (size_t)name_hash(s, t->db, strlen(t->db), t->name,
                                         strlen(t->name)) &
                       (nb - 1);

            nx = t->hnext;
            t->hnext = b[h];
            b[h] = t;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
    return 0;
}

/* Unlinks the real table db.name (not freed); NULL if absent. */
struct schema_table *
schema_unlink_real(struct schema *s, const char *db, const char *name)
{
    struct schema_table **pp, *t;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    pp = schema_find_slot(s, db, strlen(db), name, strlen(name));
    if (pp == NULL) {
        return NULL;
    }
    t = *pp;
    *pp = t->hnext;
    t->hnext = NULL;
    s->ntables--;
    return t;
}

/* Inserts <t>, freeing a table of the same name that was there. */
int
schema_insert_real(struct schema *s, struct schema_table *t)
{
    size_t h;

    schema_table_free(schema_unlink_real(s, t->db, t->name));
    if (s->ntables >= s->nbuckets && hash_grow(s) < 0) {
        return -1;
    }
    h = (size_t)name_hash(s, t->db, strlen(t->db), t->name, strlen(t->name)) &
        (s->nbuckets - 1);
    t->temporary = false;
    t->hnext = s->buckets[h];
    s->buckets[h] = t;
    s->ntables++;
    return 0;
}

/* ---- temporary tables ---- */

struct schema_table **
schema_find_temp_slot(struct schema *s, uint32_t thread, const char *db,
                      const char *name)
{
    struct schema_table **pp;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    for (pp = &s->temps; *pp != NULL; pp = &(*pp)->hnext) {
        if ((*pp)->thread_id == thread &&
            name_eq(s, (*pp)->db, db, strlen(db)) &&
            name_eq(s, (*pp)->name, name, strlen(name))) {
            return pp;
        }
    }
    return NULL;
}

struct schema_table *
schema_unlink_temp(struct schema *s, uint32_t thread, const char *db,
                   const char *name)
{
    struct schema_table **pp = schema_find_temp_slot(s, thread, db, name), *t;

    if (pp == NULL) {
        return NULL;
    }
    t = *pp;
    *pp = t->hnext;
    t->hnext = NULL;
    s->ntemps--;
    return t;
}

void
schema_insert_temp(struct schema *s, struct schema_table *t, uint32_t thread)
{
    struct schema_table **pp;

    schema_table_free(schema_unlink_temp(s, thread, t->db, t->name));
    t->temporary = true;
    t->thread_id = thread;
    t->hnext = s->temps;
    s->temps = t;
    s->ntemps++;
    if (s->ntemps > SCHEMA_MAX_TEMP_TABLES) {
        /* Sessions whose temporary tables were never dropped in the
         * binlog: forget the oldest. */
        for (pp = &s->temps; (*pp)->hnext != NULL; pp = &(*pp)->hnext) {
        }
        schema_table_free(*pp);
        *pp = NULL;
        s->ntemps--;
    }
}

/* ---- scope ---- */

static void
scope_clear(struct schema *s)
{
    size_t i;

    for (i = 0; i < s->nscope; i++) {
        free(s->scope[i]);
    }
    free(s->scope);
    s->scope = NULL;
    s->nscope = 0;
    s->scoped = false;
}

int
schema_set_scope(struct schema *s, const char *const *dbs, size_t n)
{
    char **v;
    size_t i;

    if (dbs == NULL) {
        scope_clear(s);
        return 0;
    }
    v = calloc(n ? n : 1, sizeof(*v));
    if (v == NULL) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        v[i] = schema_xstrdup(dbs[i]);
        if (v[i] == NULL) {
            while (i > 0) {
                free(v[--i]);
            }
            free(v);
            return -1;
        }
    }
    scope_clear(s);
    s->scope = v;
    s->nscope = n;
    s->scoped = true;
    return 0;
}

bool
schema_scope_has(const struct schema *s, const char *name, size_t n)
{
    size_t i;

    if (!s->scoped) {
        return true;
    }
    if (name == NULL) {
        return false;
    }
    for (i = 0; i < s->nscope; i++) {
        if (name_eq(s, s->scope[i], name, n)) {
            return true;
        }
    }
    return false;
}

bool
schema_in_scope(const struct schema *s, struct span db)
{
    return schema_scope_has(s, (const char *)db.p, db.len);
}

/* ---- databases ---- */

struct schema_db *
schema_find_db(const struct schema *s, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < s->ndbs; i++) {
        if (name_eq(s, s->dbs[i].name, name, n)) {
            return &s->dbs[i];
        }
    }
    return NULL;
}

struct schema_db *
schema_put_db(struct schema *s, const char *name, size_t n, uint16_t collation)
{
    struct schema_db *d = schema_find_db(s, name, n), *nd;
    char *dup;

    if (d != NULL) {
        d->collation = collation;
        return d;
    }
    if (s->ndbs == s->capdbs) {
        size_t ncap = s->capdbs ? s->capdbs * 2 : 4;

        nd = realloc(s->dbs, ncap * sizeof(*nd));
        if (nd == NULL) {
            return NULL;
        }
        s->dbs = nd;
        s->capdbs = ncap;
    }
    dup = schema_xstrndup(name, n);
    if (dup == NULL) {
        return NULL;
    }
    d = &s->dbs[s->ndbs++];
    d->name = dup;
    d->collation = collation;
    return d;
}

/* Drops the database entry and every table in it. */
void
schema_drop_db(struct schema *s, const char *name)
{
    struct schema_db *d = schema_find_db(s, name, strlen(name));
    struct schema_table **pp, *t;
    size_t i;

    for (i = 0; i < s->nbuckets; i++) {
        for (pp = &s->buckets[i]; *pp != NULL;) {
            t = *pp;
            if (name_eq(s, t->db, name, strlen(name))) {
                *pp = t->hnext;
                schema_table_free(t);
                s->ntables--;
            } else {
                pp = &t->hnext;
            }
        }
    }
    for (pp = &s->temps; *pp != NULL;) {
        t = *pp;
        if (name_eq(s, t->db, name, strlen(name))) {
            *pp = t->hnext;
            schema_table_free(t);
            s->ntemps--;
        } else {
            pp = &t->hnext;
        }
    }
    if (d != NULL) {
        free(d->name);
        *d = s->dbs[--s->ndbs];
    }
}

/* ---- lifetime ---- */

struct schema *
schema_new(enum schema_flavor flavor, int lower_case_table_names)
{
    struct schema *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    s->flavor = (unsigned)flavor < SCHEMA_FLAVOR_COUNT ? flavor
                                                       : SCHEMA_FLAVOR_MYSQL;
    s->lctn = lower_case_table_names;
    s->server_collation = s->flavor == SCHEMA_FLAVOR_MYSQL ? 255 : 8;
    return s;
}

void
schema_free(struct schema *s)
{
    struct schema_table *t, *nx;
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->nbuckets; i++) {
        for (t = s->buckets[i]; t != NULL; t = nx) {
            nx = t->hnext;
            schema_table_free(t);
        }
    }
    for (t = s->temps; t != NULL; t = nx) {
        nx = t->hnext;
        schema_table_free(t);
    }
    for (i = 0; i < s->ndbs; i++) {
        free(s->dbs[i].name);
    }
    for (i = 0; i < s->ncolls; i++) {
        free(s->colls[i].name);
    }
    for (i = 0; i < s->ncsdefs; i++) {
        free(s->csdefs[i].name);
    }
    free(s->buckets);
    free(s->dbs);
    free(s->colls);
    free(s->csdefs);
    scope_clear(s);
    ddl_stmt_free(&s->stmt);
    free(s);
}
