/*
 * test_filter.c - row filters: parse tables with exact error texts and
 * offsets, three-valued logic, every kind of column value against
 * constants, LIKE, IN with NULLs, binding and rebinding, and the errors
 * that make the caller fail closed (MYV_ABSENT, unbound, missing names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/filter.h"

#define T FILTER_TRUE
#define F FILTER_FALSE
#define U FILTER_UNKNOWN

/* ---- the test table ---- */

enum {
    C_ID,
    C_U,
    C_NAME,
    C_REGION,
    C_PRICE,
    C_F,
    C_D,
    C_BIN,
    C_BFIX,
    C_DT,
    C_DD,
    C_TS,
    C_TM,
    C_Y,
    C_B,
    C_E,
    C_S,
    C_U16,
    C_N,
    C_MJSON,
    C_COUNT
};

static const struct span members[] = {
    {(const uint8_t *)"a", 1},
    {(const uint8_t *)"b", 1},
    {(const uint8_t *)"c", 1},
};

static struct mysql_column cols[C_COUNT];
static struct mysql_value vals[C_COUNT];

static void
col_set(int i, const char *name, uint8_t type, uint16_t meta, uint16_t charset)
{
    memset(&cols[i], 0, sizeof(cols[i]));
    cols[i].name.p = (const uint8_t *)name;
    cols[i].name.len = strlen(name);
    cols[i].type = type;
    cols[i].meta = meta;
    cols[i].charset = charset;
    cols[i].nullable = true;
}

static void
bytes_set(int i, const char *p, size_t n)
{
    vals[i].kind = MYV_STRING;
    vals[i].v.bytes.p = (const uint8_t *)p;
    vals[i].v.bytes.len = n;
}

static void
tm_set(int i, enum mysql_value_kind kind, unsigned y, unsigned mo, unsigned d,
       unsigned h, unsigned mi, unsigned s, uint32_t usec, uint8_t frac)
{
    vals[i].kind = kind;
    vals[i].frac = frac;
    vals[i].v.tm.year = (uint16_t)y;
    vals[i].v.tm.month = (uint8_t)mo;
    vals[i].v.tm.day = (uint8_t)d;
    vals[i].v.tm.hour = h;
    vals[i].v.tm.minute = (uint8_t)mi;
    vals[i].v.tm.second = (uint8_t)s;
    vals[i].v.tm.usec = usec;
}

/* One row of every kind of value. */
static int
setup(void **state)
{
    (void)state;
    memset(vals, 0, sizeof(vals));
    col_set(C_ID, "id", MYT_LONGLONG, 0, 63);
    vals[C_ID].kind = MYV_INT;
    vals[C_ID].v.i = -5;
    col_set(C_U, "u", MYT_LONGLONG, 0, 63);
    cols[C_U].is_unsigned = true;
    vals[C_U].kind = MYV_UINT;
    vals[C_U].v.u = UINT64_MAX;
    col_set(C_NAME, "name", MYT_VARCHAR, 200, 45); /* utf8mb4 */
    bytes_set(C_NAME, "alice", 5);
    col_set(C_REGION, "Region", MYT_VARCHAR, 20, 8); /* latin1 */
    bytes_set(C_REGION, "caf\xe9", 4);
    col_set(C_PRICE, "price", MYT_NEWDECIMAL, (10 << 8) | 3, 63);
    vals[C_PRICE].kind = MYV_DECIMAL;
    strcpy(vals[C_PRICE].v.dec.text, "12.340");
    vals[C_PRICE].v.dec.len = 6;
    col_set(C_F, "f", MYT_FLOAT, 4, 63);
    vals[C_F].kind = MYV_FLOAT;
    vals[C_F].v.f = 1.1f;
    col_set(C_D, "d", MYT_DOUBLE, 8, 63);
    vals[C_D].kind = MYV_DOUBLE;
    vals[C_D].v.d = 1.1;
    col_set(C_BIN, "bin", MYT_VARCHAR, 20, 63);
    bytes_set(C_BIN, "abc", 3);
    col_set(C_BFIX, "bfix", MYT_STRING, (MYT_STRING << 8) | 4, 63);
    bytes_set(C_BFIX, "ab", 2);
    col_set(C_DT, "dt", MYT_DATETIME2, 3, 63);
    tm_set(C_DT, MYV_DATETIME, 2024, 1, 31, 12, 0, 0, 0, 3);
    col_set(C_DD, "dd", MYT_DATE, 0, 63);
    tm_set(C_DD, MYV_DATE, 2024, 1, 31, 0, 0, 0, 0, 0);
    col_set(C_TS, "ts", MYT_TIMESTAMP2, 0, 63);
    vals[C_TS].kind = MYV_TIMESTAMP;
    vals[C_TS].v.ts.sec = 1706702400; /* 2024-01-31 12:00:00 UTC */
    col_set(C_TM, "tm", MYT_TIME2, 0, 63);
    tm_set(C_TM, MYV_TIME, 0, 0, 0, 12, 30, 0, 0, 0);
    col_set(C_Y, "y", MYT_YEAR, 0, 63);
    vals[C_Y].kind = MYV_YEAR;
    vals[C_Y].v.u = 2024;
    col_set(C_B, "b", MYT_BIT, (1 << 8) | 0, 63);
    vals[C_B].kind = MYV_BIT;
    vals[C_B].v.u = 5;
    col_set(C_E, "e", MYT_STRING, (MYT_ENUM << 8) | 1, 45);
    cols[C_E].enum_values = members;
    cols[C_E].n_enum_values = 3;
    vals[C_E].kind = MYV_ENUM;
    vals[C_E].v.u = 2;
    col_set(C_S, "s", MYT_STRING, (MYT_SET << 8) | 1, 45);
    cols[C_S].enum_values = members;
    cols[C_S].n_enum_values = 3;
    vals[C_S].kind = MYV_SET;
    vals[C_S].v.u = 5;
    col_set(C_U16, "u16", MYT_VARCHAR, 40, 35); /* ucs2 */
    bytes_set(C_U16, "\0a\0b", 4);
    col_set(C_N, "n", MYT_LONG, 0, 63);
    vals[C_N].kind = MYV_NULL;
    col_set(C_MJSON, "mj", MYT_BLOB, 4, 46); /* MariaDB JSON */
    cols[C_MJSON].is_json_text = true;
    bytes_set(C_MJSON, "{\"k\": 1}", 8);
    return 0;
}

