/*
 * test_mysql_packet.c - packet framing, reassembly, encoding and the
 * OK/ERR/EOF packets (proto/mysql/packet.c).
 *
 * Captured bytes come from MariaDB 10.11.19 (Debian 12 package
 * 10.11.19-MariaDB-0+deb12u1) on 127.0.0.1, read off the socket by a
 * small Python client that logged in as root with mysql_native_password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/packet.h"

/* Response to "select 1 as a, NULL as b, 'xyz' as c union select 2, 'q',
 * ''" with CLIENT_DEPRECATE_EOF: 7 packets, seq 1..7. */
static const uint8_t resp_deof[] = {
    0x01, 0x00, 0x00, 0x01, 0x03, 0x18, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00,
    0x01, 0x61, 0x01, 0x61, 0x0c, 0x3f, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x18, 0x00, 0x00, 0x03, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x62, 0x01, 0x62,
    0x0c, 0x2d, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00,
    0x04, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x63, 0x01, 0x63, 0x0c, 0x2d, 0x00, 0x0c,
    0x00, 0x00, 0x00, 0xfd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x05, 0x01, 0x31, 0xfb,
    0x03, 0x78, 0x79, 0x7a, 0x05, 0x00, 0x00, 0x06, 0x01, 0x32, 0x01, 0x71, 0x00, 0x07, 0x00, 0x00,
    0x07, 0xfe, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00,
};

/* ERR for a wrong password (user repl), seq 2. */
static const uint8_t err_badpw[] = {
    0x48, 0x00, 0x00, 0x02, 0xff, 0x15, 0x04, 0x23, 0x32, 0x38, 0x30, 0x30, 0x30, 0x41, 0x63, 0x63,
    0x65, 0x73, 0x73, 0x20, 0x64, 0x65, 0x6e, 0x69, 0x65, 0x64, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x75,
    0x73, 0x65, 0x72, 0x20, 0x27, 0x72, 0x65, 0x70, 0x6c, 0x27, 0x40, 0x27, 0x6c, 0x6f, 0x63, 0x61,
    0x6c, 0x68, 0x6f, 0x73, 0x74, 0x27, 0x20, 0x28, 0x75, 0x73, 0x69, 0x6e, 0x67, 0x20, 0x70, 0x61,
    0x73, 0x73, 0x77, 0x6f, 0x72, 0x64, 0x3a, 0x20, 0x59, 0x45, 0x53, 0x29,
};

/* OK for "create database if not exists tt2": 1 row affected. */
static const uint8_t ok_create[] = {
    0x07, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* ---- helpers ---- */

#define MAX_FRAMES 16

struct frames {
    size_t n;                    /* payloads collected */
    uint8_t *data[MAX_FRAMES];   /* copies (owned) */
    size_t len[MAX_FRAMES];      /* their lengths */
    uint8_t seq[MAX_FRAMES];     /* first sequence ids */
    int err;                     /* last negative return, or 0 */
};

static void
frames_free(struct frames *fr)
{
    size_t i;

    for (i = 0; i < fr->n; i++) {
        free(fr->data[i]);
    }
    memset(fr, 0, sizeof(*fr));
}

/*
 * Feeds <s> in pieces ending at each of <cuts> (ascending, the last one
 * <len>) through a window that keeps unconsumed bytes, as a socket reader
 * does, and collects every payload.
 */
static void
feed_pieces(struct mysql_framer *f, const uint8_t *s, size_t len,
            const size_t *cuts, size_t ncuts, struct frames *fr)
{
    uint8_t *win = malloc(len + 1);
    size_t wlen = 0, pos = 0, i, off;
    struct mysql_packet pkt;
    ssize_t n;

    assert_non_null(win);
    for (i = 0; i < ncuts; i++) {
        memcpy(win + wlen, s + pos, cuts[i] - pos);
        wlen += cuts[i] - pos;
        pos = cuts[i];
        off = 0;
        for (;;) {
            n = mysql_framer_feed(f, win + off, wlen - off, &pkt);
            if (n < 0) {
                fr->err = (int)n;
                free(win);
                return;
            }
            if (n == 0) {
                break;
            }
            assert_true((size_t)n <= wlen - off);
            if (pkt.ready) {
                assert_true(fr->n < MAX_FRAMES);
                fr->data[fr->n] = malloc(pkt.len + 1);
                assert_non_null(fr->data[fr->n]);
                if (pkt.len > 0) {
                    memcpy(fr->data[fr->n], pkt.payload, pkt.len);
                }
                fr->len[fr->n] = pkt.len;
                fr->seq[fr->n] = pkt.seq;
                fr->n++;
            }
            off += (size_t)n;
        }
        memmove(win, win + off, wlen - off);
        wlen -= off;
    }
    free(win);
}

static void
feed_whole(struct mysql_framer *f, const uint8_t *s, size_t len,
           struct frames *fr)
{
    feed_pieces(f, s, len, &len, 1, fr);
}

static void
assert_frames_equal(const struct frames *a, const struct frames *b)
{
    size_t i;

    assert_int_equal(a->err, b->err);
    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->len[i], b->len[i]);
        assert_int_equal(a->seq[i], b->seq[i]);
        assert_memory_equal(a->data[i], b->data[i], a->len[i]);
    }
}

