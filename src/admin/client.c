/*
 * client.c - a blocking HTTP/1.1 client for the daemon's API (see
 * client.h).  The request goes out whole; the answer is read into one
 * buffer until its framing says it is complete (Content-Length, the last
 * chunk of the chunked coding) or the server closes, then parsed: status
 * line, headers (RFC 9112 sections 4 and 5), body (section 6).
 */
#include "src/admin/client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Raw bytes read at most: headers, body and chunked framing. */
#define RAW_MAX (ADMIN_CLIENT_MAX_HEADER + ADMIN_CLIENT_MAX_BODY + \
                 (ADMIN_CLIENT_MAX_BODY / 8))

/* How the body of an answer ends. */
enum framing {
    FRAMING_CLOSE = 0,          /* at the end of the connection */
    FRAMING_LENGTH,             /* after Content-Length bytes */
    FRAMING_CHUNKED,            /* at the last chunk */
    FRAMING_NONE,               /* no body (1xx, 204, 304) */
    FRAMING_COUNT               /* sentinel */
};

/* The answer being read. */
struct answer {
    char *raw;                  /* owned bytes read so far */
    size_t len;                 /* used */
    size_t cap;                 /* allocated */
    size_t head_len;            /* header section with its blank line, 0
                                 * while incomplete */
    int status;                 /* from the status line */
    enum framing framing;       /* how the body ends */
    size_t content_length;      /* for FRAMING_LENGTH */
};

static const char *const rc_names[ADMIN_CLIENT_RC_COUNT] = {
    "ok", "unreachable", "failed",
};

const char *
admin_client_rc_name(enum admin_client_rc rc)
{
    return (unsigned)rc < ADMIN_CLIENT_RC_COUNT ? rc_names[rc] : "?";
}

void
admin_client_reply_free(struct admin_client_reply *r)
{
    if (r == NULL) {
        return;
    }
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to <ms> for <events> on <fd>: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, long long ms)
{
    struct pollfd p;
    long long deadline = now_ms() + ms;
    int r;

    for (;;) {
        long long left = deadline - now_ms();

        if (left <= 0) {
            return 0;
        }
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (r > 0) {
            return 1;
        }
        if (r == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

/* One non-blocking connect to <ai> within <ms>: the socket, or -1 with
 * errno set (ETIMEDOUT when the deadline passed). */
static int
connect_one(const struct addrinfo *ai, unsigned ms)
{
    int fd, soerr = 0, w;
    socklen_t sl = sizeof(soerr);

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
                SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return fd;
    }
    if (errno != EINPROGRESS) {
        soerr = errno;
        goto fail;
    }
    w = wait_fd(fd, POLLOUT, ms);
    if (w <= 0) {
        soerr = w == 0 ? ETIMEDOUT : errno;
        goto fail;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
        soerr = errno;
        goto fail;
    }
    if (soerr != 0) {
        goto fail;
    }
    return fd;
fail:
    close(fd);
    errno = soerr;
    return -1;
}

/* The first address of host:port that accepts a connection. */
static int
dial(const struct admin_client_req *req, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    int fd = -1, rc, saved = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", (unsigned)req->port);
    rc = getaddrinfo(req->host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", req->host,
                 gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai, req->connect_ms);
        if (fd < 0) {
            saved = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "connect failed (%d: %s)", saved,
                 saved == ETIMEDOUT ? "no answer within the connect "
                 "timeout" : strerror(saved));
    }
    return fd;
}

/* Sends <n> bytes of <p>, each write within io_ms. */
static int
send_all(int fd, const char *p, size_t n, unsigned io_ms, char *err,
         size_t errlen)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, io_ms);

            if (r > 0) {
                continue;
            }
            snprintf(err, errlen, "send failed: %s while sending the "
                     "request", r == 0 ? "no progress within the timeout"
                     : strerror(errno));
            return -1;
        }
        snprintf(err, errlen, "send failed (%d: %s) while sending the "
                 "request", errno, strerror(errno));
        return -1;
    }
    return 0;
}

/* A header line's value when its name is <name> (case-insensitive), with
 * surrounding blanks trimmed into <vlen>; NULL otherwise. */
static const char *
header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *v, *end = line + len;

    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') {
        return NULL;
    }
    v = line + nl + 1;
    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    *vlen = (size_t)(end - v);
    return v;
}

/* Parses the status line and headers of a->raw[0..head_len). */
/* The first bytes of s[0..n) for a message: anything but printable
 * ASCII shown as '.', so that it stays one line. */
