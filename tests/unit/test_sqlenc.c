/*
 * test_sqlenc.c - decoded values as SQL literals: the exact text for every
 * kind of value, the errors, and that no input bytes can make a literal
 * that reads differently with or without NO_BACKSLASH_ESCAPES.
 *
 * What the server does with these literals was checked by hand on MariaDB
 * 10.11.19 (session: SET NAMES utf8mb4, time_zone '+00:00', sql_mode
 * SQLENC_SQL_MODE unless said otherwise); the comments next to the cases
 * say what it stored or answered.  tests/integration/
 * test_sqlenc_roundtrip.py runs the same forms through a live server.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/sqlenc.h"

/* Collation ids used below. */
#define C_LATIN1 8
#define C_SWE7 10
#define C_GBK 28
#define C_UTF8MB3 33
#define C_UCS2 35
#define C_UTF8MB4 45
#define C_UTF16 54
#define C_UTF32 60
#define C_BIN 63

static struct sqlenc_ctx ctx;

static struct mysql_column
col_of(uint8_t type, uint16_t meta, uint16_t charset)
{
    struct mysql_column c;

    memset(&c, 0, sizeof(c));
    c.type = type;
    c.meta = meta;
    c.charset = charset;
    return c;
}

static struct mysql_value
val_of(enum mysql_value_kind kind)
{
    struct mysql_value v;

    memset(&v, 0, sizeof(v));
    v.kind = kind;
    return v;
}

static struct mysql_value
bytes_of(enum mysql_value_kind kind, const char *p, size_t n)
{
    struct mysql_value v = val_of(kind);

    v.v.bytes.p = (const uint8_t *)p;
    v.v.bytes.len = n;
    return v;
}

static struct mysql_value
tm_of(enum mysql_value_kind kind, unsigned y, unsigned mo, unsigned d,
      unsigned h, unsigned mi, unsigned s, uint32_t usec, uint8_t frac)
{
    struct mysql_value v = val_of(kind);

    v.v.tm.year = (uint16_t)y;
    v.v.tm.month = (uint8_t)mo;
    v.v.tm.day = (uint8_t)d;
    v.v.tm.hour = h;
    v.v.tm.minute = (uint8_t)mi;
    v.v.tm.second = (uint8_t)s;
    v.v.tm.usec = usec;
    v.frac = frac;
    return v;
}

/*
 * True when s[0..n) is one literal of the forms sqlenc writes: NULL, a
 * number, '...' with no backslash or NUL and every quote doubled, or
 * X'<even hex>' with an optional _charset introducer.  Such a literal
 * reads the same with and without NO_BACKSLASH_ESCAPES and ANSI_QUOTES.
 */
static bool
safe_literal(const char *s, size_t n)
{
    size_t i = 0, d;

    if (n == 4 && memcmp(s, "NULL", 4) == 0) {
        return true;
    }
    if (n > 0 && s[0] == '\'') {
        for (i = 1; i < n; i++) {
            if (s[i] == '\\' || s[i] == '\0') {
                return false;
            }
            if (s[i] == '\'') {
                if (i + 1 == n) {
                    return true;
                }
                if (s[i + 1] != '\'') {
                    return false;
                }
                i++;
            }
        }
        return false;
    }
    if (n > 0 && s[0] == '_') {
        for (i = 1; i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
                              (s[i] >= '0' && s[i] <= '9')); i++) {
        }
        if (i == 1 || i >= n || s[i] != ' ') {
            return false;
        }
        i++;
    }
    if (i + 3 <= n && s[i] == 'X' && s[i + 1] == '\'') {
        for (d = i + 2; d < n - 1; d++) {
            if (!((s[d] >= '0' && s[d] <= '9') ||
                  (s[d] >= 'A' && s[d] <= 'F'))) {
                return false;
            }
        }
        return s[n - 1] == '\'' && (n - i - 3) % 2 == 0;
    }
    if (i != 0) {
        return false;
    }
    /* -?digits[.digits][e[+-]digits] */
    if (i < n && s[i] == '-') {
        i++;
    }
    for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    }
    if (i == d) {
        return false;
    }
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        }
        if (i == d) {
            return false;
        }
    }
    if (i < n && s[i] == 'e') {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        }
        if (i == d) {
            return false;
        }
    }
    return i == n;
}