/* ---- helpers ---- */

static struct filter *
must_parse(const char *text)
{
    char err[160];
    struct filter *f = filter_parse(text, strlen(text), err, sizeof(err));

    if (f == NULL) {
        fail_msg("\"%s\": %s", text, err);
    }
    return f;
}

/* Parses, binds to the test table and evaluates text on the row. */
static int
eval(const char *text)
{
    char err[160];
    struct filter *f = must_parse(text);
    int r;

    if (filter_bind(f, cols, C_COUNT, err, sizeof(err)) != 0) {
        fail_msg("\"%s\": bind: %s", text, err);
    }
    r = filter_eval(f, cols, vals, C_COUNT);
    if (r < 0) {
        fail_msg("\"%s\": eval %d: %s", text, r, filter_eval_error(f));
    }
    filter_free(f);
    return r;
}

struct case_ {
    const char *text; /* filter */
    int want;         /* FILTER_* */
};

static void
run_cases(const struct case_ *c, size_t n)
{
    size_t i;
    int r;

    for (i = 0; i < n; i++) {
        r = eval(c[i].text);
        if (r != c[i].want) {
            fail_msg("\"%s\": got %s, want %s", c[i].text,
                     filter_result_name(r), filter_result_name(c[i].want));
        }
    }
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- parsing ---- */

static void
test_parse_valid(void **state)
{
    static const char *const ok[] = {
        "id > 100 AND region IN ('eu', 'us')",
        "id>100",
        "(id = 1)",
        "((id = 1) OR (id = 2)) AND NOT id = 3",
        "not not id = 1",
        "id <> 1 and id != 2 or id <= 3 and id >= 4",
        "`id` = 1",
        "`we``ird` = 1",
        "id = -1.5e-3",
        "id = +7",
        "id = .5",
        "id = 1.",
        "id = 1E+10",
        "name = \"dq\"",
        "name = 'it''s'",
        "name = 'a\\'b\\\\c\\n\\%'",
        "1 = 1",
        "NULL IS NULL",
        "'x' IN ('x')",
        "id IS NOT NULL",
        "name NOT LIKE 'a%' ESCAPE '|'",
        "name LIKE ''",
        "id BETWEEN 1 AND 5 AND id NOT BETWEEN -1 AND 0",
        "id IN (1, -2, 'x', NULL, TRUE, FALSE)",
        "x\t=\n1",
        "$a_1 = 1",
        "caf\xc3\xa9 = 1",
        "name = ''''",
        ("id = 000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000000000001"),
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        filter_free(must_parse(ok[i]));
    }
}

static void
test_parse_errors(void **state)
{
    static const struct {
        const char *text;
        const char *err;
    } bad[] = {
        {"", "offset 0: empty filter"},
        {"   ", "offset 3: empty filter"},
        {"id == 5", "offset 3: unknown operator '=='"},
        {"id > ", "offset 5: expected a value after '>'"},
        {"id > AND", "offset 5: expected a value after '>'"},
        {"lower(name) = 'x'",
         "offset 0: functions are not supported in filters: 'lower('"},
        {"id = abs (id)",
         "offset 5: functions are not supported in filters: 'abs('"},
        {"id = 1 AND", "offset 10: expected a condition after 'AND'"},
        {"= 1", "offset 0: expected a condition"},
        {"id 5", "offset 3: expected a comparison operator after 'id'"},
        {"id", "offset 2: expected a comparison operator after 'id'"},
        {"(id = 1", "offset 7: expected ')' after '1'"},
        {"id = 1)", "offset 6: unbalanced ')'"},
        {"id = 1 name = 2", "offset 7: expected AND or OR after '1'"},
        {"name = 'a' 'b'", "offset 11: expected AND or OR after 'a'"},
        {"name = 'abc", "offset 7: unterminated string"},
        {"name = 'abc\\'", "offset 7: unterminated string"},
        {"`abc = 1", "offset 0: unterminated quoted identifier"},
        {"`` = 1", "offset 0: empty quoted identifier"},
        {"id IN (1, name)",
         "offset 10: IN lists hold constants only, found 'name'"},
        {"id IN 1", "offset 6: expected '(' after 'IN'"},
        {"id IN ()", "offset 7: expected a constant after '('"},
        {"id IN (1 2)", "offset 9: expected ',' or ')' after '1'"},
        {"id IN (1,", "offset 9: expected a constant after ','"},
        {"id IS 5", "offset 6: expected NULL or NOT NULL after 'IS'"},
        {"id IS NOT 5", "offset 10: expected NULL after 'NOT'"},
        {"name LIKE 5", "offset 10: expected a string pattern after 'LIKE'"},
        {"name LIKE 'a' ESCAPE 'ab'",
         "offset 21: ESCAPE must be one character"},
        {"name LIKE 'a' ESCAPE 1", "offset 21: expected a string after "
                                   "'ESCAPE'"},
        {"id BETWEEN 1 5", "offset 13: expected AND after '1'"},
        {"id BETWEEN 1 AND", "offset 16: expected a value after 'AND'"},
        {"id NOT 5", "offset 7: expected IN, LIKE or BETWEEN after 'NOT'"},
        {"id = 1 + 2", "offset 7: arithmetic is not supported in filters: "
                       "'+'"},
        {"id * 2 = 4", "offset 3: arithmetic is not supported in filters: "
                       "'*'"},
        {"id = -name", "offset 6: expected a number after '-'"},
        {"id = 12abc", "offset 5: malformed number '12abc'"},
        {"id = 1.2.3", "offset 5: malformed number '1.2.3'"},
        {"id = 0x1F", "offset 5: malformed number '0x1F'"},
        {"id = 1e999", "offset 5: number out of range"},
        {"id = 1 XOR id = 2", "offset 7: unsupported keyword 'XOR'"},
        {"id = 1 && id = 2", "offset 7: unknown operator '&&'"},
        {"id <=> 1", "offset 3: unknown operator '<=>'"},
        {"!id", "offset 0: unknown operator '!'"},
        {"id # 1", "offset 3: unexpected character '#'"},
        {"id = \x01", "offset 5: unexpected byte 0x01"},
        {"t.id = 1", "offset 1: unexpected character '.'"},
        {"id = 1 OR", "offset 9: expected a condition after 'OR'"},
        {"NOT", "offset 3: expected a condition after 'NOT'"},
    };
    char err[160];
    size_t i, n = sizeof(bad) / sizeof(bad[0]);
    struct filter *f;

    (void)state;
    for (i = 0; i < n; i++) {
        strcpy(err, "untouched");
        f = filter_parse(bad[i].text, strlen(bad[i].text), err, sizeof(err));
        if (f != NULL) {
            fail_msg("\"%s\" parsed", bad[i].text);
        }
        if (strcmp(err, bad[i].err) != 0) {
            fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].text, err,
                     bad[i].err);
        }
    }
    /* NUL inside a string is data, outside it an error */
    f = filter_parse("name = 'a\0b'", 12, err, sizeof(err));
    assert_non_null(f);
    filter_free(f);
    assert_null(filter_parse("id = 1\0", 7, err, sizeof(err)));
    assert_string_equal(err, "offset 6: unexpected byte 0x00");
    assert_null(filter_parse("id =", 4, NULL, 0));
}

