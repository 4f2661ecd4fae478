/*
 * test_json.c - the JSON text writer: string escaping and UTF-8 repair,
 * numbers (shortest round trip), base64, and buffer failure.
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

#include "proto/json.h"

/* NUL-terminates b and returns its text. */
static const char *
text(struct pbuf *b)
{
    pbuf_putc(b, '\0');
    assert_false(b->failed);
    b->len--;
    return (const char *)b->data;
}

static void
check_str(const char *in, size_t n, const char *want)
{
    struct pbuf b = {0};

    json_put_str(&b, in, n);
    assert_string_equal(text(&b), want);
    pbuf_free(&b);
}

static void
test_str_escapes(void **state)
{
    (void)state;
    check_str("", 0, "\"\"");
    check_str("plain text", 10, "\"plain text\"");
    check_str("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
    check_str("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    check_str("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
    check_str("\0x", 2, "\"\\u0000x\"");
    /* well-formed UTF-8 of every length passes through */
    check_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
              "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    check_str("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7,
              "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

#define FFFD "\xef\xbf\xbd"

static void
test_str_invalid_utf8(void **state)
{
    (void)state;
    /* lone continuation, overlongs, surrogates, out of range, truncated:
     * one U+FFFD per maximal ill-formed subpart (Unicode 15 3.9) */
    check_str("a\x80z", 3, "\"a" FFFD "z\"");
    check_str("\xc0\x80", 2, "\"" FFFD FFFD "\"");
    check_str("\xc1\xbf", 2, "\"" FFFD FFFD "\"");
    check_str("\xe0\x80\x80", 3, "\"" FFFD FFFD FFFD "\"");
    check_str("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"");
    check_str("\xf0\x8f\xbf\xbf", 4, "\"" FFFD FFFD FFFD FFFD "\"");
    check_str("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
    check_str("\xf5\xff", 2, "\"" FFFD FFFD "\"");
    check_str("\xe2\x82", 2, "\"" FFFD "\"");
    check_str("\xe2\x82z", 3, "\"" FFFD "z\"");
    check_str("\xf0\x9f\x98", 3, "\"" FFFD "\"");
    check_str("\xf0\x9f\x98\"", 4, "\"" FFFD "\\\"\"");
    /* latin1 bytes are not UTF-8 */
    check_str("caf\xe9", 4, "\"caf" FFFD "\"");
}

/* Reference: the same escaping one byte at a time, with Unicode's table
 * 3-7 written as ranges. */
static void
ref_str(struct pbuf *b, const uint8_t *p, size_t n)
{
    static const struct {
        uint8_t lead_lo, lead_hi, second_lo, second_hi, len;
    } rows[] = {
        {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3},
        {0xe1, 0xec, 0x80, 0xbf, 3}, {0xed, 0xed, 0x80, 0x9f, 3},
        {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4},
        {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
    };
    size_t i = 0, r, k;
    char esc[8];

    pbuf_putc(b, '"');
    while (i < n) {
        uint8_t c = p[i];

        if (c == '"' || c == '\\') {
            pbuf_putc(b, '\\');
            pbuf_putc(b, (char)c);
            i++;
            continue;
        }
        if (c < 0x20) {
            const char *s = c == '\b' ? "\\b" : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t" : NULL;

            if (s == NULL) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                s = esc;
            }
            pbuf_puts(b, s);
            i++;
            continue;
        }
        if (c < 0x80) {
            pbuf_putc(b, (char)c);
            i++;
            continue;
        }
        for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
            if (c >= rows[r].lead_lo && c <= rows[r].lead_hi) {
                break;
            }
        }
        if (r == sizeof(rows) / sizeof(rows[0])) {
            pbuf_puts(b, FFFD);
            i++;
            continue;
        }
        k = 1;
        if (i + 1 < n && p[i + 1] >= rows[r].second_lo &&
            p[i + 1] <= rows[r].second_hi) {
            k = 2;
            while (k < rows[r].len && i + k < n &&
                   (p[i + k] & 0xc0) == 0x80) {
                k++;
            }
        }
        if (k == rows[r].len) {
            pbuf_put(b, p + i, k);
        } else {
            pbuf_puts(b, FFFD);
        }
        i += k;
    }
    pbuf_putc(b, '"');
}

static void
test_str_random(void **state)
{
    struct pbuf got = {0}, want = {0};
    uint8_t *buf = malloc(20000);
    uint32_t seed = 12345;
    int round;
    size_t i, n;

    (void)state;
    assert_non_null(buf);
    for (round = 0; round < 300; round++) {
        n = (size_t)round * 61 % 20000;
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly text, some UTF-8 leads, controls and quotes */
            switch ((seed >> 16) % 8) {
            case 0:
                buf[i] = (uint8_t)(0x80 + (seed >> 8) % 0x80);
                break;
            case 1:
                buf[i] = (uint8_t)((seed >> 8) % 0x20);
                break;
            case 2:
                buf[i] = "\"\\\xc3\xe2\xf0\xa9\x82"[(seed >> 8) % 7];
                break;
            default:
                buf[i] = (uint8_t)(0x20 + (seed >> 8) % 0x5f);
                break;
            }
        }
        pbuf_reset(&got);
        pbuf_reset(&want);
        json_put_str(&got, buf, n);
        ref_str(&want, buf, n);
        assert_false(got.failed);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, got.len);
    }
    free(buf);
    pbuf_free(&got);
    pbuf_free(&want);
}

static void
test_key_and_literals(void **state)
{
    struct pbuf b = {0};

    (void)state;
    pbuf_putc(&b, '{');
    json_put_keyz(&b, "id");
    json_put_i64(&b, -5);
    pbuf_putc(&b, ',');
    json_put_key(&b, "n\"x", 3);
    json_put_null(&b);
    pbuf_putc(&b, ',');
    json_put_keyz(&b, "t");
    json_put_bool(&b, true);
    pbuf_putc(&b, ',');
    json_put_keyz(&b, "f");
    json_put_bool(&b, false);
    pbuf_putc(&b, ',');
    json_put_keyz(&b, "r");
    json_put_raw(&b, "[1]", 3);
    pbuf_putc(&b, ',');
    json_put_keyz(&b, "s");
    json_put_strz(&b, "v");
    pbuf_putc(&b, '}');
    assert_string_equal(text(&b), "{\"id\":-5,\"n\\\"x\":null,\"t\":true,"
                                  "\"f\":false,\"r\":[1],\"s\":\"v\"}");
    pbuf_free(&b);
}

static void
test_integers(void **state)
{
    struct pbuf b = {0};

    (void)state;
    json_put_i64(&b, INT64_MIN);
    pbuf_putc(&b, ' ');
    json_put_i64(&b, INT64_MAX);
    pbuf_putc(&b, ' ');
    json_put_u64(&b, UINT64_MAX);
    pbuf_putc(&b, ' ');
    json_put_u64(&b, 0);
    pbuf_putc(&b, ' ');
    json_put_uint_pad(&b, 7, 4);
    pbuf_putc(&b, ' ');
    json_put_uint_pad(&b, 12345, 2);
    assert_string_equal(text(&b), "-9223372036854775808 9223372036854775807 "
                                  "18446744073709551615 0 0007 12345");
    pbuf_free(&b);
}

/* Every power of ten and its neighbours against printf. */
static void
test_integer_digit_boundaries(void **state)
{
    uint64_t p = 1;
    int i, d;

    (void)state;
    for (i = 0; i < 20; i++) {
        for (d = -1; d <= 1; d++) {
            uint64_t v = p + (uint64_t)(int64_t)d;
            struct pbuf b = {0};
            char want[32];

            json_put_u64(&b, v);
            snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
            assert_string_equal(text(&b), want);
            pbuf_reset(&b);
            json_put_i64(&b, -(int64_t)(v >> 1));
            snprintf(want, sizeof(want), "%lld", -(long long)(v >> 1));
            assert_string_equal(text(&b), want);
            pbuf_free(&b);
        }
        if (i < 19) {
            p *= 10;
        }
    }
}

static void
check_double(double v, const char *want)
{
    struct pbuf b = {0};

    json_put_double(&b, v);
    assert_string_equal(text(&b), want);
    pbuf_free(&b);
}

static void
check_float(float v, const char *want)
{
    struct pbuf b = {0};

    json_put_float(&b, v);
    assert_string_equal(text(&b), want);
    pbuf_free(&b);
}

static void
test_doubles(void **state)
{
    (void)state;
    check_double(0.1, "0.1");
    check_double(3.14, "3.14");
    check_double(1.0, "1");
    check_double(-2.5, "-2.5");
    check_double(0.0, "0");
    check_double(-0.0, "-0");
    check_double(1e100, "1e+100");
    check_double(123456789012345680.0, "1.2345678901234568e+17");
    check_double(0.30000000000000004, "0.30000000000000004");
    check_double(DBL_MAX, "1.7976931348623157e+308");
    check_double(DBL_MIN, "2.2250738585072014e-308");
    check_double(5e-324, "5e-324");
    check_double(NAN, "null");
    check_double(INFINITY, "null");
    check_double(-INFINITY, "null");
}

static void
test_floats(void **state)
{
    (void)state;
    check_float(3.14f, "3.14");
    check_float(0.1f, "0.1");
    check_float(-1.5f, "-1.5");
    check_float(16777216.0f, "16777216");
    check_float(FLT_MAX, "3.4028235e+38");
    check_float(1e-45f, "1e-45");
    check_float(NAN, "null");
    check_float(-INFINITY, "null");
}

/* Every repr reads back to the same value, with as many digits as the
 * shortest %g that does. */
static void
test_double_shortest(void **state)
{
    char out[JSON_NUM_TEXT_MAX], shorter[JSON_NUM_TEXT_MAX];
    char dig[JSON_NUM_TEXT_MAX];
    uint64_t x = 88172645463325252ull;
    int i, prec, decpt;
    bool neg;

    (void)state;
    for (i = 0; i < 20000; i++) {
        double v;
        size_t n;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(&v, &x, sizeof(v));
        n = json_double_repr(v, out);
        if (!isfinite(v)) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n > 0);
        assert_true(strtod(out, NULL) == v);
        for (prec = 1; prec < 17; prec++) {
            snprintf(shorter, sizeof(shorter), "%.*g", prec, v);
            if (strtod(shorter, NULL) == v) {
                break;
            }
        }
        assert_int_equal(json_double_digits(v, dig, &decpt, &neg),
                         (size_t)prec);
    }
}

/* Reference: the first of %.15g %.16g %.17g that reads back. */
static void
ref_double(double v, char *out)
{
    int prec;

    for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(out, JSON_NUM_TEXT_MAX, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            return;
        }
    }
}