static void
check_n(const struct mysql_column *c, const struct mysql_value *v,
        const char *want, size_t want_len)
{
    struct pbuf b = {0};
    int rc;

    pbuf_put(&b, "(", 1);
    rc = sqlenc_value(&b, c, v, &ctx);
    if (rc != 0) {
        fail_msg("rc %d: %s (want %s)", rc, ctx.err, want);
    }
    if (b.len - 1 != want_len || memcmp(b.data + 1, want, want_len) != 0) {
        fail_msg("got <%.*s>, want <%s>", (int)(b.len - 1),
                 (const char *)b.data + 1, want);
    }
    assert_true(safe_literal((const char *)b.data + 1, b.len - 1));
    pbuf_free(&b);
}

static void
check(const struct mysql_column *c, const struct mysql_value *v,
      const char *want)
{
    check_n(c, v, want, strlen(want));
}

static void
check_err(const struct mysql_column *c, const struct mysql_value *v,
          int want_rc, const char *want_err)
{
    struct pbuf b = {0};
    int rc;

    pbuf_put(&b, "keep", 4);
    rc = sqlenc_value(&b, c, v, &ctx);
    assert_int_equal(rc, want_rc);
    assert_non_null(strstr(ctx.err, want_err));
    assert_int_equal(b.len, 4);
    pbuf_free(&b);
}

static void
test_numbers(void **state)
{
    struct mysql_column c = col_of(MYT_LONGLONG, 0, 0);
    struct mysql_column cf = col_of(MYT_FLOAT, 4, 0);
    struct mysql_column cd = col_of(MYT_DOUBLE, 8, 0);
    struct mysql_value v = val_of(MYV_INT);

    (void)state;
    v.v.i = -5;
    check(&c, &v, "-5");
    /* a BIGINT column stores -9223372036854775808 */
    v.v.i = INT64_MIN;
    check(&c, &v, "-9223372036854775808");
    v = val_of(MYV_UINT);
    v.v.u = UINT64_MAX;
    check(&c, &v, "18446744073709551615");

    /* FLOAT: the float's exact double.  INSERT 3.140000104904175 stores
     * 3.14f and `WHERE f = 3.140000104904175` finds the row, while
     * `WHERE f = 3.14` finds nothing; 3.4028235e38 (FLT_MAX's shortest
     * text) is ERROR 1264 Out of range for a FLOAT column. */
    v = val_of(MYV_FLOAT);
    v.v.f = 3.14f;
    check(&cf, &v, "3.140000104904175");
    v.v.f = FLT_MAX;
    check(&cf, &v, "3.4028234663852886e+38");
    v.v.f = -FLT_MAX;
    check(&cf, &v, "-3.4028234663852886e+38");
    /* stores the smallest subnormal float */
    v.v.f = 1.401298464324817e-45f;
    check(&cf, &v, "1.401298464324817e-45");
    v.v.f = 16777216.0f;
    check(&cf, &v, "16777216");
    v.v.f = 1e20f;
    check(&cf, &v, "1.0000000200408773e+20");
    v.v.f = 0.0f;
    check(&cf, &v, "0");

    v = val_of(MYV_DOUBLE);
    v.v.d = 0.1;
    check(&cd, &v, "0.1");
    v.v.d = DBL_MAX;
    check(&cd, &v, "1.7976931348623157e+308");
    v.v.d = 5e-324;
    check(&cd, &v, "5e-324");
    v.v.d = -2.2250738585072014e-308;
    check(&cd, &v, "-2.2250738585072014e-308");
    v.v.d = 1e100;
    check(&cd, &v, "1e+100");
    /* the server stores -0e0 as 0 in a DOUBLE column anyway */
    v.v.d = -0.0;
    check(&cd, &v, "-0");
    v.v.d = NAN;
    check_err(&cd, &v, -PROTO_EUNSUPPORTED, "NaN");
    v.v.d = -INFINITY;
    check_err(&cd, &v, -PROTO_EUNSUPPORTED, "infinity");
    v = val_of(MYV_FLOAT);
    v.v.f = INFINITY;
    check_err(&cf, &v, -PROTO_EUNSUPPORTED, "FLOAT value infinity");
}

