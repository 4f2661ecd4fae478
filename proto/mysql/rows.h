/*
 * rows.h - TABLE_MAP decoding and row image decoding for binlog rows events.
 *
 * A TABLE_MAP_EVENT describes a table (column types, per-type metadata,
 * nullability, and with binlog_row_metadata=FULL names, signedness,
 * charsets, ENUM/SET values, primary key); the rows events that follow
 * carry row images: a null bitmap and the packed value of every column
 * present in the image, in the format of MySQL's Field::pack()
 * (sql/field.cc) and log_event.cc log_event_print_value().
 *
 * Decoding the table map (binlog_table_map_decode) and filling columns
 * (binlog_table_map_columns) are separate so that a caller may complete
 * or override the columns from its schema history (names, signedness,
 * charsets, ENUM values, MariaDB 5.3 temporal precision) before decoding
 * rows.  Values borrow from the rows event bytes (see value.h).
 *
 * Column metadata (struct mysql_column.meta) per type, as in MySQL's
 * table_def: FLOAT/DOUBLE pack length; BLOB/TEXT/GEOMETRY/JSON/VECTOR
 * bytes of the length prefix (1-4); VARCHAR/VAR_STRING maximum bytes;
 * NEWDECIMAL precision << 8 | scale; BIT bytes << 8 | bits % 8;
 * STRING/ENUM/SET byte0 << 8 | byte1 (real type and length, with the
 * length bits 8-9 folded into byte0 for CHAR columns over 255 bytes);
 * TIME2/DATETIME2/TIMESTAMP2 fractional digits.  Two extensions a caller
 * sets from its schema, since the table map carries nothing for them:
 * MYT_DECIMAL (pre-5.0 DECIMAL) meta = its byte length; MYT_TIME,
 * MYT_DATETIME, MYT_TIMESTAMP meta = fractional digits (1-6) for
 * MariaDB's 5.3 "hires" format (mysql56_temporal_format=OFF), 0 for the
 * classic format.  Without that, a MariaDB 5.3-format column with
 * fractions cannot be told apart from the classic one.
 */
#ifndef TANDEM_PROTO_MYSQL_ROWS_H
#define TANDEM_PROTO_MYSQL_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"
#include "proto/mysql/binlog.h"
#include "proto/mysql/value.h"

/* MariaDB column types of COMPRESSED columns (table map only). */
#define BINLOG_MARIA_TYPE_BLOB_COMPRESSED 140
#define BINLOG_MARIA_TYPE_VARCHAR_COMPRESSED 141

/* Optional metadata TLV types (binlog_row_metadata=FULL). */
enum binlog_tm_opt {
    BINLOG_TM_SIGNEDNESS = 1,
    BINLOG_TM_DEFAULT_CHARSET = 2,
    BINLOG_TM_COLUMN_CHARSET = 3,
    BINLOG_TM_COLUMN_NAME = 4,
    BINLOG_TM_SET_STR_VALUE = 5,
    BINLOG_TM_ENUM_STR_VALUE = 6,
    BINLOG_TM_GEOMETRY_TYPE = 7,
    BINLOG_TM_SIMPLE_PRIMARY_KEY = 8,
    BINLOG_TM_PRIMARY_KEY_WITH_PREFIX = 9,
    BINLOG_TM_ENUM_AND_SET_DEFAULT_CHARSET = 10,
    BINLOG_TM_ENUM_AND_SET_COLUMN_CHARSET = 11,
    BINLOG_TM_COLUMN_VISIBILITY = 12,
    BINLOG_TM_VECTOR_DIMENSIONALITY = 13,
};

/*
 * Decodes a TABLE_MAP body (post-header and body, without the common
 * header and the checksum) into views.  post_header_len is the FDE's value
 * for TABLE_MAP (6 = 4-byte table id of MySQL < 5.1.4, else 8);
 * is_mariadb selects MariaDB's rules for the optional metadata (YEAR has a
 * SIGNEDNESS bit, GEOMETRY counts as a character column; MySQL 9 counts
 * VECTOR instead).
 * Returns 0, or -PROTO_E* with *reason set to a static text.  Callers that
 * keep a table map beyond its event copy the body and decode the copy.
 */
int binlog_table_map_decode(struct binlog_table_map *tm, const uint8_t *body,
                            size_t len, unsigned post_header_len,
                            bool is_mariadb, const char **reason);

/* Number of ENUM and SET member names in the optional metadata: the size
 * of the storage binlog_table_map_columns() needs; -PROTO_EMALFORMED if
 * the metadata is bad. */
ssize_t binlog_table_map_enum_value_count(const struct binlog_table_map *tm);

/*
 * Fills cols[0..column_count) from the table map: type, meta, nullable,
 * and from the optional metadata is_unsigned, charset (default, per
 * column, ENUM/SET charsets; 0 when unknown), name, enum_values (views
 * stored in enum_store, n_enum_store entries).  ncols must be at least
 * column_count.  Columns without optional metadata get signed, charset 0,
 * empty name.  Returns 0, or -PROTO_E* with *reason: -PROTO_ELIMIT if
 * ncols or n_enum_store is too small, -PROTO_EMALFORMED on bad metadata,
 * -PROTO_EUNSUPPORTED for a column type whose metadata size is unknown.
 */
int binlog_table_map_columns(const struct binlog_table_map *tm,
                             struct mysql_column *cols, size_t ncols,
                             struct span *enum_store, size_t n_enum_store,
                             const char **reason);

/* COLUMN_VISIBILITY: true if column i is visible (or no such metadata). */
bool binlog_table_map_column_visible(const struct binlog_table_map *tm,
                                     uint32_t i);

