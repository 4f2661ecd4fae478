/*
 * test_charset.c - collation ids to character sets, and conversion of
 * column text to UTF-8.
 *
 * Expected values are what MariaDB 10.11.19 answers for
 * HEX(CONVERT(CONVERT(x USING cs) USING utf32)) (single bytes below) and
 * HEX(CONVERT('text' USING cs)) (the multi-byte strings); a byte the
 * server prints as '?' is U+FFFD here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/json.h"
#include "proto/mysql/charset.h"

static void
test_collations(void **state)
{
    static const struct {
        unsigned id;
        enum mysql_charset cs;
    } cases[] = {
        {0, MYCS_UNKNOWN},        {1, MYCS_BIG5},
        {8, MYCS_LATIN1},         {9, MYCS_LATIN2},
        {17, MYCS_UNKNOWN},       {28, MYCS_GBK},
        {33, MYCS_UTF8MB3},       {45, MYCS_UTF8MB4},
        {46, MYCS_UTF8MB4},       {47, MYCS_LATIN1},
        {54, MYCS_UTF16},         {56, MYCS_UTF16LE},
        {60, MYCS_UTF32},         {63, MYCS_BINARY},
        {76, MYCS_UTF8MB3},       {83, MYCS_UTF8MB3},
        {95, MYCS_CP932},         {97, MYCS_EUCJPMS},
        {100, MYCS_UNKNOWN},      {128, MYCS_UCS2},
        {192, MYCS_UTF8MB3},      {224, MYCS_UTF8MB4},
        {248, MYCS_GB18030},      {250, MYCS_GB18030},
        {251, MYCS_UNKNOWN},      {255, MYCS_UTF8MB4},
        {272, MYCS_UNKNOWN},      {309, MYCS_UTF8MB4},
        {323, MYCS_UTF8MB4},      {324, MYCS_UNKNOWN},
        /* MariaDB: *_mysql561 / myanmar / thai_520_w2, NO PAD (+1024),
         * UCA 14.0 blocks */
        {576, MYCS_UTF8MB3},      {608, MYCS_UTF8MB4},
        {736, MYCS_UTF32},        {1025, MYCS_BIG5},
        {1032, MYCS_LATIN1},      {1057, MYCS_UTF8MB3},
        {1069, MYCS_UTF8MB4},     {1087, MYCS_UNKNOWN},
        {2048, MYCS_UTF8MB3},     {2304, MYCS_UTF8MB4},
        {2560, MYCS_UCS2},        {2816, MYCS_UTF16},
        {3271, MYCS_UTF32},       {3328, MYCS_UNKNOWN},
        {65535, MYCS_UNKNOWN},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (mysql_charset_of_collation(cases[i].id) != cases[i].cs) {
            fail_msg("collation %u: %s, want %s", cases[i].id,
                     mysql_charset_name(
                         mysql_charset_of_collation(cases[i].id)),
                     mysql_charset_name(cases[i].cs));
        }
    }
    assert_string_equal(mysql_charset_name(MYCS_LATIN1), "latin1");
    assert_string_equal(mysql_charset_name(MYCS_EUCJPMS), "eucjpms");
    assert_string_equal(mysql_charset_name(MYCS_COUNT), "unknown");
    assert_true(mysql_charset_is_utf8(MYCS_UTF8MB3));
    assert_false(mysql_charset_is_utf8(MYCS_ASCII));
    assert_false(mysql_charset_is_utf8(MYCS_LATIN1));
    assert_false(mysql_charset_is_utf8(MYCS_BINARY));
}

/* UTF-8 of the code points cp[0..n) */
static void
utf8_of(struct pbuf *b, const uint32_t *cp, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        json_put_utf8_cp(b, cp[i]);
    }
}

