/*
 * packet.c - MySQL packet framing, reassembly and the OK/ERR/EOF packets
 * (see packet.h).  Layouts follow the MySQL internals manual, "MySQL
 * Packets", "OK_Packet", "ERR_Packet", "EOF_Packet" (CLIENT_PROTOCOL_41).
 */
#include "proto/mysql/packet.h"

#include <stdio.h>
#include <string.h>

/* A reassembly buffer larger than this is released once handed out, so an
 * idle connection does not keep a huge payload's memory. */
#define FRAMER_KEEP_CAP (1024u * 1024u)

static const char *const framer_state_names[MYSQL_FRAMER_STATE_COUNT] = {
    [MYSQL_FRAMER_HEADER] = "HEADER",
    [MYSQL_FRAMER_BODY] = "BODY",
};

const char *
mysql_framer_state_name(enum mysql_framer_state s)
{
    return (unsigned)s < MYSQL_FRAMER_STATE_COUNT ? framer_state_names[s]
                                                  : "UNKNOWN";
}

static ssize_t
framer_fail(struct mysql_framer *f, int err, const char *reason)
{
    f->err = -err;
    f->reason = reason;
    return f->err;
}

ssize_t
mysql_framer_feed(struct mysql_framer *f, const uint8_t *p, size_t len,
                  struct mysql_packet *pkt)
{
    size_t used = 0, n, max, total;
    uint32_t flen;
    uint8_t seq;

    pkt->ready = false;
    pkt->payload = NULL;
    pkt->len = 0;
    f->need = 0;
    if (f->err != 0) {
        return f->err;
    }
    if (f->asm_out) {
        f->asm_out = false;
        if (f->asm.cap > FRAMER_KEEP_CAP) {
            pbuf_free(&f->asm);
        }
        f->asm.len = 0;
    }
    max = f->max_payload != 0 ? f->max_payload : MYSQL_PACKET_DEFAULT_MAX;

    if (f->state == MYSQL_FRAMER_HEADER) {
        if (len < MYSQL_PACKET_HEADER_LEN) {
            f->need = MYSQL_PACKET_HEADER_LEN - len;
            return 0;
        }
        flen = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
        seq = p[3];
        if (f->check_seq && seq != f->seq) {
            memcpy(f->bad_hdr, p, 4);
            return framer_fail(f, PROTO_EMALFORMED,
                               "packet sequence id out of order");
        }
        f->seq = (uint8_t)(seq + 1);
        if (!f->multi) {
            f->first_seq = seq;
        }
        total = (f->multi ? f->asm.len : 0) + flen;
        if (total > max) {
            memcpy(f->bad_hdr, p, 4);
            return framer_fail(f, PROTO_ELIMIT,
                               "payload larger than the packet size limit");
        }
        used = MYSQL_PACKET_HEADER_LEN;
        if (!f->multi && flen < MYSQL_PACKET_MAX_FRAGMENT &&
            len - used >= flen) {
            /* Whole single-fragment payload in the caller's bytes. */
            pkt->ready = true;
            pkt->payload = p + used;
            pkt->len = flen;
            pkt->seq = seq;
            pkt->last_seq = seq;
            return (ssize_t)(used + flen);
        }
        f->frag_len = flen;
        f->frag_done = 0;
        f->state = MYSQL_FRAMER_BODY;
    }

    n = len - used;
    if (n > f->frag_len - f->frag_done) {
        n = f->frag_len - f->frag_done;
    }
    if (n > 0) {
        pbuf_put(&f->asm, p + used, n);
        if (f->asm.failed) {
            return framer_fail(f, PROTO_ENOMEM,
                               "cannot grow the packet reassembly buffer");
        }
        used += n;
        f->frag_done += (uint32_t)n;
    }
    if (f->frag_done < f->frag_len) {
        if (used == 0) {
            f->need = f->frag_len - f->frag_done;
        }
        return (ssize_t)used;
    }
    f->state = MYSQL_FRAMER_HEADER;
    if (f->frag_len == MYSQL_PACKET_MAX_FRAGMENT) {
        /* More fragments follow, the last one shorter, maybe empty. */
        f->multi = true;
        return (ssize_t)used;
    }
    f->multi = false;
    f->asm_out = true;
    pkt->ready = true;
    pkt->payload = f->asm.data != NULL ? f->asm.data : (const uint8_t *)"";
    pkt->len = f->asm.len;
    pkt->seq = f->first_seq;
    pkt->last_seq = (uint8_t)(f->seq - 1);
    return (ssize_t)used;
}

void
mysql_framer_expect_seq(struct mysql_framer *f, uint8_t seq)
{
    f->check_seq = true;
    f->seq = seq;
}

void
mysql_framer_reset(struct mysql_framer *f)
{
    f->state = MYSQL_FRAMER_HEADER;
    f->frag_len = 0;
    f->frag_done = 0;
    f->multi = false;
    f->asm_out = false;
    f->asm.len = 0;
    f->asm.failed = false;
    f->need = 0;
    f->err = 0;
    f->reason = NULL;
}

void
mysql_framer_free(struct mysql_framer *f)
{
    pbuf_free(&f->asm);
    mysql_framer_reset(f);
}