/* ---- framing ---- */

static void
test_frame_whole(void **state)
{
    struct mysql_framer f = {0};
    struct frames fr = {0};
    static const uint8_t row1[] = {0x01, 0x31, 0xfb, 0x03, 0x78, 0x79, 0x7a};

    (void)state;
    mysql_framer_expect_seq(&f, 1);
    feed_whole(&f, resp_deof, sizeof(resp_deof), &fr);
    assert_int_equal(fr.err, 0);
    assert_int_equal(fr.n, 7);
    assert_int_equal(fr.len[0], 1);
    assert_int_equal(fr.data[0][0], 3);
    assert_int_equal(fr.len[1], 0x18);
    assert_int_equal(fr.len[4], sizeof(row1));
    assert_memory_equal(fr.data[4], row1, sizeof(row1));
    assert_int_equal(fr.seq[6], 7);
    assert_int_equal(f.seq, 8);
    assert_int_equal(f.state, MYSQL_FRAMER_HEADER);
    frames_free(&fr);
    mysql_framer_free(&f);
}

static void
test_frame_byte_by_byte(void **state)
{
    struct mysql_framer f1 = {0}, f2 = {0};
    struct frames whole = {0}, bytes = {0};
    size_t cuts[sizeof(resp_deof)];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(resp_deof); i++) {
        cuts[i] = i + 1;
    }
    feed_whole(&f1, resp_deof, sizeof(resp_deof), &whole);
    feed_pieces(&f2, resp_deof, sizeof(resp_deof), cuts, sizeof(resp_deof),
                &bytes);
    assert_frames_equal(&whole, &bytes);
    frames_free(&whole);
    frames_free(&bytes);
    mysql_framer_free(&f1);
    mysql_framer_free(&f2);
}

static void
test_frame_split_every_offset(void **state)
{
    struct mysql_framer f1 = {0};
    struct frames whole = {0};
    size_t at;

    (void)state;
    feed_whole(&f1, resp_deof, sizeof(resp_deof), &whole);
    for (at = 1; at < sizeof(resp_deof); at++) {
        struct mysql_framer f2 = {0};
        struct frames split = {0};
        size_t cuts[2] = {at, sizeof(resp_deof)};

        feed_pieces(&f2, resp_deof, sizeof(resp_deof), cuts, 2, &split);
        assert_frames_equal(&whole, &split);
        frames_free(&split);
        mysql_framer_free(&f2);
    }
    frames_free(&whole);
    mysql_framer_free(&f1);
}

static void
test_frame_need_hint(void **state)
{
    struct mysql_framer f = {0};
    struct mysql_packet pkt;

    (void)state;
    assert_int_equal(mysql_framer_feed(&f, resp_deof, 0, &pkt), 0);
    assert_int_equal(f.need, 4);
    assert_int_equal(mysql_framer_feed(&f, resp_deof, 3, &pkt), 0);
    assert_int_equal(f.need, 1);
    assert_false(pkt.ready);
    /* Header + part of the body: the header is consumed, body copied. */
    assert_int_equal(mysql_framer_feed(&f, ok_create, 6, &pkt), 6);
    assert_false(pkt.ready);
    assert_int_equal(f.state, MYSQL_FRAMER_BODY);
    assert_int_equal(mysql_framer_feed(&f, ok_create + 6, 0, &pkt), 0);
    assert_int_equal(f.need, 5);
    assert_int_equal(mysql_framer_feed(&f, ok_create + 6, 5, &pkt), 5);
    assert_true(pkt.ready);
    assert_int_equal(pkt.len, 7);
    assert_memory_equal(pkt.payload, ok_create + 4, 7);
    mysql_framer_free(&f);
}

