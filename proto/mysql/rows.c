/*
 * rows.c - TABLE_MAP bodies, column building and row image values (rows.h).
 *
 * Table map layout (MySQL rows_event.cpp Table_map_event, MariaDB
 * log_event.cc): table id (6 bytes, 4 before 5.1.4), flags, packed-length
 * db and table names each followed by a NUL, packed column count, one type
 * byte per column, packed metadata length and metadata, null bitmap, then
 * optional metadata TLVs (type byte, packed length, value).
 *
 * Row images (MySQL sql/rpl_record.cc pack_row): a bitmap with one NULL
 * bit per column present in the image (LSB first), then each non-NULL
 * value as Field::pack() writes it.  Temporal and decimal encodings follow
 * mysys/my_time.cc (my_*_packed_from_binary), strings/decimal.cc
 * (bin2decimal) and MariaDB sql/field.cc for the 5.3 "hires" temporals.
 */
#include "proto/mysql/rows.h"

#include <string.h>

/* ---- table map ---- */

/* Bytes of table-map metadata per column type, -1 if unknown. */
static int
meta_size(uint8_t type)
{
    switch (type) {
    case MYT_TINY_BLOB:
    case MYT_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case MYT_DOUBLE:
    case MYT_FLOAT:
    case MYT_GEOMETRY:
    case MYT_JSON:
    case MYT_VECTOR:
    case MYT_TIME2:
    case MYT_DATETIME2:
    case MYT_TIMESTAMP2:
    case BINLOG_MARIA_TYPE_BLOB_COMPRESSED:
        return 1;
    case MYT_SET:
    case MYT_ENUM:
    case MYT_STRING:
    case MYT_BIT:
    case MYT_VARCHAR:
    case MYT_VAR_STRING:
    case MYT_NEWDECIMAL:
    case BINLOG_MARIA_TYPE_VARCHAR_COMPRESSED:
        return 2;
    case MYT_DECIMAL:
    case MYT_TINY:
    case MYT_SHORT:
    case MYT_LONG:
    case MYT_NULL:
    case MYT_TIMESTAMP:
    case MYT_LONGLONG:
    case MYT_INT24:
    case MYT_DATE:
    case MYT_TIME:
    case MYT_DATETIME:
    case MYT_YEAR:
    case MYT_NEWDATE:
        return 0;
    default:
        return -1;
    }
}

/* Reads one column's metadata as MySQL's table_def does. */
static uint16_t
meta_value(uint8_t type, const uint8_t *m)
{
    switch (type) {
    case MYT_SET:
    case MYT_ENUM:
    case MYT_STRING:
    case MYT_NEWDECIMAL:
        return (uint16_t)(m[0] << 8 | m[1]);
    case MYT_BIT:
    case MYT_VARCHAR:
    case MYT_VAR_STRING:
    case BINLOG_MARIA_TYPE_VARCHAR_COMPRESSED:
        return (uint16_t)(m[0] | m[1] << 8);
    default:
        return meta_size(type) == 1 ? m[0] : 0;
    }
}

void
binlog_string_meta(uint8_t type, uint16_t meta, uint8_t *real_type,
                   uint32_t *length)
{
    uint8_t b0 = (uint8_t)(meta >> 8), b1 = (uint8_t)meta;

    if (meta >= 256) {
        if ((b0 & 0x30) != 0x30) {
            /* CHAR over 255 bytes: length bits 8-9 hide in byte0 */
            *real_type = (uint8_t)(b0 | 0x30);
            *length = b1 | (uint32_t)((b0 & 0x30) ^ 0x30) << 4;
        } else {
            *real_type = b0;
            *length = b1;
        }
    } else {
        *real_type = type;
        *length = meta;
    }
}

bool
binlog_column_is_enum_or_set(uint8_t type, uint16_t meta)
{
    uint8_t rt;
    uint32_t len;

    if (type == MYT_ENUM || type == MYT_SET) {
        return true;
    }
    if (type != MYT_STRING) {
        return false;
    }
    binlog_string_meta(type, meta, &rt, &len);
    return rt == MYT_ENUM || rt == MYT_SET;
}

static bool
column_is_enum(uint8_t type, uint16_t meta)
{
    uint8_t rt;
    uint32_t len;

    if (type == MYT_ENUM) {
        return true;
    }
    if (type != MYT_STRING) {
        return false;
    }
    binlog_string_meta(type, meta, &rt, &len);
    return rt == MYT_ENUM;
}

bool
binlog_column_is_character(uint8_t type, uint16_t meta, bool is_mariadb)
{
    switch (type) {
    case MYT_STRING:
        return !binlog_column_is_enum_or_set(type, meta);
    case MYT_VECTOR:
        return !is_mariadb;
    case MYT_GEOMETRY:
        return is_mariadb;
    case MYT_VAR_STRING:
    case MYT_VARCHAR:
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case MYT_BLOB:
    case BINLOG_MARIA_TYPE_BLOB_COMPRESSED:
    case BINLOG_MARIA_TYPE_VARCHAR_COMPRESSED:
        return true;
    default:
        return false;
    }
}

/* Columns that own a SIGNEDNESS bit (MySQL is_numeric_type; MariaDB also
 * gives YEAR one). */
static bool
column_is_numeric(uint8_t type, bool is_mariadb)
{
    switch (type) {
    case MYT_TINY:
    case MYT_SHORT:
    case MYT_INT24:
    case MYT_LONG:
    case MYT_LONGLONG:
    case MYT_FLOAT:
    case MYT_DOUBLE:
    case MYT_NEWDECIMAL:
        return true;
    case MYT_YEAR:
        return is_mariadb;
    default:
        return false;
    }
}