static void
printable(char *out, size_t cap, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < cap && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
    }
    out[i] = '\0';
}

static int
parse_head(struct answer *a, char *err, size_t errlen)
{
    const char *p = a->raw, *end = a->raw + a->head_len - 2, *eol, *v;
    size_t vlen;
    bool have_length = false;
    char shown[40];

    /* "HTTP/1.1 200 OK" */
    eol = memchr(p, '\r', (size_t)(end - p));
    if (eol == NULL || eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
        p[8] != ' ' || p[9] < '1' || p[9] > '9' || p[10] < '0' ||
        p[10] > '9' || p[11] < '0' || p[11] > '9' ||
        (eol - p > 12 && p[12] != ' ')) {

        /* the first bytes, printable: the error stays one line */
        printable(shown, sizeof(shown), a->raw, a->head_len);
        snprintf(err, errlen, "the answer is not HTTP/1.x (it begins "
                 "with '%s')", shown);
        return -1;
    }
    a->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    a->framing = FRAMING_CLOSE;
    p = eol + 2;
    while (p < end) {
        eol = memchr(p, '\r', (size_t)(end - p));
        if (eol == NULL || eol[1] != '\n') {
            snprintf(err, errlen, "a header line of the answer does not "
                     "end with CRLF");
            return -1;
        }
        if ((v = header_value(p, (size_t)(eol - p), "Content-Length",
                              &vlen)) != NULL) {
            unsigned long long n = 0;
            size_t i;

            for (i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9' ||
                    n > ADMIN_CLIENT_MAX_BODY) {
                    break;
                }
                n = n * 10 + (unsigned)(v[i] - '0');
            }
            if (vlen == 0 || i != vlen || n > ADMIN_CLIENT_MAX_BODY ||
                (have_length && n != a->content_length)) {
                printable(shown, sizeof(shown), v, vlen);
                snprintf(err, errlen, "the answer's Content-Length '%s' is "
                         "not a number up to %u", shown,
                         ADMIN_CLIENT_MAX_BODY);
                return -1;
            }
            have_length = true;
            a->content_length = (size_t)n;
        } else if ((v = header_value(p, (size_t)(eol - p),
                                     "Transfer-Encoding", &vlen)) != NULL) {
            /* chunked is the only coding evhttp sends, always last */
            if (vlen < 7 || strncasecmp(v + vlen - 7, "chunked", 7) != 0) {
                printable(shown, sizeof(shown), v, vlen);
                snprintf(err, errlen, "the answer's Transfer-Encoding "
                         "'%s' is not chunked", shown);
                return -1;
            }
            a->framing = FRAMING_CHUNKED;
        }
        p = eol + 2;
    }
    /* RFC 9112 section 6.3: chunked wins over Content-Length */
    if (a->framing != FRAMING_CHUNKED && have_length) {
        a->framing = FRAMING_LENGTH;
    }
    if (a->status < 200 || a->status == 204 || a->status == 304) {
        a->framing = FRAMING_NONE;
    }
    return 0;
}

/* Hex digit value, or -1. */
static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A line of in[*pos..len) ending in CRLF: *pos moves past it, *eol is
 * where the CR is.  1 found, 0 not yet. */
static int
next_line(const char *in, size_t len, size_t *pos, size_t *eol)
{
    const char *cr = *pos < len ? memchr(in + *pos, '\n', len - *pos) :
                     NULL;

    if (cr == NULL) {
        return 0;
    }
    *eol = (size_t)(cr - in);
    if (*eol > *pos && in[*eol - 1] == '\r') {
        (*eol)--;
    }
    *pos = (size_t)(cr - in) + 1;
    return 1;
}

/*
 * Decodes the chunked body in[0..len) (RFC 9112 section 7.1): copies the
 * data into <out> when not NULL (out may be <in>: data only moves down).
 * Returns the decoded length; -1 when <in> ends before the last chunk and
 * its trailers; -2 when malformed or over ADMIN_CLIENT_MAX_BODY.
 */
