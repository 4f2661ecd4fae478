/*
 * fuzz_kvconf.c - libFuzzer target for the daemon config's "key = value"
 * lines (proto/kvconf.c): every entry's key is well formed and appears in
 * the input, its value holds no line break and comes from the input too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kvconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;          /* the input */
    size_t size;                  /* ... */
};

static int
check(const char *key, const char *value, unsigned line, void *arg,
      char *err, size_t errlen)
{
    const struct input *in = arg;
    size_t i;

    (void)err;
    (void)errlen;
    if (key[0] < 'a' || key[0] > 'z' || line == 0 ||
        strchr(value, '\n') != NULL || strlen(value) > KVCONF_MAX_LINE ||
        memmem(in->data, in->size, key, strlen(key)) == NULL ||
        memmem(in->data, in->size, value, strlen(value)) == NULL) {
        abort();
    }
    for (i = 0; key[i] != '\0'; i++) {
        if (!((key[i] >= 'a' && key[i] <= 'z') ||
              (key[i] >= '0' && key[i] <= '9') || key[i] == '_' ||
              key[i] == '.')) {
            abort();
        }
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    char err[256];

    (void)kvconf_parse((const char *)data, size, check, &in, err,
                       sizeof(err));
    return 0;
}
