/*
 * fuzz_ddl_keys.c - libFuzzer target for the index splitter
 * (proto/mysql/ddl_keys.c).
 *
 * Input: the statement, optionally followed by a 0xff byte (never part of
 * UTF-8 text) and two bytes that cap the statement and clause buffers for
 * a second run.  Raw SHOW CREATE TABLE text is an input too.
 *
 * Checked, for every input:
 *   - nothing moved: the statement is the input byte for byte, no clause;
 *   - some moved: one clause each, "ADD " then KEY or INDEX, on one line
 *     and found in the input; the statement is the input with bytes taken
 *     out, shorter by at least what the clauses carry, so that the two
 *     hold nothing but the input's bytes and the "ADD " prefixes; split
 *     again, it comes back whole with nothing more to move;
 *   - the same text with "\r\n" line ends gives the same answer, "\r"
 *     kept before each "\n";
 *   - with capped buffers: the same answer, or -1 with the buffers back
 *     at their length and one of them marked failed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/ddl_keys.h"

/* Is a[0..alen) what is left of b[0..blen) after taking bytes out? */
static int
is_subsequence(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t i = 0, j;

    for (j = 0; j < blen && i < alen; j++) {
        if (a[i] == b[j]) {
            i++;
        }
    }
    return i == alen;
}

/* Does p[0..n) open with keyword <kw>, a whole word? */
static int
is_kw(const uint8_t *p, size_t n, const char *kw)
{
    size_t i, k = strlen(kw);

    if (n <= k || (p[k] >= '0' && p[k] <= '9') || p[k] == '_' || p[k] == '$' ||
        p[k] >= 0x80 || ((p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z')) {
        return 0;
    }
    for (i = 0; i < k; i++) {
        if ((p[i] & ~0x20) != (uint8_t)kw[i]) {
            return 0;
        }
    }
    return 1;
}

/* Splits sql[0..len) and checks the result; returns what the function
 * did, its output in <table> and <keys> (the caller frees them). */
static int
check_split(const uint8_t *sql, size_t len, struct pbuf *table,
            struct pbuf *keys)
{
    struct pbuf again = {0}, none = {0};
    const uint8_t *p;
    size_t off, n, slen, carried = 0;
    int r, count = 0;

    memset(table, 0, sizeof(*table));
    memset(keys, 0, sizeof(*keys));
    r = ddl_split_keys((const char *)sql, len, table, keys);
    if (r < 0 || table->failed || keys->failed || table->len == 0 ||
        table->data[table->len - 1] != '\0') {
        abort();
    }
    slen = table->len - 1;
    if (r == 0) {
        if (keys->len != 0 || slen != len ||
            (len > 0 && memcmp(table->data, sql, len) != 0)) {
            abort();
        }
        return r;
    }
    if (memchr(table->data, '\0', slen) != NULL) {
        abort();
    }
    for (off = 0; off < keys->len; off += n + 1, count++) {
        p = keys->data + off;
        if (memchr(p, '\0', keys->len - off) == NULL) {
            abort();
        }
        n = strlen((const char *)p);
        if (n < 5 || memcmp(p, "ADD ", 4) != 0 ||
            (!is_kw(p + 4, n - 4, "KEY") && !is_kw(p + 4, n - 4, "INDEX")) ||
            memchr(p, '\n', n) != NULL ||
            memmem(sql, len, p + 4, n - 4) == NULL) {
            abort();
        }
        carried += n - 4;
    }
    if (count != r || slen >= len || slen + carried > len ||
        !is_subsequence(table->data, slen, sql, len)) {
        abort();
    }
    if (ddl_split_keys((const char *)table->data, slen, &again, &none) != 0 ||
        none.len != 0 || again.len != table->len ||
        memcmp(again.data, table->data, table->len) != 0) {
        abort();
    }
    pbuf_free(&again);
    pbuf_free(&none);
    return r;
}

/* a[0..alen) is b[0..blen) with "\r" before each "\n". */
static int
same_but_crlf(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t i = 0, j;

    for (j = 0; j < blen; j++) {
        if (b[j] == '\n') {
            if (i == alen || a[i++] != '\r') {
                return 0;
            }
        }
        if (i == alen || a[i++] != b[j]) {
            return 0;
        }
    }
    return i == alen;
}

static void
check_crlf(const uint8_t *sql, size_t len, int r, const struct pbuf *table,
           const struct pbuf *keys)
{
    struct pbuf t2, k2;
    uint8_t *crlf;
    size_t i, n = 0;

    if (len == 0 || memchr(sql, '\r', len) != NULL) {
        return;
    }
    crlf = malloc(2 * len);
    if (crlf == NULL) {
        return;
    }
    for (i = 0; i < len; i++) {
        if (sql[i] == '\n') {
            crlf[n++] = '\r';
        }
        crlf[n++] = sql[i];
    }
    if (check_split(crlf, n, &t2, &k2) != r ||
        !same_but_crlf(t2.data, t2.len, table->data, table->len) ||
        k2.len != keys->len ||
        (keys->len > 0 && memcmp(k2.data, keys->data, keys->len) != 0)) {
        abort();
    }
    pbuf_free(&t2);
    pbuf_free(&k2);
    free(crlf);
}

static void
check_capped(const uint8_t *sql, size_t len, int r, const struct pbuf *table,
             const struct pbuf *keys, uint8_t tcap, uint8_t kcap)
{
    struct pbuf t2 = {0}, k2 = {0};
    int r2;

    /* Something already in the buffers stays in front. */
    t2.limit = 3 + (size_t)tcap * 4;
    k2.limit = 3 + (size_t)kcap * 4;
    pbuf_put(&t2, "T", 1);
    pbuf_put(&k2, "K", 2);
    r2 = ddl_split_keys((const char *)sql, len, &t2, &k2);
    if (r2 == -1) {
        if ((!t2.failed && !k2.failed) || t2.len != 1 || k2.len != 2) {
            abort();
        }
    } else if (r2 != r || t2.failed || k2.failed || t2.len != table->len + 1 ||
               k2.len != keys->len + 2 || memcmp(t2.data, "T", 1) != 0 ||
               memcmp(t2.data + 1, table->data, table->len) != 0 ||
               (keys->len > 0 &&
                memcmp(k2.data + 2, keys->data, keys->len) != 0)) {
        abort();
    }
    pbuf_free(&t2);
    pbuf_free(&k2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = size > 0 ? memchr(data, 0xff, size) : NULL;
    size_t len = sep != NULL ? (size_t)(sep - data) : size;
    struct pbuf table, keys;
    int r;

    r = check_split(data, len, &table, &keys);
    check_crlf(data, len, r, &table, &keys);
    if (sep != NULL && len + 2 < size) {
        check_capped(data, len, r, &table, &keys, sep[1], sep[2]);
    }
    pbuf_free(&table);
    pbuf_free(&keys);
    return 0;
}
