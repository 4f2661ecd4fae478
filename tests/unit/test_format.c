/*
 * test_format.c - column values to tandem's JSON values, one table row per
 * kind of column, and the errors that make the caller fail closed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/format.h"

#define FFFD "\xef\xbf\xbd"

static struct mysql_format_ctx ctx;

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

static void
check(const struct mysql_column *c, const struct mysql_value *v,
      const char *want)
{
    struct pbuf b = {0};
    int rc;

    rc = mysql_format_value(&b, c, v, &ctx);
    if (rc != 0) {
        fail_msg("rc %d: %s (want %s)", rc, ctx.err, want);
    }
    pbuf_putc(&b, '\0');
    assert_string_equal((char *)b.data, want);
    pbuf_free(&b);
}

static void
check_fail(const struct mysql_column *c, const struct mysql_value *v,
           int want_rc, const char *want_msg)
{
    struct pbuf b = {0};

    pbuf_put(&b, "[1,", 3);
    assert_int_equal(mysql_format_value(&b, c, v, &ctx), want_rc);
    assert_int_equal(b.len, 3);
    if (strstr(ctx.err, want_msg) == NULL) {
        fail_msg("message \"%s\" lacks \"%s\"", ctx.err, want_msg);
    }
    pbuf_free(&b);
}

static void
test_numbers(void **state)
{
    struct mysql_column c = col_of(MYT_LONGLONG, 0, 0);
    struct mysql_value v = val_of(MYV_NULL);

    (void)state;
    check(&c, &v, "null");
    v = val_of(MYV_INT);
    v.v.i = -5;
    check(&c, &v, "-5");
    v.v.i = INT64_MIN;
    check(&c, &v, "-9223372036854775808");
    v = val_of(MYV_UINT);
    v.v.u = UINT64_MAX;
    c.is_unsigned = true;
    check(&c, &v, "18446744073709551615");
    c = col_of(MYT_FLOAT, 4, 0);
    v = val_of(MYV_FLOAT);
    v.v.f = 3.14f;
    check(&c, &v, "3.14");
    v.v.f = -0.5f;
    check(&c, &v, "-0.5");
    c = col_of(MYT_DOUBLE, 8, 0);
    v = val_of(MYV_DOUBLE);
    v.v.d = 0.1;
    check(&c, &v, "0.1");
    v.v.d = 1e300;
    check(&c, &v, "1e+300");
    v.v.d = NAN;
    check(&c, &v, "null");
    c = col_of(MYT_BIT, 0x0101, 0);
    v = val_of(MYV_BIT);
    v.v.u = 5;
    check(&c, &v, "5");
    v.v.u = UINT64_MAX;
    check(&c, &v, "18446744073709551615");
}

static void
test_decimal(void **state)
{
    struct mysql_column c = col_of(MYT_NEWDECIMAL, (10 << 8) | 3, 0);
    struct mysql_value v = val_of(MYV_DECIMAL);
    const char *max = "-99999999999999999999999999999999999"
                      ".999999999999999999999999999999";

    (void)state;
    strcpy(v.v.dec.text, "12.340");
    v.v.dec.len = 6;
    check(&c, &v, "\"12.340\"");
    c.meta = (65 << 8) | 30;
    strcpy(v.v.dec.text, max);
    v.v.dec.len = (uint8_t)strlen(max);
    check(&c, &v, "\"-99999999999999999999999999999999999"
                  ".999999999999999999999999999999\"");
}

static void
test_temporal(void **state)
{
    struct mysql_column c = col_of(MYT_DATE, 0, 0);
    struct mysql_value v = tm_of(MYV_DATE, 2024, 1, 31, 0, 0, 0, 0, 0);

    (void)state;
    check(&c, &v, "\"2024-01-31\"");
    v = tm_of(MYV_DATE, 0, 0, 0, 0, 0, 0, 0, 0);
    check(&c, &v, "\"0000-00-00\"");

    c = col_of(MYT_TIME2, 6, 0);
    v = tm_of(MYV_TIME, 0, 0, 0, 838, 59, 59, 0, 6);
    v.v.tm.neg = true;
    check(&c, &v, "\"-838:59:59.000000\"");
    v = tm_of(MYV_TIME, 0, 0, 0, 1, 2, 3, 500000, 1);
    check(&c, &v, "\"01:02:03.5\"");
    v = tm_of(MYV_TIME, 0, 0, 0, 0, 0, 1, 123456, 3);
    v.v.tm.neg = true;
    check(&c, &v, "\"-00:00:01.123\"");
    v = tm_of(MYV_TIME, 0, 0, 0, 12, 0, 0, 0, 0);
    check(&c, &v, "\"12:00:00\"");

    c = col_of(MYT_DATETIME2, 6, 0);
    v = tm_of(MYV_DATETIME, 2024, 1, 31, 12, 0, 0, 123456, 6);
    check(&c, &v, "\"2024-01-31 12:00:00.123456\"");
    v = tm_of(MYV_DATETIME, 2024, 1, 31, 12, 0, 0, 120000, 2);
    check(&c, &v, "\"2024-01-31 12:00:00.12\"");
    v = tm_of(MYV_DATETIME, 0, 0, 0, 0, 0, 0, 0, 0);
    check(&c, &v, "\"0000-00-00 00:00:00\"");
    v = tm_of(MYV_DATETIME, 9999, 12, 31, 23, 59, 59, 999999, 6);
    check(&c, &v, "\"9999-12-31 23:59:59.999999\"");

    c = col_of(MYT_YEAR, 0, 0);
    v = val_of(MYV_YEAR);
    v.v.u = 2024;
    check(&c, &v, "\"2024\"");
    v.v.u = 0;
    check(&c, &v, "\"0000\"");
}

static void
test_timestamp(void **state)
{
    struct mysql_column c = col_of(MYT_TIMESTAMP2, 6, 0);
    struct mysql_value v = val_of(MYV_TIMESTAMP);

    (void)state;
    v.v.ts.sec = 1706702400;
    v.v.ts.usec = 123456;
    v.frac = 6;
    check(&c, &v, "\"2024-01-31 12:00:00.123456\"");
    v.frac = 0;
    v.v.ts.usec = 0;
    v.v.ts.sec = 1;
    check(&c, &v, "\"1970-01-01 00:00:01\"");
    v.v.ts.sec = 2147483647;
    check(&c, &v, "\"2038-01-19 03:14:07\"");
    v.v.ts.sec = 951782400; /* leap day */
    check(&c, &v, "\"2000-02-29 00:00:00\"");
    v.v.ts.sec = 4102444799LL;
    check(&c, &v, "\"2099-12-31 23:59:59\"");
    /* the zero TIMESTAMP */
    v.v.ts.sec = 0;
    check(&c, &v, "\"0000-00-00 00:00:00\"");
    v.frac = 2;
    check(&c, &v, "\"0000-00-00 00:00:00.00\"");
}

