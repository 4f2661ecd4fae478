/*
 * filter.h - row filters of replication tasks: a WHERE-clause subset
 * compiled once and evaluated on every source row.
 *
 * A task spec carries per-table filters such as
 *     id > 100 AND region IN ('eu', 'us')
 * and a row change is replicated only when its filter is TRUE on the
 * source row.  Use: filter_parse() the text once, filter_bind() it to the
 * table's columns (again whenever the table definition changes), then
 * filter_eval() each row; filter_free() at the end.
 *
 * Grammar (keywords case-insensitive):
 *   expr    := or
 *   or      := and (OR and)*
 *   and     := not (AND not)*
 *   not     := NOT not | pred
 *   pred    := '(' expr ')'
 *            | operand cmp operand
 *            | operand [NOT] IN '(' const (',' const)* ')'
 *            | operand IS [NOT] NULL
 *            | operand [NOT] LIKE string [ESCAPE string]
 *            | operand [NOT] BETWEEN operand AND operand
 *   cmp     := = | != | <> | < | > | <= | >=
 *   operand := column | const
 *   column  := identifier | `back``quoted`
 *   const   := [+|-] number | 'string' | "string" | NULL | TRUE | FALSE
 * Numbers are integers, decimals and exponent forms (12, -3.5, 1.5e-3).
 * Strings take MySQL's escapes: a doubled quote, \0 \' \" \b \n \r \t \Z
 * \\, and \% \_ which keep their backslash (so that LIKE sees them), any
 * other \x is x.  TRUE and FALSE are the numbers 1 and 0.  Keywords used
 * as column names must be backquoted.  Functions, arithmetic, qualified
 * names, comments and other operators are parse errors.  Limits: the text
 * at most FILTER_MAX_LEN bytes, nesting (parentheses and NOT) at most
 * FILTER_MAX_DEPTH, identifiers at most 256 bytes, numbers at most 96
 * significant digits, at most 4096 distinct columns.
 *
 * Semantics:
 * - SQL three-valued logic: a comparison with NULL is UNKNOWN; AND, OR and
 *   NOT follow the SQL truth tables; x IN (...) is TRUE when an item
 *   equals x, else UNKNOWN when x or an item is NULL, else FALSE (so
 *   NOT IN with a NULL item is never TRUE); x BETWEEN a AND b is
 *   x >= a AND x <= b.  IS [NOT] NULL is never UNKNOWN.
 * - Numbers (integer, UNSIGNED up to 2^64-1, DECIMAL, YEAR, BIT) compare
 *   exactly: integers as integers, DECIMAL column text and decimal
 *   constants as exact decimals ("12.340" = 12.34, also for constants
 *   written with an exponent).  Doubles are used only when a FLOAT or
 *   DOUBLE column takes part; a FLOAT is widened to double as MySQL does,
 *   so f = 1.1 is FALSE for a FLOAT holding 1.1f, as in MySQL.
 * - A number against a string (text, binary, or a string constant): the
 *   string is converted to a number as MySQL does, from its leading
 *   numeric prefix after leading spaces ('12abc' is 12, 'abc' is 0), but
 *   exactly rather than through a double.
 * - Text columns (charset other than binary) are converted to UTF-8 and
 *   compared with each other and with constants ASCII-case-insensitively
 *   (A-Z equal a-z, ordered as upper case, like MySQL's *_general_ci);
 *   other bytes compare by byte value, so non-ASCII letters are
 *   case-sensitive and accents matter.  Trailing spaces are ignored, as
 *   with PAD SPACE collations.  A _bin, _cs or NO PAD collation of the
 *   column is not honoured: every text column compares as described.
 * - Binary strings (BINARY, VARBINARY, BLOB) compare byte by byte,
 *   trailing spaces included; BINARY(n) values are padded with 0x00 to n
 *   bytes as the server stores them.  Comparing a binary string with
 *   any other string (or temporal text) is byte-wise.
 * - ENUM and SET compare by member names ("b", "a,c") against strings
 *   and as their index / bitmask against numbers, as in MySQL.
 * - DATE, TIME, DATETIME and TIMESTAMP (in UTC) compare with strings and
 *   with each other as their MySQL literal text ("2024-01-31 12:00:00.123",
 *   fraction digits per column), byte-wise, which is time order for
 *   literals of the same format: write constants as 'YYYY-MM-DD' or
 *   'YYYY-MM-DD hh:mm:ss[.ffffff]' with two-digit fields and a space.  A
 *   text that extends the other only with zero fields is equal to it, so
 *   '2024-01-31' = '2024-01-31 00:00:00.000' and a DATETIME(3) holding
 *   12:00:00.000 equals '2024-01-31 12:00:00'.  Negative TIME values and
 *   hours above 99 do not sort as time.  Against a number they compare as
 *   MySQL's numeric form (20240131, 20240131120000.5, -123000).
 * - LIKE: % matches any sequence, _ one character (one byte for binary
 *   strings), the escape character (default \) makes the next character
 *   literal.  Case-insensitive for text as with =, byte-exact for binary
 *   strings; trailing spaces count.  Numbers and temporal values are
 *   matched through their text.
 * - BIT compares as its number.  JSON (MySQL binary JSON), GEOMETRY and
 *   VECTOR columns are refused by filter_bind().  MariaDB's JSON is text.
 */