static void
test_bit_year(void **state)
{
    struct mysql_column cb = col_of(MYT_BIT, 0x0800, 0);
    struct mysql_column cy = col_of(MYT_YEAR, 0, 0);
    struct mysql_value v = val_of(MYV_BIT);

    (void)state;
    /* BIT(64) stores 18446744073709551615; BIT(3) gets 5 = b'101' */
    v.v.u = UINT64_MAX;
    check(&cb, &v, "18446744073709551615");
    v.v.u = 5;
    check(&cb, &v, "5");
    v.v.u = 0;
    check(&cb, &v, "0");

    /* YEAR: the number 0 stores 0000, the string '0' stores 2000 */
    v = val_of(MYV_YEAR);
    v.v.u = 0;
    check(&cy, &v, "0");
    v.v.u = 1901;
    check(&cy, &v, "1901");
    v.v.u = 2155;
    check(&cy, &v, "2155");
}

static void
test_decimal(void **state)
{
    struct mysql_column c = col_of(MYT_NEWDECIMAL, (10 << 8) | 3, 0);
    struct mysql_value v = val_of(MYV_DECIMAL);
    static const char *bad[] = {"", "-", ".", "-.", "+", "1.2.3", "1e5",
                                "1;DROP", "12 ", "--1", "1'", "0x1",
                                " 1", "1-"};
    size_t i;

    (void)state;
    strcpy(v.v.dec.text, "-12.340");
    v.v.dec.len = 7;
    check(&c, &v, "-12.340");
    strcpy(v.v.dec.text, "0.000");
    check(&c, &v, "0.000");
    /* 65 digits, the most a DECIMAL holds */
    strcpy(v.v.dec.text, "-99999999999999999999999999999999999999999999"
                         "999999999999999999999");
    check(&c, &v, "-99999999999999999999999999999999999999999999"
                  "999999999999999999999");
    /* pre-5.0 DECIMAL text (space padding already cut by the decoder) */
    strcpy(v.v.dec.text, "+5.");
    check(&c, &v, "5");
    strcpy(v.v.dec.text, "-.5");
    check(&c, &v, "-0.5");
    strcpy(v.v.dec.text, "007");
    check(&c, &v, "007");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strcpy(v.v.dec.text, bad[i]);
        check_err(&c, &v, -PROTO_EMALFORMED, "not a number");
    }
    /* no NUL within the text buffer: stops at its end */
    memset(v.v.dec.text, '7', sizeof(v.v.dec.text));
    check_err(&c, &v, -PROTO_EMALFORMED, "not a number");
}

