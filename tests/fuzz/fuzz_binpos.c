/*
 * fuzz_binpos.c - libFuzzer target for the stored ranges of transactions
 * (proto/mysql/binpos.c): what parses is written back and parses again to
 * the same ranges; every range holds its own ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/binpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct binpos_ranges a = {0}, b = {0};
    struct pbuf text = {0};
    size_t i;

    if (binpos_ranges_parse(&a, (const char *)data, size) == 0) {
        binpos_ranges_put(&text, &a);
        if (!text.failed) {
            if (binpos_ranges_parse(&b, (const char *)text.data,
                                    text.len) != 0 || b.n != a.n) {
                abort();
            }
            for (i = 0; i < a.n; i++) {
                if (strcmp(a.r[i].first_file, b.r[i].first_file) != 0 ||
                    a.r[i].last_pos != b.r[i].last_pos ||
                    !binpos_ranges_hold(&a, a.r[i].first_file,
                                        a.r[i].first_pos) ||
                    !binpos_ranges_hold(&a, a.r[i].last_file,
                                        a.r[i].last_pos)) {
                    abort();
                }
            }
        }
    }
    binpos_ranges_free(&a);
    binpos_ranges_free(&b);
    pbuf_free(&text);
    return 0;
}
