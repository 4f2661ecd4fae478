/*
 * fuzz_src_grants.c - libFuzzer target for the prechecks' reading of SHOW
 * GRANTS rows (src/task/precheck_grants.c): any bytes, cut into lines,
 * are read without a crash, and what they grant is a subset of the
 * privileges known; a grant on *.* reaches every database.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/task/precheck_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pc_grants g;
    const char *p = (const char *)data, *end = p + size;
    uint32_t global, db;

    memset(&g, 0, sizeof(g));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        pc_grants_add_line(&g, p, n);
        p += n + 1;
    }
    global = pc_grants_have(&g, PC_PRIV_ALL, NULL, NULL);
    db = pc_grants_have(&g, PC_PRIV_ALL, "shop_1", "orders");
    if ((global & ~PC_PRIV_ALL) != 0 || (db & ~PC_PRIV_ALL) != 0 ||
        (global & ~db) != 0) {
        abort();
    }
    pc_grants_free(&g);
    return 0;
}
