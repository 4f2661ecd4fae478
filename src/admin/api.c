/*
 * api.c - the task API under /v1 (see api.h): paths and methods to the
 * host's calls, their JSON answers back to the requester.
 */
#include "src/admin/api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "src/task/host.h"

/* Bodies over this are refused: a spec is a few kilobytes. */
#define API_MAX_BODY (1024 * 1024)

static const char *
reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 502: return "Bad Gateway";
    default: return code >= 500 ? "Internal Server Error" : "Error";
    }
}

void
api_reply(struct evhttp_request *req, int code, json_t *body)
{
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT |
                                           JSON_PRESERVE_ORDER) : NULL;

    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    if (text != NULL) {
        evbuffer_add_printf(out, "%s\n", text);
        free(text);
    } else {
        code = 500;
        evbuffer_add_printf(out, "{\"error\":\"out of memory\"}\n");
    }
    json_decref(body);
    evhttp_send_reply(req, code, reason(code), NULL);
}

static void
reply_error(struct evhttp_request *req, int code, const char *msg)
{
    api_reply(req, code, json_pack("{s:s}", "error", msg));
}

/* A reply due later: its connection may close first. */
struct pending {
    struct host *h;
    struct evhttp_request *req;
};

static void
on_conn_close(struct evhttp_connection *con, void *arg)
{
    struct pending *p = arg;

    (void)con;
    host_forget_reply(p->h, p);
    free(p);
}

static void
on_later(void *arg, int code, json_t *body)
{
    struct pending *p = arg;
    struct evhttp_connection *con = evhttp_request_get_connection(p->req);

    if (con != NULL) {
        evhttp_connection_set_closecb(con, NULL, NULL);
    }
    api_reply(p->req, code, body);
    free(p);
}

/* Frees a request body: it may hold passwords. */
static void
wipe(char *body, size_t len)
{
    if (body != NULL) {
        OPENSSL_cleanse(body, len);
        free(body);
    }
}

/* The request body as a string (NUL-terminated copy), or NULL. */
static char *
body_of(struct evhttp_request *req, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *b;

    if (n > API_MAX_BODY || (b = malloc(n + 1)) == NULL) {
        return NULL;
    }
    evbuffer_remove(in, b, n);
    b[n] = '\0';
    *len = n;
    return b;
}

/* Splits "/v1/tasks/NAME/VERB" (query removed) into name and verb. */
static int
split(const char *path, char *name, size_t namelen, char *verb,
      size_t verblen)
{
    const char *p = path + strlen("/v1/tasks");
    size_t n;

    name[0] = verb[0] = '\0';
    if (*p == '\0' || strcmp(p, "/") == 0) {
        return 0;
    }
    if (*p++ != '/') {
        return -1;
    }
    n = strcspn(p, "/");
    if (n == 0 || n >= namelen) {
        return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    p += n;
    if (*p == '\0') {
        return 0;
    }
    p++;
    n = strlen(p);
    if (n == 0 || n >= verblen || strchr(p, '/') != NULL) {
        return -1;
    }
    memcpy(verb, p, n + 1);
    return 0;
}

static void
logs(struct host *h, struct evhttp_request *req, const char *name,
     json_t **out, int *code)
{
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *q = evhttp_uri_get_query(u), *since;
    struct evkeyvalq params;
    int64_t since_ms = 0;
    char *end;

    TAILQ_INIT(&params);
    if (q != NULL && evhttp_parse_query_str(q, &params) != 0) {
        *code = 400;
        *out = json_pack("{s:s}", "error", "the query string does not "
                         "parse: use ?level=info&since=MS");
        return;
    }
    since = evhttp_find_header(&params, "since");
    if (since != NULL) {
        errno = 0;
        since_ms = strtoll(since, &end, 10);
        if (errno != 0 || end == since || *end != '\0' || since_ms < 0) {
            *code = 400;
            *out = json_pack("{s:s}", "error", "since: milliseconds since "
                             "the epoch");
            evhttp_clear_headers(&params);
            return;
        }
    }
    *code = host_logs(h, name, evhttp_find_header(&params, "level"),
                      since_ms, out);
    evhttp_clear_headers(&params);
}

void
api_handle(struct host *h, struct evhttp_request *req)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const char *path = evhttp_uri_get_path(
        evhttp_request_get_evhttp_uri(req));
    char name[128], verb[32], *body = NULL;
    struct pending *p = NULL;
    json_t *out = NULL;
    size_t len = 0;
    int code;

    if (path == NULL || strncmp(path, "/v1/tasks", 9) != 0 ||
        split(path, name, sizeof(name), verb, sizeof(verb)) != 0) {
        reply_error(req, 404, "no such path: the API has /v1/tasks, "
                    "/v1/tasks/NAME and /v1/tasks/NAME/{precheck,start,"
                    "pause,resume,stop,reset,logs}");
        return;
    }
    if (m == EVHTTP_REQ_POST || m == EVHTTP_REQ_PATCH) {
        body = body_of(req, &len);
        if (body == NULL) {
            reply_error(req, 413, "the body is over 1 MiB or memory ran "
                        "out: send the task spec alone");
            return;
        }
    }
    if (name[0] == '\0') {
        if (m == EVHTTP_REQ_GET) {
            code = host_list(h, &out);
        } else if (m == EVHTTP_REQ_POST) {
            code = host_create(h, body, len, &out);
        } else {
            code = 405;
            out = json_pack("{s:s}", "error", "/v1/tasks answers GET (the "
                            "list) and POST (a new task)");
        }
    } else if (verb[0] == '\0') {
        if (m == EVHTTP_REQ_GET) {
            code = host_show(h, name, &out);
        } else if (m == EVHTTP_REQ_DELETE) {
            code = host_delete(h, name, &out);
        } else if (m == EVHTTP_REQ_PATCH) {
            code = host_patch(h, name, body, len, &out);
        } else {
            code = 405;
            out = json_pack("{s:s}", "error", "/v1/tasks/NAME answers GET, "
                            "PATCH and DELETE");
        }
    } else if (strcmp(verb, "logs") == 0 && m == EVHTTP_REQ_GET) {
        logs(h, req, name, &out, &code);
    } else if (m != EVHTTP_REQ_POST) {
        code = 405;
        out = json_pack("{s:s}", "error", "actions are POSTed: POST "
                        "/v1/tasks/NAME/{precheck,start,pause,resume,stop,"
                        "reset}");
    } else {
        p = calloc(1, sizeof(*p));
        if (p == NULL) {
            wipe(body, len);
            reply_error(req, 500, "out of memory");
            return;
        }
        p->h = h;
        p->req = req;
        if (strcmp(verb, "precheck") == 0) {
            code = host_precheck(h, name, on_later, p, &out);
        } else if (strcmp(verb, "reset") == 0) {
            code = host_reset(h, name, on_later, p, &out);
        } else {
            code = host_action(h, name, verb, on_later, p, &out);
        }
        if (code == 0) {
            /* answered later; forgotten if the requester leaves first */
            evhttp_connection_set_closecb(evhttp_request_get_connection(req),
                                          on_conn_close, p);
            wipe(body, len);
            return;
        }
        free(p);
    }
    wipe(body, len);
    api_reply(req, code, out);
}
