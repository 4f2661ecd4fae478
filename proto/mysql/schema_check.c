/*
 * schema_check.c - checks a binlog TABLE_MAP against the schema history and
 * fills the decoder's columns from it.
 *
 * Types compare after folding what servers legitimately vary for the same
 * column: CHAR/ENUM/SET under MYT_STRING (the real type in the metadata),
 * VARCHAR and VAR_STRING, the old and new temporal types, DECIMAL and
 * NEWDECIMAL, the BLOB family with JSON, GEOMETRY and VECTOR, MariaDB's
 * COMPRESSED columns; ENUM/SET member counts must fit the storage size the
 * metadata gives.  MySQL's hidden functional-index columns may be present
 * or absent.  A mismatch is an error that names the column, both types and
 * how to get past it, never a guess.
 */
#include "proto/mysql/schema_int.h"

#include <stdio.h>
#include <string.h>

static const char *
type_name(unsigned t)
{
    switch (t) {
    case MYT_DECIMAL: return "DECIMAL";
    case MYT_TINY: return "TINY";
    case MYT_SHORT: return "SHORT";
    case MYT_LONG: return "LONG";
    case MYT_FLOAT: return "FLOAT";
    case MYT_DOUBLE: return "DOUBLE";
    case MYT_NULL: return "NULL";
    case MYT_TIMESTAMP: return "TIMESTAMP";
    case MYT_LONGLONG: return "LONGLONG";
    case MYT_INT24: return "INT24";
    case MYT_DATE: return "DATE";
    case MYT_TIME: return "TIME";
    case MYT_DATETIME: return "DATETIME";
    case MYT_YEAR: return "YEAR";
    case MYT_NEWDATE: return "NEWDATE";
    case MYT_VARCHAR: return "VARCHAR";
    case MYT_BIT: return "BIT";
    case MYT_TIMESTAMP2: return "TIMESTAMP2";
    case MYT_DATETIME2: return "DATETIME2";
    case MYT_TIME2: return "TIME2";
    case MYT_TYPED_ARRAY: return "TYPED_ARRAY";
    case SCHEMA_MYT_BLOB_COMPRESSED: return "BLOB_COMPRESSED";
    case SCHEMA_MYT_VARCHAR_COMPRESSED: return "VARCHAR_COMPRESSED";
    case MYT_VECTOR: return "VECTOR";
    case MYT_INVALID: return "UNKNOWN";
    case MYT_BOOL: return "BOOL";
    case MYT_JSON: return "JSON";
    case MYT_NEWDECIMAL: return "NEWDECIMAL";
    case MYT_ENUM: return "ENUM";
    case MYT_SET: return "SET";
    case MYT_TINY_BLOB: return "TINY_BLOB";
    case MYT_MEDIUM_BLOB: return "MEDIUM_BLOB";
    case MYT_LONG_BLOB: return "LONG_BLOB";
    case MYT_BLOB: return "BLOB";
    case MYT_VAR_STRING: return "VAR_STRING";
    case MYT_STRING: return "STRING";
    case MYT_GEOMETRY: return "GEOMETRY";
    default: return "?";
    }
}

#define CLS_STRING_ANY 1000       /* MYT_STRING without metadata */

/* The comparison class of a binlog type. */
static int
type_class(unsigned t, unsigned real)
{
    switch (t) {
    case MYT_STRING:
        if (real == MYT_ENUM || real == MYT_SET) {
            return (int)real;
        }
        return MYT_STRING;
    case MYT_VAR_STRING:
    case SCHEMA_MYT_VARCHAR_COMPRESSED:
        return MYT_VARCHAR;
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case SCHEMA_MYT_BLOB_COMPRESSED:
    case MYT_JSON:
    case MYT_GEOMETRY:
        return MYT_BLOB;
    case MYT_DECIMAL:
        return MYT_NEWDECIMAL;
    case MYT_NEWDATE:
        return MYT_DATE;
    case MYT_TIME:
        return MYT_TIME2;
    case MYT_DATETIME:
        return MYT_DATETIME2;
    case MYT_TIMESTAMP:
        return MYT_TIMESTAMP2;
    default:
        return (int)t;
    }
}

