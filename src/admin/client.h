/*
 * client.h - a small blocking HTTP/1.1 client for the daemon's API, used
 * by the command line (`tandem task`), a short-lived process of its own:
 * nothing here runs on the daemon's loop.
 *
 * One request per connection (RFC 9112 with "Connection: close"): connect
 * with a deadline, send the request, read the status line, the headers and
 * the body, which is delimited by Content-Length, by the chunked transfer
 * coding (RFC 9112 section 7.1, which libevent's evhttp may use) or by the
 * server closing the connection.  Answers are capped at
 * ADMIN_CLIENT_MAX_HEADER bytes of headers and ADMIN_CLIENT_MAX_BODY bytes
 * of body.
 *
 * Nothing here logs or prints; errors are one line in the caller's buffer.
 */
#ifndef TANDEM_ADMIN_CLIENT_H
#define TANDEM_ADMIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest header section and body read from the daemon. */
#define ADMIN_CLIENT_MAX_HEADER (64u << 10)
#define ADMIN_CLIENT_MAX_BODY (64u << 20)

/* Outcomes of admin_client_request(). */
enum admin_client_rc {
    ADMIN_CLIENT_OK = 0,        /* an answer came, whatever its status */
    ADMIN_CLIENT_UNREACHABLE,   /* no connection: nothing listens there */
    ADMIN_CLIENT_FAILED,        /* connected, but no complete answer */
    ADMIN_CLIENT_RC_COUNT       /* sentinel */
};

/* One request. */
struct admin_client_req {
    const char *host;           /* name or address ("::1", no brackets) */
    uint16_t port;              /* TCP port */
    const char *method;         /* "GET", "POST", "DELETE", ... */
    const char *target;         /* "/v1/tasks?x=1", already %-encoded */
    const char *token;          /* bearer token, or NULL for none */
    const char *body;           /* request body (JSON), or NULL */
    size_t body_len;            /* its length */
    unsigned connect_ms;        /* deadline of the TCP connect */
    unsigned io_ms;             /* longest silence while sending/reading */
};

/* One answer. */
struct admin_client_reply {
    int status;                 /* HTTP status code, 100..999 */
    char *body;                 /* owned, NUL-terminated (decoded) body */
    size_t body_len;            /* its length, the NUL not counted */
};

/*
 * Sends <req> and reads the answer into <out> (zeroed first).  Returns
 * ADMIN_CLIENT_OK with out->body owned by the caller (free with
 * admin_client_reply_free()); ADMIN_CLIENT_UNREACHABLE when the host does
 * not resolve or no connection could be made within connect_ms;
 * ADMIN_CLIENT_FAILED when the connection broke, went silent for io_ms or
 * the answer was not HTTP or over the caps.  On an error, <err> holds one
 * line naming the cause (not the fix: the caller knows where the address
 * came from) and <out> holds nothing to free.  Blocks.
 */
enum admin_client_rc admin_client_request(const struct admin_client_req *req,
                                          struct admin_client_reply *out,
                                          char *err, size_t errlen);

/* Frees what <r> holds (NULL or an empty reply: nothing). */
void admin_client_reply_free(struct admin_client_reply *r);

/*
 * The answer in <bytes> (all that was read; <closed>: the connection has
 * ended), as admin_client_request() reads it: 1 with <out> filled (free
 * it with admin_client_reply_free()), 0 when more bytes are needed, -1
 * with one line in err when it is malformed or too large.
 */
int admin_client_parse(const char *bytes, size_t len, bool closed,
                       struct admin_client_reply *out, char *err,
                       size_t errlen);

/* The outcome's name ("ok", "unreachable", "failed"). */
const char *admin_client_rc_name(enum admin_client_rc rc);

#endif
