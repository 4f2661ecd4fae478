/*
 * sqlenc.h - decoded MySQL/MariaDB binlog values as SQL literals and
 * identifiers for a MySQL/MariaDB destination (the statements a
 * replication writer sends: INSERT ... VALUES, UPDATE ... SET ... WHERE,
 * DELETE ... WHERE).
 *
 * A literal from sqlenc_value(), stored into a destination column of the
 * same type as the source column, stores exactly the value the source row
 * holds, and compared with `=` or `<=>` to such a column it matches that
 * value.  It never depends on backslash escapes, so it reads the same with
 * NO_BACKSLASH_ESCAPES on or off, and it is one token (or an introducer and
 * a token), so nothing a source row holds can change the statement around
 * it.
 *
 * Session settings the destination connection must have (the literals
 * rely on them):
 *   SET NAMES utf8mb4         plain '...' literals are UTF-8 text
 *   SET time_zone='+00:00'    TIMESTAMP literals are UTC
 *   SET sql_mode=SQLENC_SQL_MODE (below), which means in particular:
 *     - NO_AUTO_VALUE_ON_ZERO: an AUTO_INCREMENT column given 0 stores 0
 *       (a source row may hold 0 there) instead of the next value;
 *     - no NO_ZERO_DATE, no NO_ZERO_IN_DATE: '0000-00-00' and
 *       '2024-00-15' are values a source may hold (TIMESTAMP 0 included);
 *     - ALLOW_INVALID_DATES: '2024-02-30' is one too (a source that ran
 *       with that mode);
 *     - no EMPTY_STRING_IS_NULL, no ORACLE (MariaDB): '' stays '';
 *     - STRICT_ALL_TABLES: a literal that does not fit the destination
 *       column (a schema that differs from the source's) is an error
 *       rather than a silent truncation.  The one source value strict
 *       mode refuses is the ENUM error value (index 0, stored by a server
 *       in non-strict mode): sqlenc_value() writes it as 0 and sets
 *       ctx->lenient; the caller then runs that statement with
 *       SQLENC_SQL_MODE_LENIENT (MariaDB: SET STATEMENT sql_mode='...' FOR
 *       <statement>; MySQL 8: the optimizer hint SET_VAR(sql_mode='...');
 *       or SET SESSION sql_mode before and after it).
 *   ANSI_QUOTES does not matter: identifiers are written with backquotes
 *   and strings with single quotes, which read the same either way.
 *
 * Literals per value kind (v->frac fraction digits for temporal types):
 *   MYV_NULL             NULL
 *   MYV_INT, MYV_UINT    decimal digits: -9223372036854775808
 *   MYV_FLOAT            the shortest text of the float's exact double
 *                        value: 3.140000104904175 for 3.14f.  The float's
 *                        own shortest text ("3.14") would store the same
 *                        float but not compare equal to the column in a
 *                        WHERE (the server compares FLOAT as DOUBLE), and
 *                        for FLT_MAX ("3.4028235e+38") is out of the
 *                        FLOAT range as a double and refused.
 *   MYV_DOUBLE           shortest round-trip text: 0.1, 1e+100, 5e-324
 *                        (-0 is written -0; the server stores 0)
 *   MYV_DECIMAL          its text, unquoted: -12.340 (exact DECIMAL);
 *                        pre-5.0 DECIMAL text "+.5" is written 0.5
 *   MYV_DATE             '2024-01-31', '0000-00-00'
 *   MYV_TIME             '-838:59:59.000000'
 *   MYV_DATETIME         '2024-01-31 12:00:00.123456'
 *   MYV_TIMESTAMP        the same in UTC; 0 is '0000-00-00 00:00:00'
 *   MYV_YEAR             1901..2155, and 0 (a number: the string '0'
 *                        would store 2000, the number 0 stores 0000)
 *   MYV_BIT              the value in decimal: 5 for b'101'
 *   MYV_ENUM             the member name: 'b'; index 0 is 0 (see above:
 *                        '' would pick a member named '' if there is one)
 *   MYV_SET              the member names: 'a,c'; 0 is ''
 *   MYV_STRING, text     well-formed utf8mb3/utf8mb4 text, and all-ASCII
 *                        text of a character set whose ASCII range is
 *                        ASCII, without a backslash or a NUL byte: '...'
 *                        with ' doubled; the empty string: ''; any other
 *                        text: the column's own bytes behind its
 *                        character set as introducer: _latin1 X'E9',
 *                        _utf16 X'D83DDE00', _gbk X'955C', _utf8mb4
 *                        X'5C' (utf8mb3 text is written as utf8mb4, the
 *                        name every server knows).  The destination
 *                        converts from the source character set itself,
 *                        so no byte is lost to a conversion table, and no
 *                        multi-byte character whose trail byte is 0x5C or
 *                        0x27 ever stands between quotes.  gb18030 exists
 *                        only in MySQL 5.7.4+: a MariaDB destination
 *                        refuses the statement.
 *   MYV_STRING, binary   X'6100' (BINARY(n), VARBINARY, BLOB, VECTOR);
 *                        BINARY(n) is padded back to n bytes with 00
 *                        (the binlog drops trailing zero bytes, and a
 *                        WHERE on BINARY compares all n bytes)
 *   MYV_JSON             MySQL binary JSON as its text, the way SELECT
 *                        prints it ({"a": 1}), quoted as UTF-8 text.  A
 *                        MySQL JSON destination parses it (DECIMAL, DATE
 *                        ... scalars inside the document come back as
 *                        numbers and strings: text has no other form); a
 *                        MariaDB one stores the text.  In a WHERE on a
 *                        MySQL JSON column wrap it: CAST(<lit> AS JSON).
 *   MYV_GEOMETRY         X'<4-byte SRID><WKB>': the server's own storage
 *                        format, accepted as is by a GEOMETRY column
 *                        (SRID kept, no axis-order question) and checked
 *                        by the server ("Cannot get geometry object")
 *   MYV_ABSENT           error: the column is not in the row image
 *
 * MariaDB JSON columns (col->is_json_text) are LONGTEXT: text as above.
 * A JSON column of a PARTIAL_UPDATE_ROWS_EVENT row that carries a diff
 * (binlog_rows_is_partial()) is not a document: encode it with
 * sqlenc_json_diff() from the before image.
 *
 * Verified on MariaDB 10.11 (see tests/unit/test_sqlenc.c and
 * tests/integration/test_sqlenc_roundtrip.py): every form above but
 * gb18030 and MySQL JSON columns, stored, compared back in a WHERE, with
 * NO_BACKSLASH_ESCAPES and ANSI_QUOTES off and on.  MySQL destinations
 * follow the same documented rules but were not run here.
 *
 * No function here keeps a pointer to its arguments; all output goes to
 * the caller's pbuf (sticky failed flag) and scratch memory lives in
 * struct sqlenc_ctx.
 */
