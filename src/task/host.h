/*
 * host.h - the daemon's tasks: every task of `tandem serve`, on the one
 * loop, kept in the store so that a restart brings each back.
 *
 *   created --precheck--> prechecking --> ready | precheck_failed
 *   ready --start--> full_sync | incremental   (the mode's first phase)
 *   full_sync --> incremental                  (full+incremental)
 *   full_sync | incremental --pause--> paused --resume--> (running)
 *   running | paused --stop--> completed       (a "full" task: by itself)
 *   running --error--> failed --resume--> (running)
 *   any but running --reset--> created         (position forgotten)
 *   any --delete--> gone (with its secrets, logs and metrics)
 *
 * A task starts only after its prechecks pass: start on a task that has
 * not passed them runs them first and starts when they pass.  Every change
 * of status is logged in the task's log and written to the store.  A
 * restarted daemon starts again the tasks that were running (from their
 * checkpoints at the destination) and leaves the others as they were.
 *
 * The answers are JSON documents (jansson) for the HTTP API, which is the
 * only caller: each function returns an HTTP status and sets *out to the
 * answer's body (owned by the caller), {"error": "..."} on failure.  No
 * answer holds a password: URLs are shown masked.
 */
#ifndef TANDEM_TASK_HOST_H
#define TANDEM_TASK_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct evdns_base;
struct store;
struct host;

/* A pending answer: called once with the HTTP status and the body
 * (ownership passes). */
typedef void (*host_reply_fn)(void *arg, int code, json_t *body);

/* The tasks of the store, restored (host_resume() starts the ones that
 * were running).  NULL with the reason in err. */
struct host *host_new(struct event_base *base, struct evdns_base *dns,
                      struct store *st, uint64_t queue_bytes, char *err,
                      size_t errlen);
/* Starts again the tasks that were running when the daemon stopped. */
void host_resume(struct host *h);
/* Stops every running task (each commits what it read and records its
 * checkpoint), then calls done; their status stays, so the next start
 * resumes them.  Bounded: tasks still stopping after timeout_ms are cut
 * (their destination transactions roll back; nothing is lost). */
void host_shutdown(struct host *h, unsigned timeout_ms,
                   void (*done)(void *arg), void *arg);
void host_free(struct host *h);
/* The apply.queue_bytes of specs that set none (tasks started from now). */
void host_set_queue_bytes(struct host *h, uint64_t queue_bytes);

/* POST /v1/tasks: body is the spec (with "description" and "tags"). */
int host_create(struct host *h, const char *body, size_t len, json_t **out);
/* GET /v1/tasks */
int host_list(struct host *h, json_t **out);
/* GET /v1/tasks/NAME */
int host_show(struct host *h, const char *name, json_t **out);
/* POST /v1/tasks/NAME/VERB, VERB one of start, pause, resume, stop.
 * 0 with nothing in *out: the answer comes later through reply. */
int host_action(struct host *h, const char *name, const char *verb,
                host_reply_fn reply, void *arg, json_t **out);
/* POST /v1/tasks/NAME/precheck and .../reset: answered through reply
 * when done (0 returned), or at once (status returned, *out set). */
int host_precheck(struct host *h, const char *name, host_reply_fn reply,
                  void *arg, json_t **out);
int host_reset(struct host *h, const char *name, host_reply_fn reply,
               void *arg, json_t **out);
/* A pending reply's requester went away: reply is not called for arg. */
void host_forget_reply(struct host *h, void *arg);
/* DELETE /v1/tasks/NAME */
int host_delete(struct host *h, const char *name, json_t **out);
/* PATCH /v1/tasks/NAME */
int host_patch(struct host *h, const char *name, const char *body,
               size_t len, json_t **out);
/* GET /v1/tasks/NAME/logs?level=&since= (level NULL: info; since: ms
 * since the epoch, exclusive, 0 for all) */
int host_logs(struct host *h, const char *name, const char *level,
              int64_t since_ms, json_t **out);

/* GET /metrics: every task's metrics in the Prometheus text format,
 * appended to out (names tandem_task_*, base units, label task). */
struct pbuf;
void host_metrics(struct host *h, struct pbuf *out);

#endif
