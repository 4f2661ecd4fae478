/*
 * test_crc32.c - the folded CRC-32 against zlib's, on every length up to
 * 600 bytes at every alignment, on large buffers, and chained.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "proto/crc32.h"

static uint8_t buf[1 << 20];

static void
fill(void)
{
    uint32_t x = 2463534242u;
    size_t i;

    for (i = 0; i < sizeof(buf); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

static void
test_known_answer(void **state)
{
    (void)state;
    /* The CRC-32 check value of "123456789". */
    assert_int_equal(crc32_update(0, (const uint8_t *)"123456789", 9),
                     0xcbf43926u);
    assert_int_equal(crc32_update(0, NULL, 0), 0);
}

static void
test_lengths_and_alignments(void **state)
{
    size_t off, n;

    (void)state;
    fill();
    for (off = 0; off < 16; off++) {
        for (n = 0; n <= 600; n++) {
            assert_int_equal(crc32_update(0, buf + off, n),
                             crc32_portable(0, buf + off, n));
        }
    }
}

static void
test_large_and_chained(void **state)
{
    uint32_t a, b;
    size_t cut;

    (void)state;
    fill();
    assert_int_equal(crc32_update(0, buf, sizeof(buf)),
                     crc32_portable(0, buf, sizeof(buf)));
    assert_int_equal(crc32_update(0x12345678u, buf + 3, 100003),
                     crc32_portable(0x12345678u, buf + 3, 100003));
    for (cut = 1; cut < 300; cut += 7) {
        a = crc32_update(crc32_update(0, buf, cut), buf + cut, 5000 - cut);
        b = crc32_portable(0, buf, 5000);
        assert_int_equal(a, b);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_lengths_and_alignments),
        cmocka_unit_test(test_large_and_chained),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
