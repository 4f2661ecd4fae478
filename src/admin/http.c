/*
 * http.c - the daemon's HTTP endpoint (see http.h).
 */
#include "src/admin/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "src/core/log.h"

struct admin_http {
    struct evhttp *http;          /* owned */
};

static void
reply_json(struct evhttp_request *req, int code, const char *reason,
           const char *body)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(req);

    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    evbuffer_add_printf(out, "%s\n", body);
    evhttp_send_reply(req, code, reason, NULL);
}

static void
on_health(struct evhttp_request *req, void *arg)
{
    (void)arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        reply_json(req, 405, "Method Not Allowed",
                   "{\"error\":\"/health answers GET only\"}");
        return;
    }
    reply_json(req, 200, "OK", "{\"status\":\"ok\"}");
}

static void
on_other(struct evhttp_request *req, void *arg)
{
    (void)arg;
    reply_json(req, 404, "Not Found",
               "{\"error\":\"no such path: this daemon answers GET "
               "/health\"}");
}

struct admin_http *
admin_http_start(struct event_base *base, const char *host, uint16_t port,
                 char *err, size_t errlen)
{
    struct admin_http *h = calloc(1, sizeof(*h));

    if (h == NULL || (h->http = evhttp_new(base)) == NULL) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                               EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
                               EVHTTP_REQ_DELETE);
    evhttp_set_cb(h->http, "/health", on_health, h);
    evhttp_set_gencb(h->http, on_other, h);
    if (evhttp_bind_socket(h->http, host, port) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s — free the port "
                 "or set another with listen = in the config", host,
                 (unsigned)port, strerror(errno));
        admin_http_free(h);
        return NULL;
    }
    return h;
}

void
admin_http_free(struct admin_http *h)
{
    if (h == NULL) {
        return;
    }
    if (h->http != NULL) {
        evhttp_free(h->http);
    }
    free(h);
}
