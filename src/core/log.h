/*
 * log.h - leveled logfmt logging on stderr.
 *
 * Every line is logfmt: `ts=2026-01-31T12:00:00.123Z level=info msg="..."`
 * followed by the caller's key=value pairs.  The level is tested before any
 * formatting.  Messages name the cause and, for users, the fix.
 */
#ifndef TANDEM_CORE_LOG_H
#define TANDEM_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level {
    LOG_ERROR = 0,  /* a task or the process cannot go on */
    LOG_WARN,       /* something is wrong but work goes on */
    LOG_INFO,       /* lifecycle: start, stop, state changes */
    LOG_DEBUG,      /* per-connection detail */
    LOG_TRACE,      /* per-packet detail */
    LOG_LEVEL_COUNT /* sentinel */
};

extern enum log_level log_current_level;

const char *log_level_name(enum log_level l);
/* Parses "error".."trace"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);

/*
 * Writes one line: msg is printf-formatted and quoted; kv (may be NULL) is a
 * preformatted `key=value ...` suffix.  Use the macros below.
 */
void log_write(enum log_level l, const char *kv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vwrite(enum log_level l, const char *kv, const char *fmt,
                va_list ap) __attribute__((format(printf, 3, 0)));

#define log_enabled(l) ((l) <= log_current_level)

#define log_error(...) do { if (log_enabled(LOG_ERROR)) \
    log_write(LOG_ERROR, NULL, __VA_ARGS__); } while (0)
#define log_warn(...) do { if (log_enabled(LOG_WARN)) \
    log_write(LOG_WARN, NULL, __VA_ARGS__); } while (0)
#define log_info(...) do { if (log_enabled(LOG_INFO)) \
    log_write(LOG_INFO, NULL, __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_enabled(LOG_DEBUG)) \
    log_write(LOG_DEBUG, NULL, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_enabled(LOG_TRACE)) \
    log_write(LOG_TRACE, NULL, __VA_ARGS__); } while (0)

/*
 * A tap sees every line written (level, the kv prefix or NULL, the
 * formatted message, the time in ms since the epoch): the daemon keeps
 * each task's lines.  One tap at a time; NULL removes it.  Lines logged
 * from inside the tap are written but not tapped.
 */
typedef void (*log_tap_fn)(void *arg, enum log_level l, const char *kv,
                           const char *msg, int64_t ts_ms);
void log_set_tap(log_tap_fn fn, void *arg);

/* With a context prefix such as "peer=mysql@127.0.0.1:3306". */
#define clog(l, ctx, ...) do { if (log_enabled(l)) \
    log_write((l), (ctx), __VA_ARGS__); } while (0)

#endif
