/*
 * resp.c - RESP2 command stream decoder, handshake lines and command
 * encoder (see resp.h).
 *
 * A multibulk goes through frame states, not per-byte ones: the "*<n>"
 * line, then for each argument its "$<len>" line (ARG_HEADER) and its
 * bytes plus CRLF (ARG_BODY), whose end is known from the length and is
 * waited for without looking at the bytes in between.  Argument positions
 * are kept as offsets from the command's first byte while it is not whole,
 * since the caller may move its buffer between calls; they become views
 * once the last argument is in.
 */
#include "proto/redis/resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First scratch size: most commands have few arguments. */
#define RESP_ARGV_FIRST 8

static const char *const resp_dec_state_names[RESP_DEC_STATE_COUNT] = {
    [RESP_DEC_START] = "start",
    [RESP_DEC_INLINE] = "inline line",
    [RESP_DEC_ARG_HEADER] = "argument header",
    [RESP_DEC_ARG_BODY] = "argument body",
};

const char *
resp_dec_state_name(enum resp_dec_state s)
{
    if ((unsigned)s >= RESP_DEC_STATE_COUNT) {
        return "unknown";
    }
    return resp_dec_state_names[s];
}

static const char *const resp_psync_kind_names[RESP_PSYNC_KIND_COUNT] = {
    [RESP_PSYNC_FULLRESYNC] = "FULLRESYNC",
    [RESP_PSYNC_CONTINUE] = "CONTINUE",
    [RESP_PSYNC_ERROR] = "error",
};

const char *
resp_psync_kind_name(enum resp_psync_kind k)
{
    if ((unsigned)k >= RESP_PSYNC_KIND_COUNT) {
        return "unknown";
    }
    return resp_psync_kind_names[k];
}

/* ---- decoder ---- */

static ssize_t
dec_fail(struct resp_dec *d, int err, size_t off, const char *what)
{
    d->err = -err;
    d->err_off = off;
    d->err_what = what;
    d->need = 0;
    return d->err;
}

static void
dec_restart(struct resp_dec *d)
{
    d->state = RESP_DEC_START;
    d->pos = 0;
    d->argc = 0;
    d->got = 0;
    d->need = 0;
}

void
resp_dec_reset(struct resp_dec *d)
{
    dec_restart(d);
    d->err = 0;
    d->err_off = 0;
    d->err_what = NULL;
    d->err_msg[0] = '\0';
}

void
resp_dec_trim(struct resp_dec *d)
{
    if (d->state != RESP_DEC_START && d->err == 0) {
        return;
    }
    free(d->argv);
    free(d->argo);
    d->argv = NULL;
    d->argo = NULL;
    d->cap = 0;
}

void
resp_dec_free(struct resp_dec *d)
{
    free(d->argv);
    free(d->argo);
    d->argv = NULL;
    d->argo = NULL;
    d->cap = 0;
    dec_restart(d);
}

const char *
resp_dec_strerror(struct resp_dec *d)
{
    if (d->err == 0) {
        d->err_msg[0] = '\0';
        return d->err_msg;
    }
    snprintf(d->err_msg, sizeof(d->err_msg), "%s at byte %zu of a command",
             d->err_what != NULL ? d->err_what : proto_err_name(d->err),
             d->err_off);
    return d->err_msg;
}

static size_t
dec_max_args(const struct resp_dec *d)
{
    return d->max_args != 0 ? d->max_args : RESP_DEFAULT_MAX_ARGS;
}

/* Makes room for argument number <n> (0-based) of a command of <want>
 * arguments; false when memory is short. */
static bool
dec_grow(struct resp_dec *d, size_t n, size_t want)
{
    size_t cap;
    struct span *v;
    size_t *o;

    if (n < d->cap) {
        return true;
    }
    cap = d->cap != 0 ? d->cap : RESP_ARGV_FIRST;
    while (cap <= n) {
        cap *= 2;
    }
    /* never more than announced: "*1000000" alone allocates little */
    if (cap > want && want > n) {
        cap = want;
    }
    v = realloc(d->argv, cap * sizeof(*v));
    if (v == NULL) {
        return false;
    }
    d->argv = v;
    o = realloc(d->argo, cap * sizeof(*o));
    if (o == NULL) {
        return false;
    }
    d->argo = o;
    d->cap = cap;
    return true;
}

/*
 * Strict decimal as Redis' string2ll() reads it: an optional '-' (only
 * when <neg> is allowed), then digits without leading zeros ("0" alone is
 * fine, "-0" is not).  At most 18 digits, which no valid length reaches.
 */
