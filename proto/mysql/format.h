/*
 * format.h - one decoded MySQL/MariaDB column value as tandem's JSON value.
 *
 * The conventions (every change record in every output format uses them):
 *   integers            JSON numbers; UNSIGNED columns as unsigned values
 *   FLOAT, DOUBLE       numbers, shortest text that reads back the same
 *                       (NaN/Inf, which MySQL cannot store, as null)
 *   DECIMAL             string with the column's scale: "12.340"
 *   DATE                "2024-01-31"            (zero date "0000-00-00")
 *   TIME                "-838:59:59.000000"     (fraction digits = column's)
 *   DATETIME            "2024-01-31 12:00:00.123456"
 *   TIMESTAMP           the same, in UTC; 0 is "0000-00-00 00:00:00"
 *   YEAR                "2024", year 0 as "0000"
 *   text (charset!=63)  UTF-8 string converted from the column's charset
 *   BINARY, VARBINARY,  base64 string of the bytes SELECT returns: BINARY(n)
 *   BLOB, GEOMETRY      is padded back to n bytes with 0x00 (the binlog
 *                       drops trailing zero bytes)
 *   BIT                 number
 *   ENUM, SET           member names: "b", "a,c"; 0 is ""
 *   JSON (MySQL)        the JSON value itself, embedded
 *   JSON (MariaDB)      its text as a string (a LONGTEXT underneath)
 *   SQL NULL            null
 *
 * struct mysql_column.meta is the TABLE_MAP metadata as MySQL's table_def
 * keeps it: for STRING/ENUM/SET (byte0 << 8) | byte1, i.e. real type in
 * the high byte and the length in the low byte (with the two extra length
 * bits of CHAR columns over 255 bytes folded into byte0).
 */
#ifndef TANDEM_PROTO_MYSQL_FORMAT_H
#define TANDEM_PROTO_MYSQL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/mysql/charset.h"
#include "proto/mysql/value.h"

/* Longest error text kept in struct mysql_format_ctx. */
#define MYSQL_FORMAT_ERR_MAX 160

/*
 * Scratch state reused across calls: once its buffers have grown to the
 * largest value seen, formatting allocates nothing.  A zeroed struct is
 * valid; mysql_format_ctx_free() releases it.  Not shared between threads.
 */
struct mysql_format_ctx {
    struct pbuf scratch;               /* charset conversion output */
    struct mysql_charset_cache cs;     /* iconv descriptors */
    unsigned last_coll;                /* collation id of last_cs */
    enum mysql_charset last_cs;        /* one-entry lookup cache */
    char err[MYSQL_FORMAT_ERR_MAX];    /* why the last call failed */
};

void mysql_format_ctx_free(struct mysql_format_ctx *ctx);

/*
 * Appends the JSON value of v, a value of column col, to out.  Returns 0,
 * or a negative -PROTO_E* with ctx->err set to a message naming the
 * problem (and on error out is left as it was on entry):
 *   -PROTO_EUNSUPPORTED  unknown collation id of a text column ("unknown
 *                        collation id 300"), ENUM/SET member names missing
 *                        (binlog_row_metadata=FULL is needed), a charset
 *                        without converter, MYV_ABSENT
 *   -PROTO_EMALFORMED    ENUM index or SET bit beyond the members, bad
 *                        MySQL binary JSON
 *   -PROTO_ELIMIT        JSON nested deeper than JSONB_MAX_DEPTH
 *   -PROTO_ENOMEM        out or the scratch buffer could not grow
 */
int mysql_format_value(struct pbuf *out, const struct mysql_column *col,
                       const struct mysql_value *v,
                       struct mysql_format_ctx *ctx);

/* Most bytes mysql_format_temporal() writes. */
#define MYSQL_TEMPORAL_TEXT_MAX 40

/*
 * Writes the MySQL literal text of a DATE, TIME, DATETIME or TIMESTAMP
 * value (TIMESTAMP in UTC; fraction digits as v->frac says), unquoted and
 * not NUL-terminated, at o (room for MYSQL_TEMPORAL_TEXT_MAX bytes).
 * Returns the end of what it wrote, or NULL when v is not temporal.
 */
char *mysql_format_temporal(char *o, const struct mysql_value *v);

/*
 * Byte length n of a fixed BINARY(n)/CHAR(n) column from its STRING
 * metadata (see above), or 0 when col is not a STRING column.
 */
uint32_t mysql_format_string_len(const struct mysql_column *col);

#endif
