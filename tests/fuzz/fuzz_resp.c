/*
 * fuzz_resp.c - libFuzzer target for the RESP command stream decoder, the
 * handshake line parsers (proto/redis/resp.c), the command table's key
 * finders (cmdtable.c) and the cluster slot (crc16.c).
 *
 * Input: byte 0 picks options (0x01 small limits, 0x02 decode in chunks
 * of 1 byte, else chunks drawn from byte 1), byte 1 seeds the chunk sizes,
 * the rest is a master's byte stream.  The stream is decoded once whole,
 * then again as a connection feeds it, each call on an exact-size heap
 * copy of the unconsumed bytes so that any read past them is caught.
 * Checked: consumed <= len; both passes see the same commands and end
 * the same way (same error at the same stream offset, or the same
 * unfinished tail); errors are sticky; a multibulk re-encodes to exactly
 * the bytes it was decoded from, an inline command re-encodes to a
 * multibulk that decodes to the same arguments; key indexes lie inside
 * argv and agree with cmdtable_check().  Every line of the input also
 * goes through resp_line(), resp_psync_reply() and resp_rdb_header().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/redis/cmdtable.h"
#include "proto/redis/crc16.h"
#include "proto/redis/resp.h"

#define MAX_CMDS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one decoding pass saw. */
struct pass {
    size_t n;                /* commands */
    size_t len[MAX_CMDS];    /* bytes of each */
    uint64_t hash[MAX_CMDS]; /* FNV-1a over argc and arguments */
    size_t consumed;         /* bytes consumed in all */
    int err;                 /* final error, 0 if none */
    size_t err_at;           /* stream offset of the error */
};

static struct pass whole, chunked;

static void
check(int ok)
{
    if (!ok) {
        __builtin_trap();
    }
}

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h;
}

static uint64_t
cmd_hash(const struct resp_cmd *c)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    h = fnv(h, (const uint8_t *)&c->argc, sizeof(c->argc));
    h = fnv(h, (const uint8_t *)&c->is_inline, sizeof(c->is_inline));
    for (i = 0; i < c->argc; i++) {
        h = fnv(h, (const uint8_t *)&c->argv[i].len, sizeof(size_t));
        h = fnv(h, c->argv[i].p, c->argv[i].len);
    }
    return h;
}

static void
set_limits(struct resp_dec *d, uint8_t opt)
{
    memset(d, 0, sizeof(*d));
    if (opt & 0x01) {
        d->max_args = 8;
        d->max_bulk = 64;
        d->max_inline = 32;
    }
}

/* Keys, slots and a re-encoding of one decoded command. */
static void
use_cmd(const struct resp_cmd *c, const uint8_t *wire, size_t used)
{
    const struct cmd_info *ci;
    size_t idx[64], n, i;
    struct pbuf b = {0};

    if (!c->is_inline) {
        /* only canonical multibulks are accepted: the bytes come back */
        if (c->argc > 0) {
            resp_put_cmd(&b, c->argc, c->argv);
            check(!b.failed && b.len == used);
            check(memcmp(b.data, wire, used) == 0);
            check(resp_cmd_wire_len(c->argc, c->argv) == used);
        } else {
            check(wire[0] == '*');
        }
    } else if (c->argc > 0) {
        struct resp_dec d;
        struct resp_cmd back;
        ssize_t rc;

        resp_put_cmd(&b, c->argc, c->argv);
        check(!b.failed);
        memset(&d, 0, sizeof(d));
        rc = resp_cmd_next(&d, b.data, b.len, &back);
        check(rc == (ssize_t)b.len && back.argc == c->argc);
        for (i = 0; i < c->argc; i++) {
            check(back.argv[i].len == c->argv[i].len);
            check(c->argv[i].len == 0 ||
                  memcmp(back.argv[i].p, c->argv[i].p, c->argv[i].len) == 0);
        }
        resp_dec_free(&d);
    }
    pbuf_free(&b);

    (void)cmdtable_lookup(c->argc, c->argv);
    ci = c->argc > 0 ? cmdtable_find(c->argv[0].p, c->argv[0].len) : NULL;
    n = cmdtable_keys(ci, c->argc, c->argv, idx, 64);
    if (n > 0) {
        check(cmdtable_check(ci, c->argc, c->argv, NULL) == 0);
    }
    if (cmdtable_check(ci, c->argc, c->argv, NULL) != 0) {
        check(n == 0);
    }
    for (i = 0; i < n && i < 64; i++) {
        check(idx[i] > 0 && idx[i] < c->argc);
        check(crc16_slot(c->argv[idx[i]].p, c->argv[idx[i]].len) < CRC16_SLOTS);
    }
}