/* Real type of a TABLE_MAP MYT_STRING column from its metadata. */
static unsigned
binlog_real_type(unsigned t, const uint16_t *metas, uint32_t i)
{
    unsigned b0;

    if (t != MYT_STRING) {
        return t;
    }
    if (metas == NULL) {
        return 0;
    }
    b0 = metas[i] >> 8;
    if (b0 == 0) {
        return 0; /* no real type given: any of CHAR, ENUM, SET */
    }
    /* CHAR longer than 255 bytes folds length bits into this byte. */
    if ((b0 & 0x30) != 0x30) {
        b0 |= 0x30;
    }
    return b0;
}

static bool
compatible(const struct schema_column *c, unsigned bt, unsigned breal)
{
    int hc, bc;

    if (c->type == MYT_INVALID) {
        return true;
    }
    hc = type_class(c->type, c->real_type);
    bc = (bt == MYT_STRING && breal == 0) ? CLS_STRING_ANY
                                          : type_class(bt, breal);
    if (hc == bc) {
        return true;
    }
    if (bc == CLS_STRING_ANY &&
        (hc == MYT_STRING || hc == MYT_ENUM || hc == MYT_SET)) {
        return true;
    }
    if (c->type == MYT_VECTOR && (bc == MYT_BLOB || bc == MYT_VARCHAR)) {
        return true;
    }
    if (bt == MYT_VECTOR && (hc == MYT_BLOB || hc == MYT_VARCHAR)) {
        return true;
    }
    return false;
}

/* ENUM/SET storage bytes that the member count implies. */
static unsigned
enum_pack_len(const struct schema_column *c)
{
    unsigned n = c->n_enum_values;

    if (c->real_type == MYT_ENUM) {
        return n < 256 ? 1 : 2;
    }
    n = (n + 7) / 8;
    return n > 4 ? 8 : n;
}

static const char ADVICE[] =
    " \xe2\x80\x94 the table changed by a DDL the history did not see; "
    "enable binlog_row_metadata=FULL on the source or start after that DDL";

/* Compares; returns the index of the first mismatch or -1. */
static int
match_cols(const struct schema_table *t, bool skip_hidden, uint32_t ncols,
           const uint8_t *types, const uint16_t *metas, uint32_t *hist_idx)
{
    uint32_t i, j = 0;

    for (i = 0; i < t->ncols && j < ncols; i++) {
        const struct schema_column *c = &t->cols[i];
        unsigned breal;

        if (skip_hidden && c->hidden) {
            continue;
        }
        breal = binlog_real_type(types[j], metas, j);
        if (!compatible(c, types[j], breal)) {
            *hist_idx = i;
            return (int)j;
        }
        if (metas != NULL && c->type == MYT_STRING &&
            (c->real_type == MYT_ENUM || c->real_type == MYT_SET) &&
            c->n_enum_values > 0 && (metas[j] & 0xff) != 0 &&
            (metas[j] & 0xff) != enum_pack_len(c)) {
            *hist_idx = i;
            return (int)j;
        }
        j++;
    }
    return -1;
}

static void
list_types(char *out, size_t outlen, uint32_t ncols, const uint8_t *types)
{
    size_t used = 0;
    uint32_t i;
    int w;

    out[0] = '\0';
    for (i = 0; i < ncols; i++) {
        w = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
                     type_name(types[i]));
        if (w < 0 || (size_t)w >= outlen - used || used + (size_t)w > 160) {
            snprintf(out + used, outlen - used, ", ...");
            return;
        }
        used += (size_t)w;
    }
}

