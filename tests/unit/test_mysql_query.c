/*
 * test_mysql_query.c - command encoding and the text result set decoder
 * (proto/mysql/query.c).
 *
 * Captured bytes come from MariaDB 10.11.19 (Debian 12 package
 * 10.11.19-MariaDB-0+deb12u1) on 127.0.0.1: COM_QUERY responses read off
 * the socket by a small Python client logged in as root, with and without
 * CLIENT_DEPRECATE_EOF.  Each array holds whole packets, headers included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mysql/query.h"
#include "proto/mysql/value.h"

/* "select 1 as a, NULL as b, 'xyz' as c union select 2, 'q', ''" without
 * CLIENT_DEPRECATE_EOF: count, 3 columns, EOF, 2 rows, EOF. */
static const uint8_t resp_eof[] = {
    0x01, 0x00, 0x00, 0x01, 0x03, 0x18, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00,
    0x01, 0x61, 0x01, 0x61, 0x0c, 0x3f, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x18, 0x00, 0x00, 0x03, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x62, 0x01, 0x62,
    0x0c, 0x2d, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00,
    0x04, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x63, 0x01, 0x63, 0x0c, 0x2d, 0x00, 0x0c,
    0x00, 0x00, 0x00, 0xfd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x05, 0xfe, 0x00, 0x00,
    0x22, 0x00, 0x07, 0x00, 0x00, 0x06, 0x01, 0x31, 0xfb, 0x03, 0x78, 0x79, 0x7a, 0x05, 0x00, 0x00,
    0x07, 0x01, 0x32, 0x01, 0x71, 0x00, 0x05, 0x00, 0x00, 0x08, 0xfe, 0x00, 0x00, 0x22, 0x00,
};

/* The same query with CLIENT_DEPRECATE_EOF: no EOF after the columns, an
 * OK headed 0xfe at the end. */
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

/* "select * from nosuch.t" (DEPRECATE_EOF): ERR 1146. */
static const uint8_t resp_err[] = {
    0x27, 0x00, 0x00, 0x01, 0xff, 0x7a, 0x04, 0x23, 0x34, 0x32, 0x53, 0x30, 0x32, 0x54, 0x61, 0x62,
    0x6c, 0x65, 0x20, 0x27, 0x6e, 0x6f, 0x73, 0x75, 0x63, 0x68, 0x2e, 0x74, 0x27, 0x20, 0x64, 0x6f,
    0x65, 0x73, 0x6e, 0x27, 0x74, 0x20, 0x65, 0x78, 0x69, 0x73, 0x74,
};