static void
test_parse_limits(void **state)
{
    char buf[FILTER_MAX_LEN + 2], err[160];
    struct filter *f;
    size_t i, n;

    (void)state;
    /* 64 levels of parentheses parse, 65 do not */
    for (n = 64; n <= 65; n++) {
        for (i = 0; i < n; i++) {
            buf[i] = '(';
        }
        strcpy(buf + n, "id = 1");
        for (i = 0; i < n; i++) {
            strcat(buf, ")");
        }
        f = filter_parse(buf, strlen(buf), err, sizeof(err));
        if (n == 64) {
            assert_non_null(f);
            filter_free(f);
        } else {
            assert_null(f);
            assert_string_equal(err, "offset 64: nesting deeper than 64 "
                                     "levels");
        }
    }
    buf[0] = '\0';
    for (i = 0; i < 65; i++) {
        strcat(buf, "NOT ");
    }
    strcat(buf, "id = 1");
    assert_null(filter_parse(buf, strlen(buf), err, sizeof(err)));
    assert_string_equal(err, "offset 256: nesting deeper than 64 levels");
    f = filter_parse(buf + 4, strlen(buf + 4), err, sizeof(err));
    assert_non_null(f);
    filter_free(f);
    /* a long chain is no nesting */
    buf[0] = '\0';
    for (i = 0; i < 2000; i++) {
        strcat(buf, i ? " OR id = 1" : "id = 1");
    }
    f = must_parse(buf);
    assert_int_equal(filter_ncolumns(f), 1);
    filter_free(f);
    /* length */
    memset(buf, ' ', sizeof(buf));
    memcpy(buf, "id = 1", 6);
    f = filter_parse(buf, FILTER_MAX_LEN, err, sizeof(err));
    assert_non_null(f);
    filter_free(f);
    assert_null(filter_parse(buf, FILTER_MAX_LEN + 1, err, sizeof(err)));
    assert_string_equal(err, "offset 65536: filter longer than 65536 bytes");
    /* identifiers and numbers */
    memset(buf, 'a', 257);
    strcpy(buf + 257, " = 1");
    assert_null(filter_parse(buf, strlen(buf), err, sizeof(err)));
    assert_string_equal(err, "offset 0: identifier longer than 256 bytes");
    f = filter_parse(buf + 1, strlen(buf + 1), err, sizeof(err));
    assert_non_null(f);
    filter_free(f);
    strcpy(buf, "id = ");
    memset(buf + 5, '7', 97);
    buf[5 + 97] = '\0';
    assert_null(filter_parse(buf, strlen(buf), err, sizeof(err)));
    assert_string_equal(err, "offset 5: number longer than 96 significant "
                             "digits");
    buf[5 + 96] = '\0';
    filter_free(must_parse(buf));
}

