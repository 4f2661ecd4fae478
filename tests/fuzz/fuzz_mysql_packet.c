/*
 * fuzz_mysql_packet.c - libFuzzer target for the MySQL client protocol
 * codecs: the packet framer, OK/ERR/EOF parsers, Handshake v10 parser,
 * text result set decoder and the auth exchange.
 *
 * Input: byte 0 picks options (capabilities, framer limit, sequence
 * check, auth plugin, TLS), byte 1 the chunk size of the second framing
 * pass, the rest is a server byte stream.  Checked: every decoder consumes
 * at most what it was given, the framer yields the same payloads whole
 * and in chunks, errors are sticky, and a payload re-encoded and re-framed
 * comes back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/auth.h"
#include "proto/mysql/packet.h"
#include "proto/mysql/query.h"

#define MAX_PAYLOADS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one framing pass produced. */
struct pass {
    size_t n;                    /* payloads */
    size_t len[MAX_PAYLOADS];    /* their lengths */
    uint64_t hash[MAX_PAYLOADS]; /* FNV-1a of each */
    uint8_t seq[MAX_PAYLOADS];   /* first sequence ids */
    int err;                     /* final error, 0 if none */
};

static void
check(int ok)
{
    if (!ok) {
        __builtin_trap();
    }
}

static uint64_t
fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h;
}

/* Parsers that take one whole payload. */
static void
parse_one(const uint8_t *p, size_t n, uint32_t caps)
{
    struct mysql_ok ok;
    struct mysql_err e;
    struct mysql_eof eof;
    struct mysql_handshake hs;
    struct mysql_coldef col;
    struct span cells[8];
    bool nulls[8];
    const char *why = NULL;
    char buf[160];
    ssize_t r;

    r = mysql_ok_parse(p, n, caps, &ok);
    check(r < 0 || (size_t)r == n);
    r = mysql_err_parse(p, n, &e);
    check(r < 0 || (size_t)r == n);
    if (r > 0) {
        mysql_err_format(&e, buf, sizeof(buf));
        check(strlen(buf) < sizeof(buf));
        check(strchr(buf, '\n') == NULL);
    }
    r = mysql_eof_parse(p, n, &eof);
    check(r < 0 || (size_t)r == n);
    r = mysql_handshake_parse(p, n, &hs, &why);
    check(r < 0 || (size_t)r == n);
    check(r >= 0 || why != NULL);
    if (r > 0) {
        check(hs.nonce_len <= MYSQL_NONCE_MAX);
        check(hs.server_version.len <= n);
        mysql_version_strip(hs.server_version);
    }
    r = mysql_coldef_parse(p, n, &col);
    check(r < 0 || (size_t)r == n);
    r = mysql_text_row_cells(p, n, n % 9, cells, nulls);
    check(r < 0 || (size_t)r == n);
}

/* Re-encodes a payload and frames it back. */
static void
round_trip(const uint8_t *p, size_t n, uint8_t seq)
{
    struct pbuf out = {0};
    struct mysql_framer f = {0};
    struct mysql_packet pkt;
    ssize_t r;

    mysql_packet_encode(&out, seq, p, n);
    check(!out.failed);
    mysql_framer_expect_seq(&f, seq);
    r = mysql_framer_feed(&f, out.data, out.len, &pkt);
    check(r == (ssize_t)out.len && pkt.ready && pkt.len == n &&
          pkt.seq == seq);
    check(n == 0 || memcmp(pkt.payload, p, n) == 0);
    mysql_framer_free(&f);
    pbuf_free(&out);
}

/*
 * Frames <s> feeding <chunk> new bytes at a time through a window of
 * unconsumed bytes (chunk 0: everything at once).  With <exercise> set, also
 * runs every payload through the other decoders.
 */
static void
frame(const uint8_t *s, size_t len, size_t chunk, uint8_t opt,
      struct pass *out, bool exercise)
{
    struct mysql_framer f = {0};
    struct mysql_packet pkt;
    struct mysql_rs rs;
    struct mysql_rs_event ev;
    struct mysql_auth auth = {0};
    struct mysql_handshake hs;
    struct pbuf resp = {0};
    uint8_t *win = malloc(len + 1);
    size_t wlen = 0, pos = 0, off;
    uint32_t caps = MYSQL_CLIENT_PROTOCOL_41;
    const char *plugin;
    static const char *const plugins[] = {
        "mysql_native_password", "caching_sha2_password", "sha256_password",
        "client_ed25519",
    };
    ssize_t r, rr;