/* Primary key columns from SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX:
 * fills up to max (index, prefix length or 0) pairs (prefixes may be
 * NULL when not wanted); returns the number of
 * key columns (may exceed max), 0 if none, -PROTO_EMALFORMED. */
ssize_t binlog_table_map_primary_key(const struct binlog_table_map *tm,
                                     uint32_t *cols, uint32_t *prefixes,
                                     size_t max);

/* GEOMETRY_TYPE of the geometry columns in order (0 GEOMETRY, 1 POINT,
 * 2 LINESTRING, 3 POLYGON, 4 MULTIPOINT, 5 MULTILINESTRING,
 * 6 MULTIPOLYGON, 7 GEOMETRYCOLLECTION); same return as above. */
ssize_t binlog_table_map_geometry_types(const struct binlog_table_map *tm,
                                        uint32_t *types, size_t max);

/* True if a column of this table-map type is a character column for the
 * charset metadata: CHAR, VARCHAR, TEXT/BLOB (not ENUM/SET), plus VECTOR
 * for MySQL 9 and GEOMETRY for MariaDB (their is_character_type()). */
bool binlog_column_is_character(uint8_t type, uint16_t meta,
                                bool is_mariadb);

/* True if the column is ENUM or SET (a STRING whose real type says so). */
bool binlog_column_is_enum_or_set(uint8_t type, uint16_t meta);

/* Real type and byte length of a STRING/ENUM/SET column from its meta. */
void binlog_string_meta(uint8_t type, uint16_t meta, uint8_t *real_type,
                        uint32_t *length);

/*
 * Decodes one packed value of column col at p (len bytes available).
 * Returns the bytes consumed (may be 0 for MYT_NULL), or -PROTO_E* with
 * *reason: -PROTO_ETRUNCATED when the value or its length prefix runs
 * past len, -PROTO_EMALFORMED for impossible values (month 13, decimal
 * digit groups over 999999999, a string longer than the column),
 * -PROTO_EUNSUPPORTED for types that cannot be decoded (see above).
 * Strings, JSON and geometry borrow from p.  CHAR/BINARY values arrive
 * without their trailing pad (spaces, or 0x00 for BINARY).
 */
ssize_t binlog_value_decode(const struct mysql_column *col, const uint8_t *p,
                            size_t len, struct mysql_value *v,
                            const char **reason);

/*
 * Cursor over the rows of one rows event.  Initialize with
 * binlog_rows_init(); the event's row bytes must stay valid while
 * iterating (for MariaDB compressed events they live in the decoder's
 * scratch buffer until the next compressed rows event).
 *
 * PARTIAL_UPDATE_ROWS_EVENT (MySQL 8.0 binlog_row_value_options=
 * PARTIAL_JSON): each after image starts with value_options (packed
 * integer, 0 or 1) and, when 1, a bitmap with one bit per JSON column of
 * the table saying which JSON columns of this row carry a diff instead of
 * a full document.  Such columns are returned as MYV_JSON with
 * binlog_rows_is_partial() true, and v.bytes holding the diff vector
 * without its 4-byte length: a sequence of diffs, each
 *   operation  1 byte: 0 REPLACE, 1 INSERT, 2 REMOVE
 *   path       packed-integer length + JSON path text ("$.a[1]")
 *   value      unless REMOVE: packed-integer length + MySQL binary JSON
 * (sql/json_diff.cc Json_diff::write_binary), applied in order to the
 * before image's document (MySQL apply_json_diff()).
 */
struct binlog_rows_iter {
    enum binlog_rows_kind kind;  /* images per row */
    uint32_t width;              /* columns of the table */
    const uint8_t *cols_before;  /* columns in the before image */
    const uint8_t *cols_after;   /* columns in the after image */
    uint32_t n_before;           /* bits set in cols_before */
    uint32_t n_after;            /* bits set in cols_after */
    struct rbuf r;               /* over the row images */
    uint32_t row;                /* rows returned so far */
    uint64_t value_options;      /* PARTIAL_UPDATE: of the current row */
    bool has_partial;            /* the current row has a JSON diff */
    uint8_t partial_cols[BINLOG_MAX_COLUMNS / 8]; /* bit per column index */

    /* sticky error */
    int err;                     /* -PROTO_E* or 0 */
    const char *reason;          /* static text */
    size_t offset;               /* offset in the row bytes */
    int32_t column;              /* column index, or -1 */
};

/* Starts iterating ev's rows.  Returns 0 or -PROTO_EMALFORMED. */
int binlog_rows_init(struct binlog_rows_iter *it,
                     const struct binlog_rows_event *ev);

/*
 * Decodes the next row into before[] and after[] (width entries each,
 * ncols >= width; entries past width are set MYV_ABSENT).  WRITE fills
 * after only, DELETE before only, UPDATE both; the array not filled may be
 * NULL, and a NULL array for an image is parsed and discarded.  Columns
 * not in the image (binlog_row_image=MINIMAL/NOBLOB) are MYV_ABSENT.
 * cols gives each column's type and metadata (binlog_table_map_columns()).
 * Returns 1 for a row, 0 at the end, or -PROTO_E* (sticky, reason,
 * offset and column in the iterator).
 */
int binlog_rows_next(struct binlog_rows_iter *it,
                     const struct mysql_column *cols, size_t ncols,
                     struct mysql_value *before, struct mysql_value *after);

/* True if column i of the last after image is a partial JSON diff. */
static inline bool
binlog_rows_is_partial(const struct binlog_rows_iter *it, uint32_t i)
{
    return it->has_partial && i < it->width &&
           (it->partial_cols[i / 8] & (1u << (i % 8))) != 0;
}

#endif