static void
test_text(void **state)
{
    struct mysql_column c = col_of(MYT_VARCHAR, 400, 45);
    struct mysql_value v = bytes_of(MYV_STRING, "h\xc3\xa9\"llo\n", 8);

    (void)state;
    check(&c, &v, "\"h\xc3\xa9\\\"llo\\n\"");
    /* invalid UTF-8 in a utf8mb4 column is repaired */
    v = bytes_of(MYV_STRING, "a\xffz", 3);
    check(&c, &v, "\"a" FFFD "z\"");
    /* latin1 is cp1252: 0x80 is the euro sign */
    c.charset = 8;
    v = bytes_of(MYV_STRING, "\x80 caf\xe9", 6);
    check(&c, &v, "\"\xe2\x82\xac caf\xc3\xa9\"");
    /* utf8mb3, gbk, utf16 */
    c.charset = 33;
    v = bytes_of(MYV_STRING, "\xe2\x82\xac", 3);
    check(&c, &v, "\"\xe2\x82\xac\"");
    c.charset = 28;
    v = bytes_of(MYV_STRING, "\xd6\xd0\xce\xc4", 4);
    check(&c, &v, "\"\xe4\xb8\xad\xe6\x96\x87\"");
    c.charset = 54;
    v = bytes_of(MYV_STRING, "\x00\x22\x00\x41", 4);
    check(&c, &v, "\"\\\"A\"");
    /* CHAR and TEXT columns: no padding for text */
    c = col_of(MYT_STRING, (MYT_STRING << 8) | 40, 255);
    v = bytes_of(MYV_STRING, "ab", 2);
    check(&c, &v, "\"ab\"");
    c = col_of(MYT_BLOB, 2, 46);
    v = bytes_of(MYV_STRING, "", 0);
    check(&c, &v, "\"\"");
    /* MariaDB JSON is a LONGTEXT: its text, as a string */
    c = col_of(MYT_BLOB, 4, 45);
    c.is_json_text = true;
    v = bytes_of(MYV_STRING, "{\"a\": 1}", 8);
    check(&c, &v, "\"{\\\"a\\\": 1}\"");
}