int
binlog_table_map_decode(struct binlog_table_map *tm, const uint8_t *body,
                        size_t len, unsigned post_header_len,
                        bool is_mariadb, const char **reason)
{
    struct rbuf r;
    uint64_t n, mlen;
    size_t total = 0, i;
    bool known = true;

    memset(tm, 0, sizeof(*tm));
    tm->is_mariadb = is_mariadb;
    rbuf_init(&r, body, len);
    tm->table_id = rbuf_uint(&r, post_header_len == 6 ? 4 : 6);
    tm->flags = rbuf_u16(&r);
    if (post_header_len > 8 && !rbuf_skip(&r, post_header_len - 8)) {
        *reason = "table map shorter than its post-header";
        return -PROTO_ETRUNCATED;
    }
    if (!binlog_read_packed(&r, &n) || n > rbuf_left(&r)) {
        *reason = "database name past the end of the table map";
        return -PROTO_ETRUNCATED;
    }
    tm->db.len = (size_t)n;
    tm->db.p = rbuf_take(&r, tm->db.len);
    if (rbuf_u8(&r) != 0 || r.short_read) {
        *reason = "database name not NUL-terminated";
        return -PROTO_EMALFORMED;
    }
    if (!binlog_read_packed(&r, &n) || n > rbuf_left(&r)) {
        *reason = "table name past the end of the table map";
        return -PROTO_ETRUNCATED;
    }
    tm->table.len = (size_t)n;
    tm->table.p = rbuf_take(&r, tm->table.len);
    if (rbuf_u8(&r) != 0 || r.short_read) {
        *reason = "table name not NUL-terminated";
        return -PROTO_EMALFORMED;
    }
    if (!binlog_read_packed(&r, &n)) {
        *reason = "column count truncated";
        return -PROTO_ETRUNCATED;
    }
    if (n > BINLOG_MAX_COLUMNS) {
        *reason = "more than 4096 columns";
        return -PROTO_EMALFORMED;
    }
    tm->column_count = (uint32_t)n;
    tm->types = rbuf_take(&r, tm->column_count);
    if (tm->types == NULL && tm->column_count != 0) {
        *reason = "column types past the end of the table map";
        return -PROTO_ETRUNCATED;
    }
    if (rbuf_left(&r) > 0) {
        if (!binlog_read_packed(&r, &mlen) || mlen > rbuf_left(&r)) {
            *reason = "column metadata past the end of the table map";
            return -PROTO_ETRUNCATED;
        }
        tm->meta.len = (size_t)mlen;
        tm->meta.p = rbuf_take(&r, tm->meta.len);
        tm->null_bits = rbuf_take(&r, (tm->column_count + 7) / 8);
        if (r.short_read) {
            *reason = "null bitmap past the end of the table map";
            return -PROTO_ETRUNCATED;
        }
    }
    for (i = 0; i < tm->column_count; i++) {
        int m = meta_size(tm->types[i]);

        if (m < 0) {
            known = false;
            break;
        }
        total += (size_t)m;
    }
    if (known && total != tm->meta.len) {
        *reason = "column metadata length does not match the column types";
        return -PROTO_EMALFORMED;
    }

    /* optional metadata: (type, packed length, value)... */
    tm->opt = rbuf_rest(&r);
    rbuf_init(&r, tm->opt.p, tm->opt.len);
    while (rbuf_left(&r) > 0) {
        uint8_t type = rbuf_u8(&r);
        struct span v;

        if (!binlog_read_packed(&r, &n) || n > rbuf_left(&r)) {
            *reason = "optional metadata field past the end of the table map";
            return -PROTO_ETRUNCATED;
        }
        v.len = (size_t)n;
        v.p = rbuf_take(&r, v.len);
        switch (type) {
        case BINLOG_TM_SIGNEDNESS:
            tm->signedness = v;
            break;
        case BINLOG_TM_DEFAULT_CHARSET:
            tm->default_charset = v;
            break;
        case BINLOG_TM_COLUMN_CHARSET:
            tm->column_charset = v;
            break;
        case BINLOG_TM_COLUMN_NAME:
            tm->column_name = v;
            break;
        case BINLOG_TM_SET_STR_VALUE:
            tm->set_str_value = v;
            break;
        case BINLOG_TM_ENUM_STR_VALUE:
            tm->enum_str_value = v;
            break;
        case BINLOG_TM_GEOMETRY_TYPE:
            tm->geometry_type = v;
            break;
        case BINLOG_TM_SIMPLE_PRIMARY_KEY:
            tm->simple_pk = v;
            break;
        case BINLOG_TM_PRIMARY_KEY_WITH_PREFIX:
            tm->pk_with_prefix = v;
            break;
        case BINLOG_TM_ENUM_AND_SET_DEFAULT_CHARSET:
            tm->enum_set_default_charset = v;
            break;
        case BINLOG_TM_ENUM_AND_SET_COLUMN_CHARSET:
            tm->enum_set_column_charset = v;
            break;
        case BINLOG_TM_COLUMN_VISIBILITY:
            tm->column_visibility = v;
            break;
        case BINLOG_TM_VECTOR_DIMENSIONALITY:
            tm->vector_dimensionality = v;
            break;
        default:
            break; /* unknown: skipped */
        }
    }
    return 0;
}

/* Counts of ENUM and SET values in one STR_VALUE field; checks layout. */
static ssize_t
str_values_count(struct span f, uint32_t ncols)
{
    struct rbuf r;
    uint64_t count, n, j;
    size_t total = 0;
    uint32_t cols = 0;

    rbuf_init(&r, f.p, f.len);
    while (rbuf_left(&r) > 0) {
        if (!binlog_read_packed(&r, &count) || count > 65535) {
            return -PROTO_EMALFORMED;
        }
        for (j = 0; j < count; j++) {
            if (!binlog_read_packed(&r, &n) || !rbuf_skip(&r, (size_t)n)) {
                return -PROTO_EMALFORMED;
            }
        }
        total += (size_t)count;
        cols++;
    }
    if (cols != ncols) {
        return -PROTO_EMALFORMED;
    }
    return (ssize_t)total;
}

static void
count_kinds(const struct binlog_table_map *tm, const uint16_t *meta,
            uint32_t *n_enum, uint32_t *n_set)
{
    uint32_t i;

    *n_enum = 0;
    *n_set = 0;
    for (i = 0; i < tm->column_count; i++) {
        if (binlog_column_is_enum_or_set(tm->types[i], meta[i])) {
            if (column_is_enum(tm->types[i], meta[i])) {
                (*n_enum)++;
            } else {
                (*n_set)++;
            }
        }
    }
}

/* Splits the packed metadata into one value per column. */
static int
split_meta(const struct binlog_table_map *tm, uint16_t *meta,
           const char **reason)
{
    size_t off = 0;
    uint32_t i;

    for (i = 0; i < tm->column_count; i++) {
        int m = meta_size(tm->types[i]);

        if (m < 0) {
            *reason = "column type with unknown metadata size";
            return -PROTO_EUNSUPPORTED;
        }
        if (off + (size_t)m > tm->meta.len) {
            *reason = "column metadata truncated";
            return -PROTO_EMALFORMED;
        }
        meta[i] = m ? meta_value(tm->types[i], tm->meta.p + off) : 0;
        off += (size_t)m;
    }
    return 0;
}

ssize_t
binlog_table_map_enum_value_count(const struct binlog_table_map *tm)
{
    uint16_t meta[BINLOG_MAX_COLUMNS];
    const char *reason;
    uint32_t ne, ns;
    ssize_t a = 0, b = 0;

    if (tm->enum_str_value.len == 0 && tm->set_str_value.len == 0) {
        return 0;
    }
    if (split_meta(tm, meta, &reason) != 0) {
        return -PROTO_EMALFORMED;
    }
    count_kinds(tm, meta, &ne, &ns);
    if (tm->enum_str_value.len != 0 &&
        (a = str_values_count(tm->enum_str_value, ne)) < 0) {
        return a;
    }
    if (tm->set_str_value.len != 0 &&
        (b = str_values_count(tm->set_str_value, ns)) < 0) {
        return b;
    }
    return a + b;
}

