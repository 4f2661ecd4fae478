/*
 * fuzz_rdb.c - libFuzzer target for the RDB decoder (proto/redis/rdb.c,
 * rdb_blob.c, rdb_stream.c and the ziplist, listpack, intset, zipmap, LZF
 * readers under it).
 *
 * Input: an option byte, a slicing byte, then an RDB file (or, with option
 * 0x01, one DUMP payload).  Option bits: 0x01 DUMP mode, 0x02 small
 * limits (max_string 4 KiB), 0x04 capture DUMP payloads, 0x08 accept any
 * version, 0x10 skip the checksums (so that mutated files get past the
 * CRC and into the values).  The input is decoded twice: whole, and in
 * slices whose sizes come from the slicing byte; every call sees its
 * bytes moved to end right before a PROT_NONE page, so a read past them
 * faults.
 * Checks: consumed <= len; "need more" only when the decoder holds less
 * than it asked for; errors are sticky; both decodes give the same events,
 * outcome and error offset, and on success the same end.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proto/buf.h"
#include "proto/redis/crc64.h"
#include "proto/redis/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
    int rc;           /* 1 END, 0 needs more at the end, < 0 error */
    uint64_t hash;    /* over the events */
    uint64_t events;  /* events handed out */
    size_t end;       /* bytes consumed */
    uint64_t err_off; /* error offset */
};

static uint64_t
hash_span(uint64_t h, struct span s)
{
    uint64_t n = s.p == NULL ? 0 : (uint64_t)s.len + 1;

    if (s.p != NULL && s.len > 0) {
        /* Touch both ends of every view. */
        volatile uint8_t x = s.p[0];

        x = s.p[s.len - 1];
        (void)x;
    }
    h = crc64_update(h, &n, sizeof(n));
    return s.p == NULL ? h : crc64_update(h, s.p, s.len);
}

static uint64_t
hash_event(uint64_t h, const struct rdb_event *ev)
{
    uint64_t v[16];
    size_t i;

    v[0] = ev->kind;
    v[1] = ev->off;
    v[2] = ev->db;
    v[3] = ev->type;
    v[4] = (uint64_t)ev->expire_ms;
    v[5] = (uint64_t)ev->count;
    memcpy(&v[6], &ev->score, sizeof(double));
    v[7] = ev->id.ms;
    v[8] = ev->id.seq;
    v[9] = ev->last_id.ms;
    v[10] = ev->length;
    v[11] = (uint64_t)ev->entries_read;
    v[12] = ev->delivery_count;
    v[13] = ev->module_id;
    v[14] = ev->checksum;
    v[15] = ev->nfields;
    h = crc64_update(h, v, sizeof(v));
    h = hash_span(h, ev->key);
    h = hash_span(h, ev->a);
    h = hash_span(h, ev->b);
    h = hash_span(h, ev->score_text);
    h = hash_span(h, ev->dump);
    for (i = 0; ev->fields != NULL && i < 2 * ev->nfields; i++) {
        h = hash_span(h, ev->fields[i]);
    }
    return h;
}

/* Bytes before a PROT_NONE page, reused by every run. */
static uint8_t *win;
static size_t win_room;

static const uint8_t *
place(const uint8_t *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (win == NULL || n > win_room) {
        if (win != NULL) {
            munmap(win, win_room + page);
        }
        win_room = (n + page - 1) / page * page + page;
        win = mmap(NULL, win_room + page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (win == MAP_FAILED ||
            mprotect(win + win_room, page, PROT_NONE) != 0) {
            abort();
        }
    }
    if (n > 0) {
        memmove(win + win_room - n, p, n);
    }
    return win + win_room - n;
}

static void
setup(struct rdb_dec *d, uint8_t opt, const uint8_t *p, size_t len)
{
    memset(d, 0, sizeof(*d));
    if (opt & 0x02) {
        d->max_string = 4096;
    }
    if (opt & 0x04) {
        d->dump_limit = opt & 0x02 ? 256 : 1 << 20;
    }
    if (opt & 0x08) {
        d->flags |= RDB_F_ANY_VERSION;
    }
    if (opt & 0x10) {
        d->flags |= RDB_F_NO_CHECKSUM;
    }
    if (opt & 0x01) {
        /* A payload whose trailer does not check still decodes: the
         * CRC is then found wrong at the end. */
        if (rdb_dec_init_dump(d, p, len) < 0) {
            d->flags |= RDB_F_DUMP;
            d->version = 10;
        }
    }
}

/* Decodes <len> bytes in slices of sizes drawn from <slicing> (0: whole). */
static void
run(uint8_t opt, uint8_t slicing, const uint8_t *p, size_t len,
    struct result *r)
{
    struct rdb_dec d;
    struct rdb_event ev;
    size_t start = 0, end, cons, n;
    uint32_t s = (uint32_t)slicing * 2654435761u | 1;

    memset(r, 0, sizeof(*r));
    setup(&d, opt, p, len);
    end = slicing == 0 ? len : (len > 0 ? 1 : 0);
    for (;;) {
        const uint8_t *at;
        int rc;

        n = end - start;
        at = place(p + start, n);
        rc = rdb_next(&d, at, n, &cons, &ev);
        assert(cons <= n);
        if (rc == 1) {
            r->hash = hash_event(r->hash, &ev);
            r->events++;
        }
        if (rc < 0) {
            struct rdb_event ev2;
            size_t c2;

            assert(d.err == -rc && d.err_what != NULL);
            assert(rdb_next(&d, at, n, &c2, &ev2) == rc);
        }
        start += cons;
        if (rc == 1) {
            if (ev.kind == RDB_EV_END) {
                assert(d.done);
                r->rc = 1;
                break;
            }
            continue;
        }
        if (rc < 0) {
            r->rc = rc;
            r->err_off = d.err_off;
            break;
        }
        assert(!d.done);
        assert(d.need > n - cons);
        if (end == len) {
            break;
        }
        /* Past 4 KiB of pending bytes, grow by what the decoder asks:
         * moving a big string byte by byte would be quadratic. */
        if ((slicing & 1) || end - start > 4096) {
            end = start + d.need;
        } else {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            end += 1 + s % (slicing & 0x80 ? 512 : 7);
        }
        if (end > len) {
            end = len;
        }
    }
    r->end = start;
    rdb_dec_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct result whole, sliced;
    uint8_t opt, slicing;

    if (size < 2) {
        return 0;
    }
    opt = data[0];
    slicing = data[1] | 2; /* never 0: compare with the whole decode */
    run(opt, 0, data + 2, size - 2, &whole);
    run(opt, slicing, data + 2, size - 2, &sliced);
    assert(whole.rc == sliced.rc);
    assert(whole.hash == sliced.hash);
    assert(whole.events == sliced.events);
    /* After an error the bytes consumed before it may differ (a hash
     * field kept while its value was still arriving); where it is may
     * not. */
    assert(whole.rc < 0 || whole.end == sliced.end);
    assert(whole.err_off == sliced.err_off);
    return 0;
}
