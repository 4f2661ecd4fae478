/*
 * api.h - the daemon's task API (JSON over HTTP), under /v1, behind the
 * bearer token http.c checks:
 *
 *   POST   /v1/tasks                  create (body: the task spec, plus
 *                                     "description" and "tags")     201
 *   GET    /v1/tasks                  {"tasks": [summary...]}
 *   GET    /v1/tasks/NAME             the task: spec without secrets,
 *                                     status, phase, position, delay...
 *   PATCH  /v1/tasks/NAME             objects add/remove, flow_control,
 *                                     description, tags, a password
 *   DELETE /v1/tasks/NAME             the task, its secrets, logs, metrics
 *   POST   /v1/tasks/NAME/precheck    answered when the checks are done:
 *                                     {"report": [{"item","status",
 *                                     "cause","fix"}...]}
 *   POST   /v1/tasks/NAME/start|pause|resume|stop|reset
 *   GET    /v1/tasks/NAME/logs?level=info&since=MS
 *
 * Every failure answers {"error": "..."}, a line naming the cause and what
 * to do, with 400 (bad request), 404 (no such task), 405, 409 (the task's
 * status does not allow it) or 5xx.  src/task/host.h holds the semantics.
 */
#ifndef TANDEM_ADMIN_API_H
#define TANDEM_ADMIN_API_H

#include <jansson.h>

struct evhttp_request;
struct host;

/* Answers one authorized /v1 request (now or, for actions that take
 * time, once they are done). */
void api_handle(struct host *h, struct evhttp_request *req);
/* Sends body (ownership passes) with code as JSON. */
void api_reply(struct evhttp_request *req, int code, json_t *body);

#endif
