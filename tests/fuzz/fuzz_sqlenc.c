/*
 * fuzz_sqlenc.c - libFuzzer target for SQL literals of binlog values
 * (proto/mysql/sqlenc.c), fed through the row value decoder.
 *
 * Input: byte 0 picks the column type, bytes 1-2 its metadata (LE), byte 3
 * its collation from a list covering every kind of character set, byte 4
 * options (bit 0 UNSIGNED, bit 1 ENUM/SET member names, bit 2 partial
 * JSON: the rest is a before document of byte-5 length and a diff
 * vector); the rest is a packed value for binlog_value_decode().  What the
 * decoder accepts is encoded; the names of byte 4 bit 1 are cut from the
 * same bytes.
 *
 * Checked: no crash or out-of-bounds read (ASan/UBSan); on error, the
 * output is unchanged and an error text is set; on success, the output is
 * exactly one literal of the forms sqlenc writes (NULL, a number, '...'
 * with no backslash or NUL and quotes doubled, X'<hex>' with an optional
 * _charset introducer), so no value can change the statement around it or
 * read differently with NO_BACKSLASH_ESCAPES.  Identifiers built from the
 * same bytes must be one backquoted token.  The context is reused across
 * inputs, as a writer reuses it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/json.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/sqlenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t types[] = {
    MYT_DECIMAL,    MYT_TINY,       MYT_SHORT,       MYT_LONG,
    MYT_FLOAT,      MYT_DOUBLE,     MYT_NULL,        MYT_TIMESTAMP,
    MYT_LONGLONG,   MYT_INT24,      MYT_DATE,        MYT_TIME,
    MYT_DATETIME,   MYT_YEAR,       MYT_NEWDATE,     MYT_VARCHAR,
    MYT_BIT,        MYT_TIMESTAMP2, MYT_DATETIME2,   MYT_TIME2,
    MYT_VECTOR,     MYT_JSON,       MYT_NEWDECIMAL,  MYT_ENUM,
    MYT_SET,        MYT_TINY_BLOB,  MYT_MEDIUM_BLOB, MYT_LONG_BLOB,
    MYT_BLOB,       MYT_VAR_STRING, MYT_STRING,      MYT_GEOMETRY,
};

/* unknown, latin1, swe7, gbk, sjis, utf8mb3, ucs2, utf8mb4, utf16,
 * utf32, binary, MariaDB UCA 14.0 utf8mb4, an id no server has */
static const uint16_t colls[] = {0,  8,  10, 28,  13,   33,   35,
                                 45, 54, 60, 63, 2305, 4000};

static struct sqlenc_ctx ctx;

static bool
is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* One literal of the forms sqlenc writes (see the file comment). */
static bool
safe_literal(const uint8_t *s, size_t n)
{
    size_t i = 0, d;

    if (n == 4 && memcmp(s, "NULL", 4) == 0) {
        return true;
    }
    if (n > 0 && s[0] == '\'') {
        for (i = 1; i < n; i++) {
            if (s[i] == '\\' || s[i] == '\0') {
                return false;
            }
            if (s[i] >= 0x80) {
                /* the utf8mb4 connection must read these characters */
                size_t bad, len = json_utf8_seq(s + i, n - i, &bad);

                if (len == 0) {
                    return false;
                }
                i += len - 1;
                continue;
            }
            if (s[i] == '\'') {
                if (i + 1 == n) {
                    return true;
                }
                if (s[i + 1] != '\'') {
                    return false;
                }
                i++;
            }
        }
        return false;
    }
    if (n > 0 && s[0] == '_') {
        for (i = 1; i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
                              (s[i] >= '0' && s[i] <= '9')); i++) {
        }
        if (i == 1 || i >= n || s[i] != ' ') {
            return false;
        }
        i++;
    }
    if (i + 3 <= n && s[i] == 'X' && s[i + 1] == '\'') {
        for (d = i + 2; d + 1 < n; d++) {
            if (!is_hex(s[d])) {
                return false;
            }
        }
        return s[n - 1] == '\'' && (n - i - 3) % 2 == 0;
    }
    if (i != 0) {
        return false;
    }
    if (i < n && s[i] == '-') {
        i++;
    }
    for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    }
    if (i == d) {
        return false;
    }
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        }
        if (i == d) {
            return false;
        }
    }
    if (i < n && s[i] == 'e') {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        }
        if (i == d) {
            return false;
        }
    }
    return i == n;
}

/* `...` with every inner backquote doubled. */
static bool
safe_ident(const uint8_t *s, size_t n)
{
    size_t i;

    if (n < 2 || s[0] != '`' || s[n - 1] != '`') {
        return false;
    }
    for (i = 1; i + 1 < n; i++) {
        if (s[i] == '`') {
            if (s[i + 1] != '`' || i + 2 == n) {
                return false;
            }
            i++;
        }
    }
    return true;
}

static void
check(struct pbuf *out, int rc)
{
    if (rc < 0) {
        if (out->len != 6 || ctx.err[0] == '\0') {
            abort();
        }
        return;
    }
    if (rc != 0 || !safe_literal(out->data + 6, out->len - 6)) {
        fprintf(stderr, "unsafe literal: %.*s\n", (int)(out->len - 6),
                (const char *)out->data + 6);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct span names[8];
    struct mysql_column col;
    struct mysql_value v, before;
    struct pbuf out = {0};
    const char *reason = NULL;
    unsigned opts;
    size_t i, k;
    ssize_t n;

    if (size < 5) {
        return 0;
    }
    opts = data[4];
    memset(&col, 0, sizeof(col));
    col.type = types[data[0] % sizeof(types)];
    col.meta = (uint16_t)(data[1] | data[2] << 8);
    col.charset = colls[data[3] % (sizeof(colls) / sizeof(colls[0]))];
    col.is_unsigned = opts & 1;
    data += 5;
    size -= 5;

    /* the prefix every output starts with: errors must leave it alone */
    pbuf_put(&out, "(keep)", 6);

    if ((opts & 4) && size >= 1) {
        k = data[0] < size - 1 ? data[0] : size - 1;
        memset(&before, 0, sizeof(before));
        before.kind = MYV_JSON;
        before.v.bytes.p = data + 1;
        before.v.bytes.len = k;
        v = before;
        v.v.bytes.p = data + 1 + k;
        v.v.bytes.len = size - 1 - k;
        check(&out, sqlenc_json_diff(&out, &before, &v, &ctx));
        pbuf_free(&out);
        return 0;
    }
    if (opts & 2) {
        /* up to 8 names of up to 7 bytes from the front */
        for (i = 0, k = 0; i < 8 && k < size; i++) {
            size_t len = data[k] % 8;

            k++;
            if (len > size - k) {
                len = size - k;
            }
            names[i].p = data + k;
            names[i].len = len;
            k += len;
        }
        col.enum_values = names;
        col.n_enum_values = (uint32_t)i;
    }
    memset(&v, 0, sizeof(v));
    n = binlog_value_decode(&col, data, size, &v, &reason);
    if (n >= 0) {
        check(&out, sqlenc_value(&out, &col, &v, &ctx));
    }
    v.kind = MYV_NULL;
    pbuf_reset(&out);
    pbuf_put(&out, "(keep)", 6);
    check(&out, sqlenc_value(&out, &col, &v, &ctx));

    pbuf_reset(&out);
    sqlenc_ident(&out, (const char *)data, size);
    if (out.failed || !safe_ident(out.data, out.len)) {
        abort();
    }
    pbuf_free(&out);
    return 0;
}