static void
test_temporal(void **state)
{
    struct mysql_column c = col_of(MYT_DATETIME2, 6, 0);
    struct mysql_value v;

    (void)state;
    /* zero dates and zero parts are accepted without NO_ZERO_DATE and
     * NO_ZERO_IN_DATE, also in strict mode */
    v = tm_of(MYV_DATE, 0, 0, 0, 0, 0, 0, 0, 0);
    check(&c, &v, "'0000-00-00'");
    /* ERROR 1292 Incorrect date value in strict mode unless
     * ALLOW_INVALID_DATES: with it, stored as is */
    v = tm_of(MYV_DATE, 2024, 2, 30, 0, 0, 0, 0, 0);
    check(&c, &v, "'2024-02-30'");
    v = tm_of(MYV_DATE, 9999, 12, 31, 0, 0, 0, 0, 0);
    check(&c, &v, "'9999-12-31'");

    /* TIME(6) stores -838:59:59.000000 */
    v = tm_of(MYV_TIME, 0, 0, 0, 838, 59, 59, 0, 6);
    v.v.tm.neg = true;
    check(&c, &v, "'-838:59:59.000000'");
    v = tm_of(MYV_TIME, 0, 0, 0, 838, 59, 59, 999999, 6);
    check(&c, &v, "'838:59:59.999999'");
    /* TIME(3): the decoder's usec keeps the 3 digits in its high part */
    v = tm_of(MYV_TIME, 0, 0, 0, 0, 0, 1, 123000, 3);
    v.v.tm.neg = true;
    check(&c, &v, "'-00:00:01.123'");
    v = tm_of(MYV_TIME, 0, 0, 0, 12, 0, 0, 0, 0);
    check(&c, &v, "'12:00:00'");

    v = tm_of(MYV_DATETIME, 2024, 0, 15, 23, 59, 59, 999999, 6);
    check(&c, &v, "'2024-00-15 23:59:59.999999'");
    v = tm_of(MYV_DATETIME, 0, 0, 0, 0, 0, 0, 0, 0);
    check(&c, &v, "'0000-00-00 00:00:00'");
    v = tm_of(MYV_DATETIME, 1000, 1, 1, 0, 0, 0, 500000, 1);
    check(&c, &v, "'1000-01-01 00:00:00.5'");
}

static void
test_timestamp(void **state)
{
    struct mysql_column c = col_of(MYT_TIMESTAMP2, 3, 0);
    struct mysql_value v = val_of(MYV_TIMESTAMP);

    (void)state;
    /* with time_zone '+00:00': UNIX_TIMESTAMP() of the stored value is
     * 0.000 for the zero TIMESTAMP, 1.000 and 2147483647.999 */
    v.frac = 3;
    check(&c, &v, "'0000-00-00 00:00:00.000'");
    v.v.ts.sec = 1;
    check(&c, &v, "'1970-01-01 00:00:01.000'");
    v.v.ts.sec = 2147483647;
    v.v.ts.usec = 999000;
    check(&c, &v, "'2038-01-19 03:14:07.999'");
    /* MariaDB 11.5+ TIMESTAMP goes on to 2106 */
    v.frac = 0;
    v.v.ts.sec = 4294967295LL;
    v.v.ts.usec = 0;
    check(&c, &v, "'2106-02-07 06:28:15'");
    v.v.ts.sec = 951782400; /* a leap day */
    check(&c, &v, "'2000-02-29 00:00:00'");
    v.frac = 6;
    v.v.ts.sec = 1700000000;
    v.v.ts.usec = 1;
    check(&c, &v, "'2023-11-14 22:13:20.000001'");
}