static void
test_columns(void **state)
{
    struct filter *f = must_parse("ID > 1 AND id < 5 OR `Na``me` = 'x' OR "
                                  "x IS NULL OR 1 = 2");

    (void)state;
    assert_int_equal(filter_ncolumns(f), 3);
    assert_string_equal(filter_column(f, 0), "ID");
    assert_string_equal(filter_column(f, 1), "Na`me");
    assert_string_equal(filter_column(f, 2), "x");
    assert_null(filter_column(f, 3));
    filter_free(f);
    f = must_parse("1 = 1");
    assert_int_equal(filter_ncolumns(f), 0);
    /* no column: evaluates unbound */
    assert_int_equal(filter_eval(f, NULL, NULL, 0), T);
    filter_free(f);
    assert_string_equal(filter_result_name(T), "TRUE");
    assert_string_equal(filter_result_name(U), "UNKNOWN");
    assert_string_equal(filter_result_name(-1), "?");
}

/* ---- logic ---- */

static void
test_three_valued(void **state)
{
    static const char *const v[3] = {"1 = 0", "1 = 1", "NULL = 1"};
    static const int and_[3][3] = {{F, F, F}, {F, T, U}, {F, U, U}};
    static const int or_[3][3] = {{F, T, U}, {T, T, T}, {U, T, U}};
    static const int not_[3] = {T, F, U};
    char buf[128];
    int a, b;

    (void)state;
    for (a = 0; a < 3; a++) {
        snprintf(buf, sizeof(buf), "NOT %s", v[a]);
        assert_int_equal(eval(buf), not_[a]);
        snprintf(buf, sizeof(buf), "NOT (%s)", v[a]);
        assert_int_equal(eval(buf), not_[a]);
        for (b = 0; b < 3; b++) {
            snprintf(buf, sizeof(buf), "%s AND %s", v[a], v[b]);
            assert_int_equal(eval(buf), and_[a][b]);
            snprintf(buf, sizeof(buf), "%s OR %s", v[a], v[b]);
            assert_int_equal(eval(buf), or_[a][b]);
            snprintf(buf, sizeof(buf), "(%s) AND (%s) AND 1 = 1", v[a], v[b]);
            assert_int_equal(eval(buf), and_[a][b]);
            snprintf(buf, sizeof(buf), "%s OR (%s) OR 1 = 0", v[a], v[b]);
            assert_int_equal(eval(buf), or_[a][b]);
        }
    }
    {
        static const struct case_ c[] = {
            {"n = 1", U},
            {"n <> 1", U},
            {"n IS NULL", T},
            {"n IS NOT NULL", F},
            {"id IS NULL", F},
            {"NOT n = 1", U},
            {"n = 1 OR id = -5", T},
            {"n = 1 AND id = 0", F},
            {"NULL = NULL", U},
            {"NULL <> 1", U},
            {"n BETWEEN 1 AND 2", U},
            {"id BETWEEN NULL AND 0", U},
            {"id BETWEEN NULL AND -6", F},
            {"id NOT BETWEEN NULL AND -6", T},
            {"n LIKE '%'", U},
            {"n NOT LIKE '%'", U},
            {"TRUE = 1", T},
            {"FALSE = 0", T},
        };

        RUN(c);
        /* keywords inside a name are no keywords */
        cols[C_N].name.p = (const uint8_t *)"a_and_b";
        cols[C_N].name.len = 7;
        assert_int_equal(eval("a_and_b = 1 OR 1 = 1"), T);
        assert_int_equal(eval("A_AND_B IS NULL"), T);
    }
}