/* Applies a DEFAULT_CHARSET-style field to the columns selected by sel. */
static int
apply_default_charset(struct span f, struct mysql_column *cols,
                      const uint32_t *sel, uint32_t nsel)
{
    struct rbuf r;
    uint64_t def, idx, cs;
    uint32_t i;

    rbuf_init(&r, f.p, f.len);
    if (!binlog_read_packed(&r, &def) || def > 65535) {
        return -PROTO_EMALFORMED;
    }
    for (i = 0; i < nsel; i++) {
        cols[sel[i]].charset = (uint16_t)def;
    }
    while (rbuf_left(&r) > 0) {
        if (!binlog_read_packed(&r, &idx) || !binlog_read_packed(&r, &cs) ||
            idx >= nsel || cs > 65535) {
            return -PROTO_EMALFORMED;
        }
        cols[sel[idx]].charset = (uint16_t)cs;
    }
    return 0;
}

/* Applies a COLUMN_CHARSET-style field (one collation per column). */
static int
apply_column_charset(struct span f, struct mysql_column *cols,
                     const uint32_t *sel, uint32_t nsel)
{
    struct rbuf r;
    uint64_t cs;
    uint32_t i = 0;

    rbuf_init(&r, f.p, f.len);
    while (rbuf_left(&r) > 0) {
        if (!binlog_read_packed(&r, &cs) || i >= nsel || cs > 65535) {
            return -PROTO_EMALFORMED;
        }
        cols[sel[i++]].charset = (uint16_t)cs;
    }
    return i == nsel ? 0 : -PROTO_EMALFORMED;
}

/* Fills enum_values of the ENUM (want_enum) or SET columns. */
static int
apply_str_values(struct span f, struct mysql_column *cols,
                 const struct binlog_table_map *tm, const uint16_t *meta,
                 bool want_enum, struct span *store, size_t nstore,
                 size_t *used)
{
    struct rbuf r;
    uint64_t count, n, j;
    uint32_t i;

    rbuf_init(&r, f.p, f.len);
    for (i = 0; i < tm->column_count; i++) {
        if (!binlog_column_is_enum_or_set(tm->types[i], meta[i]) ||
            column_is_enum(tm->types[i], meta[i]) != want_enum) {
            continue;
        }
        if (!binlog_read_packed(&r, &count) || count > 65535) {
            return -PROTO_EMALFORMED;
        }
        if (count > nstore - *used) {
            return -PROTO_ELIMIT;
        }
        cols[i].enum_values = store + *used;
        cols[i].n_enum_values = (uint32_t)count;
        for (j = 0; j < count; j++) {
            if (!binlog_read_packed(&r, &n) || n > rbuf_left(&r)) {
                return -PROTO_EMALFORMED;
            }
            store[*used].len = (size_t)n;
            store[*used].p = rbuf_take(&r, (size_t)n);
            (*used)++;
        }
    }
    return rbuf_left(&r) == 0 ? 0 : -PROTO_EMALFORMED;
}

int
binlog_table_map_columns(const struct binlog_table_map *tm,
                         struct mysql_column *cols, size_t ncols,
                         struct span *enum_store, size_t n_enum_store,
                         const char **reason)
{
    uint16_t meta[BINLOG_MAX_COLUMNS];
    uint32_t sel[BINLOG_MAX_COLUMNS], nsel;
    uint32_t i, bit;
    size_t used = 0;
    struct rbuf r;
    int rc;

    if (ncols < tm->column_count) {
        *reason = "column array smaller than the table";
        return -PROTO_ELIMIT;
    }
    if ((rc = split_meta(tm, meta, reason)) != 0) {
        return rc;
    }
    for (i = 0; i < tm->column_count; i++) {
        struct mysql_column *c = &cols[i];

        memset(c, 0, sizeof(*c));
        c->type = tm->types[i];
        c->meta = meta[i];
        c->nullable = tm->null_bits == NULL ||
                      (tm->null_bits[i / 8] & (1u << (i % 8))) != 0;
    }

    if (tm->signedness.len != 0) {
        bit = 0;
        for (i = 0; i < tm->column_count; i++) {
            if (!column_is_numeric(tm->types[i], tm->is_mariadb)) {
                continue;
            }
            if (bit / 8 >= tm->signedness.len) {
                *reason = "SIGNEDNESS has fewer bits than numeric columns";
                return -PROTO_EMALFORMED;
            }
            cols[i].is_unsigned =
                (tm->signedness.p[bit / 8] & (0x80u >> (bit % 8))) != 0;
            bit++;
        }
    }

    nsel = 0;
    for (i = 0; i < tm->column_count; i++) {
        if (binlog_column_is_character(tm->types[i], meta[i],
                                       tm->is_mariadb)) {
            sel[nsel++] = i;
        }
    }
    if (tm->default_charset.len != 0 &&
        apply_default_charset(tm->default_charset, cols, sel, nsel) != 0) {
        *reason = "bad DEFAULT_CHARSET metadata";
        return -PROTO_EMALFORMED;
    }
    if (tm->column_charset.len != 0 &&
        apply_column_charset(tm->column_charset, cols, sel, nsel) != 0) {
        *reason = "bad COLUMN_CHARSET metadata";
        return -PROTO_EMALFORMED;
    }
    nsel = 0;
    for (i = 0; i < tm->column_count; i++) {
        if (binlog_column_is_enum_or_set(tm->types[i], meta[i])) {
            sel[nsel++] = i;
        }
    }
    if (tm->enum_set_default_charset.len != 0 &&
        apply_default_charset(tm->enum_set_default_charset, cols, sel,
                              nsel) != 0) {
        *reason = "bad ENUM_AND_SET_DEFAULT_CHARSET metadata";
        return -PROTO_EMALFORMED;
    }
    if (tm->enum_set_column_charset.len != 0 &&
        apply_column_charset(tm->enum_set_column_charset, cols, sel,
                             nsel) != 0) {
        *reason = "bad ENUM_AND_SET_COLUMN_CHARSET metadata";
        return -PROTO_EMALFORMED;
    }

    if (tm->column_name.len != 0) {
        uint64_t n;

        rbuf_init(&r, tm->column_name.p, tm->column_name.len);
        for (i = 0; i < tm->column_count; i++) {
            if (!binlog_read_packed(&r, &n) || n > rbuf_left(&r)) {
                *reason = "bad COLUMN_NAME metadata";
                return -PROTO_EMALFORMED;
            }
            cols[i].name.len = (size_t)n;
            cols[i].name.p = rbuf_take(&r, (size_t)n);
        }
        if (rbuf_left(&r) != 0) {
            *reason = "COLUMN_NAME has more names than columns";
            return -PROTO_EMALFORMED;
        }
    }
    if (tm->enum_str_value.len != 0) {
        rc = apply_str_values(tm->enum_str_value, cols, tm, meta, true,
                              enum_store, n_enum_store, &used);
        if (rc != 0) {
            *reason = rc == -PROTO_ELIMIT ? "enum value storage too small"
                                          : "bad ENUM_STR_VALUE metadata";
            return rc;
        }
    }
    if (tm->set_str_value.len != 0) {
        rc = apply_str_values(tm->set_str_value, cols, tm, meta, false,
                              enum_store, n_enum_store, &used);
        if (rc != 0) {
            *reason = rc == -PROTO_ELIMIT ? "enum value storage too small"
                                          : "bad SET_STR_VALUE metadata";
            return rc;
        }
    }
    return 0;
}