static void
test_text(void **state)
{
    struct mysql_column c = col_of(MYT_VARCHAR, 100, C_UTF8MB4);
    struct mysql_value v;

    (void)state;
#define TEXT(coll, in, want)                                             \
    do {                                                                 \
        c.charset = (coll);                                              \
        v = bytes_of(MYV_STRING, in, sizeof(in) - 1);                    \
        check(&c, &v, want);                                             \
    } while (0)

    /* stored as it's with NO_BACKSLASH_ESCAPES on and off alike */
    TEXT(C_UTF8MB4, "it's", "'it''s'");
    TEXT(C_UTF8MB4, "", "''");
    TEXT(C_UTF8MB4, "''", "''''''");
    TEXT(C_UTF8MB4, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "'\xc3\xa9t\xc3"
         "\xa9 \xf0\x9f\x98\x80'");
    /* newline and tab are characters of the literal in either mode */
    TEXT(C_UTF8MB4, "a\nb\tc\r", "'a\nb\tc\r'");
    /* _utf8mb4 X'5C27' stores \' (2 bytes) in either mode */
    TEXT(C_UTF8MB4, "\\'", "_utf8mb4 X'5C27'");
    TEXT(C_UTF8MB4, "a\0b", "_utf8mb4 X'610062'");
    /* not UTF-8: the server decides (strict: ERROR 1366) */
    TEXT(C_UTF8MB4, "\xe9", "_utf8mb4 X'E9'");
    TEXT(C_UTF8MB4, "\xed\xa0\x80", "_utf8mb4 X'EDA080'");
    /* utf8mb3 text goes as utf8mb4, which every server knows */
    TEXT(C_UTF8MB3, "x", "'x'");
    TEXT(C_UTF8MB3, "\\", "_utf8mb4 X'5C'");
    /* MariaDB UCA 14.0 collation of utf8mb4 */
    TEXT(2048 + 256 + 1, "x'", "'x'''");

    /* other character sets: ASCII text as it is, the rest as the
     * column's bytes behind its introducer; a latin1 column stores
     * 81E9, a ucs2 one 00E9, utf16 D83DDE00, utf32 0001F600, gbk C4E3 */
    TEXT(C_LATIN1, "abc'", "'abc'''");
    TEXT(C_LATIN1, "\x81\xe9", "_latin1 X'81E9'");
    TEXT(C_LATIN1, "a\\", "_latin1 X'615C'");
    TEXT(C_UCS2, "\x00\xe9", "_ucs2 X'00E9'");
    TEXT(C_UCS2, "\x00" "A", "_ucs2 X'0041'");
    TEXT(C_UTF16, "\xd8\x3d\xde\x00", "_utf16 X'D83DDE00'");
    TEXT(C_UTF32, "\x00\x01\xf6\x00", "_utf32 X'0001F600'");
    TEXT(C_GBK, "\xc4\xe3", "_gbk X'C4E3'");
    /* a gbk trail byte may be 0x5C or 0x27: never inside quotes */
    TEXT(C_GBK, "\x95\x5c", "_gbk X'955C'");
    TEXT(C_GBK, "\x95\x27", "_gbk X'9527'");
    /* swe7's ASCII range is not ASCII: 5B7D is 'ÄÅ' there */
    TEXT(C_SWE7, "[}", "_swe7 X'5B7D'");
    TEXT(C_SWE7, "", "''");
    TEXT(C_UTF32, "", "''");
#undef TEXT

    /* an empty value may have no bytes at all */
    c.charset = C_UTF8MB4;
    v = bytes_of(MYV_STRING, NULL, 0);
    check(&c, &v, "''");
    c.charset = C_BIN;
    check(&c, &v, "X''");

    /* MariaDB JSON is a LONGTEXT */
    c = col_of(MYT_BLOB, 4, C_UTF8MB4);
    c.is_json_text = true;
    v = bytes_of(MYV_STRING, "{\"a\": \"b\"}", 10);
    check(&c, &v, "'{\"a\": \"b\"}'");

    c = col_of(MYT_VARCHAR, 100, 0);
    v = bytes_of(MYV_STRING, "x", 1);
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "unknown collation id 0");
    c.charset = 5000;
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "unknown collation id 5000");
}