static void
decode_whole(const uint8_t *p, size_t len, uint8_t opt)
{
    struct resp_dec d;
    struct resp_cmd c;
    size_t off = 0;
    ssize_t rc;

    set_limits(&d, opt);
    memset(&whole, 0, sizeof(whole));
    while (off < len && whole.n < MAX_CMDS) {
        uint8_t *copy = malloc(len - off);

        if (copy == NULL) {
            break;
        }
        memcpy(copy, p + off, len - off);
        rc = resp_cmd_next(&d, copy, len - off, &c);
        check(rc <= (ssize_t)(len - off));
        if (rc < 0) {
            check(d.err == rc && d.err_what != NULL);
            check(d.err_off < len - off);
            whole.err = (int)rc;
            whole.err_at = off + d.err_off;
            /* sticky */
            check(resp_cmd_next(&d, copy, len - off, &c) == rc);
            (void)resp_dec_strerror(&d);
            free(copy);
            break;
        }
        if (rc == 0) {
            check(d.need > len - off);
            free(copy);
            break;
        }
        use_cmd(&c, copy, (size_t)rc);
        whole.len[whole.n] = (size_t)rc;
        whole.hash[whole.n] = cmd_hash(&c);
        whole.n++;
        off += (size_t)rc;
        free(copy);
    }
    whole.consumed = off;
    resp_dec_free(&d);
}

static void
decode_chunked(const uint8_t *p, size_t len, uint8_t opt, uint8_t seed)
{
    struct resp_dec d;
    struct resp_cmd c;
    size_t start = 0, avail = 0;
    uint32_t r = seed * 2654435761u + 1;
    ssize_t rc;

    set_limits(&d, opt);
    memset(&chunked, 0, sizeof(chunked));
    while (avail < len && chunked.n < MAX_CMDS && chunked.err == 0) {
        size_t step = 1;

        if (!(opt & 0x02)) {
            r = r * 1103515245u + 12345u;
            step = 1 + (r >> 16) % 300;
        }
        avail += step < len - avail ? step : len - avail;
        while (start < avail && chunked.n < MAX_CMDS) {
            size_t have = avail - start;
            uint8_t *copy = malloc(have);

            if (copy == NULL) {
                return;
            }
            memcpy(copy, p + start, have);
            rc = resp_cmd_next(&d, copy, have, &c);
            check(rc <= (ssize_t)have);
            if (rc < 0) {
                chunked.err = (int)rc;
                chunked.err_at = start + d.err_off;
                free(copy);
                break;
            }
            if (rc == 0) {
                check(d.need > have);
                free(copy);
                break;
            }
            chunked.len[chunked.n] = (size_t)rc;
            chunked.hash[chunked.n] = cmd_hash(&c);
            chunked.n++;
            start += (size_t)rc;
            free(copy);
        }
    }
    chunked.consumed = start;
    resp_dec_trim(&d);
    resp_dec_free(&d);
}

static void
lines(const uint8_t *p, size_t len)
{
    size_t off = 0;
    int n = 0;

    while (off < len && n++ < 10000) {
        struct span line;
        struct resp_psync_reply pr;
        struct resp_rdb_header rh;
        const char *why;
        ssize_t rc = resp_line(p + off, len - off, &line);

        check(rc <= (ssize_t)(len - off));
        if (rc <= 0) {
            check(rc == 0 || rc == -PROTO_ELIMIT);
            break;
        }
        check(line.len < (size_t)rc);
        if (resp_psync_reply(line, &pr, &why) == 0) {
            check(pr.replid.len == 0 || pr.replid.len == RESP_REPLID_LEN);
        } else {
            check(why != NULL);
        }
        if (resp_rdb_header(line, &rh, &why) == 0) {
            check(!rh.eof_mark || rh.mark.len == RESP_EOF_MARK_LEN);
        } else {
            check(why != NULL);
        }
        off += (size_t)rc;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t opt, seed;
    size_t i;

    if (size < 2) {
        return 0;
    }
    opt = data[0];
    seed = data[1];
    data += 2;
    size -= 2;

    decode_whole(data, size, opt);
    decode_chunked(data, size, opt, seed);
    /* the same commands, ending the same way */
    if (whole.n < MAX_CMDS && chunked.n < MAX_CMDS) {
        check(whole.n == chunked.n);
        for (i = 0; i < whole.n; i++) {
            check(whole.len[i] == chunked.len[i]);
            check(whole.hash[i] == chunked.hash[i]);
        }
        check(whole.consumed == chunked.consumed);
        check(whole.err == chunked.err);
        check(whole.err_at == chunked.err_at);
    }
    lines(data, size);
    return 0;
}