static bool
parse_num(const uint8_t *s, size_t n, bool neg, int64_t *out)
{
    bool minus = false;
    int64_t v = 0;
    size_t i = 0;

    if (n > 0 && s[0] == '-' && neg) {
        minus = true;
        i = 1;
    }
    if (i == n || n - i > 18 || s[i] < '0' || s[i] > '9') {
        return false;
    }
    if (s[i] == '0' && (n - i > 1 || minus)) {
        return false;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = minus ? -v : v;
    return true;
}

/*
 * Finds the CRLF ending the "*<n>" or "$<len>" line that starts at <at>.
 * Returns the offset of its '\r'; 0 when more bytes are needed (d->need
 * set); (size_t)-1 after an error (d->err set).  The line cannot end at
 * offset 0, its type byte is there.
 */
static size_t
find_header_end(struct resp_dec *d, const uint8_t *p, size_t len, size_t at)
{
    size_t end = len - at > RESP_MAX_HEADER ? at + RESP_MAX_HEADER : len;
    size_t i;

    for (i = at + 1; i < end; i++) {
        if (p[i] == '\r') {
            if (i + 1 == len) {
                d->need = len + 1;
                return 0;
            }
            if (p[i + 1] != '\n') {
                dec_fail(d, PROTO_EMALFORMED, i + 1,
                         "CR not followed by LF after a length");
                return (size_t)-1;
            }
            return i;
        }
        if (p[i] == '\n') {
            dec_fail(d, PROTO_EMALFORMED, i, "LF without CR after a length");
            return (size_t)-1;
        }
    }
    if (end - at == RESP_MAX_HEADER) {
        dec_fail(d, PROTO_EMALFORMED, at, "length line too long");
        return (size_t)-1;
    }
    d->need = len + 1;
    return 0;
}

static bool
is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

/*
 * Splits the inline line p[0..end) into argument views, as Redis'
 * sdssplitargs() does for the forms that need no unescaping: words
 * separated by white space, and words quoted whole with '"' (no backslash
 * inside) or '\'' (no "\'" inside).
 */
static ssize_t
split_inline(struct resp_dec *d, const uint8_t *p, size_t end,
             struct resp_cmd *out)
{
    size_t i = 0, n = 0, max = dec_max_args(d);

    while (i < end) {
        size_t start, stop;

        while (i < end && is_space(p[i])) {
            i++;
        }
        if (i == end) {
            break;
        }
        if (p[i] == '"' || p[i] == '\'') {
            uint8_t q = p[i];

            start = ++i;
            while (i < end && p[i] != q) {
                if (p[i] == '\\') {
                    return dec_fail(d, PROTO_EUNSUPPORTED, i,
                                    "escape in a quoted inline argument");
                }
                i++;
            }
            if (i == end) {
                return dec_fail(d, PROTO_EMALFORMED, start - 1,
                                "unbalanced quotes in an inline command");
            }
            stop = i++;
            if (i < end && !is_space(p[i])) {
                return dec_fail(d, PROTO_EMALFORMED, i,
                                "closing quote not followed by a space");
            }
        } else {
            start = i;
            while (i < end && !is_space(p[i])) {
                if (p[i] == '"' || p[i] == '\'') {
                    return dec_fail(d, PROTO_EUNSUPPORTED, i,
                                    "quote inside an inline argument");
                }
                i++;
            }
            stop = i;
        }
        if (n == max) {
            return dec_fail(d, PROTO_ELIMIT, start,
                            "too many arguments in an inline command");
        }
        if (!dec_grow(d, n, SIZE_MAX)) {
            return dec_fail(d, PROTO_ENOMEM, start,
                            "out of memory for arguments");
        }
        d->argv[n].p = p + start;
        d->argv[n].len = stop - start;
        n++;
    }
    out->argc = n;
    out->argv = n > 0 ? d->argv : NULL;
    out->is_inline = true;
    return 0;
}

/* An inline command or keepalive: one line ending in "\n". */
static ssize_t
dec_inline(struct resp_dec *d, const uint8_t *p, size_t len,
           struct resp_cmd *out)
{
    size_t max = d->max_inline != 0 ? d->max_inline : RESP_MAX_LINE;
    size_t scan = len < max ? len : max;
    const uint8_t *nl = NULL;
    size_t end;

    if (d->pos < scan) {
        nl = memchr(p + d->pos, '\n', scan - d->pos);
    }
    if (nl == NULL) {
        if (scan == max) {
            return dec_fail(d, PROTO_ELIMIT, 0,
                            "inline command longer than the line limit");
        }
        d->state = RESP_DEC_INLINE;
        d->pos = scan;
        d->need = len + 1;
        return 0;
    }
    end = (size_t)(nl - p);
    /* the line without its "\r\n" or "\n" */
    if (split_inline(d, p, end > 0 && p[end - 1] == '\r' ? end - 1 : end, out) <
        0) {
        return d->err;
    }
    dec_restart(d);
    return (ssize_t)(end + 1);
}

/* The "*<n>" line at offset 0. */
static ssize_t
dec_count(struct resp_dec *d, const uint8_t *p, size_t len,
          struct resp_cmd *out)
{
    size_t cr = find_header_end(d, p, len, 0);
    int64_t n;

    if (cr == 0 || cr == (size_t)-1) {
        return d->err;
    }
    if (!parse_num(p + 1, cr - 1, true, &n)) {
        return dec_fail(d, PROTO_EMALFORMED, 1, "bad argument count");
    }
    if (n <= 0) {
        /* Redis treats any count <= 0 as an empty command */
        out->argc = 0;
        out->argv = NULL;
        out->is_inline = false;
        dec_restart(d);
        return (ssize_t)(cr + 2);
    }
    if ((uint64_t)n > dec_max_args(d)) {
        return dec_fail(d, PROTO_ELIMIT, 1, "too many arguments");
    }
    d->argc = (size_t)n;
    d->got = 0;
    d->pos = cr + 2;
    d->state = RESP_DEC_ARG_HEADER;
    return 1;
}

/* The "$<len>" line of the next argument, at d->pos. */
static ssize_t
dec_arg_header(struct resp_dec *d, const uint8_t *p, size_t len)
{
    size_t at = d->pos, cr;
    size_t max_bulk = d->max_bulk != 0 ? d->max_bulk : RESP_DEFAULT_MAX_BULK;
    int64_t n;

    if (at >= len) {
        d->need = at + 1;
        return 0;
    }
    if (p[at] != '$') {
        if (strchr("*%~>|", p[at]) != NULL) {
            return dec_fail(d, PROTO_EMALFORMED, at,
                            "nested aggregate in a command");
        }
        return dec_fail(d, PROTO_EMALFORMED, at,
                        "argument does not start with '$'");
    }
    cr = find_header_end(d, p, len, at);
    if (cr == 0 || cr == (size_t)-1) {
        return d->err;
    }
    if (cr - at == 3 && p[at + 1] == '-' && p[at + 2] == '1') {
        return dec_fail(d, PROTO_EMALFORMED, at + 1, "null argument");
    }
    if (!parse_num(p + at + 1, cr - at - 1, false, &n)) {
        return dec_fail(d, PROTO_EMALFORMED, at + 1, "bad argument length");
    }
    if ((uint64_t)n > max_bulk || (uint64_t)n > SIZE_MAX - 2 - (cr + 2)) {
        return dec_fail(d, PROTO_ELIMIT, at + 1,
                        "argument longer than the limit");
    }
    if (!dec_grow(d, d->got, d->argc)) {
        return dec_fail(d, PROTO_ENOMEM, at, "out of memory for arguments");
    }
    d->argo[d->got] = cr + 2;
    d->argv[d->got].len = (size_t)n;
    d->got++;
    d->pos = cr + 2;
    d->state = RESP_DEC_ARG_BODY;
    return 1;
}

/* The bytes and CRLF of the last argument whose header was read. */
static ssize_t
dec_arg_body(struct resp_dec *d, const uint8_t *p, size_t len)
{
    size_t end = d->argo[d->got - 1] + d->argv[d->got - 1].len;

    if (len < end + 2) {
        d->need = end + 2;
        return 0;
    }
    if (p[end] != '\r' || p[end + 1] != '\n') {
        return dec_fail(d, PROTO_EMALFORMED, end,
                        "argument not followed by CRLF");
    }
    d->pos = end + 2;
    d->state = RESP_DEC_ARG_HEADER;
    return 1;
}

ssize_t
resp_cmd_next(struct resp_dec *d, const uint8_t *p, size_t len,
              struct resp_cmd *out)
{
    ssize_t rc;
    size_t i, used;

    if (d->err != 0) {
        return d->err;
    }
    if (len < d->need || len == 0) {
        if (d->need == 0) {
            d->need = 1;
        }
        return 0;
    }
    d->need = 0;
    switch (d->state) {
    case RESP_DEC_START:
        if (p[0] != '*') {
            return dec_inline(d, p, len, out);
        }
        rc = dec_count(d, p, len, out);
        if (rc != 1) {
            return rc;
        }
        break;
    case RESP_DEC_INLINE:
        return dec_inline(d, p, len, out);
    case RESP_DEC_ARG_HEADER:
    case RESP_DEC_ARG_BODY:
        break;
    default:
        return dec_fail(d, PROTO_EMALFORMED, 0, "bad decoder state");
    }
    for (;;) {
        if (d->state == RESP_DEC_ARG_BODY) {
            rc = dec_arg_body(d, p, len);
            if (rc != 1) {
                return rc;
            }
            if (d->got == d->argc) {
                break;
            }
        }
        rc = dec_arg_header(d, p, len);
        if (rc != 1) {
            return rc;
        }
    }
    for (i = 0; i < d->argc; i++) {
        d->argv[i].p = p + d->argo[i];
    }
    out->argc = d->argc;
    out->argv = d->argv;
    out->is_inline = false;
    used = d->pos;
    dec_restart(d);
    return (ssize_t)used;
}

/* ---- handshake lines ---- */

ssize_t
resp_line(const uint8_t *p, size_t len, struct span *line)
{
    size_t scan = len < RESP_MAX_LINE ? len : RESP_MAX_LINE;
    const uint8_t *nl = scan > 0 ? memchr(p, '\n', scan) : NULL;
    size_t end;

    if (nl == NULL) {
        return scan == RESP_MAX_LINE ? -PROTO_ELIMIT : 0;
    }
    end = (size_t)(nl - p);
    line->p = p;
    line->len = end > 0 && p[end - 1] == '\r' ? end - 1 : end;
    return (ssize_t)(end + 1);
}

static bool
span_prefix(struct span s, const char *lit, size_t n)
{
    return s.len >= n && memcmp(s.p, lit, n) == 0;
}

static bool
parse_u64(const uint8_t *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0 || n > 20) {
        return false;
    }
    for (i = 0; i < n; i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');

        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

static bool
is_replid(const uint8_t *s, size_t n)
{
    size_t i;

    if (n != RESP_REPLID_LEN) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (is_space(s[i])) {
            return false;
        }
    }
    return true;
}

int
resp_psync_reply(struct span line, struct resp_psync_reply *out,
                 const char **why)
{
    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (line.len > 0 && line.p[0] == '-') {
        out->kind = RESP_PSYNC_ERROR;
        out->text.p = line.p + 1;
        out->text.len = line.len - 1;
        return 0;
    }
    if (span_prefix(line, "+FULLRESYNC ", 12)) {
        const uint8_t *id = line.p + 12;
        size_t rest = line.len - 12;

        out->kind = RESP_PSYNC_FULLRESYNC;
        if (rest < RESP_REPLID_LEN + 2 || id[RESP_REPLID_LEN] != ' ' ||
            !is_replid(id, RESP_REPLID_LEN)) {
            *why = "FULLRESYNC without a 40-byte replication ID";
            return -PROTO_EMALFORMED;
        }
        out->replid.p = id;
        out->replid.len = RESP_REPLID_LEN;
        if (!parse_u64(id + RESP_REPLID_LEN + 1, rest - RESP_REPLID_LEN - 1,
                       &out->offset)) {
            *why = "FULLRESYNC without a decimal offset";
            return -PROTO_EMALFORMED;
        }
        return 0;
    }
    if (span_eq(line, "+CONTINUE")) {
        out->kind = RESP_PSYNC_CONTINUE;
        return 0;
    }
    if (span_prefix(line, "+CONTINUE ", 10)) {
        out->kind = RESP_PSYNC_CONTINUE;
        if (!is_replid(line.p + 10, line.len - 10)) {
            *why = "CONTINUE with a replication ID that is not 40 bytes";
            return -PROTO_EMALFORMED;
        }
        out->replid.p = line.p + 10;
        out->replid.len = RESP_REPLID_LEN;
        return 0;
    }
    *why = "reply to PSYNC is neither +FULLRESYNC, +CONTINUE nor an error";
    return -PROTO_EMALFORMED;
}

int
resp_rdb_header(struct span line, struct resp_rdb_header *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (line.len == 0 || line.p[0] != '$') {
        *why = "snapshot line does not start with '$'";
        return -PROTO_EMALFORMED;
    }
    if (span_prefix(line, "$EOF:", 5)) {
        if (line.len != 5 + RESP_EOF_MARK_LEN) {
            *why = "EOF mark is not 40 bytes";
            return -PROTO_EMALFORMED;
        }
        out->eof_mark = true;
        out->mark.p = line.p + 5;
        out->mark.len = RESP_EOF_MARK_LEN;
        return 0;
    }
    if (!parse_u64(line.p + 1, line.len - 1, &out->len)) {
        *why = "snapshot length is not a decimal number";
        return -PROTO_EMALFORMED;
    }
    return 0;
}

/* ---- encoder ---- */

/* Decimal digits of <v> written backwards ending at <end>; returns the
 * first digit. */
static char *
dec_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static size_t
dec_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* "<type><n>\r\n" */
static void
put_header(struct pbuf *b, char type, uint64_t n)
{
    char tmp[24];
    char *s = dec_digits(tmp + sizeof(tmp) - 2, n);

    tmp[sizeof(tmp) - 2] = '\r';
    tmp[sizeof(tmp) - 1] = '\n';
    *--s = type;
    pbuf_put(b, s, (size_t)(tmp + sizeof(tmp) - s));
}

void
resp_put_array(struct pbuf *b, size_t n)
{
    put_header(b, '*', n);
}

size_t
resp_bulk_wire_len(size_t len)
{
    return 1 + dec_len(len) + 2 + len + 2;
}

void
resp_put_bulk(struct pbuf *b, const void *p, size_t len)
{
    if (!pbuf_reserve(b, resp_bulk_wire_len(len))) {
        return;
    }
    put_header(b, '$', len);
    if (len > 0) {
        memcpy(b->data + b->len, p, len);
        b->len += len;
    }
    b->data[b->len++] = '\r';
    b->data[b->len++] = '\n';
}

void
resp_put_bulk_i64(struct pbuf *b, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *s = dec_digits(tmp + sizeof(tmp), u);

    if (v < 0) {
        *--s = '-';
    }
    resp_put_bulk(b, s, (size_t)(tmp + sizeof(tmp) - s));
}

size_t
resp_cmd_wire_len(size_t argc, const struct span *argv)
{
    size_t n = 1 + dec_len(argc) + 2, i;

    for (i = 0; i < argc; i++) {
        n += resp_bulk_wire_len(argv[i].len);
    }
    return n;
}

void
resp_put_cmd(struct pbuf *b, size_t argc, const struct span *argv)
{
    size_t i;

    if (!pbuf_reserve(b, resp_cmd_wire_len(argc, argv))) {
        return;
    }
    put_header(b, '*', argc);
    for (i = 0; i < argc; i++) {
        resp_put_bulk(b, argv[i].p, argv[i].len);
    }
}

void
resp_put_cmdv(struct pbuf *b, size_t argc, ...)
{
    va_list ap;
    size_t i;

    put_header(b, '*', argc);
    va_start(ap, argc);
    for (i = 0; i < argc; i++) {
        const char *s = va_arg(ap, const char *);

        resp_put_bulk(b, s, strlen(s));
    }
    va_end(ap);
}

bool
resp_info_field(const char *text, size_t len, const char *key, char *out,
                size_t outlen)
{
    size_t klen = strlen(key), i = 0, j;

    while (i < len) {
        j = i;
        while (j < len && text[j] != '\r' && text[j] != '\n') {
            j++;
        }
        if (j - i > klen && memcmp(text + i, key, klen) == 0 &&
            text[i + klen] == ':') {
            i += klen + 1;
            if (j - i >= outlen) {
                return false;
            }
            memcpy(out, text + i, j - i);
            out[j - i] = '\0';
            return true;
        }
        i = j + 1;
    }
    return false;
}

bool
resp_arg_is(struct span a, const char *lit)
{
    size_t n = strlen(lit), i;
    uint8_t x, y;

    if (a.len != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        x = a.p[i] >= 'A' && a.p[i] <= 'Z' ? (uint8_t)(a.p[i] | 0x20) : a.p[i];
        y = (uint8_t)lit[i];
        y = y >= 'A' && y <= 'Z' ? (uint8_t)(y | 0x20) : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

long
resp_arg_db(struct span a)
{
    long v = 0;
    size_t i;

    if (a.len == 0 || a.len > 9) {
        return -1;
    }
    for (i = 0; i < a.len; i++) {
        if (a.p[i] < '0' || a.p[i] > '9') {
            return -1;
        }
        v = v * 10 + (a.p[i] - '0');
    }
    return v;
}
