/*
 * log.c - logfmt lines on stderr (see log.h).
 */
#include "src/core/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

enum log_level log_current_level = LOG_INFO;

static log_tap_fn log_tap;      /* sees every line written, or NULL */
static void *log_tap_arg;       /* its argument */
static bool log_in_tap;         /* a tap's own lines are not tapped */

void
log_set_tap(log_tap_fn fn, void *arg)
{
    log_tap = fn;
    log_tap_arg = arg;
}

static const char *const log_level_names[LOG_LEVEL_COUNT] = {
    "error", "warn", "info", "debug", "trace",
};

const char *
log_level_name(enum log_level l)
{
    return (unsigned)l < LOG_LEVEL_COUNT ? log_level_names[l] : "unknown";
}

bool
log_level_parse(const char *s, enum log_level *out)
{
    int i;

    for (i = 0; i < LOG_LEVEL_COUNT; i++) {
        if (strcmp(s, log_level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

/* Appends s to out as a logfmt quoted value, escaping " \ and controls. */
static size_t
quote(char *out, size_t cap, size_t o, const char *s)
{
    if (o < cap) {
        out[o++] = '"';
    }
    for (; *s != '\0' && o + 3 < cap; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (c < 0x20) {
            out[o++] = ' ';
        } else {
            out[o++] = (char)c;
        }
    }
    if (o < cap) {
        out[o++] = '"';
    }
    return o;
}

void
log_vwrite(enum log_level l, const char *kv, const char *fmt, va_list ap)
{
    char msg[2048], line[4096];
    struct timeval tv;
    struct tm tm;
    size_t o;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    o = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
    o += (size_t)snprintf(line + o, sizeof(line) - o, ".%03dZ level=%s ",
                          (int)(tv.tv_usec / 1000), log_level_name(l));
    if (kv != NULL && kv[0] != '\0' && o < sizeof(line)) {
        o += (size_t)snprintf(line + o, sizeof(line) - o, "%s ", kv);
    }
    if (o < sizeof(line) - 8) {
        memcpy(line + o, "msg=", 4);
        o = quote(line, sizeof(line) - 2, o + 4, msg);
    }
    if (o > sizeof(line) - 2) {
        o = sizeof(line) - 2;
    }
    line[o++] = '\n';
    fwrite(line, 1, o, stderr);
    if (log_tap != NULL && !log_in_tap) {
        log_in_tap = true;
        log_tap(log_tap_arg, l, kv, msg,
                (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
        log_in_tap = false;
    }
}

void
log_write(enum log_level l, const char *kv, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vwrite(l, kv, fmt, ap);
    va_end(ap);
}