    if (win == NULL) {
        return;
    }
    if (opt & 1) {
        caps |= MYSQL_CLIENT_DEPRECATE_EOF;
    }
    if (opt & 2) {
        caps |= MYSQL_CLIENT_SESSION_TRACK;
    }
    if (opt & 4) {
        f.max_payload = 300;
    }
    if (opt & 8) {
        mysql_framer_expect_seq(&f, (uint8_t)(opt >> 4));
    }
    mysql_rs_init(&rs, caps);
    memset(&hs, 0, sizeof(hs));
    memcpy(hs.nonce, "0123456789abcdefghij", 20);
    hs.nonce_len = 20;
    hs.auth_plugin.p = (const uint8_t *)plugins[(opt >> 4) & 3];
    hs.auth_plugin.len = strlen(plugins[(opt >> 4) & 3]);
    mysql_auth_start(&auth, &hs, (opt & 0x40) ? "" : "pw", (opt & 0x80) != 0,
                     caps, &resp, &plugin);

    memset(out, 0, sizeof(*out));
    while (pos < len || wlen > 0) {
        size_t take = chunk == 0 ? len - pos : chunk;

        if (take > len - pos) {
            take = len - pos;
        }
        memcpy(win + wlen, s + pos, take);
        wlen += take;
        pos += take;
        off = 0;
        for (;;) {
            r = mysql_framer_feed(&f, win + off, wlen - off, &pkt);
            if (r < 0) {
                out->err = (int)r;
                /* Sticky. */
                check(mysql_framer_feed(&f, win, wlen, &pkt) == r);
                goto done;
            }
            if (r == 0) {
                check(f.need > 0 || wlen - off == 0);
                break;
            }
            check((size_t)r <= wlen - off);
            if (pkt.ready) {
                check(f.max_payload == 0 || pkt.len <= f.max_payload);
                if (out->n < MAX_PAYLOADS) {
                    out->len[out->n] = pkt.len;
                    out->hash[out->n] = fnv(pkt.payload, pkt.len);
                    out->seq[out->n] = pkt.seq;
                    out->n++;
                }
                if (exercise) {
                    parse_one(pkt.payload, pkt.len, caps);
                    if (pkt.len <= 65536) {
                        round_trip(pkt.payload, pkt.len, pkt.seq);
                    }
                    rr = mysql_rs_feed(&rs, pkt.payload, pkt.len, &ev);
                    check(rr < 0 || (size_t)rr == pkt.len);
                    if (rr < 0) {
                        check(rs.reason != NULL);
                        mysql_rs_init(&rs, caps);
                    } else if (rs.state == MYSQL_RS_DONE) {
                        mysql_rs_init(&rs, caps);
                    }
                    pbuf_reset(&resp);
                    if (mysql_auth_feed(&auth, pkt.payload, pkt.len, &resp) ==
                        MYSQL_AUTH_FAILED) {
                        check(auth.reason != NULL);
                    }
                }
            }
            off += (size_t)r;
        }
        memmove(win, win + off, wlen - off);
        wlen -= off;
        if (pos == len) {
            break;
        }
    }
done:
    free(win);
    pbuf_free(&resp);
    mysql_framer_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pass whole, chunked;
    uint8_t opt, chunk;
    size_t i;

    if (size < 2) {
        return 0;
    }
    opt = data[0];
    chunk = data[1];
    data += 2;
    size -= 2;
    frame(data, size, 0, opt, &whole, true);
    frame(data, size, (size_t)(chunk % 23) + 1, opt, &chunked, false);
    check(whole.err == chunked.err);
    check(whole.n == chunked.n);
    for (i = 0; i < whole.n; i++) {
        check(whole.len[i] == chunked.len[i]);
        check(whole.hash[i] == chunked.hash[i]);
        check(whole.seq[i] == chunked.seq[i]);
    }
    return 0;
}