bool
binlog_table_map_column_visible(const struct binlog_table_map *tm, uint32_t i)
{
    if (tm->column_visibility.len <= i / 8) {
        return true;
    }
    return (tm->column_visibility.p[i / 8] & (0x80u >> (i % 8))) != 0;
}

ssize_t
binlog_table_map_primary_key(const struct binlog_table_map *tm,
                             uint32_t *cols, uint32_t *prefixes, size_t max)
{
    struct rbuf r;
    uint64_t idx, pre;
    bool with_prefix = tm->pk_with_prefix.len != 0;
    size_t n = 0;

    if (with_prefix) {
        rbuf_init(&r, tm->pk_with_prefix.p, tm->pk_with_prefix.len);
    } else {
        rbuf_init(&r, tm->simple_pk.p, tm->simple_pk.len);
    }
    while (rbuf_left(&r) > 0) {
        pre = 0;
        if (!binlog_read_packed(&r, &idx) || idx >= tm->column_count ||
            (with_prefix && !binlog_read_packed(&r, &pre)) ||
            pre > UINT32_MAX) {
            return -PROTO_EMALFORMED;
        }
        if (n < max) {
            cols[n] = (uint32_t)idx;
            if (prefixes != NULL) {
                prefixes[n] = (uint32_t)pre;
            }
        }
        n++;
    }
    return (ssize_t)n;
}

ssize_t
binlog_table_map_geometry_types(const struct binlog_table_map *tm,
                                uint32_t *types, size_t max)
{
    struct rbuf r;
    uint64_t t;
    size_t n = 0;

    rbuf_init(&r, tm->geometry_type.p, tm->geometry_type.len);
    while (rbuf_left(&r) > 0) {
        if (!binlog_read_packed(&r, &t) || t > UINT32_MAX) {
            return -PROTO_EMALFORMED;
        }
        if (n < max) {
            types[n] = (uint32_t)t;
        }
        n++;
    }
    return (ssize_t)n;
}

/* ---- values ---- */

static inline uint64_t
be_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline uint64_t
le_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = n; i > 0; i--) {
        v = (v << 8) | p[i - 1];
    }
    return v;
}

static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t pow10_u32[10] = {1,      10,      100,      1000,
                                       10000,  100000,  1000000,  10000000,
                                       100000000, 1000000000};

/* Writes the ndig decimal digits of x, zero-padded. */
static char *
put_digits(char *o, uint32_t x, unsigned ndig)
{
    unsigned i;

    for (i = ndig; i > 0; i--) {
        o[i - 1] = (char)('0' + x % 10);
        x /= 10;
    }
    return o + ndig;
}

/* Writes x without leading zeros (x > 0). */
static char *
put_uint(char *o, uint32_t x)
{
    char tmp[10];
    unsigned n = 0;

    while (x != 0) {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    }
    while (n > 0) {
        *o++ = tmp[--n];
    }
    return o;
}

/* MySQL binary DECIMAL (strings/decimal.cc bin2decimal) to exact text. */
static ssize_t
decode_newdecimal(uint16_t meta, const uint8_t *p, size_t len,
                  struct mysql_value *v, const char **reason)
{
    unsigned prec = meta >> 8, scale = meta & 0xff;
    unsigned intg, intg0, intg0x, frac0, frac0x, i;
    size_t size, pos = 0;
    uint8_t b[40];
    uint8_t mask;
    bool neg, started = false, nonzero = false;
    char *o = v->v.dec.text;
    uint32_t x;

    if (prec == 0 || prec > 65 || scale > 38 || scale > prec) {
        *reason = "decimal precision/scale out of range";
        return -PROTO_EMALFORMED;
    }
    intg = prec - scale;
    intg0 = intg / 9;
    intg0x = intg % 9;
    frac0 = scale / 9;
    frac0x = scale % 9;
    size = intg0 * 4 + dig2bytes[intg0x] + frac0 * 4 + dig2bytes[frac0x];
    if (size > len) {
        *reason = "decimal value past the end of the row";
        return -PROTO_ETRUNCATED;
    }
    neg = (p[0] & 0x80) == 0;
    mask = neg ? 0xff : 0x00;
    for (i = 0; i < size; i++) {
        b[i] = p[i] ^ mask;
    }
    b[0] ^= 0x80;
    if (neg) {
        *o++ = '-';
    }
    if (intg0x != 0) {
        x = (uint32_t)be_uint(b, dig2bytes[intg0x]);
        pos += dig2bytes[intg0x];
        if (x >= pow10_u32[intg0x]) {
            goto bad;
        }
        if (x != 0) {
            o = put_uint(o, x);
            started = nonzero = true;
        }
    }
    for (i = 0; i < intg0; i++, pos += 4) {
        x = (uint32_t)be_uint(b + pos, 4);
        if (x >= 1000000000u) {
            goto bad;
        }
        if (started) {
            o = put_digits(o, x, 9);
        } else if (x != 0) {
            o = put_uint(o, x);
            started = nonzero = true;
        }
    }
    if (!started) {
        *o++ = '0';
    }
    if (scale != 0) {
        *o++ = '.';
        for (i = 0; i < frac0; i++, pos += 4) {
            x = (uint32_t)be_uint(b + pos, 4);
            if (x >= 1000000000u) {
                goto bad;
            }
            nonzero |= x != 0;
            o = put_digits(o, x, 9);
        }
        if (frac0x != 0) {
            x = (uint32_t)be_uint(b + pos, dig2bytes[frac0x]);
            if (x >= pow10_u32[frac0x]) {
                goto bad;
            }
            nonzero |= x != 0;
            o = put_digits(o, x, frac0x);
        }
    }
    *o = '\0';
    if (neg && !nonzero) {
        /* negative zero prints as zero */
        memmove(v->v.dec.text, v->v.dec.text + 1,
                (size_t)(o - v->v.dec.text));
        o--;
    }
    v->v.dec.len = (uint8_t)(o - v->v.dec.text);
    v->kind = MYV_DECIMAL;
    return (ssize_t)size;
bad:
    *reason = "decimal digit group out of range";
    return -PROTO_EMALFORMED;
}