/* The printf-free path gives the same text as printf. */
static void
test_double_fast_path(void **state)
{
    static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e6, 1e9, 1e12};
    char got[JSON_NUM_TEXT_MAX], want[JSON_NUM_TEXT_MAX];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int i;

    (void)state;
    for (i = 0; i < 200000; i++) {
        double v;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (i % 3) {
        case 0:
            /* prices and measures: decimals with few digits */
            v = (double)(int64_t)(x % 100000000000ull) / scale[(x >> 40) % 8];
            break;
        case 1:
            /* any double of a magnitude near the fast path's range */
            v = ldexp((double)(x >> 11) / 9007199254740992.0,
                      (int)((x >> 3) % 70) - 20);
            break;
        default:
            v = (double)(x % 2000000) / 1000.0 - 1000.0;
            break;
        }
        if (x & 1) {
            v = -v;
        }
        json_double_repr(v, got);
        ref_double(v, want);
        if (strcmp(got, want) != 0) {
            fail_msg("%.17g: got %s want %s", v, got, want);
        }
    }
}

static void
test_double_digits(void **state)
{
    char d[JSON_NUM_TEXT_MAX];
    int decpt = 0;
    bool neg = false;

    (void)state;
    assert_int_equal(json_double_digits(0.1, d, &decpt, &neg), 1);
    assert_string_equal(d, "1");
    assert_int_equal(decpt, 0);
    assert_false(neg);
    assert_int_equal(json_double_digits(-123.45, d, &decpt, &neg), 5);
    assert_string_equal(d, "12345");
    assert_int_equal(decpt, 3);
    assert_true(neg);
    assert_int_equal(json_double_digits(1e20, d, &decpt, &neg), 1);
    assert_int_equal(decpt, 21);
    assert_int_equal(json_double_digits(0.0, d, &decpt, &neg), 1);
    assert_string_equal(d, "0");
    assert_int_equal(decpt, 1);
    assert_int_equal(json_double_digits(5e-324, d, &decpt, &neg), 1);
    assert_string_equal(d, "5");
    assert_int_equal(decpt, -323);
    assert_int_equal(json_double_digits(NAN, d, &decpt, &neg), 0);
}