static void
test_frame_empty_payload(void **state)
{
    static const uint8_t empty[] = {0x00, 0x00, 0x00, 0x05};
    struct mysql_framer f = {0};
    struct mysql_packet pkt;

    (void)state;
    assert_int_equal(mysql_framer_feed(&f, empty, 4, &pkt), 4);
    assert_true(pkt.ready);
    assert_int_equal(pkt.len, 0);
    assert_int_equal(pkt.seq, 5);
    mysql_framer_free(&f);
}

static void
test_frame_bad_seq(void **state)
{
    struct mysql_framer f = {0};
    struct mysql_packet pkt;

    (void)state;
    mysql_framer_expect_seq(&f, 2);
    assert_int_equal(mysql_framer_feed(&f, ok_create, sizeof(ok_create),
                                       &pkt), -PROTO_EMALFORMED);
    assert_string_equal(f.reason, "packet sequence id out of order");
    /* Sticky until reset. */
    assert_int_equal(mysql_framer_feed(&f, ok_create, sizeof(ok_create),
                                       &pkt), -PROTO_EMALFORMED);
    mysql_framer_reset(&f);
    f.check_seq = false;
    assert_int_equal(mysql_framer_feed(&f, ok_create, sizeof(ok_create),
                                       &pkt), (ssize_t)sizeof(ok_create));
    mysql_framer_free(&f);
}

static void
test_frame_limit(void **state)
{
    struct mysql_framer f = {0};
    struct mysql_packet pkt;

    (void)state;
    f.max_payload = 6;
    assert_int_equal(mysql_framer_feed(&f, ok_create, sizeof(ok_create),
                                       &pkt), -PROTO_ELIMIT);
    mysql_framer_free(&f);
}

/* Builds a payload of <n> bytes with a position-dependent pattern. */
static uint8_t *
pattern(size_t n)
{
    uint8_t *p = malloc(n + 1);
    size_t i;

    assert_non_null(p);
    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 7 + (i >> 16));
    }
    return p;
}

/* Encodes payloads of <n> bytes, checks the fragment layout, reassembles
 * whole and in uneven pieces. */
static void
check_big(size_t n, size_t nfrag)
{
    struct pbuf out = {0};
    struct mysql_framer f1 = {0}, f2 = {0};
    struct frames whole = {0}, pieces = {0};
    uint8_t *payload = pattern(n);
    size_t cuts[64], ncuts = 0, pos = 0, step = 1, i, off;
    uint8_t next;

    next = mysql_packet_encode(&out, 3, payload, n);
    assert_false(out.failed);
    assert_int_equal(next, (uint8_t)(3 + nfrag));
    assert_int_equal(out.len, n + 4 * nfrag);
    /* Each fragment header: 0xffffff except the last. */
    for (i = 0, off = 0; i < nfrag; i++) {
        size_t flen = out.data[off] | out.data[off + 1] << 8 |
                      (size_t)out.data[off + 2] << 16;

        assert_int_equal(out.data[off + 3], 3 + i);
        assert_int_equal(flen, i + 1 < nfrag ? MYSQL_PACKET_MAX_FRAGMENT
                                             : n - i * 0xffffff);
        off += 4 + flen;
    }
    /* A small packet after it, to check the framer's return to HEADER. */
    mysql_packet_encode(&out, next, "\x00\x00\x00\x02\x00\x00\x00", 7);

    mysql_framer_expect_seq(&f1, 3);
    feed_whole(&f1, out.data, out.len, &whole);
    assert_int_equal(whole.err, 0);
    assert_int_equal(whole.n, 2);
    assert_int_equal(whole.len[0], n);
    assert_int_equal(whole.seq[0], 3);
    assert_memory_equal(whole.data[0], payload, n);
    assert_int_equal(whole.len[1], 7);

    /* Growing pieces: 1, 2, 4, ... bytes, cutting headers anywhere. */
    while (pos < out.len && ncuts < 63) {
        pos = pos + step < out.len ? pos + step : out.len;
        cuts[ncuts++] = pos;
        step = step * 2 + 1;
    }
    if (pos < out.len) {
        cuts[ncuts++] = out.len;
    }
    feed_pieces(&f2, out.data, out.len, cuts, ncuts, &pieces);
    assert_frames_equal(&whole, &pieces);

    frames_free(&whole);
    frames_free(&pieces);
    mysql_framer_free(&f1);
    mysql_framer_free(&f2);
    pbuf_free(&out);
    free(payload);
}

static void
test_multi_packet(void **state)
{
    (void)state;
    check_big(0xffffff + 5, 2);          /* one full fragment + 5 */
    check_big(0xffffff, 2);              /* exact: trailing empty packet */
    check_big(2 * (size_t)0xffffff + 1, 3);
}

