/*
 * http.h - the daemon's HTTP endpoint on the loop (libevent's evhttp).
 *
 *   GET /health   200 {"status":"ok"}, without authentication
 *   GET /metrics  every task's metrics, Prometheus text format, without
 *                 authentication
 *   /v1/...       401 without "Authorization: Bearer TOKEN", TOKEN the
 *                 content of DATA_DIR/token (made on the first start,
 *                 mode 0600)
 *   anything else 404 {"error":"..."} naming what exists
 *
 * Answers are JSON.
 */
#ifndef TANDEM_ADMIN_HTTP_H
#define TANDEM_ADMIN_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct admin_http;
struct host;

/* Listens on host:port with the token of data_dir, answering /v1 with
 * the tasks of <tasks> (src/admin/api.h).  NULL with the reason (cause and
 * fix) in err. */
struct admin_http *admin_http_start(struct event_base *base,
                                    const char *host, uint16_t port,
                                    const char *data_dir, struct host *tasks,
                                    char *err, size_t errlen);
void admin_http_free(struct admin_http *h);

#endif
