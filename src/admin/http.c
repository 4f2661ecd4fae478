/*
 * http.c - the daemon's HTTP endpoint (see http.h).
 */
#include "src/admin/http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "proto/buf.h"
#include "src/admin/api.h"
#include "src/task/host.h"
#include "src/core/log.h"

/* The token: 32 random bytes as hex. */
#define TOKEN_BYTES 32
#define TOKEN_HEX (2 * TOKEN_BYTES)

struct admin_http {
    struct evhttp *http;          /* owned */
    struct host *host;            /* the tasks (borrowed), or NULL */
    char token[TOKEN_HEX + 1];    /* the bearer token /v1 requires */
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

/* GET /metrics: the tasks' metrics, Prometheus text format 0.0.4. */
static void
on_metrics(struct evhttp_request *req, void *arg)
{
    struct admin_http *h = arg;
    struct pbuf b = {0};

    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
        reply_json(req, 405, "Method Not Allowed",
                   "{\"error\":\"/metrics answers GET only\"}");
        return;
    }
    if (h->host != NULL) {
        host_metrics(h->host, &b);
    }
    if (b.failed) {
        pbuf_free(&b);
        reply_json(req, 500, "Internal Server Error",
                   "{\"error\":\"out of memory\"}");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "text/plain; version=0.0.4");
    evbuffer_add(evhttp_request_get_output_buffer(req), b.data, b.len);
    pbuf_free(&b);
    evhttp_send_reply(req, 200, "OK", NULL);
}

/* Whether the request carries "Authorization: Bearer <token>". */
static bool
authorized(const struct admin_http *h, struct evhttp_request *req)
{
    const char *a = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       "Authorization");

    return a != NULL && strncmp(a, "Bearer ", 7) == 0 &&
           strlen(a + 7) == TOKEN_HEX &&
           CRYPTO_memcmp(a + 7, h->token, TOKEN_HEX) == 0;
}

static void
on_other(struct evhttp_request *req, void *arg)
{
    struct admin_http *h = arg;
    const char *uri = evhttp_request_get_uri(req);

    if (strncmp(uri, "/v1/", 4) == 0 || strcmp(uri, "/v1") == 0) {
        if (!authorized(h, req)) {
            evhttp_add_header(evhttp_request_get_output_headers(req),
                              "WWW-Authenticate", "Bearer");
            reply_json(req, 401, "Unauthorized",
                       "{\"error\":\"this request needs the header "
                       "'Authorization: Bearer TOKEN', TOKEN being the "
                       "content of the file token in the daemon's "
                       "data_dir\"}");
            return;
        }
        if (h->host != NULL) {
            api_handle(h->host, req);
            return;
        }
    }
    reply_json(req, 404, "Not Found",
               "{\"error\":\"no such path: this daemon answers GET "
               "/health, GET /metrics and /v1/tasks\"}");
}

/* DATA_DIR/token: read, or created (mode 0600) on the first start. */
static int
load_token(struct admin_http *h, const char *data_dir, char *err,
           size_t errlen)
{
    char path[1200];
    unsigned char raw[TOKEN_BYTES];
    ssize_t n;
    size_t i;
    int fd;

    snprintf(path, sizeof(path), "%s/token", data_dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, h->token, TOKEN_HEX + 1);
        close(fd);
        while (n > 0 && (h->token[n - 1] == '\n' ||
                         h->token[n - 1] == '\r')) {
            n--;
        }
        if (n != TOKEN_HEX) {
            snprintf(err, errlen, "%s does not hold a token of %d hex "
                     "digits — delete it to have a new one made", path,
                     TOKEN_HEX);
            return -1;
        }
        h->token[TOKEN_HEX] = '\0';
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot read %s: %s — check the data_dir's "
                 "permissions", path, strerror(errno));
        return -1;
    }
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        snprintf(err, errlen, "no random bytes for the API token");
        return -1;
    }
    for (i = 0; i < TOKEN_BYTES; i++) {
        snprintf(h->token + 2 * i, 3, "%02x", raw[i]);
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, h->token, TOKEN_HEX) != TOKEN_HEX ||
        write(fd, "\n", 1) != 1) {
        snprintf(err, errlen, "cannot write %s: %s — check the data_dir's "
                 "permissions", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    close(fd);
    log_info("API token written to %s (mode 0600)", path);
    return 0;
}

struct admin_http *
admin_http_start(struct event_base *base, const char *host, uint16_t port,
                 const char *data_dir, struct host *tasks, char *err,
                 size_t errlen)
{
    struct admin_http *h = calloc(1, sizeof(*h));

    if (h == NULL || (h->http = evhttp_new(base)) == NULL) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->host = tasks;
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                               EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
                               EVHTTP_REQ_DELETE);
    evhttp_set_cb(h->http, "/health", on_health, h);
    evhttp_set_cb(h->http, "/metrics", on_metrics, h);
    evhttp_set_gencb(h->http, on_other, h);
    if (evhttp_bind_socket(h->http, host, port) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s — free the port "
                 "or set another with listen = in the config", host,
                 (unsigned)port, strerror(errno));
        admin_http_free(h);
        return NULL;
    }
    if (load_token(h, data_dir, err, errlen) != 0) {
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
    OPENSSL_cleanse(h->token, sizeof(h->token));
    free(h);
}