static void
test_multi_packet_split_around_boundary(void **state)
{
    struct pbuf out = {0};
    size_t n = 0xffffff + 3, at;
    uint8_t *payload = pattern(n);

    (void)state;
    mysql_packet_encode(&out, 0, payload, n);
    /* Split once at every offset around the second header. */
    for (at = 0xffffff; at < 0xffffff + 12; at++) {
        struct mysql_framer f = {0};
        struct frames fr = {0};
        size_t cuts[2] = {at, out.len};

        feed_pieces(&f, out.data, out.len, cuts, 2, &fr);
        assert_int_equal(fr.err, 0);
        assert_int_equal(fr.n, 1);
        assert_int_equal(fr.len[0], n);
        assert_memory_equal(fr.data[0], payload, n);
        frames_free(&fr);
        mysql_framer_free(&f);
    }
    pbuf_free(&out);
    free(payload);
}

static void
test_multi_packet_limit(void **state)
{
    struct pbuf out = {0};
    struct mysql_framer f = {0};
    struct frames fr = {0};
    size_t n = 0xffffff + 10;
    uint8_t *payload = pattern(n);

    (void)state;
    mysql_packet_encode(&out, 0, payload, n);
    f.max_payload = 0xffffff + 9;
    feed_whole(&f, out.data, out.len, &fr);
    assert_int_equal(fr.err, -PROTO_ELIMIT);
    assert_int_equal(fr.n, 0);
    frames_free(&fr);
    mysql_framer_free(&f);
    pbuf_free(&out);
    free(payload);
}

static void
test_encode_small(void **state)
{
    struct pbuf out = {0};
    static const uint8_t want[] = {
        0x03, 0x00, 0x00, 0x07, 'a', 'b', 'c',
        0x00, 0x00, 0x00, 0x08,
        0x02, 0x00, 0x00, 0x09, 0x0e, 'x',
    };

    (void)state;
    assert_int_equal(mysql_packet_encode(&out, 7, "abc", 3), 8);
    assert_int_equal(mysql_packet_encode(&out, 8, NULL, 0), 9);
    assert_int_equal(mysql_packet_encode2(&out, 9, "\x0e", 1, "x", 1), 10);
    assert_int_equal(out.len, sizeof(want));
    assert_memory_equal(out.data, want, sizeof(want));
    pbuf_free(&out);
}

/* ---- OK / ERR / EOF ---- */

static void
test_ok_captured(void **state)
{
    struct mysql_ok ok;

    (void)state;
    assert_int_equal(mysql_ok_parse(ok_create + 4, 7, MYSQL_CLIENT_PROTOCOL_41,
                                    &ok), 7);
    assert_int_equal(ok.header, 0);
    assert_int_equal(ok.affected_rows, 1);
    assert_int_equal(ok.last_insert_id, 0);
    assert_int_equal(ok.status, MYSQL_SERVER_STATUS_AUTOCOMMIT);
    assert_int_equal(ok.warnings, 0);
    assert_int_equal(ok.info.len, 0);
}

static void
test_ok_fields(void **state)
{
    /* Synthetic: affected 300 (0xfc), insert id 70000 (0xfd), in trans +
     * autocommit, 2 warnings, info "Rows matched: 1". */
    static const uint8_t p[] = {
        0x00, 0xfc, 0x2c, 0x01, 0xfd, 0x70, 0x11, 0x01, 0x03, 0x00,
        0x02, 0x00, 'R', 'o', 'w', 's', ' ', 'm', 'a', 't', 'c', 'h', 'e',
        'd', ':', ' ', '1',
    };
    /* The same with CLIENT_SESSION_TRACK: info lenenc, then state. */
    static const uint8_t t[] = {
        0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x02, 'h', 'i',
        0x03, 0x01, 0x02, 0x03,
    };
    struct mysql_ok ok;

    (void)state;
    assert_int_equal(mysql_ok_parse(p, sizeof(p), 0, &ok), sizeof(p));
    assert_int_equal(ok.affected_rows, 300);
    assert_int_equal(ok.last_insert_id, 70000);
    assert_int_equal(ok.status, 3);
    assert_int_equal(ok.warnings, 2);
    assert_true(span_eq(ok.info, "Rows matched: 1"));

    assert_int_equal(mysql_ok_parse(t, sizeof(t), MYSQL_CLIENT_SESSION_TRACK,
                                    &ok), sizeof(t));
    assert_int_equal(ok.status, 0x4002);
    assert_true(span_eq(ok.info, "hi"));
    assert_int_equal(ok.session_state.len, 3);
}

