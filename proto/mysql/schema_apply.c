/*
 * schema_apply.c - applies the DDL of QUERY events to the schema history.
 *
 * ddl_parse() reads the statement; each kind of statement then changes the
 * model in schema.c: CREATE TABLE builds the columns with their charsets,
 * keys, MySQL's hidden functional-index columns and MariaDB's implicit
 * system-versioning columns; CREATE TABLE ... LIKE copies; ALTER TABLE
 * works on a copy that replaces the original only when every specification
 * applied, so a statement that fails half-way leaves no half-altered table
 * behind: the original is marked unknown instead.  Temporary tables are
 * kept per session and never shadow a real table.  A statement that looks
 * schema changing but cannot be parsed marks the table it was about
 * unknown, so its rows fail instead of being decoded with a stale
 * definition.  Outside the schema's scope nothing is tracked: a table
 * brought in from there (RENAME, ALTER TABLE ... RENAME, CREATE TABLE ...
 * LIKE) is held unknown, with the place it came from as the reason.
 */
#include "proto/mysql/schema_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- applying DDL ---- */

/* "ALTER TABLE" for DDL_ALTER_TABLE, for messages. */
static void
kind_words(enum ddl_kind k, char *out, size_t outlen)
{
    size_t i;

    snprintf(out, outlen, "%s", ddl_kind_name(k));
    for (i = 0; out[i] != '\0'; i++) {
        if (out[i] == '_') {
            out[i] = ' ';
        }
    }
}

/* What applying one statement needs besides the tree. */
struct apply {
    struct schema *s;             /* the history */
    const struct schema_query_ctx *ctx; /* session of the statement */
    const struct ddl_stmt *st;    /* parsed statement */
    char *err;                    /* error message buffer */
    size_t errlen;                /* its size */
};

static const char *
ctx_db(const struct apply *ap, const struct ddl_table_name *tn)
{
    if (tn->db != NULL) {
        return tn->db;
    }
    return ap->ctx->db;
}

static uint16_t
server_collation(const struct apply *ap)
{
    return ap->ctx->collation_server != 0 ? ap->ctx->collation_server
                                          : ap->s->server_collation;
}

/* Default collation of database <db>: tracked, else the server's. */
static uint16_t
db_collation(const struct apply *ap, const char *db)
{
    const struct schema_db *d =
        db ? schema_find_db(ap->s, db, strlen(db)) : NULL;

    if (d != NULL && d->collation != 0) {
        return d->collation;
    }
    return server_collation(ap);
}

static int
oom(const struct apply *ap)
{
    return schema_seterr(ap->err, ap->errlen,
                         "out of memory while applying DDL");
}

/* Collation new character columns of <t> take. */
static uint16_t
table_collation(const struct apply *ap, const struct schema_table *t)
{
    return t->collation != 0 ? t->collation : db_collation(ap, t->db);
}

/* Whether the history holds tables of database <db> (its scope). */
static bool
held(const struct apply *ap, const char *db)
{
    return db != NULL && schema_scope_has(ap->s, db, strlen(db));
}

/*
 * Table db.name made from <from_db>.<from_name>, a table outside the
 * scope, by <how> ("renamed from"): held unknown, its rows fail with that
 * reason.  When the history already holds a table of that name it stays:
 * the server renames or creates onto no existing table, so that one was
 * loaded after this statement ran and is the table it made.
 */
static int
made_from_outside(const struct apply *ap, const char *how,
                  const char *from_db, const char *from_name, const char *db,
                  const char *name)
{
    struct schema_table *t;
    char why[300];

    if (schema_find_real(ap->s, db, name) != NULL) {
        return 0;
    }
    t = schema_table_new(db, strlen(db), name, strlen(name));
    snprintf(why, sizeof(why), "%s %s.%s", how, from_db, from_name);
    if (t == NULL || schema_table_set_unknown(t, why) < 0) {
        schema_table_free(t);
        return oom(ap);
    }
    t->outside = true;
    t->version = ++ap->s->version;
    if (schema_insert_real(ap->s, t) < 0) {
        schema_table_free(t);
        return oom(ap);
    }
    return 0;
}

/* Real or (first) this session's temporary table db.name. */
static struct schema_table *
find_target(const struct apply *ap, const char *db, const char *name,
            bool *is_temp)
{
    struct schema_table **pp =
        schema_find_temp_slot(ap->s, ap->ctx->thread_id, db, name);

    *is_temp = pp != NULL;
    if (pp != NULL) {
        return *pp;
    }
    return schema_find_real(ap->s, db, name);
}