/* Pre-5.0 DECIMAL: ASCII text of meta bytes, space padded on the left. */
static ssize_t
decode_old_decimal(uint16_t meta, const uint8_t *p, size_t len,
                   struct mysql_value *v, const char **reason)
{
    size_t i = 0, n;

    if (meta == 0) {
        *reason = "old DECIMAL needs its byte length from the schema";
        return -PROTO_EUNSUPPORTED;
    }
    if (meta > len) {
        *reason = "decimal value past the end of the row";
        return -PROTO_ETRUNCATED;
    }
    while (i < meta && p[i] == ' ') {
        i++;
    }
    n = meta - i;
    if (n == 0 || n >= MYSQL_DECIMAL_TEXT_MAX) {
        *reason = "old DECIMAL text length out of range";
        return -PROTO_EMALFORMED;
    }
    memcpy(v->v.dec.text, p + i, n);
    v->v.dec.text[n] = '\0';
    v->v.dec.len = (uint8_t)n;
    v->kind = MYV_DECIMAL;
    return meta;
}

static int
check_hms(const struct mysql_value *v, uint32_t max_hour)
{
    return v->v.tm.hour <= max_hour && v->v.tm.minute <= 59 &&
           v->v.tm.second <= 59 && v->v.tm.usec <= 999999;
}

static int
check_date(const struct mysql_value *v)
{
    return v->v.tm.year <= 9999 && v->v.tm.month <= 12 && v->v.tm.day <= 31;
}

/* Fractional part of TIMESTAMP2 / MariaDB hires timestamps (unsigned). */
static uint32_t
frac_usec(const uint8_t *p, unsigned fsp)
{
    switch (fsp) {
    case 1:
    case 2:
        return p[0] * 10000u;
    case 3:
    case 4:
        return (uint32_t)be_uint(p, 2) * 100u;
    case 5:
    case 6:
        return (uint32_t)be_uint(p, 3);
    default:
        return 0;
    }
}

/* Splits a packed "YYYY*13+MM..." datetime in microseconds (MariaDB
 * pack_time, unsigned form). */
static void
unpack_maria_datetime(uint64_t t, struct mysql_value *v)
{
    v->v.tm.usec = (uint32_t)(t % 1000000);
    t /= 1000000;
    v->v.tm.second = (uint8_t)(t % 60);
    t /= 60;
    v->v.tm.minute = (uint8_t)(t % 60);
    t /= 60;
    v->v.tm.hour = (uint32_t)(t % 24);
    t /= 24;
    v->v.tm.day = (uint8_t)(t % 32);
    t /= 32;
    v->v.tm.month = (uint8_t)(t % 13);
    t /= 13;
    v->v.tm.year = t > 65535 ? 65535 : (uint16_t)t;
}

static const uint8_t maria_datetime_bytes[7] = {5, 6, 6, 7, 7, 7, 8};
static const uint8_t maria_time_bytes[7] = {3, 4, 4, 5, 5, 5, 6};
static const uint32_t usec_shift[7] = {1000000, 100000, 10000, 1000,
                                       100,     10,     1};

static ssize_t
decode_temporal(const struct mysql_column *col, const uint8_t *p, size_t len,
                struct mysql_value *v, const char **reason)
{
    unsigned fsp = col->meta;
    size_t n;
    uint64_t u;
    int64_t i, frac, packed;