static void
test_binary(void **state)
{
    /* BINARY(4): real type STRING (0xfe), length 4 */
    struct mysql_column c = col_of(MYT_STRING, 0xfe04, C_BIN);
    struct mysql_value v;

    (void)state;
    /* the binlog drops trailing zero bytes: a BINARY(4) holding 61000000
     * is logged as 61, and `WHERE bn = X'61'` finds nothing */
    v = bytes_of(MYV_STRING, "a", 1);
    check(&c, &v, "X'61000000'");
    v = bytes_of(MYV_STRING, "", 0);
    check(&c, &v, "X'00000000'");
    v = bytes_of(MYV_STRING, "abcd", 4);
    check(&c, &v, "X'61626364'");
    /* BINARY(300): length bits 8-9 folded into byte0 */
    c = col_of(MYT_STRING, ((0xfe ^ 0x10) << 8) | 44, C_BIN);
    v = bytes_of(MYV_STRING, "\xff", 1);
    {
        char want[4 + 600];

        memcpy(want, "X'FF", 4);
        memset(want + 4, '0', 598);
        want[602] = '\'';
        check_n(&c, &v, want, 603);
    }
    /* CHAR(4) text is not padded: the server pads it */
    c = col_of(MYT_STRING, 0xfe04, C_LATIN1);
    v = bytes_of(MYV_STRING, "a", 1);
    check(&c, &v, "'a'");

    c = col_of(MYT_VARCHAR, 10, C_BIN);
    v = bytes_of(MYV_STRING, "", 0);
    check(&c, &v, "X''");
    v = bytes_of(MYV_STRING, "\x00\xff'\\", 4);
    check(&c, &v, "X'00FF275C'");
    c = col_of(MYT_BLOB, 2, C_BIN);
    v = bytes_of(MYV_STRING, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    check(&c, &v, "X'0123456789ABCDEF'");
    /* MySQL 9 VECTOR: 4-byte floats */
    c = col_of(MYT_VECTOR, 4, 0);
    v = bytes_of(MYV_STRING, "\x00\x00\x80\x3f", 4);
    check(&c, &v, "X'0000803F'");

    /* GEOMETRY: SRID 4326 + WKB POINT(2 3); a GEOMETRY or POINT column
     * stores it with ST_SRID() = 4326 and ST_AsText() = POINT(2 3) */
    c = col_of(MYT_GEOMETRY, 4, C_BIN);
    v = bytes_of(MYV_GEOMETRY,
                 "\xe6\x10\x00\x00\x01\x01\x00\x00\x00"
                 "\x00\x00\x00\x00\x00\x00\x00\x40"
                 "\x00\x00\x00\x00\x00\x00\x08\x40", 25);
    check(&c, &v, "X'E6100000010100000000000000000000400000000000000840'");
}

static const struct span abc[] = {
    {(const uint8_t *)"a", 1},
    {(const uint8_t *)"it's", 4},
    {(const uint8_t *)"c", 1},
    {(const uint8_t *)"\\", 1},
};

static void
test_enum_set(void **state)
{
    struct mysql_column c = col_of(MYT_STRING, 0xf701, C_UTF8MB4);
    struct mysql_value v = val_of(MYV_ENUM);
    static const struct span latin[] = {{(const uint8_t *)"\xe9t\xe9", 3}};
    static const struct span ucs2[] = {{(const uint8_t *)"\x00x", 2},
                                       {(const uint8_t *)"\x00y", 2}};

    (void)state;
    c.enum_values = abc;
    c.n_enum_values = 4;
    v.v.u = 1;
    check(&c, &v, "'a'");
    v.v.u = 2;
    check(&c, &v, "'it''s'");
    v.v.u = 4;
    check(&c, &v, "_utf8mb4 X'5C'");
    /* index 0: strict mode refuses both '' and 0 (ERROR 1265 Data
     * truncated); without it, 0 stores index 0 while '' would pick a
     * member named '' */
    ctx.lenient = false;
    v.v.u = 0;
    check(&c, &v, "0");
    assert_true(ctx.lenient);
    ctx.lenient = false;
    v.v.u = 5;
    check_err(&c, &v, -PROTO_EMALFORMED, "ENUM index 5 beyond its 4");
    assert_false(ctx.lenient);

    /* member names are converted to UTF-8 from the column's charset */
    c.enum_values = latin;
    c.n_enum_values = 1;
    c.charset = C_LATIN1;
    v.v.u = 1;
    check(&c, &v, "'\xc3\xa9t\xc3\xa9'");

    c = col_of(MYT_STRING, 0xf801, C_UTF8MB4);
    c.enum_values = abc;
    c.n_enum_values = 4;
    v = val_of(MYV_SET);
    v.v.u = 5;
    check(&c, &v, "'a,c'");
    v.v.u = 7;
    check(&c, &v, "'a,it''s,c'");
    v.v.u = 0;
    check(&c, &v, "''");
    v.v.u = 9;
    check(&c, &v, "_utf8mb4 X'612C5C'");
    v.v.u = 16;
    check_err(&c, &v, -PROTO_EMALFORMED, "bits beyond its 4 members");
    c.enum_values = ucs2;
    c.n_enum_values = 2;
    c.charset = C_UCS2;
    v.v.u = 3;
    check(&c, &v, "'x,y'");

    c.enum_values = NULL;
    c.n_enum_values = 0;
    v.v.u = 1;
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "SET member names unknown");
    v = val_of(MYV_ENUM);
    v.v.u = 1;
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "ENUM member names unknown");
    /* no names needed for the empty SET */
    v = val_of(MYV_SET);
    check(&c, &v, "''");
}

