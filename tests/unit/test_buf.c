/*
 * test_buf.c - span_u64(): the number a result cell writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/buf.h"

static uint64_t
u64(const char *s)
{
    struct span v = {(const uint8_t *)s, strlen(s)};

    return span_u64(v);
}

static void
test_span_u64(void **state)
{
    struct span none = {NULL, 0};

    (void)state;
    assert_true(span_u64(none) == 0);
    assert_true(u64("0") == 0);
    assert_true(u64("23783984") == 23783984u);
    assert_true(u64("18446744073709551615") == UINT64_MAX);
    assert_true(u64("18446744073709551616") == UINT64_MAX);
    assert_true(u64("99999999999999999999999") == UINT64_MAX);
    assert_true(u64("12abc") == 12);
    assert_true(u64("-5") == 0);
    assert_true(u64("") == 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_u64),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