static void
test_binary(void **state)
{
    struct mysql_column c = col_of(MYT_STRING, (MYT_STRING << 8) | 4, 63);
    struct mysql_value v = bytes_of(MYV_STRING, "ab", 2);

    (void)state;
    /* BINARY(4): the binlog dropped the trailing zero bytes */
    check(&c, &v, "\"YWIAAA==\"");
    v = bytes_of(MYV_STRING, "", 0);
    check(&c, &v, "\"AAAAAA==\"");
    v = bytes_of(MYV_STRING, "abcd", 4);
    check(&c, &v, "\"YWJjZA==\"");
    assert_int_equal(mysql_format_string_len(&c), 4);
    /* VARBINARY and BLOB are not padded */
    c = col_of(MYT_VARCHAR, 10, 63);
    v = bytes_of(MYV_STRING, "ab", 2);
    check(&c, &v, "\"YWI=\"");
    assert_int_equal(mysql_format_string_len(&c), 0);
    c = col_of(MYT_BLOB, 2, 63);
    v = bytes_of(MYV_STRING, "\x00\xff", 2);
    check(&c, &v, "\"AP8=\"");
    /* GEOMETRY: SRID + WKB, whatever the charset says */
    c = col_of(MYT_GEOMETRY, 4, 0);
    v = bytes_of(MYV_GEOMETRY, "\x00\x00\x00\x00\x01", 5);
    check(&c, &v, "\"AAAAAAE=\"");
    v = bytes_of(MYV_STRING, "\x00\x00\x00\x00\x01", 5);
    check(&c, &v, "\"AAAAAAE=\"");
}

static void
test_string_len(void **state)
{
    /* CHAR(255) utf8mb4: 1020 bytes, bits 8-9 folded into byte0 */
    struct mysql_column c = col_of(MYT_STRING, (0xce << 8) | 0xfc, 45);

    (void)state;
    assert_int_equal(mysql_format_string_len(&c), 1020);
    c.meta = (0xfe << 8) | 0xff;
    assert_int_equal(mysql_format_string_len(&c), 255);
    c.meta = (0xee << 8) | 0x10;
    assert_int_equal(mysql_format_string_len(&c), 0x110);
}

static void
test_enum_set(void **state)
{
    static const struct span names[] = {
        {(const uint8_t *)"a", 1},
        {(const uint8_t *)"b", 1},
        {(const uint8_t *)"c\"", 2},
    };
    static const struct span latin1[] = {
        {(const uint8_t *)"\xe9t\xe9", 3},
        {(const uint8_t *)"hiver", 5},
    };
    struct mysql_column c = col_of(MYT_STRING, (MYT_ENUM << 8) | 1, 45);
    struct mysql_value v = val_of(MYV_ENUM);

    (void)state;
    c.enum_values = names;
    c.n_enum_values = 3;
    v.v.u = 2;
    check(&c, &v, "\"b\"");
    v.v.u = 3;
    check(&c, &v, "\"c\\\"\"");
    v.v.u = 0;
    check(&c, &v, "\"\"");
    v.v.u = 4;
    check_fail(&c, &v, -PROTO_EMALFORMED, "ENUM index 4");
    c.enum_values = NULL;
    v.v.u = 1;
    check_fail(&c, &v, -PROTO_EUNSUPPORTED, "binlog_row_metadata=FULL");

    c = col_of(MYT_STRING, (MYT_SET << 8) | 1, 45);
    c.enum_values = names;
    c.n_enum_values = 3;
    v = val_of(MYV_SET);
    v.v.u = 5;
    check(&c, &v, "\"a,c\\\"\"");
    v.v.u = 7;
    check(&c, &v, "\"a,b,c\\\"\"");
    v.v.u = 0;
    check(&c, &v, "\"\"");
    v.v.u = 8;
    check_fail(&c, &v, -PROTO_EMALFORMED, "beyond its 3 members");
    c.enum_values = NULL;
    v.v.u = 1;
    check_fail(&c, &v, -PROTO_EUNSUPPORTED, "binlog_row_metadata=FULL");

    /* member names are text of the column's charset */
    c = col_of(MYT_STRING, (MYT_SET << 8) | 1, 8);
    c.enum_values = latin1;
    c.n_enum_values = 2;
    v.v.u = 3;
    check(&c, &v, "\"\xc3\xa9t\xc3\xa9,hiver\"");
}

