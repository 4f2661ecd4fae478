/*
 * fuzz_jsonb.c - libFuzzer target for MySQL binary JSON decoding and JSON
 * diff application.
 *
 * Input: byte 0 picks the options (bit 0: MySQL spacing, bit 1: apply
 * diffs, bit 2: charset conversion instead); for diffs, bytes 1-2 are the
 * length of the before document and the rest after it is the diff vector
 * body.  Checked: no crash or out-of-bounds read (ASan/UBSan), output
 * unchanged on error, output that is valid JSON text (RFC 8259) on
 * success, and applying no diffs equals plain decoding.  The charset mode
 * (byte 1 picks the set) converts the rest to UTF-8, which must be
 * well-formed, through the same iconv cache the formatter uses.  Contexts
 * are reused across inputs, as the daemon reuses them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/json.h"
#include "proto/mysql/charset.h"
#include "proto/mysql/jsonb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A strict RFC 8259 validator: returns the end of the value, or NULL. */
static const uint8_t *json_value(const uint8_t *p, const uint8_t *e,
                                 int depth);

static const uint8_t *
json_ws(const uint8_t *p, const uint8_t *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

static const uint8_t *
json_string(const uint8_t *p, const uint8_t *e)
{
    if (p >= e || *p != '"') {
        return NULL;
    }
    for (p++; p < e; p++) {
        if (*p == '"') {
            return p + 1;
        }
        if (*p < 0x20) {
            return NULL;
        }
        if (*p >= 0x80) {
            size_t bad, k = json_utf8_seq(p, (size_t)(e - p), &bad);

            if (k == 0) {
                return NULL;
            }
            p += k - 1;
            continue;
        }
        if (*p == '\\') {
            p++;
            if (p >= e) {
                return NULL;
            }
            if (*p == 'u') {
                int i;

                for (i = 1; i <= 4; i++) {
                    if (p + i >= e || !((p[i] >= '0' && p[i] <= '9') ||
                                        (p[i] >= 'a' && p[i] <= 'f') ||
                                        (p[i] >= 'A' && p[i] <= 'F'))) {
                        return NULL;
                    }
                }
                p += 4;
            } else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
                return NULL;
            }
        }
    }
    return NULL;
}

static const uint8_t *
jv_digits(const uint8_t *p, const uint8_t *e)
{
    const uint8_t *s = p;

    while (p < e && *p >= '0' && *p <= '9') {
        p++;
    }
    return p == s ? NULL : p;
}

static const uint8_t *
json_number(const uint8_t *p, const uint8_t *e)
{
    if (p < e && *p == '-') {
        p++;
    }
    if (p < e && *p == '0') {
        p++;
    } else if ((p = jv_digits(p, e)) == NULL) {
        return NULL;
    }
    if (p < e && *p == '.' && (p = jv_digits(p + 1, e)) == NULL) {
        return NULL;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            p++;
        }
        p = jv_digits(p, e);
    }
    return p;
}

static const uint8_t *
json_value(const uint8_t *p, const uint8_t *e, int depth)
{
    char close;

    if (depth > JSONB_MAX_DEPTH + 1) {
        return NULL;
    }
    p = json_ws(p, e);
    if (p >= e) {
        return NULL;
    }
    switch (*p) {
    case '"':
        return json_string(p, e);
    case 'n':
        return e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    case 't':
        return e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case '{':
    case '[':
        close = *p == '{' ? '}' : ']';
        p = json_ws(p + 1, e);
        if (p < e && *p == close) {
            return p + 1;
        }
        for (;;) {
            if (close == '}') {
                p = json_string(json_ws(p, e), e);
                if (p == NULL) {
                    return NULL;
                }
                p = json_ws(p, e);
                if (p >= e || *p != ':') {
                    return NULL;
                }
                p++;
            }
            p = json_value(p, e, depth + 1);
            if (p == NULL) {
                return NULL;
            }
            p = json_ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            return p < e && *p == close ? p + 1 : NULL;
        }
    default:
        return json_number(p, e);
    }
}

static void
check_output(const struct pbuf *out, size_t start, int rc)
{
    const uint8_t *end;

    if (rc < 0) {
        if (out->len != start) {
            abort();
        }
        return;
    }
    if (rc != 0 || out->len <= start) {
        abort();
    }
    end = json_value(out->data + start, out->data + out->len, 0);
    if (end == NULL || json_ws(end, out->data + out->len) !=
                           out->data + out->len) {
        abort();
    }
}

static void
fuzz_charset(const uint8_t *data, size_t size)
{
    static struct mysql_charset_cache cache;
    struct pbuf out = {0};
    size_t i, bad, k;
    int rc;

    if (size < 2) {
        return;
    }
    rc = mysql_charset_to_utf8(&out, (enum mysql_charset)(data[1] % MYCS_COUNT),
                               data + 2, size - 2, &cache);
    if (rc == 0) {
        for (i = 0; i < out.len; i += k) {
            k = json_utf8_seq(out.data + i, out.len - i, &bad);
            if (k == 0) {
                abort();
            }
        }
    }
    pbuf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct jsonb_tree tree;
    struct pbuf a = {0}, b = {0};
    struct jsonb_error err;
    unsigned flags;
    int rc, rc2;

    if (size < 1) {
        return 0;
    }
    if (data[0] & 4) {
        fuzz_charset(data, size);
        return 0;
    }
    flags = data[0] & 1 ? JSONB_MYSQL_SPACING : JSONB_COMPACT;
    if ((data[0] & 2) == 0) {
        pbuf_put(&a, "x", 1);
        rc = jsonb_to_json(&a, data + 1, size - 1, flags, &err);
        check_output(&a, 1, rc);
        /* no diffs: the same text as plain decoding */
        pbuf_put(&b, "x", 1);
        rc2 = jsonb_apply_diffs(&b, data + 1, size - 1, NULL, 0, flags,
                                &tree, NULL);
        if (rc != rc2 || a.len != b.len ||
            (a.len != 0 && memcmp(a.data, b.data, a.len) != 0)) {
            abort();
        }
    } else if (size >= 3) {
        size_t dlen = (size_t)data[1] | ((size_t)data[2] << 8);

        if (dlen > size - 3) {
            dlen = size - 3;
        }
        pbuf_put(&a, "x", 1);
        rc = jsonb_apply_diffs(&a, data + 3, dlen, data + 3 + dlen,
                               size - 3 - dlen, flags, &tree, &err);
        check_output(&a, 1, rc);
        if (rc < 0 && err.reason == NULL) {
            abort();
        }
    }
    pbuf_free(&a);
    pbuf_free(&b);
    return 0;
}
