/*
 * fuzz_binlog.c - libFuzzer target for the binlog event decoder and the
 * row image decoder (proto/mysql/binlog.c, rows.c).
 *
 * Input: one option byte, then a binlog stream (a binlog file's "\xfebin"
 * seeds work as they are: 0xfe is the option byte and the "bin" left over
 * is skipped).  Option bits: 0x01 start with CRC32 checksums, 0x02 small
 * size limits, 0x04 MariaDB rules for table maps decoded on their own.
 * Every event is decoded from an exact-size heap copy so that any read
 * past it is caught; rows of every rows event are iterated against the
 * columns of the last table map; TRANSACTION_PAYLOAD inner events are
 * iterated.  Checks: consumed <= len, a shorter buffer asks for more
 * instead of failing, errors are sticky.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/binlog.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    uint8_t *tm_bytes;                    /* copy of the last table map body */
    size_t tm_len;                        /* bytes in tm_bytes */
    unsigned tm_ph;                       /* its post-header length */
    bool have_cols;                       /* cols built */
    struct binlog_table_map tm;           /* views into tm_bytes */
    struct mysql_column cols[BINLOG_MAX_COLUMNS]; /* from tm */
    struct span enums[256];               /* ENUM/SET names */
    struct mysql_value before[BINLOG_MAX_COLUMNS]; /* row images */
    struct mysql_value after[BINLOG_MAX_COLUMNS];
    bool mariadb;                         /* option 0x04 */
};

static struct state g;

static void
keep_table_map(const struct binlog_decoder *d, const struct binlog_event *ev)
{
    const char *reason = NULL;
    uint32_t pk[8], pre[8], geo[8];
    unsigned ph;
    int rc;

    free(g.tm_bytes);
    g.have_cols = false;
    g.tm_len = ev->body.len;
    g.tm_bytes = malloc(g.tm_len ? g.tm_len : 1);
    if (g.tm_bytes == NULL) {
        return;
    }
    memcpy(g.tm_bytes, ev->body.p, g.tm_len);
    ph = d->have_fde && d->n_post_header >= BINLOG_TABLE_MAP
             ? d->post_header_len[BINLOG_TABLE_MAP - 1]
             : 8;
    g.tm_ph = ph;
    rc = binlog_table_map_decode(&g.tm, g.tm_bytes, g.tm_len, ph,
                                 d->is_mariadb || g.mariadb, &reason);
    if (rc != 0) {
        assert(reason != NULL);
        return;
    }
    (void)binlog_table_map_enum_value_count(&g.tm);
    (void)binlog_table_map_primary_key(&g.tm, pk, pre, 8);
    (void)binlog_table_map_geometry_types(&g.tm, geo, 8);
    (void)binlog_table_map_column_visible(&g.tm, 0);
    rc = binlog_table_map_columns(&g.tm, g.cols, BINLOG_MAX_COLUMNS, g.enums,
                                  256, &reason);
    g.have_cols = rc == 0;
}

/* Reads the first and last byte of a value's view. */
static void
touch(const struct mysql_value *v)
{
    if (v != NULL &&
        (v->kind == MYV_STRING || v->kind == MYV_JSON ||
         v->kind == MYV_GEOMETRY) &&
        v->v.bytes.len > 0) {
        volatile uint8_t x = v->v.bytes.p[0];

        x = v->v.bytes.p[v->v.bytes.len - 1];
        (void)x;
    }
}

static void
walk_rows(const struct binlog_event *ev)
{
    struct binlog_rows_iter it;
    uint32_t i;
    int rc, n = 0;

    if (!g.have_cols || binlog_rows_init(&it, &ev->u.rows) != 0) {
        return;
    }
    while ((rc = binlog_rows_next(&it, g.cols, g.tm.column_count, g.before,
                                  g.after)) == 1) {
        for (i = 0; i < it.width && i < g.tm.column_count; i++) {
            /* the images this kind of event fills */
            touch(it.kind != BINLOG_ROWS_WRITE ? &g.before[i] : NULL);
            touch(it.kind != BINLOG_ROWS_DELETE ? &g.after[i] : NULL);
            (void)binlog_rows_is_partial(&it, i);
        }
        if (++n > 100000) {
            break;
        }
    }
    if (rc < 0) {
        assert(it.reason != NULL);
        assert(binlog_rows_next(&it, g.cols, g.tm.column_count, g.before,
                                g.after) == rc);
    }
}