/* Copies <n> bytes at logical offset <off> of the concatenation a+b. */
static void
put_concat(struct pbuf *out, const uint8_t *a, size_t alen,
           const uint8_t *b, size_t off, size_t n)
{
    size_t k;

    if (off < alen) {
        k = alen - off < n ? alen - off : n;
        pbuf_put(out, a + off, k);
        off += k;
        n -= k;
    }
    if (n > 0) {
        pbuf_put(out, b + (off - alen), n);
    }
}

uint8_t
mysql_packet_encode2(struct pbuf *out, uint8_t seq, const void *a,
                     size_t alen, const void *b, size_t blen)
{
    size_t total = alen + blen, off = 0, n;

    for (;;) {
        n = total - off;
        if (n > MYSQL_PACKET_MAX_FRAGMENT) {
            n = MYSQL_PACKET_MAX_FRAGMENT;
        }
        if (!pbuf_reserve(out, MYSQL_PACKET_HEADER_LEN + n)) {
            return seq;
        }
        pbuf_put_uint(out, n, 3);
        pbuf_put_uint(out, seq, 1);
        seq++;
        put_concat(out, a, alen, b, off, n);
        off += n;
        if (n < MYSQL_PACKET_MAX_FRAGMENT) {
            return seq;
        }
    }
}

uint8_t
mysql_packet_encode(struct pbuf *out, uint8_t seq, const void *payload,
                    size_t len)
{
    return mysql_packet_encode2(out, seq, payload, len, NULL, 0);
}

ssize_t
mysql_ok_parse(const uint8_t *p, size_t len, uint32_t caps,
               struct mysql_ok *ok)
{
    struct rbuf r;

    memset(ok, 0, sizeof(*ok));
    rbuf_init(&r, p, len);
    ok->header = rbuf_u8(&r);
    if (r.short_read || (ok->header != MYSQL_PKT_OK &&
                         ok->header != MYSQL_PKT_EOF)) {
        return -PROTO_EMALFORMED;
    }
    ok->affected_rows = rbuf_lenenc(&r, NULL);
    ok->last_insert_id = rbuf_lenenc(&r, NULL);
    ok->status = rbuf_u16(&r);
    ok->warnings = rbuf_u16(&r);
    if (r.short_read) {
        return -PROTO_EMALFORMED;
    }
    if (caps & MYSQL_CLIENT_SESSION_TRACK) {
        if (rbuf_left(&r) > 0) {
            ok->info = rbuf_lenenc_str(&r, NULL);
        }
        if ((ok->status & MYSQL_SERVER_SESSION_STATE_CHANGED) &&
            rbuf_left(&r) > 0) {
            ok->session_state = rbuf_lenenc_str(&r, NULL);
        }
        if (r.short_read) {
            return -PROTO_EMALFORMED;
        }
    } else {
        ok->info = rbuf_rest(&r);
    }
    return (ssize_t)len;
}

ssize_t
mysql_err_parse(const uint8_t *p, size_t len, struct mysql_err *e)
{
    size_t i;

    memset(e, 0, sizeof(*e));
    if (len < 3 || p[0] != MYSQL_PKT_ERR) {
        return -PROTO_EMALFORMED;
    }
    e->code = (uint16_t)(p[1] | p[2] << 8);
    if (len >= 9 && p[3] == '#') {
        for (i = 0; i < 5; i++) {
            /* Printable only: the state ends up in one-line messages. */
            e->sqlstate[i] = p[4 + i] > 0x20 && p[4 + i] < 0x7f
                                 ? (char)p[4 + i] : '?';
        }
        e->message.p = p + 9;
        e->message.len = len - 9;
    } else {
        memcpy(e->sqlstate, "HY000", 5);
        e->message.p = p + 3;
        e->message.len = len - 3;
    }
    e->sqlstate[5] = '\0';
    if (e->message.len == 0) {
        e->message.p = NULL;
    }
    return (ssize_t)len;
}

bool
mysql_is_eof(const uint8_t *p, size_t len)
{
    return len >= 1 && len < 9 && p[0] == MYSQL_PKT_EOF;
}

bool
mysql_is_ok_eof(const uint8_t *p, size_t len)
{
    return len >= 1 && len < MYSQL_PACKET_MAX_FRAGMENT &&
           p[0] == MYSQL_PKT_EOF;
}

ssize_t
mysql_eof_parse(const uint8_t *p, size_t len, struct mysql_eof *eof)
{
    memset(eof, 0, sizeof(*eof));
    if (!mysql_is_eof(p, len)) {
        return -PROTO_EMALFORMED;
    }
    if (len >= 5) {
        eof->warnings = (uint16_t)(p[1] | p[2] << 8);
        eof->status = (uint16_t)(p[3] | p[4] << 8);
    }
    return (ssize_t)len;
}

char *
mysql_err_format(const struct mysql_err *e, char *out, size_t outlen)
{
    size_t o, i;
    int n;

    if (outlen == 0) {
        return out;
    }
    n = snprintf(out, outlen, "%u (%s): ", (unsigned)e->code,
                 e->sqlstate[0] != '\0' ? e->sqlstate : "HY000");
    if (n < 0) {
        out[0] = '\0';
        return out;
    }
    o = (size_t)n < outlen ? (size_t)n : outlen - 1;
    for (i = 0; i < e->message.len && o + 1 < outlen; i++) {
        uint8_t c = e->message.p[i];

        out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[o] = '\0';
    return out;
}