static long long
unchunk(char *in, size_t len, char *out)
{
    size_t pos = 0, eol, total = 0, i;

    for (;;) {
        unsigned long long size = 0;
        size_t start = pos;
        int d;

        if (!next_line(in, len, &pos, &eol)) {
            return len - start > 1024 ? -2 : -1;
        }
        for (i = start; i < eol && (d = hexval(in[i])) >= 0; i++) {
            size = size * 16 + (unsigned)d;
            if (size > ADMIN_CLIENT_MAX_BODY) {
                return -2;
            }
        }
        /* a chunk extension (";name=value") may follow the size */
        if (i == start || (i < eol && in[i] != ';' && in[i] != ' ' &&
                           in[i] != '\t')) {
            return -2;
        }
        if (size == 0) {
            /* trailer fields, then an empty line */
            for (;;) {
                start = pos;
                if (!next_line(in, len, &pos, &eol)) {
                    return len - start > 1024 ? -2 : -1;
                }
                if (eol == start) {
                    return (long long)total;
                }
            }
        }
        if (total + size > ADMIN_CLIENT_MAX_BODY) {
            return -2;
        }
        if (len - pos < size + 2) {
            return -1;
        }
        if (in[pos + size] != '\r' || in[pos + size + 1] != '\n') {
            return -2;
        }
        if (out != NULL) {
            memmove(out + total, in + pos, size);
        }
        total += size;
        pos += size + 2;
    }
}

/* Whether the answer read so far is complete: 1 yes, 0 not yet, -1
 * malformed (err filled). */
static int
answer_complete(struct answer *a, char *err, size_t errlen)
{
    if (a->head_len == 0) {
        char *e = a->len >= 4 ? memmem(a->raw, a->len, "\r\n\r\n", 4) :
                  NULL;

        if (e == NULL) {
            if (a->len > ADMIN_CLIENT_MAX_HEADER) {
                snprintf(err, errlen, "the answer's headers exceed %u bytes",
                         ADMIN_CLIENT_MAX_HEADER);
                return -1;
            }
            return 0;
        }
        a->head_len = (size_t)(e - a->raw) + 4;
        if (parse_head(a, err, errlen) != 0) {
            return -1;
        }
    }
    switch (a->framing) {
    case FRAMING_NONE:
        return 1;
    case FRAMING_LENGTH:
        return a->len - a->head_len >= a->content_length;
    case FRAMING_CHUNKED: {
        long long r = unchunk(a->raw + a->head_len, a->len - a->head_len,
                              NULL);

        if (r == -2) {
            snprintf(err, errlen, "the answer's chunked body is malformed "
                     "or over %u bytes", ADMIN_CLIENT_MAX_BODY);
            return -1;
        }
        return r >= 0;
    }
    case FRAMING_CLOSE:
    default:
        if (a->len - a->head_len > ADMIN_CLIENT_MAX_BODY) {
            snprintf(err, errlen, "the answer's body exceeds %u bytes",
                     ADMIN_CLIENT_MAX_BODY);
            return -1;
        }
        return 0;
    }
}

/* The connection has ended: 1 when what was read is a whole answer (one
 * whose body runs to the close included), else -1 with err. */
static int
answer_closed(struct answer *a, char *err, size_t errlen)
{
    int c = answer_complete(a, err, errlen);

    if (c != 0) {
        return c;
    }
    if (a->head_len > 0 && a->framing == FRAMING_CLOSE) {
        return 1;
    }
    snprintf(err, errlen, "the daemon closed the connection before a "
             "complete answer (%zu bytes read)", a->len);
    return -1;
}

/* Reads until the answer is complete.  0 or -1 with err. */
static int
read_answer(int fd, struct answer *a, unsigned io_ms, char *err,
            size_t errlen)
{
    int c;

    for (;;) {
        ssize_t n;

        if (a->cap - a->len < 4096) {
            size_t ncap = a->cap == 0 ? 16384 : a->cap * 2;
            char *p;

            if (ncap > RAW_MAX + 1) {
                ncap = RAW_MAX + 1;
            }
            if (ncap - a->len < 2) {
                snprintf(err, errlen, "the answer exceeds %u bytes",
                         (unsigned)RAW_MAX);
                return -1;
            }
            p = realloc(a->raw, ncap);
            if (p == NULL) {
                snprintf(err, errlen, "out of memory while reading the "
                         "answer");
                return -1;
            }
            a->raw = p;
            a->cap = ncap;
        }
        /* one byte kept for the NUL */
        n = recv(fd, a->raw + a->len, a->cap - a->len - 1, 0);
        if (n > 0) {
            a->len += (size_t)n;
            a->raw[a->len] = '\0';
            c = answer_complete(a, err, errlen);
            if (c != 0) {
                return c > 0 ? 0 : -1;
            }
            continue;
        }
        if (n == 0) {
            return answer_closed(a, err, errlen) > 0 ? 0 : -1;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int r = wait_fd(fd, POLLIN, io_ms);

            if (r > 0) {
                continue;
            }
            snprintf(err, errlen, "%s while waiting for the answer",
                     r == 0 ? "no answer within the timeout" :
                     strerror(errno));
            return -1;
        }
        snprintf(err, errlen, "recv failed (%d: %s) while reading the "
                 "answer", errno, strerror(errno));
        return -1;
    }
}