static void
test_ok_malformed(void **state)
{
    static const uint8_t bad_hdr[] = {0x05, 0, 0, 2, 0, 0, 0};
    static const uint8_t trunc_track[] = {0x00, 0, 0, 2, 0, 0, 0, 0x05, 'a'};
    struct mysql_ok ok;
    size_t n;

    (void)state;
    for (n = 0; n < 7; n++) {
        assert_int_equal(mysql_ok_parse(ok_create + 4, n, 0, &ok),
                         -PROTO_EMALFORMED);
    }
    assert_int_equal(mysql_ok_parse(bad_hdr, sizeof(bad_hdr), 0, &ok),
                     -PROTO_EMALFORMED);
    assert_int_equal(mysql_ok_parse(trunc_track, sizeof(trunc_track),
                                    MYSQL_CLIENT_SESSION_TRACK, &ok),
                     -PROTO_EMALFORMED);
}

static void
test_err_captured(void **state)
{
    struct mysql_err e;
    char buf[256];

    (void)state;
    assert_int_equal(mysql_err_parse(err_badpw + 4, sizeof(err_badpw) - 4,
                                     &e), (ssize_t)sizeof(err_badpw) - 4);
    assert_int_equal(e.code, 1045);
    assert_string_equal(e.sqlstate, "28000");
    assert_string_equal(mysql_err_format(&e, buf, sizeof(buf)),
                        "1045 (28000): Access denied for user "
                        "'repl'@'localhost' (using password: YES)");
    /* Cut to the buffer, always terminated. */
    assert_string_equal(mysql_err_format(&e, buf, 12), "1045 (28000");
}

static void
test_err_no_sqlstate(void **state)
{
    /* Pre-handshake error layout: no '#' marker (1040 Too many
     * connections, as servers send it before capabilities are known). */
    static const uint8_t p[] = {
        0xff, 0x10, 0x04, 'T', 'o', 'o', ' ', 'm', 'a', 'n', 'y', '\n',
        'c',
    };
    struct mysql_err e;
    char buf[64];

    (void)state;
    assert_int_equal(mysql_err_parse(p, sizeof(p), &e), sizeof(p));
    assert_int_equal(e.code, 1040);
    assert_string_equal(e.sqlstate, "HY000");
    assert_string_equal(mysql_err_format(&e, buf, sizeof(buf)),
                        "1040 (HY000): Too many c");
    assert_int_equal(mysql_err_parse(p, 2, &e), -PROTO_EMALFORMED);
    assert_int_equal(mysql_err_parse(ok_create + 4, 7, &e),
                     -PROTO_EMALFORMED);
}

static void
test_eof(void **state)
{
    static const uint8_t eof[] = {0xfe, 0x01, 0x00, 0x22, 0x00};
    static const uint8_t eof_old[] = {0xfe};
    struct mysql_eof e;

    (void)state;
    assert_true(mysql_is_eof(eof, sizeof(eof)));
    assert_int_equal(mysql_eof_parse(eof, sizeof(eof), &e), 5);
    assert_int_equal(e.warnings, 1);
    assert_int_equal(e.status, 0x22);
    assert_int_equal(mysql_eof_parse(eof_old, 1, &e), 1);
    assert_int_equal(e.status, 0);
    /* 9 bytes or more starting 0xfe is a row (lenenc 8-byte length). */
    assert_false(mysql_is_eof(resp_deof, 9));
    assert_int_equal(mysql_eof_parse(ok_create + 4, 7, &e),
                     -PROTO_EMALFORMED);
    assert_true(mysql_is_ok_eof(resp_deof + sizeof(resp_deof) - 7, 7));
    assert_false(mysql_is_ok_eof(eof, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_whole),
        cmocka_unit_test(test_frame_byte_by_byte),
        cmocka_unit_test(test_frame_split_every_offset),
        cmocka_unit_test(test_frame_need_hint),
        cmocka_unit_test(test_frame_empty_payload),
        cmocka_unit_test(test_frame_bad_seq),
        cmocka_unit_test(test_frame_limit),
        cmocka_unit_test(test_multi_packet),
        cmocka_unit_test(test_multi_packet_split_around_boundary),
        cmocka_unit_test(test_multi_packet_limit),
        cmocka_unit_test(test_encode_small),
        cmocka_unit_test(test_ok_captured),
        cmocka_unit_test(test_ok_fields),
        cmocka_unit_test(test_ok_malformed),
        cmocka_unit_test(test_err_captured),
        cmocka_unit_test(test_err_no_sqlstate),
        cmocka_unit_test(test_eof),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