#ifndef TANDEM_PROTO_FILTER_H
#define TANDEM_PROTO_FILTER_H

#include <stddef.h>

#include "proto/mysql/value.h"

/* Longest filter text, in bytes. */
#define FILTER_MAX_LEN 65536

/* Deepest nesting of parentheses and NOT. */
#define FILTER_MAX_DEPTH 64

/* Compiled filter: owns all its memory. */
struct filter;

/* Result of filter_eval(): SQL three-valued logic. */
enum filter_result {
    FILTER_FALSE = 0,   /* the row is not replicated */
    FILTER_TRUE = 1,    /* the row is replicated */
    FILTER_UNKNOWN = 2, /* NULL involved: not replicated, like FALSE */
    FILTER_RESULT_COUNT /* sentinel */
};

/* "FALSE", "TRUE", "UNKNOWN" (or "?"). */
const char *filter_result_name(int r);

/*
 * Compiles the <len> bytes at <text> (not NUL-terminated; NUL bytes are
 * allowed only inside string literals).  Returns an owned filter, to be
 * released with filter_free(), or NULL with a one-line reason in
 * <err>[<errlen>] (either may be NULL/0) naming the byte offset:
 *     "offset 12: expected a value after '>'"
 *     "offset 3: unknown operator '=='"
 *     "offset 0: functions are not supported in filters: 'lower('"
 * or "out of memory".  The filter is unbound: filter_eval() works at once
 * only when the text references no column.
 */
struct filter *filter_parse(const char *text, size_t len, char *err,
                            size_t errlen);

/* Number of distinct columns the filter references (names compared
 * ASCII-case-insensitively) and the name of the <i>th, NUL-terminated as
 * first written (backquotes removed), valid until filter_free(); NULL
 * when <i> is out of range. */
size_t filter_ncolumns(const struct filter *f);
const char *filter_column(const struct filter *f, size_t i);

/*
 * Resolves the filter's column names against the <ncols> columns at
 * <cols> (names ASCII-case-insensitive, as MySQL column names; bytes
 * beyond ASCII compare exactly).  Returns 0, or -1 with a reason in <err>:
 *     "unknown column 'x'"
 *     "column 'doc' has type JSON, which filters do not support"
 *     "column 'name' has an unknown collation (id 0)"
 * and leaves the filter unbound (filter_eval() then fails) so that a stale
 * binding is never used.  May be called again whenever the table's
 * definition changes; <cols> is not kept.
 */
int filter_bind(struct filter *f, const struct mysql_column *cols, size_t ncols,
                char *err, size_t errlen);

/*
 * Evaluates the filter on one row: <vals>[i] is the value of column
 * <cols>[i], as bound.  Returns FILTER_TRUE, FILTER_FALSE or
 * FILTER_UNKNOWN, or a negative code the caller must treat as an error
 * (never as FALSE), with the reason in filter_eval_error():
 *   -PROTO_EUNSUPPORTED  a referenced column is MYV_ABSENT (not in a
 *                        MINIMAL row image), the filter is not bound or
 *                        <ncols> is too small for the binding, ENUM/SET
 *                        member names unknown, a text column's collation
 *                        unknown or without converter, a JSON/GEOMETRY
 *                        value
 *   -PROTO_EMALFORMED    ENUM index or SET bit beyond the members
 *   -PROTO_ENOMEM        scratch memory could not grow
 * Every referenced column is checked for MYV_ABSENT before evaluation, so
 * a missing column is never hidden by short-circuiting; the other errors
 * arise only in operands AND/OR actually evaluate.  The filter keeps
 * scratch buffers (charset conversion, value text) that grow to the
 * largest value seen and are reused: once warm, evaluation allocates
 * nothing.  That scratch state makes concurrent calls on one filter
 * unsafe although <f> is const.  Values are only read.
 */
int filter_eval(const struct filter *f, const struct mysql_column *cols,
                const struct mysql_value *vals, size_t ncols);

/* Why the last filter_eval() on <f> failed ("" when it did not). */
const char *filter_eval_error(const struct filter *f);

/* Releases the scratch buffers kept by filter_eval() (for idle tasks);
 * they grow again on the next evaluation. */
void filter_trim(struct filter *f);

/* Frees <f> and everything it owns; NULL is a no-op. */
void filter_free(struct filter *f);

#endif