static void
test_in_lists(void **state)
{
    static const struct case_ c[] = {
        {"1 IN (1, NULL)", T},
        {"2 IN (1, NULL)", U},
        {"2 IN (1, 3)", F},
        {"2 NOT IN (1, NULL)", U},
        {"2 NOT IN (1, 3)", T},
        {"1 NOT IN (1, NULL)", F},
        {"NULL IN (1)", U},
        {"NULL NOT IN (1)", U},
        {"n IN (1, 2)", U},
        {"n NOT IN (1)", U},
        {"id IN (1, -5)", T},
        {"id IN (-5.0)", T},
        {"id IN ('-5')", T},
        {"name IN ('bob', 'ALICE')", T},
        {"name NOT IN ('bob', 'al')", T},
        {"e IN ('a', 'b')", T},
        {"e IN (1, 3)", F},
        {"e IN (2)", T},
        {"Region IN ('café', NULL)", T},
    };

    (void)state;
    RUN(c);
}

/* ---- values ---- */

static void
test_integers(void **state)
{
    static const struct case_ c[] = {
        {"id = -5", T},
        {"id < 0", T},
        {"id = -5.0", T},
        {"id > -5.5", T},
        {"id < -4.99999999999999999999999", T},
        {"id = '-5'", T},
        {"id = ' -5abc'", T},
        {"id = 'abc'", F},
        {"-5 = id", T},
        {"id >= -5 AND id <= -5", T},
        {"id BETWEEN -6 AND -4", T},
        {"id NOT BETWEEN -6 AND -4", F},
        {"id = 18446744073709551611", F},
        {"id > -9223372036854775809", T},
        {"id <> -5", F},
        {"u = 18446744073709551615", T},
        {"u > 9223372036854775807", T},
        {"u > -1", T},
        {"u = -1", F},
        {"u < 18446744073709551616", T},
        {"u = 1.8446744073709551615e19", T},
        {"u = 18446744073709551615.000", T},
        {"u > 18446744073709551614.9", T},
        {"u = '18446744073709551615'", T},
        {"u > id", T},
        {"id < u", T},
        {"id = id", T},
        {"y = 2024", T},
        {"y = '2024'", T},
        {"y > 1999", T},
        {"b = 5", T},
        {"b > 4.5", T},
        {"TRUE = 1.0", T},
    };

    (void)state;
    RUN(c);
}

static void
test_decimals_and_floats(void **state)
{
    static const struct case_ c[] = {
        {"price = 12.34", T},
        {"price = 12.340", T},
        {"price = 12.3400000", T},
        {"price = 1234e-2", T},
        {"price > 12.339999999999999999999999", T},
        {"price < 12.340000000000000000000001", T},
        {"price = '12.34'", T},
        {"price = 12", F},
        {"price > 12", T},
        {"price < 13", T},
        {"price IN (12.34)", T},
        {"price = d", F},
        {"f = 1.1", F},
        {"f > 1.09", T},
        {"f < 1.11", T},
        {"d = 1.1", T},
        {"d = '1.1'", T},
        {"d > 1", T},
        {"d < price", T},
        {"f = d", F},
    };
    const char *dec[][2] = {
        {"0.000", "price = 0"},
        {"-0.00", "price = 0"},
        {"-0.500", "price = -.5"},
        {"-0.500", "price < 0"},
        {"99999999999999999999999999999999999.999999999999999999999999999999",
         "price > 99999999999999999999999999999999999.999999999999999999999"
         "99999999"},
        {"123456789012345678901234567890.1",
         "price = "
         "123456789012345678901234567890.10"},
    };
    size_t i;

    (void)state;
    RUN(c);
    for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
        strcpy(vals[C_PRICE].v.dec.text, dec[i][0]);
        vals[C_PRICE].v.dec.len = (uint8_t)strlen(dec[i][0]);
        if (eval(dec[i][1]) != T) {
            fail_msg("%s with price %s", dec[i][1], dec[i][0]);
        }
    }
    vals[C_F].v.f = 1.5f;
    assert_int_equal(eval("f = 1.5"), T);
    assert_int_equal(eval("f = 15e-1"), T);
}