/* Appends the hidden column(s) of a functional index. */
static int
add_hidden_cols(struct schema_table *t, const struct ddl_index *ix,
                unsigned *unnamed)
{
    struct schema_column c;
    char idx[96], name[160];
    uint32_t k;

    if (ix->name != NULL) {
        snprintf(idx, sizeof(idx), "%s", ix->name);
    } else if ((*unnamed)++ == 0) {
        snprintf(idx, sizeof(idx), "functional_index");
    } else {
        snprintf(idx, sizeof(idx), "functional_index_%u", *unnamed);
    }
    for (k = 0; k < ix->n_functional; k++) {
        memset(&c, 0, sizeof(c));
        snprintf(name, sizeof(name), "!hidden!%s!%u!0", idx, k);
        c.name = schema_xstrdup(name);
        c.hidden_index = schema_xstrdup(idx);
        c.type = MYT_INVALID;
        c.real_type = MYT_INVALID;
        c.nullable = true;
        c.hidden = true;
        c.generated = true;
        if (c.name == NULL || c.hidden_index == NULL ||
            schema_table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

static int
remove_hidden_cols(struct schema_table *t, const char *index)
{
    uint32_t i;
    int n = 0;

    for (i = t->ncols; i-- > 0;) {
        if (t->cols[i].hidden && t->cols[i].hidden_index != NULL &&
            schema_col_name_eq(t->cols[i].hidden_index, index)) {
            schema_table_remove_col(t, i);
            n++;
        }
    }
    return n;
}

static int
set_primary_key(struct schema_table *t, const struct ddl_name_list *cols)
{
    uint16_t pos = 1;
    int i;

    schema_table_drop_pk(t);
    for (; cols != NULL; cols = cols->next) {
        i = schema_table_find_col(t, cols->name);
        if (i >= 0 && t->cols[i].pk_pos == 0) {
            t->cols[i].pk_pos = pos++;
            t->cols[i].nullable = false;
        }
    }
    return 0;
}

static bool
has_primary_key(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].pk_pos != 0) {
            return true;
        }
    }
    return false;
}

/*
 * Without a PRIMARY KEY, servers use the first UNIQUE index whose columns
 * are all NOT NULL as one (information_schema shows it as PRI).
 */
static bool
promote_unique(struct schema_table *t, const struct ddl_name_list *cols)
{
    const struct ddl_name_list *nl;
    int i;

    if (cols == NULL || has_primary_key(t)) {
        return false;
    }
    for (nl = cols; nl != NULL; nl = nl->next) {
        i = schema_table_find_col(t, nl->name);
        if (i < 0 || t->cols[i].nullable) {
            return false;
        }
    }
    set_primary_key(t, cols);
    return true;
}

bool
schema_has_period(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].period != 0) {
            return true;
        }
    }
    return false;
}

/*
 * MariaDB WITH SYSTEM VERSIONING without explicit period columns appends
 * invisible row_start and row_end TIMESTAMP(6) columns; they stay last.
 */
int
schema_add_implicit_versioning(struct schema_table *t)
{
    static const char *const names[2] = {"row_start", "row_end"};
    struct schema_column c;
    int k;

    if (schema_has_period(t)) {
        return 0;
    }
    for (k = 0; k < 2; k++) {
        memset(&c, 0, sizeof(c));
        c.name = schema_xstrdup(names[k]);
        c.type = MYT_TIMESTAMP2;
        c.real_type = MYT_TIMESTAMP2;
        c.scale = 6;
        c.invisible = true;
        c.system_implicit = true;
        c.period = (uint8_t)(k == 0 ? DDL_GEN_ROW_START : DDL_GEN_ROW_END);
        if (c.name == NULL || schema_table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

/*
 * DROP SYSTEM VERSIONING removes the implicit row_start/row_end; explicit
 * period columns must be dropped by the same statement (MariaDB refuses it
 * otherwise), with their own DROP COLUMN.
 */
static void
drop_versioning(struct schema_table *t)
{
    uint32_t i;

    for (i = t->ncols; i-- > 0;) {
        if (t->cols[i].system_implicit) {
            schema_table_remove_col(t, i);
        }
    }
}

/* Index where an ADD COLUMN without FIRST/AFTER goes. */
static uint32_t
append_pos(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].system_implicit) {
            return i;
        }
    }
    return t->ncols;
}

/* Builds the columns of CREATE TABLE (...) into <t>. */
static int
build_columns(const struct apply *ap, struct schema_table *t)
{
    const struct ddl_stmt *st = ap->st;
    const struct ddl_column *dc;
    const struct ddl_index *ix;
    struct schema_column c;
    uint16_t pos = 1;
    unsigned unnamed = 0;
    bool versioned = st->with_versioning;

    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (schema_table_find_col(t, dc->name) >= 0) {
            return schema_seterr(ap->err, ap->errlen,
                                 "CREATE TABLE %s.%s: duplicate column %s",
                                 t->db, t->name, dc->name);
        }
        if (schema_col_from_ddl(ap->s, dc, t->collation,
                                ap->ctx->utf8mb4_collation, &c) < 0 ||
            schema_table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return oom(ap);
        }
        if (dc->versioning > 0) {
            versioned = true;
        }
    }
    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (dc->primary_key) {
            int i = schema_table_find_col(t, dc->name);

            if (i >= 0) {
                t->cols[i].pk_pos = pos++;
            }
        }
    }
    for (ix = st->indexes; ix != NULL; ix = ix->next) {
        if (ix->primary) {
            set_primary_key(t, ix->cols);
        }
    }
    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (dc->unique && !has_primary_key(t)) {
            struct ddl_name_list one;

            one.next = NULL;
            one.name = dc->name;
            promote_unique(t, &one);
        }
    }
    for (ix = st->indexes; ix != NULL; ix = ix->next) {
        if (ix->unique) {
            promote_unique(t, ix->cols);
        }
        if (ix->n_functional > 0 && ap->s->flavor != SCHEMA_FLAVOR_MARIADB &&
            add_hidden_cols(t, ix, &unnamed) < 0) {
            return oom(ap);
        }
    }
    if (versioned && ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
        schema_add_implicit_versioning(t) < 0) {
        return oom(ap);
    }
    return 0;
}

