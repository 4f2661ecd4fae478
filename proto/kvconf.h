/*
 * kvconf.h - the daemon's config file format: one "key = value" a line.
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   listen = 127.0.0.1:8730
 *   data_dir = /var/lib/tandem
 *
 * Blanks around the key, the '=' and the value do not count; the value is
 * the rest of the line (it may hold '#', '=' and inner blanks).  Keys are
 * [a-z0-9_.] and start with a letter.  Lines end with "\n" or "\r\n".
 * Refused, naming the line: a line without '=', an empty or malformed
 * key, the same key twice, a NUL byte, a line over KVCONF_MAX_LINE bytes.
 */
#ifndef TANDEM_PROTO_KVCONF_H
#define TANDEM_PROTO_KVCONF_H

#include <stddef.h>

#define KVCONF_MAX_LINE 4096
#define KVCONF_MAX_KEYS 256

/* One entry: key and value NUL-terminated (valid during the call), its
 * line (from 1).  Returns 0, or -1 after writing the reason to err (the
 * parse stops and returns -1 with "line N: " before it). */
typedef int (*kvconf_cb)(const char *key, const char *value, unsigned line,
                         void *arg, char *err, size_t errlen);

/* Parses text[0..len).  Returns 0, or -1 with "line N: cause" in err. */
int kvconf_parse(const char *text, size_t len, kvconf_cb cb, void *arg,
                 char *err, size_t errlen);

#endif