int
schema_check_table_map(const struct schema *s, struct span db,
                       struct span table, uint32_t ncols,
                       const uint8_t *types, const uint16_t *metas,
                       const struct schema_table **out, char *err,
                       size_t errlen)
{
    const struct schema_table *t = schema_find_table(s, db, table);
    uint32_t nvis, hi = 0;
    int bad = -1;
    bool tried = false;
    char list[200];

    if (out != NULL) {
        *out = NULL;
    }
    if (t == NULL) {
        schema_seterr(err, errlen,
                      "table %.*s.%.*s is not in the schema history",
                      (int)db.len, (const char *)db.p, (int)table.len,
                      (const char *)table.p);
        return SCHEMA_ENOTABLE;
    }
    if (t->unknown && t->outside) {
        schema_seterr(err, errlen,
                      "table %s.%s was %s, outside the databases whose "
                      "definitions are loaded, so its columns are unknown "
                      "— restart to load the table's definition from the "
                      "source, or enable binlog_row_metadata=FULL on it",
                      t->db, t->name,
                      t->unknown_reason ? t->unknown_reason : "moved in");
        return SCHEMA_EUNKNOWN;
    }
    if (t->unknown) {
        schema_seterr(err, errlen,
                      "table %s.%s: the schema history does not know its "
                      "columns: %s; enable binlog_row_metadata=FULL on the "
                      "source or start after a DDL that defines the table",
                      t->db, t->name,
                      t->unknown_reason ? t->unknown_reason : "unknown");
        return SCHEMA_EUNKNOWN;
    }
    nvis = t->ncols - t->n_hidden;
    if (ncols == t->ncols) {
        tried = true;
        bad = match_cols(t, false, ncols, types, metas, &hi);
        if (bad < 0) {
            goto ok;
        }
    }
    if (t->n_hidden > 0 && ncols == nvis) {
        int bad2 = match_cols(t, true, ncols, types, metas, &hi);

        if (bad2 < 0) {
            goto ok;
        }
        if (!tried) {
            bad = bad2;
        }
        tried = true;
    }
    if (!tried) {
        list_types(list, sizeof(list), ncols, types);
        if (t->hidden_unknown > 0 && ncols == t->ncols + t->hidden_unknown) {
            schema_seterr(err, errlen,
                          "table %s.%s: binlog TABLE_MAP has %u columns (%s) "
                          "and the schema history %u plus %u hidden "
                          "functional-index columns whose positions "
                          "information_schema does not give; enable "
                          "binlog_row_metadata=FULL on the source",
                          t->db, t->name, ncols, list, t->ncols,
                          t->hidden_unknown);
        } else {
            schema_seterr(err, errlen,
                          "table %s.%s: binlog TABLE_MAP has %u columns (%s) "
                          "but the schema history has %u%s",
                          t->db, t->name, ncols, list, nvis, ADVICE);
        }
        return SCHEMA_EMISMATCH;
    }
    {
        const struct schema_column *c = &t->cols[hi];
        unsigned breal = binlog_real_type(types[bad], metas, (uint32_t)bad);
        const char *ht = type_name(c->type == MYT_STRING ? c->real_type
                                                         : c->type);
        const char *bt = type_name(types[bad] == MYT_STRING && breal != 0
                                       ? (breal == MYT_ENUM || breal == MYT_SET
                                              ? breal
                                              : MYT_STRING)
                                       : types[bad]);

        if (strcmp(ht, bt) == 0) {
            schema_seterr(err, errlen,
                          "table %s.%s: column %d (%s) is an %s of %u "
                          "members in the schema history but takes %u bytes "
                          "in the binlog TABLE_MAP%s",
                          t->db, t->name, bad + 1, c->name, ht,
                          c->n_enum_values,
                          metas ? (unsigned)(metas[bad] & 0xff) : 0u, ADVICE);
        } else {
            schema_seterr(err, errlen,
                          "table %s.%s: column %d (%s) is %s in the binlog "
                          "TABLE_MAP but %s in the schema history%s",
                          t->db, t->name, bad + 1, c->name, bt, ht, ADVICE);
        }
    }
    return SCHEMA_EMISMATCH;
ok:
    if (out != NULL) {
        *out = t;
    }
    return SCHEMA_OK;
}

int
schema_fill_columns(const struct schema_table *t, struct mysql_column *cols,
                    uint32_t ncols, char *err, size_t errlen)
{
    bool skip_hidden;
    uint32_t i, j = 0;

    if (t->unknown) {
        return schema_seterr(err, errlen, "table %s.%s: columns unknown",
                             t->db, t->name);
    }
    if (ncols == t->ncols) {
        skip_hidden = false;
    } else if (t->n_hidden > 0 && ncols == t->ncols - t->n_hidden) {
        skip_hidden = true;
    } else {
        return schema_seterr(err, errlen,
                             "table %s.%s: %u TABLE_MAP columns for %u in the "
                             "schema history",
                             t->db, t->name, ncols, t->ncols);
    }
    for (i = 0; i < t->ncols && j < ncols; i++) {
        const struct schema_column *c = &t->cols[i];
        struct mysql_column *m;

        if (skip_hidden && c->hidden) {
            continue;
        }
        m = &cols[j++];
        m->name.p = (const uint8_t *)c->name;
        m->name.len = strlen(c->name);
        m->is_unsigned = c->is_unsigned;
        m->charset = c->charset;
        m->is_json_text = c->is_json_text;
        m->generated = c->generated;
        m->enum_values = c->n_enum_values > 0 ? c->enum_values : NULL;
        m->n_enum_values = c->n_enum_values;
    }
    return 0;
}