/* MariaDB sequence tables: the eight columns every sequence has. */
static int
build_sequence(struct schema_table *t)
{
    static const struct {
        const char *name;         /* column */
        uint8_t type;             /* binlog type */
        bool is_unsigned;         /* UNSIGNED */
    } cols[8] = {
        {"next_not_cached_value", MYT_LONGLONG, false},
        {"minimum_value", MYT_LONGLONG, false},
        {"maximum_value", MYT_LONGLONG, false},
        {"start_value", MYT_LONGLONG, false},
        {"increment", MYT_LONGLONG, false},
        {"cache_size", MYT_LONGLONG, true},
        {"cycle_option", MYT_TINY, true},
        {"cycle_count", MYT_LONGLONG, false},
    };
    struct schema_column c;
    int i;

    for (i = 0; i < 8; i++) {
        memset(&c, 0, sizeof(c));
        c.name = schema_xstrdup(cols[i].name);
        c.type = cols[i].type;
        c.real_type = cols[i].type;
        c.is_unsigned = cols[i].is_unsigned;
        if (c.name == NULL || schema_table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

/* Marks <t> unknown: a DDL statement on it could not be applied. */
static void
poison(struct schema *s, struct schema_table *t, const char *err)
{
    char why[400];

    snprintf(why, sizeof(why), "a DDL statement on it could not be applied "
                               "(%s)",
             err);
    if (schema_table_set_unknown(t, why) == 0) {
        t->version = ++s->version;
    }
}

static int
apply_create_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t, *src = NULL;
    char why[256];
    bool src_temp;
    uint16_t coll;

    if (db == NULL) {
        return schema_seterr(ap->err, ap->errlen,
                             "CREATE TABLE %s: no database selected",
                             st->table.name);
    }
    if (!held(ap, db)) {
        return 0;
    }
    if (st->if_not_exists && !st->or_replace) {
        bool exists;

        if (st->temporary) {
            exists = schema_find_temp_slot(s, ap->ctx->thread_id, db,
                                           st->table.name) != NULL;
        } else {
            exists = schema_find_real(s, db, st->table.name) != NULL;
        }
        if (exists) {
            return 0; /* IF NOT EXISTS on an existing table: no change */
        }
    }
    if (st->has_like) {
        const char *ldb = ctx_db(ap, &st->like);

        src = find_target(ap, ldb, st->like.name, &src_temp);
        if (src == NULL && ldb != NULL && !held(ap, ldb) && !st->temporary &&
            !st->or_replace) {
            return made_from_outside(ap, "created LIKE", ldb, st->like.name,
                                     db, st->table.name);
        }
        if (src != NULL) {
            t = schema_table_clone(src);
            if (t == NULL) {
                return oom(ap);
            }
            free(t->db);
            free(t->name);
            t->db = schema_xstrdup(db);
            t->name = schema_xstrdup(st->table.name);
            if (t->db == NULL || t->name == NULL) {
                schema_table_free(t);
                return oom(ap);
            }
        } else {
            t = schema_table_new(db, strlen(db), st->table.name,
                                 strlen(st->table.name));
            snprintf(why, sizeof(why),
                     "created LIKE %s.%s, which the schema history does "
                     "not hold",
                     ldb ? ldb : "?", st->like.name);
            if (t == NULL || schema_table_set_unknown(t, why) < 0) {
                schema_table_free(t);
                return oom(ap);
            }
        }
    } else {
        t = schema_table_new(db, strlen(db), st->table.name,
                             strlen(st->table.name));
        if (t == NULL) {
            return oom(ap);
        }
        coll = schema_resolve_collation(s, st->charset, st->collate,
                                        ap->ctx->utf8mb4_collation);
        t->collation = coll != 0 ? coll : db_collation(ap, db);
        if (st->from_select) {
            if (schema_table_set_unknown(t, "created by CREATE TABLE ... "
                                            "SELECT, whose columns the "
                                            "statement does not list") < 0) {
                schema_table_free(t);
                return oom(ap);
            }
        } else if (build_columns(ap, t) < 0) {
            /* Keep the table, unknown, so its rows fail clearly. */
            schema_table_clear_cols(t);
            poison(s, t, ap->err);
            if (st->temporary) {
                schema_insert_temp(s, t, ap->ctx->thread_id);
            } else if (schema_insert_real(s, t) < 0) {
                schema_table_free(t);
            }
            return -1;
        }
    }
    t->version = ++s->version;
    if (st->temporary) {
        schema_insert_temp(s, t, ap->ctx->thread_id);
        return 0;
    }
    if (schema_insert_real(s, t) < 0) {
        schema_table_free(t);
        return oom(ap);
    }
    return 0;
}

static int
apply_create_sequence(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;

    if (db == NULL) {
        return schema_seterr(ap->err, ap->errlen,
                             "CREATE SEQUENCE %s: no database selected",
                             st->table.name);
    }
    if (!held(ap, db)) {
        return 0;
    }
    if (st->if_not_exists && !st->temporary &&
        schema_find_real(ap->s, db, st->table.name) != NULL) {
        return 0;
    }
    t = schema_table_new(db, strlen(db), st->table.name,
                         strlen(st->table.name));
    if (t == NULL || build_sequence(t) < 0) {
        schema_table_free(t);
        return oom(ap);
    }
    t->collation = db_collation(ap, db);
    t->version = ++ap->s->version;
    if (st->temporary) {
        schema_insert_temp(ap->s, t, ap->ctx->thread_id);
        return 0;
    }
    if (schema_insert_real(ap->s, t) < 0) {
        schema_table_free(t);
        return oom(ap);
    }
    return 0;
}

/* Moves column <from> of <t> to where <a> says (FIRST / AFTER x). */
static int
place_column(const struct apply *ap, struct schema_table *t, uint32_t from,
             const struct ddl_alter *a)
{
    struct schema_column tmp;
    int after;
    uint32_t to;

    if (a->pos == DDL_POS_DEFAULT) {
        return 0;
    }
    tmp = t->cols[from];
    memmove(&t->cols[from], &t->cols[from + 1],
            (t->ncols - from - 1) * sizeof(t->cols[0]));
    t->ncols--;
    if (a->pos == DDL_POS_FIRST) {
        to = 0;
    } else {
        after = schema_table_find_col(t, a->after);
        if (after < 0) {
            /* Put it back so the table stays whole, then fail. */
            memmove(&t->cols[from + 1], &t->cols[from],
                    (t->ncols - from) * sizeof(t->cols[0]));
            t->cols[from] = tmp;
            t->ncols++;
            return schema_seterr(ap->err, ap->errlen,
                                 "ALTER TABLE %s.%s: AFTER %s: no such "
                                 "column",
                                 t->db, t->name, a->after);
        }
        to = (uint32_t)after + 1;
    }
    memmove(&t->cols[to + 1], &t->cols[to],
            (t->ncols - to) * sizeof(t->cols[0]));
    t->cols[to] = tmp;
    t->ncols++;
    return 0;
}

static int
alter_add_column(const struct apply *ap, struct schema_table *t,
                 const struct ddl_alter *a)
{
    struct schema_column c;
    uint32_t at;

    if (schema_table_find_col(t, a->column->name) >= 0) {
        if (a->if_exists) {
            return 0;
        }
        return schema_seterr(ap->err, ap->errlen,
                             "ALTER TABLE %s.%s: ADD COLUMN %s: the column "
                             "exists",
                             t->db, t->name, a->column->name);
    }
    if (schema_col_from_ddl(ap->s, a->column, table_collation(ap, t),
                            ap->ctx->utf8mb4_collation, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    if (a->column->primary_key) {
        schema_table_drop_pk(t);
        c.pk_pos = 1;
    }
    at = append_pos(t);
    if (schema_table_insert_col(t, at, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    if (a->column->versioning > 0 && ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
        schema_add_implicit_versioning(t) < 0) {
        return oom(ap);
    }
    return place_column(ap, t, at, a);
}

/* MODIFY and CHANGE: replace column <i> by the new definition. */
static int
alter_replace_column(const struct apply *ap, struct schema_table *t, int i,
                     const struct ddl_alter *a)
{
    struct schema_column c;
    int other = schema_table_find_col(t, a->column->name);

    if (other >= 0 && other != i) {
        return schema_seterr(ap->err, ap->errlen,
                             "ALTER TABLE %s.%s: CHANGE %s %s: the column "
                             "exists",
                             t->db, t->name, t->cols[i].name,
                             a->column->name);
    }
    if (schema_col_from_ddl(ap->s, a->column, table_collation(ap, t),
                            ap->ctx->utf8mb4_collation, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    c.pk_pos = t->cols[i].pk_pos;
    if (c.pk_pos != 0) {
        c.nullable = false;
    }
    c.system_implicit = t->cols[i].system_implicit;
    if (a->column->primary_key) {
        schema_table_drop_pk(t);
        c.pk_pos = 1;
    }
    schema_column_clear(&t->cols[i]);
    t->cols[i] = c;
    return place_column(ap, t, (uint32_t)i, a);
}

static bool
is_string_type(const struct schema_column *c)
{
    switch (c->type) {
    case MYT_STRING:
    case MYT_VARCHAR:
    case MYT_VAR_STRING:
    case MYT_BLOB:
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case SCHEMA_MYT_BLOB_COMPRESSED:
    case SCHEMA_MYT_VARCHAR_COMPRESSED:
        return true;
    default:
        return false;
    }
}

static int
alter_convert(const struct apply *ap, struct schema_table *t,
              const struct ddl_alter *a, bool columns)
{
    uint16_t coll;
    uint32_t i;

    if (a->charset_default) {
        coll = db_collation(ap, t->db);
        if (a->collate != NULL) {
            coll = schema_resolve_collation(ap->s, NULL, a->collate,
                                            ap->ctx->utf8mb4_collation);
        }
    } else {
        coll = schema_resolve_collation(ap->s, a->charset, a->collate,
                                        ap->ctx->utf8mb4_collation);
    }
    if (coll == 0) {
        /* An unknown charset: new columns' charsets become unknown. */
        t->collation = 0;
    } else {
        t->collation = coll;
    }
    if (!columns) {
        return 0;
    }
    for (i = 0; i < t->ncols; i++) {
        struct schema_column *c = &t->cols[i];

        if (is_string_type(c) && c->charset != MYSQL_CHARSET_BINARY &&
            c->charset != 0) {
            c->charset = t->collation;
        } else if (c->type == MYT_STRING && c->real_type != MYT_STRING &&
                   c->charset != 0) {
            c->charset = t->collation;
        }
    }
    return 0;
}

static int
alter_one(const struct apply *ap, struct schema_table *t,
          const struct ddl_alter *a, struct schema_table **spawn,
          const char **drop_db_name, const char **drop_name)
{
    unsigned unnamed = 0;
    int i;

    switch (a->kind) {
    case DDL_ALTER_ADD_COLUMN:
        return alter_add_column(ap, t, a);
    case DDL_ALTER_DROP_COLUMN:
        i = schema_table_find_col(t, a->name);
        if (i < 0) {
            return a->if_exists
                       ? 0
                       : schema_seterr(ap->err, ap->errlen,
                                       "ALTER TABLE %s.%s: DROP COLUMN %s: "
                                       "no such column",
                                       t->db, t->name, a->name);
        }
        schema_table_remove_col(t, (uint32_t)i);
        schema_table_compact_pk(t);
        return 0;
    case DDL_ALTER_MODIFY_COLUMN:
    case DDL_ALTER_CHANGE_COLUMN:
        i = schema_table_find_col(t, a->name);
        if (i < 0) {
            return a->if_exists
                       ? 0
                       : schema_seterr(ap->err, ap->errlen,
                                       "ALTER TABLE %s.%s: %s %s: no such "
                                       "column",
                                       t->db, t->name,
                                       a->kind == DDL_ALTER_MODIFY_COLUMN
                                           ? "MODIFY"
                                           : "CHANGE",
                                       a->name);
        }
        return alter_replace_column(ap, t, i, a);
    case DDL_ALTER_RENAME_COLUMN: {
        char *nn;

        i = schema_table_find_col(t, a->name);
        if (i < 0) {
            return schema_seterr(ap->err, ap->errlen,
                                 "ALTER TABLE %s.%s: RENAME COLUMN %s: no "
                                 "such column",
                                 t->db, t->name, a->name);
        }
        if (schema_table_find_col(t, a->new_name) >= 0 &&
            !schema_col_name_eq(a->name, a->new_name)) {
            return schema_seterr(ap->err, ap->errlen,
                                 "ALTER TABLE %s.%s: RENAME COLUMN %s TO %s: "
                                 "the column exists",
                                 t->db, t->name, a->name, a->new_name);
        }
        nn = schema_xstrdup(a->new_name);
        if (nn == NULL) {
            return oom(ap);
        }
        free(t->cols[i].name);
        t->cols[i].name = nn;
        return 0;
    }
    case DDL_ALTER_COLUMN_VISIBILITY:
        i = schema_table_find_col(t, a->name);
        if (i >= 0) {
            t->cols[i].invisible = a->flag;
        }
        return 0;
    case DDL_ALTER_RENAME_TABLE: {
        const char *db = a->table.db ? a->table.db : ap->ctx->db;
        char *ndb, *nname;

        if (db == NULL) {
            db = t->db;
        }
        ndb = schema_xstrdup(db);
        nname = schema_xstrdup(a->table.name);
        if (ndb == NULL || nname == NULL) {
            free(ndb);
            free(nname);
            return oom(ap);
        }
        free(t->db);
        free(t->name);
        t->db = ndb;
        t->name = nname;
        return 0;
    }
    case DDL_ALTER_CONVERT_CHARSET:
        return alter_convert(ap, t, a, true);
    case DDL_ALTER_DEFAULT_CHARSET:
        return alter_convert(ap, t, a, false);
    case DDL_ALTER_ADD_INDEX:
        if (a->index->primary) {
            set_primary_key(t, a->index->cols);
        } else if (a->index->unique) {
            promote_unique(t, a->index->cols);
        }
        if (a->index->n_functional > 0 &&
            ap->s->flavor != SCHEMA_FLAVOR_MARIADB &&
            add_hidden_cols(t, a->index, &unnamed) < 0) {
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_DROP_INDEX:
        if (ddl_ieq(a->name, "PRIMARY")) {
            schema_table_drop_pk(t);
        }
        remove_hidden_cols(t, a->name);
        return 0;
    case DDL_ALTER_DROP_PRIMARY_KEY:
        schema_table_drop_pk(t);
        return 0;
    case DDL_ALTER_RENAME_INDEX: {
        uint32_t k;

        for (k = 0; k < t->ncols; k++) {
            if (t->cols[k].hidden && t->cols[k].hidden_index != NULL &&
                schema_col_name_eq(t->cols[k].hidden_index, a->name)) {
                char *nn = schema_xstrdup(a->new_name);

                if (nn == NULL) {
                    return oom(ap);
                }
                free(t->cols[k].hidden_index);
                t->cols[k].hidden_index = nn;
            }
        }
        return 0;
    }
    case DDL_ALTER_ADD_VERSIONING:
        if (ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
            schema_add_implicit_versioning(t) < 0) {
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_DROP_VERSIONING:
        drop_versioning(t);
        return 0;
    case DDL_ALTER_PARTITION_TO_TABLE:
        *spawn = schema_table_clone(t);
        if (*spawn == NULL) {
            return oom(ap);
        }
        free((*spawn)->db);
        free((*spawn)->name);
        (*spawn)->db = schema_xstrdup(a->table.db ? a->table.db : t->db);
        (*spawn)->name = schema_xstrdup(a->table.name);
        if ((*spawn)->db == NULL || (*spawn)->name == NULL) {
            schema_table_free(*spawn);
            *spawn = NULL;
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_TABLE_TO_PARTITION:
        *drop_db_name = a->table.db ? a->table.db : ap->ctx->db;
        *drop_name = a->table.name;
        return 0;
    default:
        return 0;
    }
}

static int
apply_alter_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    const struct ddl_alter *a;
    struct schema_table *t, *nt, *spawn = NULL;
    const char *drop_db_name = NULL, *drop_name = NULL;
    bool is_temp;

    if (db == NULL) {
        return schema_seterr(ap->err, ap->errlen,
                             "ALTER TABLE %s: no database selected",
                             st->table.name);
    }
    t = find_target(ap, db, st->table.name, &is_temp);
    if (t == NULL && !held(ap, db)) {
        /* ALTER TABLE ... RENAME from outside the scope into it */
        for (a = st->alters; a != NULL; a = a->next) {
            const char *to = a->table.db ? a->table.db :
                             ap->ctx->db ? ap->ctx->db : db;

            if (a->kind == DDL_ALTER_RENAME_TABLE && held(ap, to)) {
                return made_from_outside(ap, "renamed from", db,
                                         st->table.name, to, a->table.name);
            }
        }
        return 0;
    }
    if (t == NULL) {
        return 0; /* a table the history does not hold */
    }
    nt = schema_table_clone(t);
    if (nt == NULL) {
        return oom(ap);
    }
    for (a = st->alters; a != NULL; a = a->next) {
        bool column_op = a->kind == DDL_ALTER_ADD_COLUMN ||
                         a->kind == DDL_ALTER_DROP_COLUMN ||
                         a->kind == DDL_ALTER_MODIFY_COLUMN ||
                         a->kind == DDL_ALTER_CHANGE_COLUMN ||
                         a->kind == DDL_ALTER_RENAME_COLUMN;

        if (nt->unknown && column_op) {
            continue; /* columns unknown anyway: only track renames */
        }
        if (alter_one(ap, nt, a, &spawn, &drop_db_name, &drop_name) < 0) {
            schema_table_free(nt);
            schema_table_free(spawn);
            poison(s, t, ap->err);
            return -1;
        }
    }
    nt->version = ++s->version;
    if (spawn != NULL && !held(ap, spawn->db)) {
        schema_table_free(spawn);
        spawn = NULL;
    }
    if (!held(ap, nt->db)) {
        /* renamed out of the scope: forgotten */
        if (is_temp) {
            schema_table_free(
                schema_unlink_temp(s, ap->ctx->thread_id, t->db, t->name));
        } else {
            schema_table_free(schema_unlink_real(s, t->db, t->name));
        }
        schema_table_free(nt);
    } else if (is_temp) {
        schema_table_free(
            schema_unlink_temp(s, ap->ctx->thread_id, t->db, t->name));
        schema_insert_temp(s, nt, ap->ctx->thread_id);
    } else {
        schema_table_free(schema_unlink_real(s, t->db, t->name));
        if (schema_insert_real(s, nt) < 0) {
            schema_table_free(nt);
            schema_table_free(spawn);
            return oom(ap);
        }
    }
    if (spawn != NULL) {
        spawn->version = s->version;
        if (schema_insert_real(s, spawn) < 0) {
            schema_table_free(spawn);
            return oom(ap);
        }
    }
    if (drop_name != NULL && drop_db_name != NULL) {
        schema_table_free(schema_unlink_real(s, drop_db_name, drop_name));
    }
    return 0;
}

static int
apply_drop_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const struct ddl_name_list *nl;
    const char *db;

    for (nl = st->tables; nl != NULL; nl = nl->next) {
        db = ctx_db(ap, &nl->table);
        if (db == NULL) {
            continue;
        }
        /*
         * Servers log the drop of a temporary table as DROP TEMPORARY
         * TABLE (MySQL: DROP / *!40005 TEMPORARY * / TABLE), so a plain DROP
         * TABLE in the binlog is about the real table.
         */
        if (st->temporary) {
            schema_table_free(schema_unlink_temp(ap->s, ap->ctx->thread_id, db,
                                                 nl->table.name));
        } else {
            schema_table_free(schema_unlink_real(ap->s, db, nl->table.name));
        }
    }
    ap->s->version++;
    return 0;
}

static int
apply_rename_table(const struct apply *ap)
{
    const struct ddl_rename *r;
    struct schema *s = ap->s;
    struct schema_table *t;
    const char *from_db, *to_db;
    char *ndb, *nname;
    bool is_temp;

    for (r = ap->st->renames; r != NULL; r = r->next) {
        from_db = ctx_db(ap, &r->from);
        to_db = ctx_db(ap, &r->to);
        if (from_db == NULL || to_db == NULL) {
            return schema_seterr(ap->err, ap->errlen,
                                 "RENAME TABLE %s: no database selected",
                                 r->from.name);
        }
        t = find_target(ap, from_db, r->from.name, &is_temp);
        if (t == NULL && !held(ap, from_db)) {
            if (held(ap, to_db) &&
                made_from_outside(ap, "renamed from", from_db, r->from.name,
                                  to_db, r->to.name) < 0) {
                return -1;
            }
            continue;
        }
        if (t == NULL) {
            /* Unknown source: whatever had the target name is gone. */
            schema_table_free(schema_unlink_real(s, to_db, r->to.name));
            continue;
        }
        t = is_temp ? schema_unlink_temp(s, ap->ctx->thread_id, t->db, t->name)
                    : schema_unlink_real(s, t->db, t->name);
        if (!held(ap, to_db)) {
            schema_table_free(t); /* renamed out of the scope: forgotten */
            s->version++;
            continue;
        }
        ndb = schema_xstrdup(to_db);
        nname = schema_xstrdup(r->to.name);
        if (ndb == NULL || nname == NULL) {
            free(ndb);
            free(nname);
            schema_table_free(t);
            return oom(ap);
        }
        free(t->db);
        free(t->name);
        t->db = ndb;
        t->name = nname;
        t->version = ++s->version;
        if (is_temp) {
            schema_insert_temp(s, t, ap->ctx->thread_id);
        } else if (schema_insert_real(s, t) < 0) {
            schema_table_free(t);
            return oom(ap);
        }
    }
    return 0;
}

static int
apply_database(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = st->db_name != NULL ? st->db_name : ap->ctx->db;
    uint16_t coll;

    if (db == NULL) {
        char what[32];

        kind_words(st->kind, what, sizeof(what));
        return schema_seterr(ap->err, ap->errlen, "%s: no database selected",
                             what);
    }
    if (st->kind != DDL_DROP_DATABASE && !held(ap, db)) {
        return 0;
    }
    switch (st->kind) {
    case DDL_CREATE_DATABASE:
        if (schema_find_db(s, db, strlen(db)) != NULL && st->if_not_exists &&
            !st->or_replace) {
            return 0;
        }
        if (st->or_replace) {
            schema_drop_db(s, db);
        }
        coll = schema_resolve_collation(s, st->charset, st->collate,
                                        ap->ctx->utf8mb4_collation);
        if (coll == 0) {
            coll = server_collation(ap);
        }
        if (schema_put_db(s, db, strlen(db), coll) == NULL) {
            return oom(ap);
        }
        break;
    case DDL_ALTER_DATABASE:
        coll = schema_resolve_collation(s, st->charset, st->collate,
                                        ap->ctx->utf8mb4_collation);
        if (coll != 0 && schema_put_db(s, db, strlen(db), coll) == NULL) {
            return oom(ap);
        }
        break;
    case DDL_DROP_DATABASE:
        schema_drop_db(s, db);
        break;
    default:
        break;
    }
    s->version++;
    return 0;
}

/* CREATE/DROP INDEX: only functional key parts change the row image. */
static int
apply_index(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;
    unsigned unnamed = 0;
    bool is_temp;

    if (db == NULL) {
        return 1;
    }
    t = find_target(ap, db, st->table.name, &is_temp);
    if (t == NULL) {
        return 1;
    }
    if (st->kind == DDL_CREATE_INDEX) {
        if (st->index == NULL || st->index->n_functional == 0 ||
            ap->s->flavor == SCHEMA_FLAVOR_MARIADB) {
            return 1;
        }
        if (add_hidden_cols(t, st->index, &unnamed) < 0) {
            return oom(ap);
        }
    } else {
        if (ddl_ieq(st->index_name, "PRIMARY")) {
            schema_table_drop_pk(t);
        } else if (remove_hidden_cols(t, st->index_name) == 0) {
            return 1;
        }
    }
    t->version = ++ap->s->version;
    return 0;
}

/* A statement that could not be parsed: mark the table it was about. */
static void
poison_unparsed(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;
    bool is_temp;

    if (db == NULL || st->table.name == NULL) {
        return;
    }
    switch (st->kind) {
    case DDL_CREATE_TABLE:
        if (st->temporary || !held(ap, db)) {
            return;
        }
        t = schema_table_new(db, strlen(db), st->table.name,
                             strlen(st->table.name));
        if (t == NULL) {
            return;
        }
        poison(s, t, ap->err);
        if (schema_insert_real(s, t) < 0) {
            schema_table_free(t);
        }
        return;
    case DDL_ALTER_TABLE:
        t = find_target(ap, db, st->table.name, &is_temp);
        break;
    case DDL_CREATE_INDEX:
    case DDL_DROP_INDEX:
        if (s->flavor == SCHEMA_FLAVOR_MARIADB) {
            return;
        }
        t = find_target(ap, db, st->table.name, &is_temp);
        break;
    default:
        return;
    }
    if (t != NULL) {
        poison(s, t, ap->err);
    }
}

int
schema_apply_query(struct schema *s, const struct schema_query_ctx *ctx,
                   const char *sql, size_t len, enum ddl_kind *kind,
                   char *err, size_t errlen)
{
    static const struct schema_query_ctx zero_ctx;
    char local_err[512];
    struct ddl_opts opts;
    struct apply ap;
    int rc;

    if (ctx == NULL) {
        ctx = &zero_ctx;
    }
    if (err == NULL || errlen == 0) {
        /* Reasons still go into the tables this statement marks. */
        err = local_err;
        errlen = sizeof(local_err);
    }
    err[0] = '\0';
    opts.sql_mode = ctx->sql_mode;
    opts.mariadb = s->flavor == SCHEMA_FLAVOR_MARIADB;
    ap.s = s;
    ap.ctx = ctx;
    ap.st = &s->stmt;
    ap.err = err;
    ap.errlen = errlen;
    rc = ddl_parse(&s->stmt, sql, len, &opts);
    if (kind != NULL) {
        *kind = s->stmt.kind;
    }
    if (rc < 0 && s->stmt.kind != DDL_NONE && s->stmt.table.name != NULL &&
        ctx_db(&ap, &s->stmt.table) != NULL &&
        !held(&ap, ctx_db(&ap, &s->stmt.table))) {
        /* about a table outside the scope: nothing to track or mark */
        ddl_stmt_free(&s->stmt);
        return 0;
    }
    if (rc < 0) {
        char what[32];

        kind_words(s->stmt.kind, what, sizeof(what));
        if (s->stmt.kind == DDL_NONE) {
            schema_seterr(err, errlen,
                          "cannot parse statement: %s (offset %zu)",
                          s->stmt.err, s->stmt.err_off);
        } else if (s->stmt.table.name != NULL) {
            schema_seterr(err, errlen,
                          "cannot parse %s statement on %s%s%s: %s "
                          "(offset %zu)",
                          what, s->stmt.table.db ? s->stmt.table.db : "",
                          s->stmt.table.db ? "." : "", s->stmt.table.name,
                          s->stmt.err, s->stmt.err_off);
            poison_unparsed(&ap);
        } else {
            schema_seterr(err, errlen,
                          "cannot parse %s statement: %s (offset %zu)", what,
                          s->stmt.err, s->stmt.err_off);
        }
        ddl_stmt_free(&s->stmt);
        return -1;
    }
    switch (s->stmt.kind) {
    case DDL_CREATE_TABLE:
        rc = apply_create_table(&ap);
        break;
    case DDL_ALTER_TABLE:
        rc = apply_alter_table(&ap);
        break;
    case DDL_DROP_TABLE:
    case DDL_DROP_SEQUENCE:
        rc = apply_drop_table(&ap);
        break;
    case DDL_RENAME_TABLE:
        rc = apply_rename_table(&ap);
        break;
    case DDL_CREATE_DATABASE:
    case DDL_ALTER_DATABASE:
    case DDL_DROP_DATABASE:
        rc = apply_database(&ap);
        break;
    case DDL_CREATE_INDEX:
    case DDL_DROP_INDEX:
        rc = apply_index(&ap);
        break;
    case DDL_CREATE_SEQUENCE:
        rc = apply_create_sequence(&ap);
        break;
    case DDL_TRUNCATE_TABLE:
    case DDL_NONE:
    default:
        rc = 1;
        break;
    }
    ddl_stmt_free(&s->stmt);
    return rc;
}

int
schema_apply_ddl(struct schema *s, const char *current_db, const char *sql,
                 size_t len, char *err, size_t errlen)
{
    struct schema_query_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.db = current_db;
    return schema_apply_query(s, &ctx, sql, len, NULL, err, errlen);
}