static void
test_json(void **state)
{
    /* {"a":[1,2]} in MySQL binary JSON */
    static const char doc[] = "\x00\x01\x00\x16\x00\x0b\x00\x01\x00\x02\x0c"
                              "\x00\x61\x02\x00\x0a\x00\x05\x01\x00\x05\x02"
                              "\x00";
    struct mysql_column c = col_of(MYT_JSON, 4, 63);
    struct mysql_value v = bytes_of(MYV_JSON, doc, sizeof(doc) - 1);

    (void)state;
    check(&c, &v, "{\"a\":[1,2]}");
    v = bytes_of(MYV_JSON, "", 0);
    check(&c, &v, "null");
    v = bytes_of(MYV_JSON, "\x0c\x02hi", 4);
    check(&c, &v, "\"hi\"");
    v = bytes_of(MYV_JSON, "\x0c\x09hi", 4);
    check_fail(&c, &v, -PROTO_EMALFORMED, "JSON value runs past its end");
}

static void
test_errors(void **state)
{
    struct mysql_column c = col_of(MYT_VARCHAR, 40, 999);
    struct mysql_value v = bytes_of(MYV_STRING, "x", 1);

    (void)state;
    check_fail(&c, &v, -PROTO_EUNSUPPORTED, "unknown collation id 999");
    c.charset = 0;
    check_fail(&c, &v, -PROTO_EUNSUPPORTED, "unknown collation id 0");
    c.charset = 45;
    v = val_of(MYV_ABSENT);
    check_fail(&c, &v, -PROTO_EUNSUPPORTED, "not in the row image");
    /* a full output buffer */
    {
        struct pbuf b = {0};

        b.limit = 8;
        v = bytes_of(MYV_STRING, "0123456789", 10);
        assert_int_equal(mysql_format_value(&b, &c, &v, &ctx),
                         -PROTO_ENOMEM);
        pbuf_free(&b);
    }
}

/* A row of values into one buffer: a warm context allocates nothing. */
static void
test_row(void **state)
{
    struct mysql_column cols[3];
    struct mysql_value vals[3];
    struct pbuf b = {0};
    size_t i;
    int round;

    (void)state;
    cols[0] = col_of(MYT_LONG, 0, 0);
    vals[0] = val_of(MYV_INT);
    vals[0].v.i = 7;
    cols[1] = col_of(MYT_VARCHAR, 40, 8);
    vals[1] = bytes_of(MYV_STRING, "\xe9t\xe9", 3);
    cols[2] = col_of(MYT_VARCHAR, 40, 28);
    vals[2] = bytes_of(MYV_STRING, "\xd6\xd0", 2);
    for (round = 0; round < 3; round++) {
        pbuf_reset(&b);
        pbuf_putc(&b, '[');
        for (i = 0; i < 3; i++) {
            if (i != 0) {
                pbuf_putc(&b, ',');
            }
            assert_int_equal(mysql_format_value(&b, &cols[i], &vals[i], &ctx),
                             0);
        }
        pbuf_putc(&b, ']');
        pbuf_putc(&b, '\0');
        assert_string_equal((char *)b.data,
                            "[7,\"\xc3\xa9t\xc3\xa9\",\"\xe4\xb8\xad\"]");
    }
    pbuf_free(&b);
}

static int
teardown(void **state)
{
    (void)state;
    mysql_format_ctx_free(&ctx);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_temporal),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_string_len),
        cmocka_unit_test(test_enum_set),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_row),
    };

    return cmocka_run_group_tests(tests, NULL, teardown);
}