    v->frac = 0;
    switch (col->type) {
    case MYT_DATE:
    case MYT_NEWDATE:
        n = 3;
        if (len < n) {
            goto short_value;
        }
        u = le_uint(p, 3);
        v->kind = MYV_DATE;
        v->v.tm.day = (uint8_t)(u & 31);
        v->v.tm.month = (uint8_t)((u >> 5) & 15);
        v->v.tm.year = (uint16_t)(u >> 9);
        if (!check_date(v)) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_TIME:
        if (fsp == 0) {
            n = 3;
            if (len < n) {
                goto short_value;
            }
            i = (int64_t)le_uint(p, 3);
            if (i & 0x800000) {
                i -= 0x1000000;
            }
            v->kind = MYV_TIME;
            v->v.tm.neg = i < 0;
            if (i < 0) {
                i = -i;
            }
            v->v.tm.hour = (uint32_t)(i / 10000);
            v->v.tm.minute = (uint8_t)(i / 100 % 100);
            v->v.tm.second = (uint8_t)(i % 100);
            if (!check_hms(v, 838)) {
                goto bad;
            }
            return (ssize_t)n;
        }
        /* MariaDB 5.3 hires TIME: BE, shifted by the zero point */
        if (fsp > 6) {
            goto bad_meta;
        }
        n = maria_time_bytes[fsp];
        if (len < n) {
            goto short_value;
        }
        packed = (int64_t)be_uint(p, n) -
                 (int64_t)(3020400ULL * 1000000ULL / usec_shift[fsp]);
        packed *= (int64_t)usec_shift[fsp];
        v->kind = MYV_TIME;
        v->frac = (uint8_t)fsp;
        v->v.tm.neg = packed < 0;
        u = (uint64_t)(packed < 0 ? -packed : packed);
        v->v.tm.usec = (uint32_t)(u % 1000000);
        u /= 1000000;
        v->v.tm.second = (uint8_t)(u % 60);
        u /= 60;
        v->v.tm.minute = (uint8_t)(u % 60);
        u /= 60;
        v->v.tm.hour = (uint32_t)u;
        if (!check_hms(v, 838)) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_TIME2:
        if (fsp > 6) {
            goto bad_meta;
        }
        n = 3 + (fsp + 1) / 2;
        if (len < n) {
            goto short_value;
        }
        if (fsp >= 5) {
            packed = (int64_t)be_uint(p, 6) - 0x800000000000LL;
        } else {
            i = (int64_t)be_uint(p, 3) - 0x800000;
            frac = 0;
            if (fsp >= 1) {
                frac = fsp <= 2 ? p[3] : (int64_t)be_uint(p + 3, 2);
                if (i < 0 && frac != 0) {
                    /* negative values store the fraction reversed */
                    i++;
                    frac -= fsp <= 2 ? 0x100 : 0x10000;
                }
                frac *= fsp <= 2 ? 10000 : 100;
            }
            packed = i * (1 << 24) + frac;
        }
        v->kind = MYV_TIME;
        v->frac = (uint8_t)fsp;
        v->v.tm.neg = packed < 0;
        u = (uint64_t)(packed < 0 ? -packed : packed);
        v->v.tm.usec = (uint32_t)(u % (1 << 24));
        u >>= 24;
        v->v.tm.hour = (uint32_t)((u >> 12) % 1024);
        v->v.tm.minute = (uint8_t)((u >> 6) % 64);
        v->v.tm.second = (uint8_t)(u % 64);
        if (!check_hms(v, 838)) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_DATETIME:
        if (fsp == 0) {
            n = 8;
            if (len < n) {
                goto short_value;
            }
            u = le_uint(p, 8);
            v->kind = MYV_DATETIME;
            v->v.tm.second = (uint8_t)(u % 100);
            v->v.tm.minute = (uint8_t)(u / 100 % 100);
            v->v.tm.hour = (uint32_t)(u / 10000 % 100);
            u /= 1000000;
            v->v.tm.day = (uint8_t)(u % 100);
            v->v.tm.month = (uint8_t)(u / 100 % 100);
            u /= 10000;
            if (u > 9999) {
                goto bad;
            }
            v->v.tm.year = (uint16_t)u;
            if (!check_date(v) || !check_hms(v, 23)) {
                goto bad;
            }
            return (ssize_t)n;
        }
        /* MariaDB 5.3 hires DATETIME: BE pack_time / 10^(6-fsp) */
        if (fsp > 6) {
            goto bad_meta;
        }
        n = maria_datetime_bytes[fsp];
        if (len < n) {
            goto short_value;
        }
        u = be_uint(p, n) * usec_shift[fsp];
        v->kind = MYV_DATETIME;
        v->frac = (uint8_t)fsp;
        unpack_maria_datetime(u, v);
        if (!check_date(v) || !check_hms(v, 23)) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_DATETIME2:
        if (fsp > 6) {
            goto bad_meta;
        }
        n = 5 + (fsp + 1) / 2;
        if (len < n) {
            goto short_value;
        }
        i = (int64_t)be_uint(p, 5) - 0x8000000000LL;
        switch (fsp) {
        case 1:
        case 2:
            frac = (int8_t)p[5] * 10000;
            break;
        case 3:
        case 4:
            frac = (int16_t)be_uint(p + 5, 2) * 100;
            break;
        case 5:
        case 6:
            frac = (int64_t)be_uint(p + 5, 3);
            if (frac & 0x800000) {
                frac -= 0x1000000;
            }
            break;
        default:
            frac = 0;
            break;
        }
        if (i < 0 || frac < 0 || frac > 999999) {
            goto bad;
        }
        v->kind = MYV_DATETIME;
        v->frac = (uint8_t)fsp;
        v->v.tm.usec = (uint32_t)frac;
        u = (uint64_t)i;
        {
            uint64_t ymd = u >> 17, ym = ymd >> 5, hms = u % (1 << 17);

            v->v.tm.day = (uint8_t)(ymd % 32);
            v->v.tm.month = (uint8_t)(ym % 13);
            if (ym / 13 > 9999) {
                goto bad;
            }
            v->v.tm.year = (uint16_t)(ym / 13);
            v->v.tm.second = (uint8_t)(hms % 64);
            v->v.tm.minute = (uint8_t)((hms >> 6) % 64);
            v->v.tm.hour = (uint32_t)(hms >> 12);
        }
        if (!check_date(v) || !check_hms(v, 23)) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_TIMESTAMP:
        if (fsp == 0) {
            n = 4;
            if (len < n) {
                goto short_value;
            }
            v->kind = MYV_TIMESTAMP;
            v->v.ts.sec = (int64_t)le_uint(p, 4);
            v->v.ts.usec = 0;
            return (ssize_t)n;
        }
        /* MariaDB 5.3 hires TIMESTAMP: BE seconds + BE fraction */
        if (fsp > 6) {
            goto bad_meta;
        }
        n = 4 + (fsp + 1) / 2;
        if (len < n) {
            goto short_value;
        }
        v->kind = MYV_TIMESTAMP;
        v->frac = (uint8_t)fsp;
        v->v.ts.sec = (int64_t)be_uint(p, 4);
        v->v.ts.usec = (uint32_t)be_uint(p + 4, n - 4) * usec_shift[fsp];
        if (v->v.ts.usec > 999999) {
            goto bad;
        }
        return (ssize_t)n;

    case MYT_TIMESTAMP2:
        if (fsp > 6) {
            goto bad_meta;
        }
        n = 4 + (fsp + 1) / 2;
        if (len < n) {
            goto short_value;
        }
        v->kind = MYV_TIMESTAMP;
        v->frac = (uint8_t)fsp;
        v->v.ts.sec = (int64_t)be_uint(p, 4);
        v->v.ts.usec = frac_usec(p + 4, fsp);
        if (v->v.ts.usec > 999999) {
            goto bad;
        }
        return (ssize_t)n;

    default:
        break;
    }
    *reason = "not a temporal type";
    return -PROTO_EUNSUPPORTED;
short_value:
    *reason = "temporal value past the end of the row";
    return -PROTO_ETRUNCATED;
bad_meta:
    *reason = "fractional digits over 6";
    return -PROTO_EMALFORMED;
bad:
    *reason = (col->type == MYT_DATETIME || col->type == MYT_TIME) &&
                      fsp == 0
                  ? "temporal value out of range (a MariaDB 5.3-format "
                    "column with fractions needs its precision as meta)"
                  : "temporal value out of range";
    return -PROTO_EMALFORMED;
}

/* Length-prefixed bytes: prefix of lbytes LE, then the data. */
static ssize_t
decode_prefixed(const uint8_t *p, size_t len, unsigned lbytes,
                struct mysql_value *v, const char **reason)
{
    uint64_t n;

    if (lbytes < 1 || lbytes > 4) {
        *reason = "length prefix size not in 1..4";
        return -PROTO_EMALFORMED;
    }
    if (len < lbytes) {
        *reason = "length prefix past the end of the row";
        return -PROTO_ETRUNCATED;
    }
    n = le_uint(p, lbytes);
    if (n > len - lbytes) {
        *reason = "value length past the end of the row";
        return -PROTO_ETRUNCATED;
    }
    v->v.bytes.p = p + lbytes;
    v->v.bytes.len = (size_t)n;
    return (ssize_t)(lbytes + n);
}