static void
test_single_byte(void **state)
{
    static const uint8_t bytes[9] = {0x41, 0x5c, 0x80, 0x81, 0x9d,
                                     0xa4, 0xc8, 0xe9, 0xff};
    static const struct {
        enum mysql_charset cs;
        uint32_t cp[9];
    } cases[] = {
        {MYCS_LATIN1,
         {0x41, 0x5c, 0x20ac, 0x81, 0x9d, 0xa4, 0xc8, 0xe9, 0xff}},
        {MYCS_LATIN2,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xa4, 0x10c, 0xe9, 0x2d9}},
        {MYCS_LATIN5,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xa4, 0xc8, 0xe9, 0xff}},
        {MYCS_LATIN7,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xa4, 0x10c, 0xe9, 0x2019}},
        {MYCS_CP1250,
         {0x41, 0x5c, 0x20ac, 0xfffd, 0x165, 0xa4, 0x10c, 0xe9, 0x2d9}},
        {MYCS_CP1251,
         {0x41, 0x5c, 0x402, 0x403, 0x45c, 0xa4, 0x418, 0x439, 0x44f}},
        {MYCS_CP1256,
         {0x41, 0x5c, 0x20ac, 0x67e, 0x200c, 0xa4, 0x628, 0xe9, 0xfffd}},
        {MYCS_CP1257,
         {0x41, 0x5c, 0x20ac, 0xfffd, 0xaf, 0xa4, 0x10c, 0xe9, 0x2d9}},
        {MYCS_KOI8R,
         {0x41, 0x5c, 0x2500, 0x2502, 0xb2, 0x2553, 0x445, 0x418, 0x42a}},
        {MYCS_KOI8U,
         {0x41, 0x5c, 0x2500, 0x2502, 0xb2, 0x454, 0x445, 0x418, 0x42a}},
        {MYCS_GREEK,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xfffd, 0x398, 0x3b9, 0xfffd}},
        {MYCS_HEBREW,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xa4, 0xfffd, 0x5d9, 0xfffd}},
        {MYCS_CP850,
         {0x41, 0x5c, 0xc7, 0xfc, 0xd8, 0xf1, 0x255a, 0xda, 0xa0}},
        {MYCS_CP852,
         {0x41, 0x5c, 0xc7, 0xfc, 0x141, 0x104, 0x255a, 0xda, 0xa0}},
        {MYCS_CP866,
         {0x41, 0x5c, 0x410, 0x411, 0x42d, 0x434, 0x255a, 0x449, 0xa0}},
        {MYCS_SWE7,
         {0x41, 0xd6, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd}},
        {MYCS_DEC8,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xfffd, 0xc8, 0xe9, 0xfffd}},
        {MYCS_HP8,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xca, 0xe0, 0xd5, 0xfffd}},
        {MYCS_KEYBCS2,
         {0x41, 0x5c, 0x10c, 0xfc, 0xdd, 0x148, 0x255a, 0x398, 0xa0}},
        {MYCS_MACCE,
         {0x41, 0x5c, 0xc4, 0x100, 0x11a, 0xa7, 0xbb, 0x165, 0x2c7}},
        {MYCS_MACROMAN,
         {0x41, 0x5c, 0xc4, 0xc5, 0xf9, 0xa7, 0xbb, 0xc8, 0x2c7}},
        {MYCS_ARMSCII8,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0x29, 0x53c, 0x57c, 0x27}},
        {MYCS_GEOSTD8,
         {0x41, 0x5c, 0x20ac, 0xfffd, 0xfffd, 0xa4, 0x10d7, 0xfffd, 0xfffd}},
        {MYCS_TIS620,
         {0x41, 0x5c, 0x80, 0x81, 0x9d, 0xe04, 0xe28, 0xe49, 0xfffd}},
        {MYCS_ASCII,
         {0x41, 0x5c, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd}},
    };
    struct pbuf got = {0}, want = {0};
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* byte by byte, and the nine bytes as one string */
        for (k = 0; k < 9; k++) {
            pbuf_reset(&got);
            pbuf_reset(&want);
            assert_int_equal(mysql_charset_to_utf8(&got, cases[i].cs,
                                                   bytes + k, 1, NULL),
                             0);
            utf8_of(&want, &cases[i].cp[k], 1);
            if (got.len != want.len ||
                memcmp(got.data, want.data, got.len) != 0) {
                fail_msg("%s byte %02x", mysql_charset_name(cases[i].cs),
                         bytes[k]);
            }
        }
        pbuf_reset(&got);
        pbuf_reset(&want);
        assert_int_equal(
            mysql_charset_to_utf8(&got, cases[i].cs, bytes, 9, NULL), 0);
        utf8_of(&want, cases[i].cp, 9);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, got.len);
    }
    pbuf_free(&got);
    pbuf_free(&want);
}

