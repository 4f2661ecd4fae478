/*
 * pipeline.c - selection, mapping, filters and DML/DDL choice (see
 * pipeline.h).
 *
 * What a table needs per row (is it selected, its rules, destination
 * identifiers, the bound filter) is worked out once per table map version
 * (mysrc_row.table_generation) and kept in a small direct-mapped cache,
 * whose entries are allocated as tables show up: a task that reads no
 * rows keeps none.
 */
#include "src/pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/filter.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/ddl_rewrite.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"

/* Entries of the per-table cache. */
#define PL_SLOTS 64

/* What the pipeline knows of one source table (one table map version). */
struct pl_table {
    uint64_t gen;                 /* mysrc_row.table_generation; 0 empty */
    bool selected;                /* replicated at all */
    const struct task_table *rules; /* per-table rules, or NULL */
    const struct sink_table *dest; /* destination table */
    struct pbuf idents;           /* quoted destination column names */
    uint32_t *ident_off;          /* ncols + 1 offsets; excluded: empty */
    size_t ncols;                 /* source columns */
    struct filter *filter;        /* bound row filter, or NULL */
    bool has_pk;                  /* key columns usable */
    bool keyed;                   /* equal keys have equal literals */
};

struct pipeline {
    const struct task_spec *spec; /* the task's spec (borrowed) */
    struct mysink *sink;          /* destination table registry */
    const char *ctx;              /* log prefix */
    struct pl_table **slots;      /* per-table cache: PL_SLOTS entries,
                                     each NULL until used (owned) */
    struct sqlenc_ctx enc;        /* literal encoding scratch */
    struct pbuf scratch;          /* literal of one value */
};

struct pipeline *
pipeline_new(const struct task_spec *spec, struct mysink *sink,
             const char *log_ctx, char *err, size_t errlen)
{
    struct pipeline *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->spec = spec;
    p->sink = sink;
    p->ctx = log_ctx;
    return p;
}

static void
slot_clear(struct pl_table *t)
{
    filter_free(t->filter);
    pbuf_free(&t->idents);
    free(t->ident_off);
    memset(t, 0, sizeof(*t));
}

void
pipeline_free(struct pipeline *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    for (i = 0; p->slots != NULL && i < PL_SLOTS; i++) {
        if (p->slots[i] != NULL) {
            slot_clear(p->slots[i]);
            free(p->slots[i]);
        }
    }
    free(p->slots);
    sqlenc_ctx_free(&p->enc);
    pbuf_free(&p->scratch);
    free(p);
}

/* The cache entry of r's table, built on first use; NULL with err. */
/* Whether two values of column c are the same key exactly when their
 * literals are equal: not for text under a collation ('a' = 'A', trailing
 * spaces) nor for floats (-0 = 0).  The writer orders and merges changes
 * by the literal only for tables whose key columns all pass. */
static bool
exact_key_column(const struct mysql_column *c)
{
    switch (c->type) {
    case MYT_FLOAT:
    case MYT_DOUBLE:
    case MYT_INVALID:
        return false;
    case MYT_VARCHAR:
    case MYT_VAR_STRING:
    case MYT_STRING:
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case MYT_BLOB:
        return c->charset == 63 || c->enum_values != NULL;
    default:
        return true;
    }
}