/* {"a": 1}: small object, one key entry, int16 inlined. */
static const char doc_a1[] = "\x00\x01\x00\x0c\x00\x0b\x00\x01\x00"
                             "\x05\x01\x00" "a";

static void
test_json(void **state)
{
    struct mysql_column c = col_of(MYT_JSON, 4, C_BIN);
    struct mysql_value v;
    /* [1, "x"]: small array, int16 inlined, string at offset 10 */
    static const char arr[] = "\x02\x02\x00\x0c\x00\x05\x01\x00\x0c\x0a"
                              "\x00\x01x";

    (void)state;
    v = bytes_of(MYV_JSON, doc_a1, sizeof(doc_a1) - 1);
    check(&c, &v, "'{\"a\": 1}'");
    v = bytes_of(MYV_JSON, arr, sizeof(arr) - 1);
    check(&c, &v, "'[1, \"x\"]'");
    v = bytes_of(MYV_JSON, "\x0c\x04it's", 6);
    check(&c, &v, "'\"it''s\"'");
    /* JSON escapes hold backslashes: a MariaDB JSON column given
     * _utf8mb4 X'7B2261223A20225C6E227D' holds {"a": "\n"} */
    v = bytes_of(MYV_JSON, "\x0c\x03\x61\x22\x0a", 5);
    check(&c, &v, "_utf8mb4 X'22615C225C6E22'");
    /* an empty document is JSON null */
    v = bytes_of(MYV_JSON, "", 0);
    check(&c, &v, "'null'");
    v = bytes_of(MYV_JSON, "\x0d\x00", 2);
    check_err(&c, &v, -PROTO_EMALFORMED, "2-byte JSON value");
}

static void
test_json_diff(void **state)
{
    struct mysql_value before = bytes_of(MYV_JSON, doc_a1,
                                         sizeof(doc_a1) - 1);
    struct mysql_value diff;
    struct pbuf b = {0};
    int rc;

    (void)state;
    /* REPLACE $.a with the int16 2 */
    diff = bytes_of(MYV_JSON, "\x00\x03$.a\x03\x05\x02\x00", 9);
    rc = sqlenc_json_diff(&b, &before, &diff, &ctx);
    assert_int_equal(rc, 0);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "'{\"a\": 2}'", 10);

    /* REPLACE of a path that is not there: refused */
    pbuf_reset(&b);
    diff = bytes_of(MYV_JSON, "\x00\x03$.b\x03\x05\x02\x00", 9);
    rc = sqlenc_json_diff(&b, &before, &diff, &ctx);
    assert_int_equal(rc, -PROTO_EMALFORMED);
    assert_int_equal(b.len, 0);
    assert_true(ctx.err[0] != '\0');

    /* MINIMAL row image: no before document */
    before = val_of(MYV_ABSENT);
    rc = sqlenc_json_diff(&b, &before, &diff, &ctx);
    assert_int_equal(rc, -PROTO_EUNSUPPORTED);
    assert_non_null(strstr(ctx.err, "before document"));
    pbuf_free(&b);
}