ssize_t
binlog_value_decode(const struct mysql_column *col, const uint8_t *p,
                    size_t len, struct mysql_value *v, const char **reason)
{
    ssize_t n;
    size_t sz;
    uint64_t u;
    uint8_t rt;
    uint32_t flen;

    v->type = col->type;
    v->frac = 0;
    switch (col->type) {
    case MYT_TINY:
        sz = 1;
        goto integer;
    case MYT_SHORT:
        sz = 2;
        goto integer;
    case MYT_INT24:
        sz = 3;
        goto integer;
    case MYT_LONG:
        sz = 4;
        goto integer;
    case MYT_LONGLONG:
        sz = 8;
    integer:
        if (len < sz) {
            *reason = "integer past the end of the row";
            return -PROTO_ETRUNCATED;
        }
        u = le_uint(p, sz);
        if (col->is_unsigned) {
            v->kind = MYV_UINT;
            v->v.u = u;
        } else {
            v->kind = MYV_INT;
            if (sz < 8 && (u & (1ULL << (8 * sz - 1)))) {
                u |= ~0ULL << (8 * sz);
            }
            v->v.i = (int64_t)u;
        }
        return (ssize_t)sz;

    case MYT_FLOAT: {
        uint32_t bits;

        if (len < 4) {
            *reason = "float past the end of the row";
            return -PROTO_ETRUNCATED;
        }
        bits = (uint32_t)le_uint(p, 4);
        memcpy(&v->v.f, &bits, 4);
        v->kind = MYV_FLOAT;
        return 4;
    }
    case MYT_DOUBLE:
        if (len < 8) {
            *reason = "double past the end of the row";
            return -PROTO_ETRUNCATED;
        }
        u = le_uint(p, 8);
        memcpy(&v->v.d, &u, 8);
        v->kind = MYV_DOUBLE;
        return 8;

    case MYT_NEWDECIMAL:
        return decode_newdecimal(col->meta, p, len, v, reason);
    case MYT_DECIMAL:
        return decode_old_decimal(col->meta, p, len, v, reason);

    case MYT_YEAR:
        if (len < 1) {
            *reason = "year past the end of the row";
            return -PROTO_ETRUNCATED;
        }
        v->kind = MYV_YEAR;
        v->v.u = p[0] ? 1900u + p[0] : 0;
        return 1;

    case MYT_DATE:
    case MYT_NEWDATE:
    case MYT_TIME:
    case MYT_TIME2:
    case MYT_DATETIME:
    case MYT_DATETIME2:
    case MYT_TIMESTAMP:
    case MYT_TIMESTAMP2:
        return decode_temporal(col, p, len, v, reason);

    case MYT_NULL:
        v->kind = MYV_NULL;
        return 0;

    case MYT_BIT: {
        unsigned nbits = (col->meta >> 8) * 8 + (col->meta & 0xff);

        if ((col->meta & 0xff) > 7 || nbits == 0 || nbits > 64) {
            *reason = "BIT metadata out of range";
            return -PROTO_EMALFORMED;
        }
        sz = (nbits + 7) / 8;
        if (len < sz) {
            *reason = "BIT value past the end of the row";
            return -PROTO_ETRUNCATED;
        }
        v->kind = MYV_BIT;
        v->v.u = be_uint(p, sz);
        return (ssize_t)sz;
    }

    case MYT_VARCHAR:
    case MYT_VAR_STRING:
        n = decode_prefixed(p, len, col->meta < 256 ? 1 : 2, v, reason);
        if (n < 0) {
            return n;
        }
        if (v->v.bytes.len > col->meta) {
            *reason = "VARCHAR value longer than the column";
            return -PROTO_EMALFORMED;
        }
        v->kind = MYV_STRING;
        return n;

    case MYT_STRING:
    case MYT_ENUM:
    case MYT_SET:
        binlog_string_meta(col->type, col->meta, &rt, &flen);
        if (rt == MYT_ENUM || rt == MYT_SET) {
            v->type = rt;
            if (flen == 0 || flen > 8 || (rt == MYT_ENUM && flen > 2)) {
                *reason = "ENUM/SET pack length out of range";
                return -PROTO_EMALFORMED;
            }
            if (len < flen) {
                *reason = "ENUM/SET value past the end of the row";
                return -PROTO_ETRUNCATED;
            }
            v->kind = rt == MYT_ENUM ? MYV_ENUM : MYV_SET;
            v->v.u = le_uint(p, flen);
            return (ssize_t)flen;
        }
        v->type = MYT_STRING;
        n = decode_prefixed(p, len, flen > 255 ? 2 : 1, v, reason);
        if (n < 0) {
            return n;
        }
        if (v->v.bytes.len > flen) {
            *reason = "CHAR value longer than the column";
            return -PROTO_EMALFORMED;
        }
        v->kind = MYV_STRING;
        return n;

    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case MYT_BLOB:
        n = decode_prefixed(p, len, col->meta, v, reason);
        v->kind = MYV_STRING;
        return n;
    case MYT_JSON:
        n = decode_prefixed(p, len, col->meta, v, reason);
        v->kind = MYV_JSON;
        return n;
    case MYT_GEOMETRY:
        n = decode_prefixed(p, len, col->meta, v, reason);
        v->kind = MYV_GEOMETRY;
        return n;
    case MYT_VECTOR:
        n = decode_prefixed(p, len, col->meta, v, reason);
        if (n >= 0 && v->v.bytes.len % 4 != 0) {
            *reason = "VECTOR length not a multiple of 4";
            return -PROTO_EMALFORMED;
        }
        v->kind = MYV_STRING;
        return n;

    case BINLOG_MARIA_TYPE_BLOB_COMPRESSED:
    case BINLOG_MARIA_TYPE_VARCHAR_COMPRESSED:
        *reason = "MariaDB COMPRESSED columns are not supported";
        return -PROTO_EUNSUPPORTED;
    default:
        *reason = "column type cannot be decoded";
        return -PROTO_EUNSUPPORTED;
    }
}

/* ---- rows ---- */

/* Bits set in a byte; a table, since the baseline x86-64 target has no
 * popcount instruction and the builtin becomes a libgcc call. */
static uint8_t
byte_bits(uint8_t v)
{
    static const uint8_t nibble[16] = {0, 1, 1, 2, 1, 2, 2, 3,
                                       1, 2, 2, 3, 2, 3, 3, 4};

    return (uint8_t)(nibble[v & 15] + nibble[v >> 4]);
}

static uint32_t
bitmap_count(const uint8_t *b, uint32_t nbits)
{
    uint32_t i, n = 0;

    for (i = 0; i < nbits / 8; i++) {
        n += byte_bits(b[i]);
    }
    if (nbits % 8) {
        n += byte_bits((uint8_t)(b[i] & ((1u << (nbits % 8)) - 1)));
    }
    return n;
}

int
binlog_rows_init(struct binlog_rows_iter *it,
                 const struct binlog_rows_event *ev)
{
    memset(it, 0, sizeof(*it));
    it->kind = ev->kind;
    it->width = ev->width;
    it->cols_before = ev->cols_before;
    it->cols_after = ev->cols_after;
    it->column = -1;
    rbuf_init(&it->r, ev->rows.p, ev->rows.len);
    if (ev->width > BINLOG_MAX_COLUMNS ||
        (ev->width != 0 && ev->cols_before == NULL)) {
        it->err = -PROTO_EMALFORMED;
        it->reason = "rows event without column bitmaps";
        return it->err;
    }
    it->n_before = ev->width ? bitmap_count(ev->cols_before, ev->width) : 0;
    it->n_after = ev->width ? bitmap_count(ev->cols_after, ev->width) : 0;
    return 0;
}