static void
check_b64(const char *in, const char *want)
{
    struct pbuf b = {0};

    json_put_base64(&b, in, strlen(in));
    assert_string_equal(text(&b), want);
    pbuf_free(&b);
}

static void
test_base64(void **state)
{
    struct pbuf b = {0};
    uint8_t bin[3] = {0xff, 0xfe, 0x00};

    (void)state;
    /* RFC 4648 section 10 */
    check_b64("", "\"\"");
    check_b64("f", "\"Zg==\"");
    check_b64("fo", "\"Zm8=\"");
    check_b64("foo", "\"Zm9v\"");
    check_b64("foob", "\"Zm9vYg==\"");
    check_b64("fooba", "\"Zm9vYmE=\"");
    check_b64("foobar", "\"Zm9vYmFy\"");
    json_put_base64(&b, bin, 3);
    assert_string_equal(text(&b), "\"//4A\"");
    pbuf_free(&b);
}

static void
test_utf8_cp(void **state)
{
    struct pbuf b = {0};

    (void)state;
    json_put_utf8_cp(&b, 'A');
    json_put_utf8_cp(&b, 0xe9);
    json_put_utf8_cp(&b, 0x20ac);
    json_put_utf8_cp(&b, 0x1f600);
    json_put_utf8_cp(&b, 0xd800);
    json_put_utf8_cp(&b, 0x110000);
    assert_string_equal(text(&b), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" FFFD
                                  FFFD);
    pbuf_free(&b);
}

static void
test_limit(void **state)
{
    struct pbuf b = {0};
    char big[600];

    (void)state;
    memset(big, 'x', sizeof(big));
    b.limit = 300;
    json_put_str(&b, big, sizeof(big));
    assert_true(b.failed);
    pbuf_free(&b);
    /* a string that fits is not refused for its worst case */
    b.limit = 300;
    json_put_str(&b, big, 250);
    assert_false(b.failed);
    assert_int_equal(b.len, 252);
    pbuf_free(&b);
    b.limit = 10;
    json_put_base64(&b, big, 100);
    assert_true(b.failed);
    pbuf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_escapes),
        cmocka_unit_test(test_str_invalid_utf8),
        cmocka_unit_test(test_str_random),
        cmocka_unit_test(test_key_and_literals),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_integer_digit_boundaries),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_double_shortest),
        cmocka_unit_test(test_double_fast_path),
        cmocka_unit_test(test_double_digits),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_utf8_cp),
        cmocka_unit_test(test_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