static void
test_null_absent(void **state)
{
    struct mysql_column c = col_of(MYT_LONG, 0, 0);
    struct mysql_value v = val_of(MYV_NULL);

    (void)state;
    check(&c, &v, "NULL");
    v = val_of(MYV_ABSENT);
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "not in the row image");
    v = val_of(MYV_KIND_COUNT);
    check_err(&c, &v, -PROTO_EUNSUPPORTED, "unknown value kind");
}

static void
test_out_full(void **state)
{
    struct mysql_column c = col_of(MYT_BLOB, 2, C_BIN);
    struct mysql_value v = bytes_of(MYV_STRING, "abcdef", 6);
    struct pbuf b = {0};
    int rc;

    (void)state;
    b.limit = 10;
    pbuf_put(&b, "keep", 4);
    rc = sqlenc_value(&b, &c, &v, &ctx);
    assert_int_equal(rc, -PROTO_ENOMEM);
    assert_int_equal(b.len, 4);
    pbuf_free(&b);
}

static void
test_ident(void **state)
{
    struct pbuf b = {0};

    (void)state;
    sqlenc_ident(&b, "a`b``", 5);
    pbuf_putc(&b, ' ');
    sqlenc_ident(&b, NULL, 0);
    pbuf_putc(&b, ' ');
    sqlenc_qualified(&b, "db", "t'\"\\");
    pbuf_putc(&b, ' ');
    sqlenc_ident(&b, "\xc3\xa9", 2);
    pbuf_putc(&b, ' ');
    sqlenc_text(&b, "x", 1);
    pbuf_putc(&b, ' ');
    sqlenc_text(&b, "\\", 1);
    pbuf_putc(&b, '\0');
    assert_string_equal((char *)b.data, "`a``b````` `` `db`.`t'\"\\` "
                                        "`\xc3\xa9` 'x' _utf8mb4 X'5C'");
    pbuf_free(&b);
}

/* Every byte string, in every kind of character set, gives a safe
 * literal: no backslash or NUL between quotes, quotes doubled. */
static void
test_safe_any_bytes(void **state)
{
    static const uint16_t colls[] = {C_UTF8MB4, C_UTF8MB3, C_LATIN1,
                                     C_SWE7,    C_GBK,     C_UCS2,
                                     C_UTF32,   C_BIN};
    uint8_t buf[8];
    uint32_t seed = 12345;
    size_t k, i, n, round;

    (void)state;
    for (k = 0; k < sizeof(colls) / sizeof(colls[0]); k++) {
        struct mysql_column c = col_of(MYT_VARCHAR, 100, colls[k]);

        for (round = 0; round < 20000; round++) {
            struct mysql_value v;
            struct pbuf b = {0};

            n = round % 9;
            for (i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                /* bias toward the bytes that matter */
                buf[i] = (seed >> 16) % 4 == 0 ? "'\\\0\xc3"[seed % 4]
                                                : (uint8_t)(seed >> 8);
            }
            v = bytes_of(MYV_STRING, (const char *)buf, n);
            assert_int_equal(sqlenc_value(&b, &c, &v, &ctx), 0);
            if (!safe_literal((const char *)b.data, b.len)) {
                fail_msg("unsafe literal <%.*s>", (int)b.len,
                         (const char *)b.data);
            }
            pbuf_free(&b);
        }
    }
}

static int
teardown(void **state)
{
    (void)state;
    sqlenc_ctx_free(&ctx);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bit_year),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_temporal),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_enum_set),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_diff),
        cmocka_unit_test(test_null_absent),
        cmocka_unit_test(test_out_full),
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_safe_any_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, teardown);
}