/* The answer's body, decoded, moved into <out>. */
static int
take_body(struct answer *a, struct admin_client_reply *out, char *err,
          size_t errlen)
{
    char *body = a->raw + a->head_len;
    size_t n = a->len - a->head_len;

    switch (a->framing) {
    case FRAMING_NONE:
        n = 0;
        break;
    case FRAMING_LENGTH:
        n = a->content_length;
        break;
    case FRAMING_CHUNKED: {
        long long r = unchunk(body, n, body);

        if (r < 0) {
            snprintf(err, errlen, "the answer's chunked body is %s",
                     r == -1 ? "cut short" : "malformed");
            return -1;
        }
        n = (size_t)r;
        break;
    }
    case FRAMING_CLOSE:
    default:
        break;
    }
    memmove(a->raw, body, n);
    a->raw[n] = '\0';
    out->status = a->status;
    out->body = a->raw;
    out->body_len = n;
    a->raw = NULL;
    return 0;
}

int
admin_client_parse(const char *bytes, size_t len, bool closed,
                   struct admin_client_reply *out, char *err, size_t errlen)
{
    struct answer a;
    int c;

    memset(out, 0, sizeof(*out));
    if (len > RAW_MAX) {
        snprintf(err, errlen, "the answer exceeds %u bytes",
                 (unsigned)RAW_MAX);
        return -1;
    }
    memset(&a, 0, sizeof(a));
    a.raw = malloc(len + 1);
    if (a.raw == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(a.raw, bytes, len);
    a.raw[len] = '\0';
    a.len = a.cap = len;
    c = closed ? answer_closed(&a, err, errlen) :
        answer_complete(&a, err, errlen);
    if (c > 0 && take_body(&a, out, err, errlen) != 0) {
        c = -1;
    }
    free(a.raw);
    return c;
}

enum admin_client_rc
admin_client_request(const struct admin_client_req *req,
                     struct admin_client_reply *out, char *err,
                     size_t errlen)
{
    struct answer a;
    char head[2048];
    bool v6 = strchr(req->host, ':') != NULL;
    int fd, n;
    enum admin_client_rc rc = ADMIN_CLIENT_FAILED;

    memset(out, 0, sizeof(*out));
    memset(&a, 0, sizeof(a));
    n = snprintf(head, sizeof(head),
                 "%s %s HTTP/1.1\r\n"
                 "Host: %s%s%s:%u\r\n"
                 "User-Agent: tandem\r\n"
                 "Accept: application/json\r\n"
                 "Connection: close\r\n"
                 "%s%s%s"
                 "%s"
                 "Content-Length: %zu\r\n"
                 "\r\n",
                 req->method, req->target, v6 ? "[" : "", req->host,
                 v6 ? "]" : "", (unsigned)req->port,
                 req->token != NULL ? "Authorization: Bearer " : "",
                 req->token != NULL ? req->token : "",
                 req->token != NULL ? "\r\n" : "",
                 req->body != NULL ? "Content-Type: application/json\r\n" :
                 "", req->body != NULL ? req->body_len : 0);
    if (n < 0 || (size_t)n >= sizeof(head)) {
        snprintf(err, errlen, "the request line is too long (%d bytes)",
                 n);
        return ADMIN_CLIENT_FAILED;
    }
    fd = dial(req, err, errlen);
    if (fd < 0) {
        return ADMIN_CLIENT_UNREACHABLE;
    }
    if (send_all(fd, head, (size_t)n, req->io_ms, err, errlen) != 0 ||
        (req->body != NULL &&
         send_all(fd, req->body, req->body_len, req->io_ms, err,
                  errlen) != 0)) {
        /* a server may answer (413, 401) and close before reading the
         * whole request: its answer, when there is one, tells more */
        char err2[8];

        if (read_answer(fd, &a, req->io_ms, err2, sizeof(err2)) != 0 ||
            a.head_len == 0) {
            goto out;
        }
    } else if (read_answer(fd, &a, req->io_ms, err, errlen) != 0) {
        goto out;
    }
    if (take_body(&a, out, err, errlen) != 0) {
        goto out;
    }
    rc = ADMIN_CLIENT_OK;
out:
    explicit_bzero(head, sizeof(head));
    free(a.raw);
    close(fd);
    return rc;
}