static void
test_text(void **state)
{
    static const struct case_ c[] = {
        {"name = 'alice'", T},
        {"name = 'ALICE'", T},
        {"name = 'Alice  '", T},
        {"NAME = \"alice\"", T},
        {"name <> 'bob'", T},
        {"name < 'b'", T},
        {"name < 'B'", T},
        {"name > 'ALIC'", T},
        {"name = 'alic'", F},
        {"name = 0", T},
        {"name = 1", F},
        /* latin1 0xe9 converted: compared as UTF-8 */
        {"region = 'caf\xc3\xa9'", T},
        {"REGION = 'CAF\xc3\xa9'", T},
        {"region = 'CAF\xc3\x89'", F},
        {"region LIKE 'caf_'", T},
        {"region LIKE 'caf__'", F},
        /* ucs2 */
        {"u16 = 'AB'", T},
        {"u16 LIKE '_b'", T},
        /* binary strings: byte-wise, no padding, case matters */
        {"bin = 'abc'", T},
        {"bin = 'ABC'", F},
        {"bin = 'abc '", F},
        {"bin > 'abb'", T},
        {"bin LIKE 'A%'", F},
        {"bin LIKE 'a%'", T},
        {"bin = name", F},
        /* BINARY(4): padded back with 0x00 */
        {"bfix = 'ab\\0\\0'", T},
        {"bfix = 'ab'", F},
        {"bfix LIKE 'ab__'", T},
        /* ENUM / SET by name and by number */
        {"e = 'b'", T},
        {"e = 'B'", T},
        {"e = 2", T},
        {"e > 'a'", T},
        {"e = 'c'", F},
        {"s = 'a,c'", T},
        {"s = 5", T},
        {"s LIKE '%c'", T},
        {"s = 'a'", F},
        {"e LIKE 'b'", T},
        /* MariaDB JSON is text */
        {"mj LIKE '%\"k\"%'", T},
        /* constants among themselves */
        {"'a' = 'A'", T},
        {"'a ' = 'a'", T},
        {"'a' < 'b'", T},
        {"'10' = 10", T},
        {"'1e1' = 10", T},
        {"'a' < '_'", T},
        /* string escapes as MySQL: \% and \_ keep their backslash */
        {"'\\n\\r\\t\\Z\\b' = '\n\r\t\x1a\b'", T},
        {"'\\x' = 'x'", T},
        {"'\\%' = '%'", F},
        {"'\\_' LIKE '\\\\_'", F},
        {"'\\_' LIKE '\\\\\\_'", T},
        {"'it''s' = \"it's\"", T},
        {"\"a\"\"b\" = 'a\"b'", T},
    };

    (void)state;
    RUN(c);
    /* non-ASCII letters compare by bytes */
    bytes_set(C_NAME,
              "\xc3\xa9"
              "clair",
              7);
    assert_int_equal(eval("name = '\xc3\xa9"
                          "CLAIR'"),
                     T);
    assert_int_equal(eval("name = '\xc3\x89"
                          "clair'"),
                     F);
}

static void
test_temporal(void **state)
{
    static const struct case_ c[] = {
        {"dt = '2024-01-31 12:00:00'", T},
        {"dt = '2024-01-31 12:00:00.000'", T},
        {"dt = '2024-01-31 12:00:00.000000'", T},
        {"dt = '2024-01-31 12:00:00.001'", F},
        {"dt < '2024-01-31 12:00:00.001'", T},
        {"dt > '2024-01-31'", T},
        {"dt = '2024-01-31'", F},
        {"dt < '2024-02-01'", T},
        {"dt = 20240131120000", T},
        {"dt BETWEEN '2024-01-01' AND '2024-12-31'", T},
        {"dt LIKE '2024-01-%'", T},
        {"dt LIKE '%.000'", T},
        {"dd = '2024-01-31'", T},
        {"dd = '2024-01-31 00:00:00'", T},
        {"dd < dt", T},
        {"dd = 20240131", T},
        {"dd > '2023-12-31'", T},
        {"ts = '2024-01-31 12:00:00'", T},
        {"ts = dt", T},
        {"ts = 20240131120000", T},
        {"ts > '2024-01-31 11:59:59'", T},
        {"tm = '12:30:00'", T},
        {"tm > '09:00:00'", T},
        {"tm = 123000", T},
        {"tm < '12:30:01'", T},
    };

    (void)state;
    RUN(c);
    vals[C_DT].v.tm.usec = 500000;
    assert_int_equal(eval("dt = 20240131120000.5"), T);
    assert_int_equal(eval("dt = '2024-01-31 12:00:00.5'"), T);
    assert_int_equal(eval("dt > '2024-01-31 12:00:00'"), T);
    vals[C_TS].v.ts.sec = 0;
    assert_int_equal(eval("ts = '0000-00-00 00:00:00'"), T);
    assert_int_equal(eval("ts = 0"), T);
    vals[C_TM].v.tm.neg = true;
    assert_int_equal(eval("tm = -123000"), T);
    assert_int_equal(eval("tm = '-12:30:00'"), T);
}

