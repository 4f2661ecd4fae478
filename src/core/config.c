/*
 * config.c - the daemon's config file (see config.h).
 */
#include "src/core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kvconf.h"

/* The largest config file read. */
#define CONFIG_MAX_BYTES (1u << 20)

void
config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    c->listen_port = 8730;
    snprintf(c->data_dir, sizeof(c->data_dir), "tandem-data");
    c->log_level = LOG_INFO;
    c->queue_bytes = 64u << 20;
}

/* "host:port" or "[v6]:port". */
static int
set_listen(struct config *c, const char *v, char *err, size_t errlen)
{
    const char *colon = strrchr(v, ':');
    const char *h = v;
    size_t hlen;
    char *end;
    unsigned long port;

    if (colon == NULL || colon == v || colon[1] == '\0') {
        snprintf(err, errlen, "listen = '%.100s' is not address:port — "
                 "write e.g. listen = 127.0.0.1:8730", v);
        return -1;
    }
    hlen = (size_t)(colon - v);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || port == 0 || port > 65535 ||
        hlen == 0 || hlen >= sizeof(c->listen_host)) {
        snprintf(err, errlen, "listen = '%.100s': the port must be 1 to "
                 "65535 after a host — write e.g. listen = 127.0.0.1:8730",
                 v);
        return -1;
    }
    memcpy(c->listen_host, h, hlen);
    c->listen_host[hlen] = '\0';
    c->listen_port = (uint16_t)port;
    return 0;
}

/* Bytes with an optional K, M or G (binary) suffix. */
static int
set_bytes(uint64_t *out, const char *key, const char *v, uint64_t lo,
          uint64_t hi, char *err, size_t errlen)
{
    char *end;
    unsigned long long n;
    unsigned shift = 0;

    errno = 0;
    n = strtoull(v, &end, 10);
    if (end != v && (*end == 'K' || *end == 'M' || *end == 'G') &&
        end[1] == '\0') {
        shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
        end++;
    }
    if (end == v || *end != '\0' || errno != 0 || v[0] == '-' ||
        n > (hi >> shift) || (n << shift) < lo) {
        snprintf(err, errlen, "%s = '%.100s' must be %llu to %llu bytes "
                 "(K, M and G may follow the number)", key, v,
                 (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = (uint64_t)n << shift;
    return 0;
}

static int
on_entry(const char *key, const char *value, unsigned line, void *arg,
         char *err, size_t errlen)
{
    struct config *c = arg;

    (void)line;
    if (strcmp(key, "listen") == 0) {
        return set_listen(c, value, err, errlen);
    }
    if (strcmp(key, "data_dir") == 0) {
        if (value[0] == '\0' || strlen(value) >= sizeof(c->data_dir)) {
            snprintf(err, errlen, "data_dir must name a directory (at most "
                     "%zu bytes)", sizeof(c->data_dir) - 1);
            return -1;
        }
        snprintf(c->data_dir, sizeof(c->data_dir), "%s", value);
        return 0;
    }
    if (strcmp(key, "log_level") == 0) {
        if (!log_level_parse(value, &c->log_level)) {
            snprintf(err, errlen, "log_level = '%.50s' is not one of "
                     "error, warn, info, debug, trace", value);
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "queue_bytes") == 0) {
        return set_bytes(&c->queue_bytes, key, value, 1u << 20,
                         (uint64_t)16 << 30, err, errlen);
    }
    snprintf(err, errlen, "unknown key %s — the keys are listen, data_dir, "
             "log_level and queue_bytes", key);
    return -1;
}

int
config_load(const char *path, struct config *c, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *text, why[600];
    size_t n;
    int rc;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s — check the path given "
                 "with -c", path, strerror(errno));
        return -1;
    }
    text = malloc(CONFIG_MAX_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
    if (ferror(f) || n > CONFIG_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path, ferror(f) ? "cannot read it" :
                 "larger than 1 MiB: is this the config file?");
        free(text);
        fclose(f);
        return -1;
    }
    fclose(f);
    rc = kvconf_parse(text, n, on_entry, c, why, sizeof(why));
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}