/* "create database if not exists tt2": OK, 1 row affected. */
static const uint8_t resp_ok[] = {
    0x07, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* Header and first bytes of the row of "select repeat('x', 300) as r, 7
 * as n" (DEPRECATE_EOF): the 300-byte cell has a 0xfc length.  The full
 * capture is rebuilt by long_response() below: 300 'x' then "\x01\x37",
 * then the OK. */
static const uint8_t resp_long_head[] = {
    0x01, 0x00, 0x00, 0x01, 0x02, 0x17, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00,
    0x01, 0x72, 0x00, 0x0c, 0x2d, 0x00, 0xb0, 0x04, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x27, 0x00, 0x00,
    0x17, 0x00, 0x00, 0x03, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x6e, 0x00, 0x0c, 0x3f,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x31, 0x01, 0x00, 0x04, 0xfc,
    0x2c, 0x01,
};
static const uint8_t resp_long_tail[] = {
    0x01, 0x37, 0x07, 0x00, 0x00, 0x05, 0xfe, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

#define MAX_EVENTS 16

/* Splits packets (no reassembly needed here) and feeds each payload. */
static size_t
decode(uint32_t caps, const uint8_t *s, size_t len,
       struct mysql_rs_event *evs, ssize_t *last_rc, struct mysql_rs *d)
{
    size_t off = 0, n = 0, plen;

    mysql_rs_init(d, caps);
    *last_rc = 0;
    while (off + 4 <= len && n < MAX_EVENTS) {
        plen = s[off] | s[off + 1] << 8 | (size_t)s[off + 2] << 16;
        assert_true(off + 4 + plen <= len);
        *last_rc = mysql_rs_feed(d, s + off + 4, plen, &evs[n]);
        if (*last_rc < 0) {
            break;
        }
        assert_int_equal(*last_rc, plen);
        n++;
        off += 4 + plen;
    }
    return n;
}

static void
check_abc_columns(const struct mysql_rs_event *evs)
{
    assert_int_equal(evs[0].kind, MYSQL_RS_EV_COLUMN_COUNT);
    assert_int_equal(evs[0].ncols, 3);
    assert_int_equal(evs[1].kind, MYSQL_RS_EV_COLUMN);
    assert_int_equal(evs[1].index, 0);
    assert_true(span_eq(evs[1].col.catalog, "def"));
    assert_true(span_eq(evs[1].col.name, "a"));
    assert_true(span_eq(evs[1].col.org_name, "a"));
    assert_int_equal(evs[1].col.schema.len, 0);
    assert_int_equal(evs[1].col.charset, MYSQL_CHARSET_BINARY);
    assert_int_equal(evs[1].col.type, MYT_LONG);
    assert_int_equal(evs[1].col.length, 2);
    assert_int_equal(evs[1].col.flags, 1);
    assert_true(span_eq(evs[2].col.name, "b"));
    assert_int_equal(evs[2].col.type, MYT_VAR_STRING);
    assert_int_equal(evs[2].col.charset, 45);
    assert_true(span_eq(evs[3].col.name, "c"));
    assert_int_equal(evs[3].index, 2);
}

static void
check_abc_rows(const struct mysql_rs_event *r1, const struct mysql_rs_event *r2)
{
    struct span cells[3];
    bool nulls[3];

    assert_int_equal(r1->kind, MYSQL_RS_EV_ROW);
    assert_int_equal(mysql_text_row_cells(r1->row.p, r1->row.len, 3, cells,
                                          nulls), (ssize_t)r1->row.len);
    assert_true(span_eq(cells[0], "1"));
    assert_false(nulls[0]);
    assert_true(nulls[1]);
    assert_int_equal(cells[1].len, 0);
    assert_true(span_eq(cells[2], "xyz"));
    assert_int_equal(r2->kind, MYSQL_RS_EV_ROW);
    assert_int_equal(mysql_text_row_cells(r2->row.p, r2->row.len, 3, cells,
                                          nulls), (ssize_t)r2->row.len);
    assert_true(span_eq(cells[0], "2"));
    assert_true(span_eq(cells[1], "q"));
    assert_false(nulls[1]);
    assert_true(span_eq(cells[2], ""));
    assert_false(nulls[2]);
}

static void
test_result_eof(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    ssize_t rc;
    size_t n;

    (void)state;
    n = decode(MYSQL_CLIENT_PROTOCOL_41, resp_eof, sizeof(resp_eof), evs,
               &rc, &d);
    assert_true(rc >= 0);
    assert_int_equal(n, 8);
    check_abc_columns(evs);
    assert_int_equal(evs[4].kind, MYSQL_RS_EV_NONE);
    check_abc_rows(&evs[5], &evs[6]);
    assert_int_equal(evs[7].kind, MYSQL_RS_EV_END);
    assert_int_equal(evs[7].ok.status, 0x22);
    assert_false(evs[7].more_results);
    assert_int_equal(d.state, MYSQL_RS_DONE);
    assert_int_equal(d.rows, 2);
}

static void
test_result_deprecate_eof(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    ssize_t rc;
    size_t n;

    (void)state;
    n = decode(MYSQL_CLIENT_PROTOCOL_41 | MYSQL_CLIENT_DEPRECATE_EOF,
               resp_deof, sizeof(resp_deof), evs, &rc, &d);
    assert_true(rc >= 0);
    assert_int_equal(n, 7);
    check_abc_columns(evs);
    check_abc_rows(&evs[4], &evs[5]);
    assert_int_equal(evs[6].kind, MYSQL_RS_EV_END);
    assert_int_equal(evs[6].ok.header, 0xfe);
    assert_int_equal(evs[6].ok.status, 0x22);
    assert_int_equal(d.state, MYSQL_RS_DONE);
}

static void
test_result_caps_mismatch(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    ssize_t rc;

    (void)state;
    /* Deprecate-EOF bytes decoded as the old layout: the first row is
     * not the expected EOF. */
    decode(MYSQL_CLIENT_PROTOCOL_41, resp_deof, sizeof(resp_deof), evs, &rc,
           &d);
    assert_int_equal(rc, -PROTO_EMALFORMED);
    assert_string_equal(d.reason, "expected EOF after column definitions");
    assert_int_equal(d.state, MYSQL_RS_COLUMNS_EOF);
}

static void
test_result_error(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    ssize_t rc;
    char buf[128];

    (void)state;
    assert_int_equal(decode(MYSQL_CLIENT_DEPRECATE_EOF, resp_err,
                            sizeof(resp_err), evs, &rc, &d), 1);
    assert_int_equal(evs[0].kind, MYSQL_RS_EV_ERROR);
    assert_string_equal(mysql_err_format(&evs[0].err, buf, sizeof(buf)),
                        "1146 (42S02): Table 'nosuch.t' doesn't exist");
    assert_int_equal(d.state, MYSQL_RS_DONE);
}

static void
test_result_ok(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    ssize_t rc;

    (void)state;
    assert_int_equal(decode(MYSQL_CLIENT_DEPRECATE_EOF, resp_ok,
                            sizeof(resp_ok), evs, &rc, &d), 1);
    assert_int_equal(evs[0].kind, MYSQL_RS_EV_OK);
    assert_int_equal(evs[0].ok.affected_rows, 1);
    assert_int_equal(d.state, MYSQL_RS_DONE);
    /* Nothing may follow. */
    assert_int_equal(mysql_rs_feed(&d, resp_ok + 4, 7, &evs[1]),
                     -PROTO_EMALFORMED);
    assert_string_equal(d.reason, "payload after the end of the response");
}

static void
test_result_long_cell(void **state)
{
    struct mysql_rs_event evs[MAX_EVENTS];
    struct mysql_rs d;
    struct pbuf s = {0};
    struct span cells[2];
    bool nulls[2];
    ssize_t rc;
    size_t i;

    (void)state;
    pbuf_put(&s, resp_long_head, sizeof(resp_long_head));
    for (i = 0; i < 300; i++) {
        pbuf_putc(&s, 'x');
    }
    pbuf_put(&s, resp_long_tail, sizeof(resp_long_tail));
    assert_int_equal(decode(MYSQL_CLIENT_DEPRECATE_EOF, s.data, s.len, evs,
                            &rc, &d), 5);
    assert_true(span_eq(evs[1].col.name, "r"));
    assert_int_equal(evs[1].col.org_name.len, 0);
    assert_int_equal(evs[1].col.length, 1200);
    assert_int_equal(evs[2].col.type, MYT_LONG);
    assert_int_equal(evs[3].kind, MYSQL_RS_EV_ROW);
    assert_int_equal(mysql_text_row_cells(evs[3].row.p, evs[3].row.len, 2,
                                          cells, nulls), 305);
    assert_int_equal(cells[0].len, 300);
    assert_int_equal(cells[0].p[299], 'x');
    assert_true(span_eq(cells[1], "7"));
    assert_int_equal(evs[4].kind, MYSQL_RS_EV_END);
    pbuf_free(&s);
}

static void
test_more_results(void **state)
{
    /* Synthetic (layout per "Multi-Resultset"): an OK with
     * SERVER_MORE_RESULTS_EXISTS, then a one-column result whose end says
     * no more. */
    static const uint8_t ok_more[] = {0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00};
    static const uint8_t count1[] = {0x01};
    static const uint8_t col[] = {
        0x03, 'd', 'e', 'f', 0x00, 0x00, 0x00, 0x01, 'x', 0x00, 0x0c,
        0x3f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t row[] = {0x01, '5'};
    static const uint8_t end[] = {0xfe, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    struct mysql_rs d;
    struct mysql_rs_event ev;

    (void)state;
    mysql_rs_init(&d, MYSQL_CLIENT_DEPRECATE_EOF);
    assert_int_equal(mysql_rs_feed(&d, ok_more, sizeof(ok_more), &ev), 7);
    assert_int_equal(ev.kind, MYSQL_RS_EV_OK);
    assert_true(ev.more_results);
    assert_int_equal(d.state, MYSQL_RS_COLUMN_COUNT);
    assert_int_equal(mysql_rs_feed(&d, count1, 1, &ev), 1);
    assert_int_equal(ev.kind, MYSQL_RS_EV_COLUMN_COUNT);
    assert_int_equal(mysql_rs_feed(&d, col, sizeof(col), &ev), sizeof(col));
    assert_int_equal(ev.col.type, MYT_LONGLONG);
    assert_int_equal(d.state, MYSQL_RS_ROWS);
    assert_int_equal(mysql_rs_feed(&d, row, 2, &ev), 2);
    assert_int_equal(mysql_rs_feed(&d, end, sizeof(end), &ev), sizeof(end));
    assert_int_equal(ev.kind, MYSQL_RS_EV_END);
    assert_false(ev.more_results);
    assert_int_equal(d.state, MYSQL_RS_DONE);
}

static void
test_malformed(void **state)
{
    static const uint8_t zero_cols[] = {0xfc, 0x00, 0x00};
    static const uint8_t many_cols[] = {0xfd, 0x01, 0x00, 0x01};
    static const uint8_t infile[] = {0xfb, 'f', 'i', 'l', 'e'};
    static const uint8_t trailing[] = {0x02, 0x00};
    static const uint8_t bad_col[] = {0x03, 'd', 'e', 'f', 0x00};
    static const uint8_t count1[] = {0x01};
    static const uint8_t short_row[] = {0x05, 'a', 'b'};
    static const uint8_t long_row[] = {0x01, 'a', 0x01, 'b'};
    static const uint8_t bad_lenenc_row[] = {0xff, 0x00};
    struct mysql_rs d;
    struct mysql_rs_event ev;
    struct mysql_coldef col;

    (void)state;
    mysql_rs_init(&d, 0);
    assert_int_equal(mysql_rs_feed(&d, zero_cols, 3, &ev), -PROTO_EMALFORMED);
    mysql_rs_init(&d, 0);
    assert_int_equal(mysql_rs_feed(&d, many_cols, 4, &ev), -PROTO_ELIMIT);
    mysql_rs_init(&d, 0);
    assert_int_equal(mysql_rs_feed(&d, infile, 5, &ev), -PROTO_EUNSUPPORTED);
    /* Sticky. */
    assert_int_equal(mysql_rs_feed(&d, count1, 1, &ev), -PROTO_EUNSUPPORTED);
    mysql_rs_init(&d, 0);
    assert_int_equal(mysql_rs_feed(&d, trailing, 2, &ev), -PROTO_EMALFORMED);
    mysql_rs_init(&d, 0);
    assert_int_equal(mysql_rs_feed(&d, count1, 0, &ev), -PROTO_EMALFORMED);
    mysql_rs_init(&d, 0);
    mysql_rs_feed(&d, count1, 1, &ev);
    assert_int_equal(mysql_rs_feed(&d, bad_col, sizeof(bad_col), &ev),
                     -PROTO_EMALFORMED);
    assert_int_equal(mysql_coldef_parse(bad_col, sizeof(bad_col), &col),
                     -PROTO_EMALFORMED);

    /* Rows with too few/many cells or a bad length. */
    assert_int_equal(mysql_text_row_cells(short_row, 3, 1, NULL, NULL),
                     -PROTO_EMALFORMED);
    assert_int_equal(mysql_text_row_cells(long_row, 4, 1, NULL, NULL),
                     -PROTO_EMALFORMED);
    assert_int_equal(mysql_text_row_cells(long_row, 4, 2, NULL, NULL), 4);
    mysql_rs_init(&d, MYSQL_CLIENT_DEPRECATE_EOF);
    d.state = MYSQL_RS_ROWS;
    d.ncols = 1;
    assert_int_equal(mysql_rs_feed(&d, long_row, 4, &ev), -PROTO_EMALFORMED);
    assert_string_equal(d.reason,
                        "row does not hold the announced column count");
    /* 0xff in ROWS is an ERR packet, too short to parse here. */
    mysql_rs_init(&d, MYSQL_CLIENT_DEPRECATE_EOF);
    d.state = MYSQL_RS_ROWS;
    d.ncols = 1;
    assert_int_equal(mysql_rs_feed(&d, bad_lenenc_row, 2, &ev),
                     -PROTO_EMALFORMED);
}

static void
test_truncated_every_payload(void **state)
{
    struct mysql_rs d;
    struct mysql_rs_event ev;
    size_t off = 0, plen, cut;

    (void)state;
    /* Each captured payload cut short must fail or decode as something
     * else, never read out of bounds (run under ASan). */
    while (off + 4 <= sizeof(resp_deof)) {
        plen = resp_deof[off] | resp_deof[off + 1] << 8;
        for (cut = 0; cut < plen; cut++) {
            uint8_t *copy = malloc(cut + 1);
            ssize_t rc;
            int st;

            memcpy(copy, resp_deof + off + 4, cut);
            for (st = MYSQL_RS_COLUMN_COUNT; st < MYSQL_RS_DONE; st++) {
                mysql_rs_init(&d, MYSQL_CLIENT_DEPRECATE_EOF);
                d.state = (enum mysql_rs_state)st;
                d.ncols = 3;
                rc = mysql_rs_feed(&d, copy, cut, &ev);
                assert_true(rc < 0 || (size_t)rc == cut);
            }
            free(copy);
        }
        off += 4 + plen;
    }
}

static void
test_commands(void **state)
{
    static const uint8_t want_query[] = {
        0x09, 0x00, 0x00, 0x00, 0x03, 's', 'e', 'l', 'e', 'c', 't', ' ', '1',
    };
    static const uint8_t want_ping[] = {0x01, 0x00, 0x00, 0x00, 0x0e};
    static const uint8_t want_quit[] = {0x01, 0x00, 0x00, 0x00, 0x01};
    struct pbuf out = {0};

    (void)state;
    mysql_com_query_encode(&out, "select 1", 8);
    assert_int_equal(out.len, sizeof(want_query));
    assert_memory_equal(out.data, want_query, sizeof(want_query));
    pbuf_reset(&out);
    mysql_command_encode(&out, MYSQL_COM_PING, NULL, 0);
    assert_memory_equal(out.data, want_ping, sizeof(want_ping));
    pbuf_reset(&out);
    mysql_command_encode(&out, MYSQL_COM_QUIT, NULL, 0);
    assert_memory_equal(out.data, want_quit, sizeof(want_quit));
    pbuf_free(&out);
}

static void
test_big_query_is_split(void **state)
{
    struct pbuf out = {0};
    size_t n = 0xffffff + 2;
    char *sql = malloc(n);

    (void)state;
    assert_non_null(sql);
    memset(sql, ' ', n);
    mysql_com_query_encode(&out, sql, n);
    /* Payload 0x03 + sql = 0xffffff + 3 bytes: 0xffffff then 3. */
    assert_int_equal(out.len, 4 + 0xffffff + 4 + 3);
    assert_memory_equal(out.data, "\xff\xff\xff\x00\x03", 5);
    assert_memory_equal(out.data + 4 + 0xffffff, "\x03\x00\x00\x01", 4);
    free(sql);
    pbuf_free(&out);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(mysql_rs_state_name(MYSQL_RS_COLUMNS_EOF),
                        "COLUMNS_EOF");
    assert_string_equal(mysql_rs_state_name(MYSQL_RS_STATE_COUNT), "UNKNOWN");
    assert_string_equal(mysql_rs_event_name(MYSQL_RS_EV_ROW), "ROW");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_eof),
        cmocka_unit_test(test_result_deprecate_eof),
        cmocka_unit_test(test_result_caps_mismatch),
        cmocka_unit_test(test_result_error),
        cmocka_unit_test(test_result_ok),
        cmocka_unit_test(test_result_long_cell),
        cmocka_unit_test(test_more_results),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncated_every_payload),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_big_query_is_split),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