static void
test_like(void **state)
{
    static const struct case_ c[] = {
        {"'abc' LIKE 'abc'", T},
        {"'abc' LIKE 'a%'", T},
        {"'abc' LIKE '%c'", T},
        {"'abc' LIKE '%b%'", T},
        {"'abc' LIKE '_b_'", T},
        {"'abc' LIKE '__'", F},
        {"'abc' LIKE '%'", T},
        {"'' LIKE '%'", T},
        {"'' LIKE '_'", F},
        {"'abc' LIKE '%%%c%%'", T},
        {"'ABC' LIKE 'a%'", T},
        {"'abc ' LIKE 'abc'", F},
        {"'abc' NOT LIKE 'a%'", F},
        {"'a%b' LIKE 'a\\%b'", T},
        {"'axb' LIKE 'a\\%b'", F},
        {"'a_b' LIKE 'a\\_b'", T},
        {"'axb' LIKE 'a\\_b'", F},
        {"'a\\\\b' LIKE 'a\\\\\\\\b'", T},
        {"'a%b' LIKE 'a|%b' ESCAPE '|'", T},
        {"'axb' LIKE 'a|%b' ESCAPE '|'", F},
        {"'a\\\\b' LIKE 'a\\\\b' ESCAPE '|'", T},
        {"'a|' LIKE 'a|' ESCAPE '|'", T},
        {"'a%' LIKE 'a%' ESCAPE ''", T},
        {"'aaab' LIKE '%a%b'", T},
        {"'mississippi' LIKE '%iss%pi'", T},
        {"'mississippi' LIKE 'm%ss%ss%'", T},
        {"'ab' LIKE '%b%b'", F},
        {"'\xc3\xa9t\xc3\xa9' LIKE '_t_'", T},
        {"'\xc3\xa9t\xc3\xa9' LIKE '__t%'", F},
        {"'\xc3\xa9t\xc3\xa9' LIKE '%\xc3\xa9'", T},
        {"id LIKE '-5'", T},
        {"id LIKE '-%'", T},
        {"price LIKE '12.3%'", T},
        {"u LIKE '18446744073709551615'", T},
        {"y LIKE '20__'", T},
        {"name LIKE 'AL%'", T},
        {"name NOT LIKE 'b%'", T},
        {"d LIKE '1.1'", T},
    };

    (void)state;
    RUN(c);
}

/* ---- binding and errors ---- */

