/*
 * kvconf.c - "key = value" lines (see kvconf.h).
 */
#include "proto/kvconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool
key_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') ||
           (!first && ((c >= '0' && c <= '9') || c == '_' || c == '.'));
}

int
kvconf_parse(const char *text, size_t len, kvconf_cb cb, void *arg,
             char *err, size_t errlen)
{
    char keys[KVCONF_MAX_KEYS][64];
    char key[64], value[KVCONF_MAX_LINE + 1], why[512];
    size_t nkeys = 0, at = 0;
    unsigned line = 0;

    while (at < len) {
        const char *p = text + at, *end, *eq, *k0, *k1, *v0, *v1;
        size_t n, i;

        line++;
        end = memchr(p, '\n', len - at);
        n = end != NULL ? (size_t)(end - p) : len - at;
        at += n + (end != NULL);
        if (n > KVCONF_MAX_LINE) {
            snprintf(err, errlen, "line %u: longer than %d bytes", line,
                     KVCONF_MAX_LINE);
            return -1;
        }
        if (memchr(p, '\0', n) != NULL) {
            snprintf(err, errlen, "line %u: holds a NUL byte", line);
            return -1;
        }
        for (k0 = p; k0 < p + n && blank(*k0); k0++) {
        }
        if (k0 == p + n || *k0 == '#') {
            continue;
        }
        eq = memchr(k0, '=', (size_t)(p + n - k0));
        if (eq == NULL) {
            snprintf(err, errlen, "line %u: expected \"key = value\"",
                     line);
            return -1;
        }
        for (k1 = eq; k1 > k0 && blank(k1[-1]); k1--) {
        }
        if (k1 == k0 || (size_t)(k1 - k0) >= sizeof(key)) {
            snprintf(err, errlen, "line %u: %s key", line,
                     k1 == k0 ? "an empty" : "an over-long");
            return -1;
        }
        for (i = 0; k0 + i < k1; i++) {
            if (!key_char(k0[i], i == 0)) {
                snprintf(err, errlen, "line %u: a key is lower-case letters, "
                         "digits, '_' and '.', starting with a letter",
                         line);
                return -1;
            }
        }
        memcpy(key, k0, (size_t)(k1 - k0));
        key[k1 - k0] = '\0';
        for (i = 0; i < nkeys; i++) {
            if (strcmp(keys[i], key) == 0) {
                snprintf(err, errlen, "line %u: %s is set a second time",
                         line, key);
                return -1;
            }
        }
        if (nkeys == KVCONF_MAX_KEYS) {
            snprintf(err, errlen, "line %u: more than %d keys", line,
                     KVCONF_MAX_KEYS);
            return -1;
        }
        memcpy(keys[nkeys++], key, sizeof(key));
        for (v0 = eq + 1; v0 < p + n && blank(*v0); v0++) {
        }
        for (v1 = p + n; v1 > v0 && blank(v1[-1]); v1--) {
        }
        memcpy(value, v0, (size_t)(v1 - v0));
        value[v1 - v0] = '\0';
        why[0] = '\0';
        if (cb(key, value, line, arg, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "line %u: %s", line, why);
            return -1;
        }
    }
    return 0;
}