#ifndef TANDEM_PROTO_MYSQL_SQLENC_H
#define TANDEM_PROTO_MYSQL_SQLENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/mysql/charset.h"
#include "proto/mysql/jsonb.h"
#include "proto/mysql/value.h"

/* The destination session's sql_mode (see above). */
#define SQLENC_SQL_MODE                                                        \
    "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,"          \
    "ALLOW_INVALID_DATES"

/* The same without strict mode, for statements that set ctx->lenient. */
#define SQLENC_SQL_MODE_LENIENT                                                \
    "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES"

/* Longest error text kept in struct sqlenc_ctx. */
#define SQLENC_ERR_MAX 160

/*
 * Scratch state reused across calls: once its buffers have grown to the
 * largest value seen, encoding allocates nothing.  A zeroed struct is
 * valid; sqlenc_ctx_free() releases it.  Not shared between threads.
 */
struct sqlenc_ctx {
    struct pbuf scratch;           /* JSON text, ENUM/SET names */
    struct mysql_charset_cache cs; /* iconv descriptors (member names) */
    struct jsonb_tree tree;        /* sqlenc_json_diff() documents */
    bool lenient;                  /* set by a literal that strict mode
                                    * refuses (ENUM index 0); never
                                    * cleared here: the caller resets it
                                    * per statement */
    char err[SQLENC_ERR_MAX];      /* why the last call failed */
};

/* Releases the scratch memory; the struct is zeroed and reusable. */
void sqlenc_ctx_free(struct sqlenc_ctx *c);

/*
 * Appends the identifier name[0..len) in backquotes, backquotes inside
 * doubled: `a``b`.  The bytes are copied otherwise as they are (names are
 * UTF-8 in the binlog and the schema); a NUL byte, which no server accepts
 * in an identifier, makes the server refuse the statement, not read it
 * differently.
 */
void sqlenc_ident(struct pbuf *out, const char *name, size_t len);

/* `db`.`table` from two NUL-terminated names. */
void sqlenc_qualified(struct pbuf *out, const char *db, const char *table);

/*
 * Appends the UTF-8 text p[0..n) as a string literal: '...' with '
 * doubled, or _utf8mb4 X'...' when it holds a backslash, a NUL byte or
 * is not well-formed UTF-8 (for the caller's own values, such as the
 * names and positions a writer records).
 */
void sqlenc_text(struct pbuf *out, const void *p, size_t n);

/*
 * Appends the SQL literal of v, a value of column col (see above).
 * Returns 0, or a negative -PROTO_E* with ctx->err set (out is then left
 * as it was on entry):
 *   -PROTO_EUNSUPPORTED  MYV_ABSENT; unknown collation id of a text
 *                        column; ENUM/SET member names unknown (the
 *                        source needs binlog_row_metadata=FULL or a
 *                        schema); a member name's charset without
 *                        converter; NaN or infinity (no SQL literal)
 *   -PROTO_EMALFORMED    ENUM index or SET bit beyond the members,
 *                        DECIMAL text that is not a number, bad binary
 *                        JSON
 *   -PROTO_ELIMIT        JSON nested deeper than JSONB_MAX_DEPTH
 *   -PROTO_ENOMEM        out or the scratch buffer could not grow
 * ctx->lenient is set when the literal needs SQLENC_SQL_MODE_LENIENT.
 */
int sqlenc_value(struct pbuf *out, const struct mysql_column *col,
                 const struct mysql_value *v, struct sqlenc_ctx *ctx);

/*
 * Appends the literal of a partial JSON update: the JSON text of the
 * before image's document (before, a MYV_JSON value) with the diff vector
 * of diff (a MYV_JSON value from a PARTIAL_UPDATE_ROWS_EVENT column that
 * binlog_rows_is_partial() flags) applied, quoted like MYV_JSON.  Returns
 * as sqlenc_value(), plus -PROTO_EUNSUPPORTED when before is not a
 * MYV_JSON document (binlog_row_image=MINIMAL logs no before image of
 * the column) and the errors of jsonb_apply_diffs().
 */
int sqlenc_json_diff(struct pbuf *out, const struct mysql_value *before,
                     const struct mysql_value *diff, struct sqlenc_ctx *ctx);

#endif