static void
on_event(const struct binlog_decoder *d, const struct binlog_event *ev)
{
    switch (ev->type) {
    case BINLOG_TABLE_MAP:
        keep_table_map(d, ev);
        break;
    case BINLOG_PREVIOUS_GTIDS: {
        struct binlog_gtid_set_iter it;
        struct binlog_gtid_interval iv;

        if (binlog_gtid_set_iter_init(&it, ev->u.prev_gtids.encoded) == 0) {
            while (binlog_gtid_set_next(&it, &iv) == 1) {
            }
        }
        break;
    }
    case BINLOG_MARIA_GTID_LIST: {
        struct binlog_maria_gtid_entry e;
        uint32_t i;

        for (i = 0; i < ev->u.gtid_list.count; i++) {
            binlog_gtid_list_get(&ev->u.gtid_list, i, &e);
        }
        break;
    }
    default:
        if (binlog_is_rows_event(ev->type)) {
            walk_rows(ev);
        }
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct binlog_decoder d;
    struct binlog_event ev;
    uint8_t opt;
    size_t pos = 0;
    int events = 0;

    if (size < 1) {
        return 0;
    }
    opt = data[0];
    data++;
    size--;
    if (size >= 3 && memcmp(data, "bin", 3) == 0) {
        data += 3;
        size -= 3;
    }
    memset(&d, 0, sizeof(d));
    memset(&g.tm, 0, sizeof(g.tm));
    g.have_cols = false;
    g.mariadb = (opt & 0x04) != 0;
    if (opt & 0x01) {
        binlog_decoder_set_checksum(&d, BINLOG_CHECKSUM_CRC32);
    }
    if (opt & 0x02) {
        d.max_event_size = 4096;
        d.max_uncompressed = 8192;
    }
    while (pos < size && events++ < 10000) {
        size_t left = size - pos, evsize;
        uint8_t *copy;
        ssize_t n;

        if (left < BINLOG_HEADER_LEN) {
            break;
        }
        evsize = (size_t)data[pos + 9] | (size_t)data[pos + 10] << 8 |
                 (size_t)data[pos + 11] << 16 |
                 (size_t)data[pos + 12] << 24;
        if (evsize > left) {
            evsize = left;
        }
        if (evsize < BINLOG_HEADER_LEN) {
            evsize = BINLOG_HEADER_LEN;
        }
        copy = malloc(evsize);
        if (copy == NULL) {
            break;
        }
        memcpy(copy, data + pos, evsize);
        n = binlog_event_decode(&d, copy, evsize, &ev);
        assert(n <= (ssize_t)evsize);
        if (n > 0) {
            /* one byte less asks for more (a copy of the state: the same
             * checks run before the length check) */
            struct binlog_decoder t = d;

            if ((size_t)n > BINLOG_HEADER_LEN &&
                ev.type != BINLOG_FORMAT_DESCRIPTION) {
                assert(binlog_event_decode(&t, copy, (size_t)n - 1, &ev) ==
                       0);
                assert(t.need == (size_t)n);
                n = binlog_event_decode(&d, copy, evsize, &ev);
                assert(n > 0);
            }
            on_event(&d, &ev);
            if (ev.type == BINLOG_TRANSACTION_PAYLOAD) {
                struct binlog_event in;
                ssize_t m;
                int k = 0;

                while ((m = binlog_payload_next(&d, &in)) > 0 &&
                       k++ < 10000) {
                    on_event(&d, &in);
                }
                if (m < 0) {
                    assert(binlog_payload_next(&d, &in) == m);
                    binlog_decoder_clear_error(&d);
                }
            }
            pos += (size_t)n;
        } else if (n == 0) {
            assert(d.need > evsize);
            free(copy);
            break;
        } else {
            /* sticky until cleared */
            assert(binlog_event_decode(&d, copy, evsize, &ev) == n);
            (void)binlog_decoder_strerror(&d);
            free(copy);
            break;
        }
        free(copy);
    }
    binlog_decoder_free(&d);
    free(g.tm_bytes);
    g.tm_bytes = NULL;
    return 0;
}
