/*
 * src_test_delay.c - the delay tracker's window: last sample, per-second
 * maxima, nearest-rank p50/p99/max, seconds leaving the window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "src/task/delay.h"

#define T0 ((uint64_t)1700000000000)   /* a second boundary, in ms */

static void
test_empty(void **state)
{
    struct delay d;
    int64_t p50, p99, max;

    (void)state;
    delay_init(&d);
    assert_int_equal(d.last_ms, -1);
    delay_window(&d, T0, &p50, &p99, &max);
    assert_int_equal(p50, -1);
    assert_int_equal(p99, -1);
    assert_int_equal(max, -1);
}

static void
test_last_and_per_second_max(void **state)
{
    struct delay d;
    int64_t p50, p99, max;

    (void)state;
    delay_init(&d);
    delay_add(&d, T0 + 100, 30, true);
    delay_add(&d, T0 + 500, 80, true);
    delay_add(&d, T0 + 900, 10, true);
    assert_int_equal(d.last_ms, 10);
    /* one second: its value is its largest delay */
    delay_window(&d, T0 + 950, &p50, &p99, &max);
    assert_int_equal(p50, 80);
    assert_int_equal(p99, 80);
    assert_int_equal(max, 80);
    /* a lower bound enters the window, not the last sample */
    delay_add(&d, T0 + 1200, 5000, false);
    assert_int_equal(d.last_ms, 10);
    delay_window(&d, T0 + 1300, &p50, &p99, &max);
    assert_int_equal(max, 5000);
    /* negative counts as 0 */
    delay_add(&d, T0 + 2100, -7, true);
    assert_int_equal(d.last_ms, 0);
}

static void
test_percentiles_over_seconds(void **state)
{
    struct delay d;
    int64_t p50, p99, max;
    int s;

    (void)state;
    delay_init(&d);
    /* 60 seconds with 1..60 ms */
    for (s = 0; s < 60; s++) {
        delay_add(&d, T0 + (uint64_t)s * 1000 + 10, s + 1, true);
    }
    delay_window(&d, T0 + 59 * 1000 + 500, &p50, &p99, &max);
    assert_int_equal(max, 60);
    assert_int_equal(p50, 30);
    assert_int_equal(p99, 60);
    /* 30 s later, the first 30 seconds have left the window */
    delay_window(&d, T0 + 89 * 1000 + 500, &p50, &p99, &max);
    assert_true(p50 > 30);
    assert_int_equal(max, 60);
    /* two minutes later: empty again */
    delay_window(&d, T0 + 200 * 1000, &p50, &p99, &max);
    assert_int_equal(max, -1);
    assert_int_equal(p50, -1);
}

static void
test_slot_reuse_after_a_minute(void **state)
{
    struct delay d;
    int64_t p50, p99, max;

    (void)state;
    delay_init(&d);
    delay_add(&d, T0 + 10, 900, true);
    /* same slot (second modulo 60), one minute later: the old value goes */
    delay_add(&d, T0 + 60 * 1000 + 10, 4, true);
    delay_window(&d, T0 + 60 * 1000 + 20, &p50, &p99, &max);
    assert_int_equal(max, 4);
    assert_int_equal(p50, 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_last_and_per_second_max),
        cmocka_unit_test(test_percentiles_over_seconds),
        cmocka_unit_test(test_slot_reuse_after_a_minute),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