static int
row_err(struct binlog_rows_iter *it, int code, const char *reason,
        size_t offset, int32_t column)
{
    it->err = code;
    it->reason = reason;
    it->offset = offset;
    it->column = column;
    return code;
}

/* Checks the structure of a JSON diff vector (sql/json_diff.cc). */
static bool
json_diff_valid(struct span s)
{
    struct rbuf r;
    uint64_t n;
    uint8_t op;

    rbuf_init(&r, s.p, s.len);
    while (rbuf_left(&r) > 0) {
        op = rbuf_u8(&r);
        if (op > 2 || !binlog_read_packed(&r, &n) || n == 0 ||
            !rbuf_skip(&r, (size_t)n)) {
            return false;
        }
        if (op != 2 &&
            (!binlog_read_packed(&r, &n) || !rbuf_skip(&r, (size_t)n))) {
            return false;
        }
    }
    return true;
}

static int
read_image(struct binlog_rows_iter *it, const struct mysql_column *cols,
           const uint8_t *present, uint32_t npresent, struct mysql_value *out,
           bool partial)
{
    struct mysql_value scratch;
    const uint8_t *nulls;
    const char *reason = NULL;
    uint32_t i, k = 0;

    nulls = rbuf_take(&it->r, (npresent + 7) / 8);
    if (nulls == NULL) {
        return row_err(it, -PROTO_ETRUNCATED, "null bitmap past the end of "
                       "the event", it->r.len, -1);
    }
    for (i = 0; i < it->width; i++) {
        struct mysql_value *v = out != NULL ? &out[i] : &scratch;
        const uint8_t *p;
        size_t left;
        ssize_t n;

        if ((present[i / 8] & (1u << (i % 8))) == 0) {
            v->kind = MYV_ABSENT;
            v->type = cols[i].type;
            v->frac = 0;
            continue;
        }
        if (nulls[k / 8] & (1u << (k % 8))) {
            k++;
            v->kind = MYV_NULL;
            v->type = cols[i].type;
            v->frac = 0;
            continue;
        }
        k++;
        p = it->r.p + it->r.off;
        left = rbuf_left(&it->r);
        if (partial && (it->partial_cols[i / 8] & (1u << (i % 8)))) {
            uint64_t dl;

            if (left < 4) {
                return row_err(it, -PROTO_ETRUNCATED, "JSON diff length past "
                               "the end of the event", it->r.off, (int32_t)i);
            }
            dl = le_uint(p, 4);
            if (dl > left - 4) {
                return row_err(it, -PROTO_ETRUNCATED, "JSON diff past the "
                               "end of the event", it->r.off, (int32_t)i);
            }
            v->kind = MYV_JSON;
            v->type = MYT_JSON;
            v->frac = 0;
            v->v.bytes.p = p + 4;
            v->v.bytes.len = (size_t)dl;
            if (!json_diff_valid(v->v.bytes)) {
                return row_err(it, -PROTO_EMALFORMED, "malformed JSON diff",
                               it->r.off, (int32_t)i);
            }
            n = (ssize_t)(4 + dl);
        } else {
            n = binlog_value_decode(&cols[i], p, left, v, &reason);
            if (n < 0) {
                return row_err(it, (int)n, reason, it->r.off, (int32_t)i);
            }
        }
        it->r.off += (size_t)n;
    }
    return 0;
}

int
binlog_rows_next(struct binlog_rows_iter *it, const struct mysql_column *cols,
                 size_t ncols, struct mysql_value *before,
                 struct mysql_value *after)
{
    size_t start;
    uint32_t i;
    int rc;

    if (it->err != 0) {
        return it->err;
    }
    if (rbuf_left(&it->r) == 0) {
        return 0;
    }
    if (ncols < it->width) {
        return row_err(it, -PROTO_EMALFORMED, "fewer column definitions than "
                       "the rows event has columns", it->r.off, -1);
    }
    start = it->r.off;
    it->has_partial = false;
    it->value_options = 0;
    switch (it->kind) {
    case BINLOG_ROWS_WRITE:
        rc = read_image(it, cols, it->cols_after, it->n_after, after, false);
        break;
    case BINLOG_ROWS_DELETE:
        rc = read_image(it, cols, it->cols_before, it->n_before, before,
                        false);
        break;
    case BINLOG_ROWS_UPDATE:
        rc = read_image(it, cols, it->cols_before, it->n_before, before,
                        false);
        if (rc == 0) {
            rc = read_image(it, cols, it->cols_after, it->n_after, after,
                            false);
        }
        break;
    case BINLOG_ROWS_PARTIAL_UPDATE:
        rc = read_image(it, cols, it->cols_before, it->n_before, before,
                        false);
        if (rc != 0) {
            break;
        }
        if (!binlog_read_packed(&it->r, &it->value_options) ||
            it->value_options > 1) {
            return row_err(it, -PROTO_EMALFORMED, "bad value_options in a "
                           "partial update", it->r.off, -1);
        }
        memset(it->partial_cols, 0, (it->width + 7) / 8);
        if (it->value_options & 1) {
            uint32_t njson = 0;
            const uint8_t *bits;

            for (i = 0; i < it->width; i++) {
                njson += cols[i].type == MYT_JSON;
            }
            bits = rbuf_take(&it->r, (njson + 7) / 8);
            if (bits == NULL) {
                return row_err(it, -PROTO_ETRUNCATED, "partial JSON bitmap "
                               "past the end of the event", it->r.off, -1);
            }
            njson = 0;
            for (i = 0; i < it->width; i++) {
                if (cols[i].type != MYT_JSON) {
                    continue;
                }
                if (bits[njson / 8] & (1u << (njson % 8))) {
                    it->partial_cols[i / 8] |= (uint8_t)(1u << (i % 8));
                    it->has_partial = true;
                }
                njson++;
            }
        }
        rc = read_image(it, cols, it->cols_after, it->n_after, after,
                        it->has_partial);
        break;
    default:
        return row_err(it, -PROTO_EMALFORMED, "unknown rows event kind",
                       it->r.off, -1);
    }
    if (rc != 0) {
        return rc;
    }
    if (it->r.off == start) {
        return row_err(it, -PROTO_EMALFORMED, "row image of zero bytes",
                       start, -1);
    }
    for (i = it->width; i < ncols; i++) {
        if (before != NULL) {
            before[i].kind = MYV_ABSENT;
        }
        if (after != NULL) {
            after[i].kind = MYV_ABSENT;
        }
    }
    it->row++;
    return 1;
}