static struct pl_table *
table_of(struct pipeline *p, const struct mysrc_row *r, char *err,
         size_t errlen)
{
    struct pl_table **slot, *t;
    const struct task_object *obj = NULL;
    const char *dtable;
    size_t i;

    if (p->slots == NULL &&
        (p->slots = calloc(PL_SLOTS, sizeof(*p->slots))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    slot = &p->slots[r->table_generation % PL_SLOTS];
    if (*slot == NULL && (*slot = calloc(1, sizeof(**slot))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t = *slot;
    if (t->gen == r->table_generation && t->ncols == r->ncols) {
        return t;
    }
    slot_clear(t);
    t->ncols = r->ncols;
    t->rules = task_spec_find_table(p->spec, r->db, r->table, &obj);
    t->selected = obj != NULL;
    if (!t->selected) {
        t->gen = r->table_generation;
        return t;
    }
    dtable = t->rules != NULL ? t->rules->as : r->table;
    t->ident_off = calloc(r->ncols + 1, sizeof(*t->ident_off));
    if (t->ident_off == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (i = 0; i < r->ncols; i++) {
        char name[256];
        const char *to;

        t->ident_off[i] = (uint32_t)t->idents.len;
        snprintf(name, sizeof(name), "%.*s", (int)r->cols[i].name.len,
                 (const char *)r->cols[i].name.p);
        /* generated columns are the destination's to compute: like
         * excluded ones, they are not written */
        to = r->cols[i].generated ? NULL :
             task_spec_map_column(t->rules, name);
        if (to != NULL) {
            sqlenc_ident(&t->idents, to, strlen(to));
        }
    }
    t->ident_off[r->ncols] = (uint32_t)t->idents.len;
    t->has_pk = r->npk > 0;
    for (i = 0; i < r->npk; i++) {
        uint32_t c = r->pk[i];

        if (c >= r->ncols || t->ident_off[c] == t->ident_off[c + 1]) {
            t->has_pk = false;      /* a key column is excluded */
        }
    }
    t->keyed = t->has_pk;
    for (i = 0; i < r->npk && t->keyed; i++) {
        t->keyed = exact_key_column(&r->cols[r->pk[i]]);
    }
    if (!t->has_pk) {
        clog(LOG_WARN, p->ctx, "table %s.%s has no primary key: its rows "
             "are matched on all columns at the destination, which is "
             "slow and ambiguous with duplicate rows — add a primary key",
             r->db, r->table);
    }
    t->dest = mysink_table(p->sink, obj->as, dtable, t->has_pk, t->keyed);
    if (t->dest == NULL || t->idents.failed) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (t->rules != NULL && t->rules->filter != NULL) {
        t->filter = filter_parse(t->rules->filter, strlen(t->rules->filter),
                                 err, errlen);
        if (t->filter == NULL ||
            filter_bind(t->filter, r->cols, r->ncols, err, errlen) != 0) {
            char why[300];

            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen, "filter of %s.%s: %s", r->db, r->table,
                     why);
            return NULL;
        }
    }
    t->gen = r->table_generation;
    return t;
}

static bool
col_out(const struct pl_table *t, size_t i)
{
    return t->ident_off[i] != t->ident_off[i + 1];
}

static void
put_ident_of(struct pbuf *b, const struct pl_table *t, size_t i)
{
    pbuf_put(b, t->idents.data + t->ident_off[i],
             t->ident_off[i + 1] - t->ident_off[i]);
}

/* Whether column i is a key column. */
static bool
is_key(const struct mysrc_row *r, size_t i)
{
    uint32_t k;

    for (k = 0; k < r->npk; k++) {
        if (r->pk[k] == i) {
            return true;
        }
    }
    return false;
}

/* Appends the literal of vals[i]; -1 with err. */
static int
put_value(struct pipeline *p, struct pbuf *b, const struct mysrc_row *r,
          const struct mysql_value *vals, size_t i, char *err,
          size_t errlen)
{
    if (sqlenc_value(b, &r->cols[i], &vals[i], &p->enc) != 0) {
        snprintf(err, errlen, "%s.%s: cannot write column %.*s: %s", r->db,
                 r->table, (int)r->cols[i].name.len,
                 (const char *)r->cols[i].name.p, p->enc.err);
        return -1;
    }
    return 0;
}

/* The value column i takes in the written row: the after image, or for a
 * key column the MINIMAL after image leaves out, the before image. */
static const struct mysql_value *
row_value(const struct mysrc_row *r, const struct mysql_value *after,
          size_t i)
{
    if (after[i].kind != MYV_ABSENT) {
        return &after[i];
    }
    if (r->before != NULL && is_key(r, i) &&
        r->before[i].kind != MYV_ABSENT) {
        return &r->before[i];
    }
    return NULL;
}

/* cols, vals and upd texts of the row written from image after. */
static int
put_after(struct pipeline *p, struct sink_txn *txn, struct sink_row *row,
          const struct mysrc_row *r, const struct pl_table *t,
          const struct mysql_value *after, char *err, size_t errlen)
{
    struct pbuf *b = &txn->text;
    size_t mark, i;
    bool first;

    for (int part = 0; part < 3; part++) {
        mark = b->len;
        first = true;
        if (part < 2) {
            pbuf_putc(b, '(');
        }
        if (part == 0) {
            row->full = true;
        }
        for (i = 0; i < r->ncols; i++) {
            const struct mysql_value *v = row_value(r, after, i);

            if (v == NULL || !col_out(t, i)) {
                if (v == NULL && col_out(t, i)) {
                    row->full = false;  /* MINIMAL: left to the table */
                }
                continue;
            }
            if (!first) {
                pbuf_putc(b, ',');
            }
            first = false;
            if (part == 0) {
                put_ident_of(b, t, i);
            } else if (part == 1) {
                int rc;

                if (r->partial != NULL && v == &after[i] &&
                    binlog_rows_is_partial(r->partial, (uint32_t)i)) {
                    /* MySQL PARTIAL_JSON: a diff against the before image */
                    rc = sqlenc_json_diff(b, &r->before[i], v, &p->enc);
                } else {
                    rc = sqlenc_value(b, &r->cols[i], v, &p->enc);
                }
                if (rc != 0) {
                    snprintf(err, errlen, "%s.%s: cannot write column "
                             "%.*s: %s", r->db, r->table,
                             (int)r->cols[i].name.len,
                             (const char *)r->cols[i].name.p,
                             p->enc.err);
                    return -1;
                }
            } else {
                put_ident_of(b, t, i);
                pbuf_puts(b, "=VALUES(");
                put_ident_of(b, t, i);
                pbuf_putc(b, ')');
            }
        }
        if (part < 2) {
            pbuf_putc(b, ')');
        }
        if (part == 0) {
            sink_txn_span(txn, mark, &row->cols_off, &row->cols_len);
        } else if (part == 1) {
            sink_txn_span(txn, mark, &row->vals_off, &row->vals_len);
        } else {
            sink_txn_span(txn, mark, &row->upd_off, &row->upd_len);
        }
    }
    return 0;
}

/* Key texts of the before image: key columns and values, or for a table
 * without key a predicate on every column. */
static int
put_key(struct pipeline *p, struct sink_txn *txn, struct sink_row *row,
        const struct mysrc_row *r, const struct pl_table *t, char *err,
        size_t errlen)
{
    struct pbuf *b = &txn->text;
    size_t mark, i;
    uint32_t k;
    bool first = true;

    if (t->has_pk) {
        mark = b->len;
        pbuf_putc(b, '(');
        for (k = 0; k < r->npk; k++) {
            if (k > 0) {
                pbuf_putc(b, ',');
            }
            put_ident_of(b, t, r->pk[k]);
        }
        pbuf_putc(b, ')');
        sink_txn_span(txn, mark, &row->kcols_off, &row->kcols_len);
        mark = b->len;
        pbuf_putc(b, '(');
        for (k = 0; k < r->npk; k++) {
            if (r->before[r->pk[k]].kind == MYV_ABSENT) {
                snprintf(err, errlen, "%s.%s: the before image lacks key "
                         "column %u — set binlog_row_image=FULL or MINIMAL "
                         "(both keep the key)", r->db, r->table, r->pk[k]);
                return -1;
            }
            if (k > 0) {
                pbuf_putc(b, ',');
            }
            if (put_value(p, b, r, r->before, r->pk[k], err, errlen) != 0) {
                return -1;
            }
        }
        pbuf_putc(b, ')');
        sink_txn_span(txn, mark, &row->key_off, &row->key_len);
        return 0;
    }
    mark = b->len;
    for (i = 0; i < r->ncols; i++) {
        if (!col_out(t, i) || r->before[i].kind == MYV_ABSENT) {
            continue;
        }
        if (!first) {
            pbuf_puts(b, " AND ");
        }
        first = false;
        put_ident_of(b, t, i);
        pbuf_puts(b, "<=>");
        if (put_value(p, b, r, r->before, i, err, errlen) != 0) {
            return -1;
        }
    }
    if (first) {
        snprintf(err, errlen, "%s.%s: no column to find the row by — the "
                 "table has no primary key and the before image is empty",
                 r->db, r->table);
        return -1;
    }
    sink_txn_span(txn, mark, &row->key_off, &row->key_len);
    return 0;
}

/* The key of the row written (insert, update): its literal, the after
 * image's values, or the before image's where MINIMAL leaves them out. */
static int
put_new_key(struct pipeline *p, struct sink_txn *txn, struct sink_row *row,
            const struct mysrc_row *r, char *err, size_t errlen)
{
    struct pbuf *b = &txn->text;
    size_t mark = b->len;
    uint32_t k;

    pbuf_putc(b, '(');
    for (k = 0; k < r->npk; k++) {
        uint32_t c = r->pk[k];
        const struct mysql_value *img = r->after[c].kind != MYV_ABSENT ?
                                        r->after : r->before;

        if (img == NULL || img[c].kind == MYV_ABSENT) {
            snprintf(err, errlen, "%s.%s: the row image lacks key column "
                     "%u — set binlog_row_image=FULL or MINIMAL (both keep "
                     "the key)", r->db, r->table, c);
            return -1;
        }
        if (k > 0) {
            pbuf_putc(b, ',');
        }
        if (put_value(p, b, r, img, c, err, errlen) != 0) {
            return -1;
        }
    }
    pbuf_putc(b, ')');
    sink_txn_span(txn, mark, &row->nkey_off, &row->nkey_len);
    return 0;
}

/* SET list of a table without key. */
static int
put_set(struct pipeline *p, struct sink_txn *txn, struct sink_row *row,
        const struct mysrc_row *r, const struct pl_table *t, char *err,
        size_t errlen)
{
    struct pbuf *b = &txn->text;
    size_t mark = b->len, i;
    bool first = true;

    for (i = 0; i < r->ncols; i++) {
        if (!col_out(t, i) || r->after[i].kind == MYV_ABSENT) {
            continue;
        }
        if (!first) {
            pbuf_putc(b, ',');
        }
        first = false;
        put_ident_of(b, t, i);
        pbuf_putc(b, '=');
        if (put_value(p, b, r, r->after, i, err, errlen) != 0) {
            return -1;
        }
    }
    sink_txn_span(txn, mark, &row->set_off, &row->set_len);
    return 0;
}

/* The filter's verdict on one image; -1 with err when it cannot judge. */
static int
passes(const struct pl_table *t, const struct mysrc_row *r,
       const struct mysql_value *vals, char *err, size_t errlen)
{
    int v;

    if (t->filter == NULL) {
        return 1;
    }
    v = filter_eval(t->filter, r->cols, vals, r->ncols);
    if (v < 0) {
        snprintf(err, errlen, "filter of %s.%s needs a column the row "
                 "image leaves out — set binlog_row_image=FULL on the "
                 "source", r->db, r->table);
        return -1;
    }
    return v == FILTER_TRUE;
}

/* Whether the key columns' values differ between the images: their
 * literals are compared, which is exact for every kind. */
static bool
key_moved(struct pipeline *p, const struct mysrc_row *r)
{
    uint32_t k;

    for (k = 0; k < r->npk; k++) {
        uint32_t c = r->pk[k];
        size_t half;

        if (r->after[c].kind == MYV_ABSENT) {
            continue;       /* MINIMAL: not changed */
        }
        pbuf_reset(&p->scratch);
        if (sqlenc_value(&p->scratch, &r->cols[c], &r->before[c],
                         &p->enc) != 0) {
            return true;    /* cannot tell: the safe path */
        }
        half = p->scratch.len;
        if (sqlenc_value(&p->scratch, &r->cols[c], &r->after[c],
                         &p->enc) != 0 || p->scratch.failed) {
            return true;
        }
        if (p->scratch.len != 2 * half ||
            memcmp(p->scratch.data, p->scratch.data + half, half) != 0) {
            return true;
        }
    }
    return false;
}

int
pipeline_row(struct pipeline *p, const struct mysrc_row *r,
             struct sink_txn *txn, char *err, size_t errlen)
{
    struct pl_table *t = table_of(p, r, err, errlen);
    struct sink_row *row;
    int op = r->op, in_before = 0, in_after = 0;

    if (t == NULL) {
        return -1;
    }
    if (!t->selected) {
        return 0;
    }
    if (r->before != NULL && (in_before = passes(t, r, r->before, err,
                                                 errlen)) < 0) {
        return -1;
    }
    if (r->after != NULL && (in_after = passes(t, r, r->after, err,
                                               errlen)) < 0) {
        return -1;
    }
    if (op == 'u') {
        /* A row moving into or out of the filter. */
        if (in_before && !in_after) {
            op = 'd';
        } else if (!in_before && in_after) {
            op = 'i';
        } else if (!in_before && !in_after) {
            return 0;
        }
    } else if ((op == 'i' && !in_after) || (op == 'd' && !in_before)) {
        return 0;
    }
    if ((op == 'i' && !p->spec->dml_insert) ||
        (op == 'u' && !p->spec->dml_update) ||
        (op == 'd' && !p->spec->dml_delete)) {
        return 0;
    }
    row = sink_txn_add_row(txn);
    if (row == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    row->op = (uint8_t)op;
    row->t = t->dest;
    p->enc.lenient = false;
    if (op != 'd' && put_after(p, txn, row, r, t, r->after, err,
                               errlen) != 0) {
        return -1;
    }
    if (op != 'i') {
        if (put_key(p, txn, row, r, t, err, errlen) != 0) {
            return -1;
        }
        if (op == 'u' && (!t->has_pk || !row->full) &&
            put_set(p, txn, row, r, t, err, errlen) != 0) {
            return -1;
        }
        row->key_changed = op == 'u' && t->has_pk && key_moved(p, r);
    }
    if (op == 'u' && t->has_pk && !row->key_changed) {
        row->nkey_off = row->key_off;
        row->nkey_len = row->key_len;
    } else if (op != 'd' && t->has_pk &&
               put_new_key(p, txn, row, r, err, errlen) != 0) {
        return -1;
    }
    row->lenient = p->enc.lenient;
    if (txn->text.failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int
pipeline_ddl(struct pipeline *p, const struct mysrc_ddl *d,
             struct sink_txn *txn)
{
    const struct task_spec *s = p->spec;
    struct ddl_rw_map map;
    struct ddl_stmt st;
    struct pbuf out;
    enum ddl_kind kind;
    enum ddl_rw_result rw;
    const char *ddb = NULL;
    char why[256];
    int apply = 0;
    /* The statement is not NUL-terminated: show at most 120 bytes. */
    int shown = d->sql_len < 120 ? (int)d->sql_len : 120;

    if (!s->ddl_sync) {
        return 0;
    }
    task_spec_ddl_map(s, &map);
    memset(&st, 0, sizeof(st));
    if (ddl_parse(&st, d->sql, d->sql_len, NULL) != 0) {
        clog(LOG_WARN, p->ctx, "DDL at %s:%llu not applied: cannot read it "
             "(%s): %.*s", d->pos.file, (unsigned long long)d->pos.pos,
             st.err, shown, d->sql);
        ddl_stmt_free(&st);
        return 0;
    }
    kind = st.kind;
    if (kind == DDL_NONE || st.temporary) {
        /* Views, routines, grants: not copied; temporary tables have no
         * rows to copy. */
        ddl_stmt_free(&st);
        return 0;
    }
    ddl_stmt_free(&st);
    if (kind == DDL_DROP_DATABASE && s->ddl_filter_drop_database) {
        clog(LOG_WARN, p->ctx, "DDL at %s:%llu not applied: DROP DATABASE "
             "is filtered (ddl.filter_drop_database): %.*s", d->pos.file,
             (unsigned long long)d->pos.pos, shown, d->sql);
        return 0;
    }
    /* Names mapped, objects not copied and excluded columns left out. */
    memset(&out, 0, sizeof(out));
    rw = ddl_rewrite(d->sql, d->sql_len, d->db, NULL, &map, &out, why,
                     sizeof(why));
    switch (rw) {
    case DDL_RW_REWRITTEN:
        apply = 1;
        break;
    case DDL_RW_EMPTY:
        clog(LOG_DEBUG, p->ctx, "DDL at %s:%llu not applied: it only "
             "touches excluded columns: %.*s", d->pos.file,
             (unsigned long long)d->pos.pos, shown, d->sql);
        break;
    case DDL_RW_REFUSED:
        if (out.failed) {
            apply = -1;
            break;
        }
        clog(LOG_WARN, p->ctx, "DDL at %s:%llu not applied: %s — apply it "
             "at the destination by hand if it is needed there: %.*s",
             d->pos.file, (unsigned long long)d->pos.pos, why, shown, d->sql);
        break;
    default:
        break;              /* not selected: silently skipped */
    }
    if (apply == 1) {
        /* Unqualified names stay so: the statement runs in the mapped
         * default database.  CREATE/DROP DATABASE need none, and the
         * source's may not exist at the destination yet (or any more). */
        if (kind != DDL_CREATE_DATABASE && kind != DDL_DROP_DATABASE &&
            d->db != NULL && d->db[0] != '\0' &&
            task_spec_find_db(s, d->db) != NULL) {
            /* (a default database not copied may be missing there: then
             * every name that matters is qualified) */
            ddb = task_spec_map_db(s, d->db);
        }
        txn->ddl = malloc(out.len + 1);
        txn->ddl_db = strdup(ddb != NULL ? ddb : "");
        if (txn->ddl == NULL || txn->ddl_db == NULL) {
            apply = -1;
        } else {
            memcpy(txn->ddl, out.data, out.len);
            txn->ddl[out.len] = '\0';
        }
    }
    pbuf_free(&out);
    return apply;
}
