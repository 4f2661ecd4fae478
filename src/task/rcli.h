/*
 * rcli.h - a small Redis client for control work beside the data path:
 * the heartbeat a Redis task writes to its source every second, the
 * INFO it reads there, and the checks of a destination before a full
 * sync (is it empty, which version).
 *
 * One connection (TCP or TLS per the URL), AUTH when the URL has a
 * password, then commands sent as they are given and their replies
 * handed back in order (hiredis' reply reader).  It never blocks; a
 * failure reaches the error callback once and the client is then dead.
 */
#ifndef TANDEM_TASK_RCLI_H
#define TANDEM_TASK_RCLI_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct evdns_base;
struct rcli;
struct redisReply;

/* A reply (hiredis' object, freed after the call; NULL when the client
 * failed before the reply came). */
typedef void (*rcli_reply_cb)(struct rcli *c, struct redisReply *r, void *arg);
/* The client failed: one line naming the cause and the fix. */
typedef void (*rcli_error_cb)(struct rcli *c, const char *err, void *arg);
/* Connected and authenticated. */
typedef void (*rcli_ready_cb)(struct rcli *c, void *arg);

/* <what> names the peer in messages ("redis source", "redis
 * destination").  NULL with the reason in <err> when the URL is bad. */
struct rcli *rcli_new(struct event_base *base, struct evdns_base *dns,
                      const char *url, const char *what, const char *log_ctx,
                      rcli_ready_cb ready, rcli_error_cb error, void *arg,
                      char *err, size_t errlen);
/* Starts connecting. */
int rcli_start(struct rcli *c);
/* Sends a command of NUL-terminated arguments (NULL-ended list); cb gets
 * its reply.  Returns 0, or -1 when the client is dead. */
int rcli_call(struct rcli *c, rcli_reply_cb cb, void *arg,
              const char *const *argv);
/* Commands sent and not answered yet. */
size_t rcli_pending(const struct rcli *c);
bool rcli_ready(const struct rcli *c);
/* Frees; safe inside its callbacks (deferred). */
void rcli_free(struct rcli *c);

#endif