static void
test_bind(void **state)
{
    struct mysql_column two[2];
    struct mysql_value v2[2];
    struct filter *f;
    char err[160];

    (void)state;
    f = must_parse("nosuch = 1 OR id = 1");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), -1);
    assert_string_equal(err, "unknown column 'nosuch'");
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EUNSUPPORTED);
    assert_string_equal(filter_eval_error(f), "filter is not bound to a table");
    filter_free(f);

    /* binary JSON, GEOMETRY, unknown collation */
    memset(two, 0, sizeof(two));
    two[0].name.p = (const uint8_t *)"doc";
    two[0].name.len = 3;
    two[0].type = MYT_JSON;
    two[1].name.p = (const uint8_t *)"g";
    two[1].name.len = 1;
    two[1].type = MYT_GEOMETRY;
    f = must_parse("doc IS NULL");
    assert_int_equal(filter_bind(f, two, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "column 'doc' has type JSON, which filters do "
                             "not support");
    filter_free(f);
    f = must_parse("G IS NULL");
    assert_int_equal(filter_bind(f, two, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "column 'G' has type GEOMETRY, which filters "
                             "do not support");
    two[1].type = MYT_VARCHAR;
    two[1].charset = 0;
    assert_int_equal(filter_bind(f, two, 2, NULL, 0), -1);
    assert_int_equal(filter_bind(f, two, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "column 'G' has an unknown collation (id 0)");

    /* rebind after the table changed: g moved and became an integer */
    two[0].type = MYT_LONG;
    two[1].type = MYT_LONG;
    two[0].name = two[1].name;
    two[1].name.p = (const uint8_t *)"other";
    two[1].name.len = 5;
    assert_int_equal(filter_bind(f, two, 2, err, sizeof(err)), 0);
    memset(v2, 0, sizeof(v2));
    v2[0].kind = MYV_INT;
    v2[1].kind = MYV_NULL;
    assert_int_equal(filter_eval(f, two, v2, 2), F);
    v2[0].kind = MYV_NULL;
    assert_int_equal(filter_eval(f, two, v2, 2), T);
    two[0].name.p = (const uint8_t *)"other";
    two[0].name.len = 5;
    two[1].name.p = (const uint8_t *)"g";
    two[1].name.len = 1;
    v2[1].kind = MYV_INT;
    assert_int_equal(filter_eval(f, two, v2, 2), T); /* still index 0 */
    assert_int_equal(filter_bind(f, two, 2, err, sizeof(err)), 0);
    assert_int_equal(filter_eval(f, two, v2, 2), F);
    /* a row shorter than the binding */
    assert_int_equal(filter_eval(f, two, v2, 1), -PROTO_EUNSUPPORTED);
    assert_string_equal(filter_eval_error(f),
                        "column 'G' is not in a row of 1 columns");
    filter_free(f);
}

static void
test_eval_errors(void **state)
{
    struct filter *f;
    char err[160];

    (void)state;
    /* MYV_ABSENT is an error, even where OR could decide without it */
    f = must_parse("1 = 1 OR price > 3");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    vals[C_PRICE].kind = MYV_ABSENT;
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EUNSUPPORTED);
    assert_string_equal(filter_eval_error(f),
                        "column 'price' is not in the row image (filters "
                        "need binlog_row_image=FULL)");
    vals[C_PRICE].kind = MYV_DECIMAL;
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), T);
    assert_string_equal(filter_eval_error(f), "");
    filter_free(f);

    /* ENUM names unknown, index out of range; by number still works */
    f = must_parse("e = 'b'");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    cols[C_E].enum_values = NULL;
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EUNSUPPORTED);
    assert_string_equal(filter_eval_error(f),
                        "column 'e' has no ENUM/SET member names "
                        "(binlog_row_metadata=FULL is needed)");
    filter_free(f);
    assert_int_equal(eval("e = 2"), T);
    cols[C_E].enum_values = members;
    vals[C_E].v.u = 4;
    f = must_parse("e = 'b'");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EMALFORMED);
    filter_free(f);
    vals[C_S].v.u = 8;
    f = must_parse("s LIKE '%'");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EMALFORMED);
    filter_free(f);

    /* a JSON value that slipped past bind */
    f = must_parse("name = 'x'");
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    vals[C_NAME].kind = MYV_JSON;
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EUNSUPPORTED);
    assert_string_equal(filter_eval_error(f), "column 'name' holds a JSON "
                                              "value, which filters do not "
                                              "support");
    /* a collation that became unknown */
    vals[C_NAME].kind = MYV_STRING;
    cols[C_NAME].charset = 0;
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), -PROTO_EUNSUPPORTED);
    filter_free(f);
}

/* Evaluation reuses its scratch: many rows, trimmed, evaluated again. */
static void
test_reuse(void **state)
{
    struct filter *f = must_parse("region = 'caf\xc3\xa9' AND u16 LIKE 'a%' "
                                  "AND dt > '2024' AND s = 'a,c'");
    char err[160];
    int i;

    (void)state;
    assert_int_equal(filter_bind(f, cols, C_COUNT, err, sizeof(err)), 0);
    for (i = 0; i < 1000; i++) {
        assert_int_equal(filter_eval(f, cols, vals, C_COUNT), T);
    }
    filter_trim(f);
    assert_int_equal(filter_eval(f, cols, vals, C_COUNT), T);
    filter_trim(f);
    filter_free(f);
    filter_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_parse_valid, setup),
        cmocka_unit_test_setup(test_parse_errors, setup),
        cmocka_unit_test_setup(test_parse_limits, setup),
        cmocka_unit_test_setup(test_columns, setup),
        cmocka_unit_test_setup(test_three_valued, setup),
        cmocka_unit_test_setup(test_in_lists, setup),
        cmocka_unit_test_setup(test_integers, setup),
        cmocka_unit_test_setup(test_decimals_and_floats, setup),
        cmocka_unit_test_setup(test_text, setup),
        cmocka_unit_test_setup(test_temporal, setup),
        cmocka_unit_test_setup(test_like, setup),
        cmocka_unit_test_setup(test_bind, setup),
        cmocka_unit_test_setup(test_eval_errors, setup),
        cmocka_unit_test_setup(test_reuse, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
