/*
 * test_binpos.c - binlog position order, and ranges of transactions:
 * membership, pruning, and the stored text read back (and refused when it
 * is anything else).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/binpos.h"

static void
test_order(void **state)
{
    (void)state;
    assert_int_equal(binpos_cmp("bin.000001", 4, "bin.000001", 4), 0);
    assert_int_equal(binpos_cmp("bin.000001", 900, "bin.000002", 4), -1);
    assert_int_equal(binpos_cmp("bin.000002", 4, "bin.000001", 900), 1);
    /* past six digits the name grows: order by the number, not the text */
    assert_int_equal(binpos_cmp("bin.999999", 4, "bin.1000000", 4), -1);
    assert_int_equal(binpos_cmp("bin.000003", 10, "bin.000003", 9), 1);
}

static void
test_hold_and_prune(void **state)
{
    struct binpos_ranges rs = {0};

    (void)state;
    assert_int_equal(binpos_ranges_add(&rs, "bin.000001", 100, "bin.000001",
                                       500), 0);
    assert_int_equal(binpos_ranges_add(&rs, "bin.000001", 900, "bin.000002",
                                       300), 0);
    assert_true(binpos_ranges_hold(&rs, "bin.000001", 100));
    assert_true(binpos_ranges_hold(&rs, "bin.000001", 500));
    assert_false(binpos_ranges_hold(&rs, "bin.000001", 600));
    assert_true(binpos_ranges_hold(&rs, "bin.000002", 4));
    assert_false(binpos_ranges_hold(&rs, "bin.000002", 301));
    binpos_ranges_prune(&rs, NULL, 0);          /* unknown: keeps all */
    assert_int_equal(rs.n, 2);
    binpos_ranges_prune(&rs, "bin.000001", 499);
    assert_int_equal(rs.n, 2);
    binpos_ranges_prune(&rs, "bin.000001", 500);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.r[0].last_file, "bin.000002");
    binpos_ranges_prune(&rs, "bin.000003", 4);
    assert_int_equal(rs.n, 0);
    binpos_ranges_free(&rs);
}

static void
test_text_round_trip(void **state)
{
    struct binpos_ranges rs = {0}, back = {0};
    struct pbuf b = {0};

    (void)state;
    assert_int_equal(binpos_ranges_add(&rs, "mysql-bin.000007", 4,
                                       "mysql-bin.000007", 18446744073709ull),
                     0);
    assert_int_equal(binpos_ranges_add(&rs, "a.1", 1, "a.2", 2), 0);
    binpos_ranges_put(&b, &rs);
    assert_false(b.failed);
    assert_int_equal(binpos_ranges_parse(&back, (const char *)b.data, b.len),
                     0);
    assert_int_equal(back.n, 2);
    assert_string_equal(back.r[0].first_file, "mysql-bin.000007");
    assert_int_equal(back.r[0].last_pos, 18446744073709ull);
    assert_string_equal(back.r[1].last_file, "a.2");
    binpos_ranges_free(&rs);
    binpos_ranges_free(&back);
    pbuf_free(&b);
}

static void
test_damaged_text_refused(void **state)
{
    static const char *const bad[] = {
        "bin.1\t4\tbin.1\t9",            /* no newline */
        "bin.1\t4\tbin.1\n",             /* a field missing */
        "bin.1\t-4\tbin.1\t9\n",         /* not a number */
        "bin.1\t4\tbin.1\t9x\n",         /* trailing bytes */
        "\t4\tbin.1\t9\n",               /* no file */
        "bin.1\t4\tbin.1\t99999999999999999999\n", /* too long */
        "bin.2\t4\tbin.1\t9\n",          /* first after last */
        "bin.1\t4\tbin.1\t9\nbin.1\t10",  /* second line cut */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct binpos_ranges rs = {0};

        assert_int_equal(binpos_ranges_parse(&rs, bad[i], strlen(bad[i])),
                         -1);
        binpos_ranges_free(&rs);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_hold_and_prune),
        cmocka_unit_test(test_text_round_trip),
        cmocka_unit_test(test_damaged_text_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