/* Converts hex-encoded bytes of cs and compares with UTF-8 want. */
static void
check_conv(struct mysql_charset_cache *cache, enum mysql_charset cs,
           const char *hex, const char *want)
{
    uint8_t in[256];
    size_t n = strlen(hex) / 2, i;
    struct pbuf b = {0};
    unsigned v;
    int rc;

    assert_true(n <= sizeof(in));
    for (i = 0; i < n; i++) {
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        in[i] = (uint8_t)v;
    }
    rc = mysql_charset_to_utf8(&b, cs, in, n, cache);
    if (rc != 0) {
        fail_msg("%s %s: rc %d", mysql_charset_name(cs), hex, rc);
    }
    pbuf_putc(&b, '\0');
    if (strcmp((char *)b.data, want) != 0) {
        fail_msg("%s %s: got %s want %s", mysql_charset_name(cs), hex,
                 (char *)b.data, want);
    }
    pbuf_free(&b);
}

#define FFFD "\xef\xbf\xbd"

static void
test_multi_byte(void **state)
{
    struct mysql_charset_cache cache;

    (void)state;
    memset(&cache, 0, sizeof(cache));
    check_conv(&cache, MYCS_GBK, "D6D0CEC4616263", "中文abc");
    check_conv(&cache, MYCS_BIG5, "A4A4A4E5A145", "中文•");
    check_conv(&cache, MYCS_SJIS, "B193FA967B815F", "ｱ日本\\");
    check_conv(&cache, MYCS_UJIS, "C6FCCBDCB8EC", "日本語");
    check_conv(&cache, MYCS_UJIS, "8FA2B7", "~");
    check_conv(&cache, MYCS_EUCKR, "C7D1B1B9BEEE", "한국어");
    check_conv(&cache, MYCS_EUCKR, "A2E8B0A1", FFFD "가");
    check_conv(&cache, MYCS_GB2312, "D6D0CEC4", "中文");
    check_conv(&cache, MYCS_CP932, "8740", "①");
    check_conv(&cache, MYCS_EUCJPMS, "ADA1", "①");
    check_conv(&cache, MYCS_GB18030, "D6D081308130", "中\xc2\x80");
    /* bytes that cannot start or end a character: one U+FFFD each */
    check_conv(&cache, MYCS_GBK, "81", FFFD);
    check_conv(&cache, MYCS_GBK, "8120D6D0", FFFD " 中");
    check_conv(&cache, MYCS_GBK, "80FF41", FFFD FFFD "A");
    check_conv(&cache, MYCS_BIG5, "A1", FFFD);
    check_conv(&cache, MYCS_UJIS, "8FA2", FFFD FFFD);
    /* a code glibc decodes but the server does not */
    check_conv(&cache, MYCS_BIG5, "C7FE41", FFFD "A");
    mysql_charset_cache_free(&cache);
    mysql_charset_cache_free(&cache);
}

/* Long text goes through iconv in runs; the result is the same. */
static void
test_multi_byte_long(void **state)
{
    struct mysql_charset_cache cache;
    struct pbuf got = {0}, want = {0};
    uint8_t *in = malloc(5000 * 7);
    size_t i, n = 0;

    (void)state;
    assert_non_null(in);
    memset(&cache, 0, sizeof(cache));
    for (i = 0; i < 5000; i++) {
        /* "中" "•" (override) "A" "文" */
        memcpy(in + n, "\xa4\xa4\xa1\x45\x41\xa4\xe5", 7);
        n += 7;
        pbuf_puts(&want, "中•A文");
    }
    assert_int_equal(mysql_charset_to_utf8(&got, MYCS_BIG5, in, n, &cache),
                     0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, got.len);
    free(in);
    pbuf_free(&got);
    pbuf_free(&want);
    mysql_charset_cache_free(&cache);
}

static void
test_wide(void **state)
{
    (void)state;
    check_conv(NULL, MYCS_UTF16, "D83DDE000061", "😀a");
    check_conv(NULL, MYCS_UTF16LE, "3DD800DE6100", "😀a");
    check_conv(NULL, MYCS_UTF32, "0001F60000000061", "😀a");
    check_conv(NULL, MYCS_UCS2, "00E920AC", "é€");
    /* lone surrogates, odd trailing byte, out of range */
    check_conv(NULL, MYCS_UTF16, "D83D0061", FFFD "a");
    check_conv(NULL, MYCS_UTF16, "DE000061", FFFD "a");
    check_conv(NULL, MYCS_UTF16, "006100", "a" FFFD);
    check_conv(NULL, MYCS_UCS2, "D83D", FFFD);
    check_conv(NULL, MYCS_UTF32, "00110000", FFFD);
    check_conv(NULL, MYCS_UTF32, "0000D800", FFFD);
    check_conv(NULL, MYCS_UTF32, "000041", FFFD);
}

static void
test_utf8_and_others(void **state)
{
    struct pbuf b = {0};

    (void)state;
    check_conv(NULL, MYCS_UTF8MB4, "F09F9880C3A9", "😀é");
    check_conv(NULL, MYCS_UTF8MB3, "E282AC", "€");
    check_conv(NULL, MYCS_UTF8MB4, "61E9", "a" FFFD);
    check_conv(NULL, MYCS_ASCII, "41E9", "A" FFFD);
    check_conv(NULL, MYCS_ASCII, "C3A9", FFFD FFFD);
    check_conv(NULL, MYCS_CP1251, "CFF0E8E2E5F2", "Привет");
    check_conv(NULL, MYCS_KOI8R, "F0D2C9D7C5D4", "Привет");
    check_conv(NULL, MYCS_SWE7, "5B5C7D", "ÄÖå");
    check_conv(NULL, MYCS_LATIN1, "80", "€");
    /* no text conversion for binary or unknown; multi-byte needs a cache */
    assert_int_equal(mysql_charset_to_utf8(&b, MYCS_BINARY,
                                           (const uint8_t *)"a", 1, NULL),
                     -PROTO_EUNSUPPORTED);
    assert_int_equal(mysql_charset_to_utf8(&b, MYCS_UNKNOWN,
                                           (const uint8_t *)"a", 1, NULL),
                     -PROTO_EUNSUPPORTED);
    assert_int_equal(mysql_charset_to_utf8(&b, MYCS_GBK,
                                           (const uint8_t *)"a", 1, NULL),
                     -PROTO_EUNSUPPORTED);
    assert_int_equal(mysql_charset_to_utf8(&b, MYCS_COUNT,
                                           (const uint8_t *)"a", 1, NULL),
                     -PROTO_EUNSUPPORTED);
    /* a full buffer is reported */
    b.limit = 4;
    assert_int_equal(mysql_charset_to_utf8(&b, MYCS_LATIN1,
                                           (const uint8_t *)"abcdefgh", 8,
                                           NULL),
                     -PROTO_ENOMEM);
    pbuf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collations),
        cmocka_unit_test(test_single_byte),
        cmocka_unit_test(test_multi_byte),
        cmocka_unit_test(test_multi_byte_long),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_utf8_and_others),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
