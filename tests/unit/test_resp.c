/*
 * test_resp.c - the RESP command stream decoder, handshake lines and
 * command encoder (proto/redis/resp.c).
 *
 * The corpus test reads the real replication streams of redis-server
 * 7.0.15 under $TANDEM_CORPORA (default ../shared/corpora)
 * redis-rdb/generated-redis-7.0.15/replication/, in place: the
 * +FULLRESYNC line and the RDB framing are checked against MANIFEST.md,
 * the RDB is skipped by its framing ("$<len>" or "$EOF:<mark>"), and the
 * propagated commands are decoded whole, one byte at a time from behind a
 * PROT_NONE page, in random chunks and in reads of exactly d->need bytes.
 * Every way gives the same commands, whose names match the manifest and
 * whose arguments match what workload.txt issued (as the master rewrote
 * it), and whose sizes add up to the bytes after the RDB.  Re-encoding
 * them gives the stream back byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/buf.h"
#include "proto/redis/resp.h"

/* ---- helpers ---- */

static const char *
corpus_root(void)
{
    const char *env = getenv("TANDEM_CORPORA");

    return env != NULL && *env ? env : "../shared/corpora";
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        if (buf != NULL) {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static struct span
sp(const char *s)
{
    struct span v = {(const uint8_t *)s, strlen(s)};

    return v;
}

/* Bytes placed right before a PROT_NONE page: reading one past them
 * faults. */
struct guard {
    uint8_t *base; /* mapping */
    size_t room;   /* readable bytes before the guard page */
    size_t total;  /* mapping size */
};

static void
guard_init(struct guard *g, size_t room)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    g->room = (room + page - 1) / page * page;
    g->total = g->room + page;
    g->base = mmap(NULL, g->total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->base != MAP_FAILED);
    assert_int_equal(mprotect(g->base + g->room, page, PROT_NONE), 0);
}

static const uint8_t *
guard_put(struct guard *g, const uint8_t *src, size_t n)
{
    uint8_t *dst;

    assert_true(n <= g->room);
    dst = g->base + g->room - n;
    if (n > 0) {
        memmove(dst, src, n);
    }
    return dst;
}

static void
guard_free(struct guard *g)
{
    munmap(g->base, g->total);
}

/* ---- what a decoding run saw ---- */

struct run {
    struct pbuf enc;         /* every command re-encoded */
    struct pbuf names;       /* argv[0] of each command, space-separated */
    size_t sizes[64];        /* bytes each command took */
    size_t n;                /* commands */
    size_t total;            /* bytes consumed */
    size_t empty;            /* commands of no arguments */
    size_t inline_cmds;      /* commands that came inline */
    struct span args[64][8]; /* copies of the first arguments (heap) */
    size_t argc[64];         /* their argc */
};

static void
run_add(struct run *r, const struct resp_cmd *c, size_t used)
{
    size_t i;

    assert_true(used > 0);
    if (c->is_inline) {
        r->inline_cmds++;
    }
    if (c->argc == 0) {
        r->empty++;
    } else {
        resp_put_cmd(&r->enc, c->argc, c->argv);
        if (!c->is_inline) {
            assert_int_equal(resp_cmd_wire_len(c->argc, c->argv), used);
        }
        if (r->names.len > 0) {
            pbuf_putc(&r->names, ' ');
        }
        pbuf_put(&r->names, c->argv[0].p, c->argv[0].len);
    }
    if (r->n < 64) {
        r->sizes[r->n] = used;
        r->argc[r->n] = c->argc;
        for (i = 0; i < c->argc && i < 8; i++) {
            uint8_t *copy = malloc(c->argv[i].len + 1);

            assert_non_null(copy);
            memcpy(copy, c->argv[i].p, c->argv[i].len);
            r->args[r->n][i].p = copy;
            r->args[r->n][i].len = c->argv[i].len;
        }
    }
    r->n++;
    r->total += used;
}

static void
run_free(struct run *r)
{
    size_t i, j;

    for (i = 0; i < r->n && i < 64; i++) {
        for (j = 0; j < r->argc[i] && j < 8; j++) {
            free((void *)r->args[i][j].p);
        }
    }
    pbuf_free(&r->enc);
    pbuf_free(&r->names);
}

static void
run_same(const struct run *a, const struct run *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->total, b->total);
    assert_int_equal(a->empty, b->empty);
    assert_int_equal(a->inline_cmds, b->inline_cmds);
    assert_int_equal(a->enc.len, b->enc.len);
    assert_memory_equal(a->enc.data, b->enc.data, a->enc.len);
    assert_memory_equal(a->sizes, b->sizes,
                        (a->n < 64 ? a->n : 64) * sizeof(a->sizes[0]));
}

/* Whole: all bytes at once. */
static void
feed_whole(const uint8_t *p, size_t len, struct run *r)
{
    struct resp_dec d;
    struct resp_cmd c;
    size_t off = 0;
    ssize_t rc;

    memset(&d, 0, sizeof(d));
    while (off < len) {
        rc = resp_cmd_next(&d, p + off, len - off, &c);
        if (rc <= 0) {
            fail_msg("decode failed at %zu: rc %zd (%s)", off, rc,
                     resp_dec_strerror(&d));
        }
        run_add(r, &c, (size_t)rc);
        off += (size_t)rc;
    }
    resp_dec_free(&d);
}

/*
 * The way a connection feeds it: bytes arrive in chunks of sizes drawn by
 * <next_chunk>, the unconsumed ones are handed over each time from a new
 * place (right before a guard page).  <obey_need>: call only once d->need
 * bytes are there; else call after every chunk, checking that fewer than
 * d->need bytes give 0 at once.
 */
static void
feed_chunks(const uint8_t *p, size_t len, size_t (*next_chunk)(size_t),
            bool obey_need, struct run *r)
{
    struct resp_dec d;
    struct resp_cmd c;
    struct guard g;
    size_t start = 0, avail = 0;
    ssize_t rc;

    memset(&d, 0, sizeof(d));
    guard_init(&g, len + 1);
    while (start < len) {
        size_t step = next_chunk(len - avail);
        size_t prev_need = d.need;

        if (avail < len) {
            avail += step < len - avail ? step : len - avail;
        }
        if (obey_need && avail - start < d.need) {
            if (avail == len) {
                fail_msg("stream ends inside a command at %zu", start);
            }
            continue;
        }
        for (;;) {
            const uint8_t *q = guard_put(&g, p + start, avail - start);

            rc = resp_cmd_next(&d, q, avail - start, &c);
            if (rc < 0) {
                fail_msg("decode failed at %zu: %s", start,
                         resp_dec_strerror(&d));
            }
            if (rc == 0) {
                if (avail == len) {
                    fail_msg("stream ends inside a command at %zu", start);
                }
                /* progress: a 0 never asks for less than it had */
                assert_true(d.need > avail - start);
                assert_true(d.need >= prev_need || prev_need == 0);
                break;
            }
            run_add(r, &c, (size_t)rc);
            start += (size_t)rc;
            prev_need = 0;
            if (start == avail) {
                break;
            }
        }
    }
    assert_int_equal(d.state, RESP_DEC_START);
    guard_free(&g);
    resp_dec_free(&d);
}

static size_t
chunk_one(size_t left)
{
    (void)left;
    return 1;
}

static size_t
chunk_random(size_t left)
{
    (void)left;
    return 1 + (size_t)(rand() % 97);
}

/* Reads of exactly what the decoder asked for: one byte at a time until
 * need is reached. */
static size_t
chunk_tiny(size_t left)
{
    (void)left;
    return (size_t)(1 + rand() % 3);
}

/* ---- the corpus ---- */

/* Argument patterns of the workload's propagated commands; "#" stands
 * for a decimal Unix time in milliseconds. */
static const char *const expected_cmds[17][6] = {
    {"SELECT", "0"},
    {"SET", "after:1", "v1"},
    {"INCR", "counter"},
    {"SET", "counterf", "1.5", "KEEPTTL"},
    {"PEXPIREAT", "after:1", "#"},
    {"SELECT", "2"},
    {"LPUSH", "l", "x", "y"},
    {"HSET", "h", "a", "1"},
    {"DEL", "l"},
    {"MULTI"},
    {"SET", "tx:a", "1"},
    {"SET", "tx:b", "2"},
    {"EXEC"},
    {"set", "lua:key", "lua:val"},
    {"SET", "ex:1", "v", "PXAT", "#"},
    {"DEL", "tx:a"},
    {"FLUSHDB"},
};

/* Copies the text of <row> that follows <key> up to <stop> into out. */
static bool
manifest_field(const char *row, const char *key, const char *stop, char *out,
               size_t outlen)
{
    const char *a = strstr(row, key), *b;

    if (a == NULL) {
        return false;
    }
    a += strlen(key);
    b = strstr(a, stop);
    if (b == NULL || (size_t)(b - a) >= outlen) {
        return false;
    }
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return true;
}

static uint64_t
span_ms(struct span s)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < s.len; i++) {
        assert_true(s.p[i] >= '0' && s.p[i] <= '9');
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    return v;
}

static void
check_workload(const struct run *r, const char *names)
{
    uint64_t pexpireat = 0, pxat = 0;
    size_t i, j;

    assert_int_equal(r->n, 17);
    assert_int_equal(r->empty, 0);
    assert_int_equal(r->inline_cmds, 0);
    assert_int_equal(r->names.len, strlen(names));
    assert_memory_equal(r->names.data, names, r->names.len);
    for (i = 0; i < 17; i++) {
        size_t want = 0;

        while (want < 6 && expected_cmds[i][want] != NULL) {
            want++;
        }
        assert_int_equal(r->argc[i], want);
        for (j = 0; j < want; j++) {
            const char *e = expected_cmds[i][j];

            if (strcmp(e, "#") == 0) {
                uint64_t ms = span_ms(r->args[i][j]);

                /* a 2020s Unix time in milliseconds */
                assert_true(ms > 1500000000000ull && ms < 4000000000000ull);
                if (i == 4) {
                    pexpireat = ms;
                } else {
                    pxat = ms;
                }
                continue;
            }
            assert_true(span_eq(r->args[i][j], e));
        }
    }
    /* EXPIRE 100 then, moments later, SETEX 60: the absolute times are
     * about 40 s apart */
    assert_true(pexpireat > pxat);
    assert_true(pexpireat - pxat > 35000 && pexpireat - pxat < 45000);
}

static void
check_stream(const char *manifest, const char *file)
{
    char path[1024], row_key[128], fullresync[128], framing[128], names[512];
    char at[32];
    const char *row, *why;
    uint8_t *buf;
    size_t len = 0, off, rdb_start, rdb_end, seed;
    struct span line;
    struct resp_psync_reply psync;
    struct resp_rdb_header hdr;
    struct run whole, one, rnd, tiny;
    ssize_t rc;

    snprintf(row_key, sizeof(row_key), "| %s |", file);
    row = strstr(manifest, row_key);
    assert_non_null(row);
    assert_true(manifest_field(row, "| generated | redis 7.0.15 | ", "; RDB",
                               fullresync, sizeof(fullresync)));
    assert_true(
        manifest_field(row, "RDB framing \"", "\"", framing, sizeof(framing)));
    assert_true(manifest_field(row, " at offset ", ";", at, sizeof(at)));
    assert_true(manifest_field(row, "propagated commands: ", " |", names,
                               sizeof(names)));

    snprintf(path, sizeof(path),
             "%s/redis-rdb/generated-redis-7.0.15/replication/%s",
             corpus_root(), file);
    buf = read_file(path, &len);
    assert_non_null(buf);

    /* +FULLRESYNC <replid> <offset> */
    rc = resp_line(buf, len, &line);
    assert_true(rc > 0);
    assert_int_equal(line.len, strlen(fullresync));
    assert_memory_equal(line.p, fullresync, line.len);
    assert_int_equal(resp_psync_reply(line, &psync, &why), 0);
    assert_int_equal(psync.kind, RESP_PSYNC_FULLRESYNC);
    assert_int_equal(psync.replid.len, RESP_REPLID_LEN);
    assert_memory_equal(psync.replid.p, fullresync + 12, RESP_REPLID_LEN);
    assert_int_equal(psync.offset,
                     strtoull(fullresync + 12 + RESP_REPLID_LEN + 1, NULL, 10));
    off = (size_t)rc;

    /* the snapshot's framing line, then the RDB */
    rc = resp_line(buf + off, len - off, &line);
    assert_true(rc > 0);
    assert_int_equal(line.len, strlen(framing));
    assert_memory_equal(line.p, framing, line.len);
    assert_int_equal(resp_rdb_header(line, &hdr, &why), 0);
    off += (size_t)rc;
    rdb_start = off;
    assert_int_equal(rdb_start, strtoull(at, NULL, 10));
    assert_memory_equal(buf + rdb_start, "REDIS", 5);
    if (hdr.eof_mark) {
        const uint8_t *m;

        assert_int_equal(hdr.mark.len, RESP_EOF_MARK_LEN);
        m = memmem(buf + rdb_start, len - rdb_start, hdr.mark.p, hdr.mark.len);
        assert_non_null(m);
        rdb_end = (size_t)(m - buf) + RESP_EOF_MARK_LEN;
        /* the RDB itself ends with the EOF opcode and a CRC64 */
        assert_int_equal(buf[rdb_end - RESP_EOF_MARK_LEN - 9], 0xff);
    } else {
        assert_true(hdr.len < len - rdb_start);
        rdb_end = rdb_start + (size_t)hdr.len;
        assert_int_equal(buf[rdb_end - 9], 0xff);
    }

    memset(&whole, 0, sizeof(whole));
    memset(&one, 0, sizeof(one));
    memset(&rnd, 0, sizeof(rnd));
    memset(&tiny, 0, sizeof(tiny));
    feed_whole(buf + rdb_end, len - rdb_end, &whole);
    /* the replication offset advances by every byte after the RDB */
    assert_int_equal(whole.total, len - rdb_end);
    check_workload(&whole, names);
    /* the encoder writes what the master wrote */
    assert_int_equal(whole.enc.len, len - rdb_end);
    assert_memory_equal(whole.enc.data, buf + rdb_end, whole.enc.len);

    feed_chunks(buf + rdb_end, len - rdb_end, chunk_one, false, &one);
    run_same(&whole, &one);
    for (seed = 1; seed <= 20; seed++) {
        srand((unsigned)seed);
        feed_chunks(buf + rdb_end, len - rdb_end, chunk_random, seed % 2, &rnd);
        run_same(&whole, &rnd);
        run_free(&rnd);
        memset(&rnd, 0, sizeof(rnd));
        feed_chunks(buf + rdb_end, len - rdb_end, chunk_tiny, true, &tiny);
        run_same(&whole, &tiny);
        run_free(&tiny);
        memset(&tiny, 0, sizeof(tiny));
    }
    run_free(&whole);
    run_free(&one);
    free(buf);
}

static void
test_corpus_streams(void **state)
{
    char path[1024];
    uint8_t *manifest;
    size_t mlen;

    (void)state;
    snprintf(path, sizeof(path), "%s/MANIFEST.md", corpus_root());
    manifest = read_file(path, &mlen);
    if (manifest == NULL) {
        print_message("corpus not found at %s (set TANDEM_CORPORA)\n",
                      corpus_root());
        skip();
    }
    check_stream((const char *)manifest, "psync-disk-rdb.stream.bin");
    check_stream((const char *)manifest, "psync-diskless-eof.stream.bin");
    free(manifest);
}

/* ---- hand-made streams ---- */

static void
test_inline_and_keepalives(void **state)
{
    static const char stream[] = "\n"
                                 "\r\n"
                                 "PING\r\n"
                                 "*0\r\n"
                                 "*-1\r\n"
                                 "  SET\t k   v \n"
                                 "SET \"a b\" 'c d' \"\"\r\n"
                                 "*1\r\n$4\r\nPING\r\n";
    static const size_t sizes[] = {1, 2, 6, 4, 5, 14, 20, 14};
    static const size_t argcs[] = {0, 0, 1, 0, 0, 3, 4, 1};
    static const bool inl[] = {true,  true, true, false,
                               false, true, true, false};
    const uint8_t *p = (const uint8_t *)stream;
    size_t len = sizeof(stream) - 1, off = 0, i = 0;
    struct resp_dec d;
    struct resp_cmd c;
    struct run r;
    ssize_t rc;

    (void)state;
    memset(&d, 0, sizeof(d));
    while (off < len) {
        rc = resp_cmd_next(&d, p + off, len - off, &c);
        assert_true(rc > 0);
        assert_true(i < 8);
        assert_int_equal((size_t)rc, sizes[i]);
        assert_int_equal(c.argc, argcs[i]);
        assert_int_equal(c.is_inline, inl[i]);
        if (i == 2 || i == 7) {
            assert_true(span_eq(c.argv[0], "PING"));
        }
        if (i == 5) {
            assert_true(span_eq(c.argv[0], "SET"));
            assert_true(span_eq(c.argv[1], "k"));
            assert_true(span_eq(c.argv[2], "v"));
        }
        if (i == 6) {
            assert_true(span_eq(c.argv[1], "a b"));
            assert_true(span_eq(c.argv[2], "c d"));
            assert_int_equal(c.argv[3].len, 0);
        }
        off += (size_t)rc;
        i++;
    }
    assert_int_equal(i, 8);
    resp_dec_free(&d);

    /* the same byte by byte and in random chunks */
    memset(&r, 0, sizeof(r));
    feed_chunks(p, len, chunk_one, false, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.total, len);
    assert_int_equal(r.empty, 4);
    assert_int_equal(r.inline_cmds, 5);
    run_free(&r);
}

/* A long argument is waited for, not scanned again. */
static void
test_need_hint(void **state)
{
    static const char head[] = "*2\r\n$3\r\nSET\r\n$100000\r\n";
    size_t hlen = sizeof(head) - 1, total = hlen + 100000 + 2;
    uint8_t *buf = malloc(total);
    struct resp_dec d;
    struct resp_cmd c;
    struct guard g;
    const uint8_t *q;
    ssize_t rc;

    (void)state;
    assert_non_null(buf);
    memcpy(buf, head, hlen);
    memset(buf + hlen, 'x', 100000);
    memcpy(buf + hlen + 100000, "\r\n", 2);
    memset(&d, 0, sizeof(d));

    assert_int_equal(resp_cmd_next(&d, buf, 0, &c), 0);
    assert_int_equal(d.need, 1);
    assert_int_equal(resp_cmd_next(&d, buf, 1, &c), 0);
    assert_int_equal(d.need, 2);
    assert_int_equal(resp_cmd_next(&d, buf, hlen - 1, &c), 0);
    assert_int_equal(d.need, hlen);
    assert_int_equal(resp_cmd_next(&d, buf, hlen, &c), 0);
    assert_int_equal(d.need, total);
    assert_int_equal(d.state, RESP_DEC_ARG_BODY);

    /* fewer than need: 0 without touching a byte past what it parsed
     * (only the header is readable, the guard page follows) */
    guard_init(&g, hlen);
    q = guard_put(&g, buf, hlen);
    assert_int_equal(resp_cmd_next(&d, q, total - 1, &c), 0);
    assert_int_equal(d.need, total);
    guard_free(&g);

    rc = resp_cmd_next(&d, buf, total, &c);
    assert_int_equal(rc, (ssize_t)total);
    assert_int_equal(c.argc, 2);
    assert_true(span_eq(c.argv[0], "SET"));
    assert_int_equal(c.argv[1].len, 100000);
    assert_ptr_equal(c.argv[1].p, buf + hlen);
    assert_int_equal(d.need, 0);
    assert_int_equal(d.state, RESP_DEC_START);
    resp_dec_free(&d);
    free(buf);
}

struct bad_case {
    const char *in;   /* bytes fed */
    size_t len;       /* 0: strlen(in) */
    int err;          /* expected -PROTO_E* */
    size_t off;       /* expected err_off */
    const char *what; /* part of the expected reason */
    size_t max_args;  /* limits */
    size_t max_bulk;
    size_t max_inline;
};

static const struct bad_case bad_cases[] = {
    {"*2\r\n$3\r\nGET\r\n$-1\r\n", 0, -PROTO_EMALFORMED, 14, "null argument", 0,
     0, 0},
    {"*1\r\n$3\r\nGETX\r\n", 0, -PROTO_EMALFORMED, 11, "not followed by CRLF",
     0, 0, 0},
    {"*1\r\n$3\r\nabc\n\n", 0, -PROTO_EMALFORMED, 11, "not followed by CRLF", 0,
     0, 0},
    {"*1\r\n$1\r\nabc", 0, -PROTO_EMALFORMED, 9, "not followed by CRLF", 0, 0,
     0},
    {"*1\r\n$abc\r\n", 0, -PROTO_EMALFORMED, 5, "bad argument length", 0, 0, 0},
    {"*1\r\n$01\r\nab\r\n", 0, -PROTO_EMALFORMED, 5, "bad argument length", 0,
     0, 0},
    {"*1\r\n$\r\n", 0, -PROTO_EMALFORMED, 5, "bad argument length", 0, 0, 0},
    {"*x\r\n", 0, -PROTO_EMALFORMED, 1, "bad argument count", 0, 0, 0},
    {"*-0\r\n", 0, -PROTO_EMALFORMED, 1, "bad argument count", 0, 0, 0},
    {"*\r\n", 0, -PROTO_EMALFORMED, 1, "bad argument count", 0, 0, 0},
    {"*1\r\n*1\r\n$1\r\na\r\n", 0, -PROTO_EMALFORMED, 4, "nested aggregate", 0,
     0, 0},
    {"*2\r\n$1\r\na\r\n%1\r\n", 0, -PROTO_EMALFORMED, 11, "nested aggregate", 0,
     0, 0},
    {"*1\r\n:1\r\n", 0, -PROTO_EMALFORMED, 4, "does not start with '$'", 0, 0,
     0},
    {"*1\rX", 0, -PROTO_EMALFORMED, 3, "CR not followed by LF", 0, 0, 0},
    {"*1\n", 0, -PROTO_EMALFORMED, 2, "LF without CR", 0, 0, 0},
    {"*1\r\n$3\nabc\r\n", 0, -PROTO_EMALFORMED, 6, "LF without CR", 0, 0, 0},
    {"*111111111111111111111111111111111111111\r\n", 0, -PROTO_EMALFORMED, 0,
     "length line too long", 0, 0, 0},
    {"*1111111111111111111\r\n", 0, -PROTO_EMALFORMED, 1, "bad argument count",
     0, 0, 0},
    {"SET \"a b\r\n", 0, -PROTO_EMALFORMED, 4, "unbalanced quotes", 0, 0, 0},
    {"SET \"ab\"c\r\n", 0, -PROTO_EMALFORMED, 8, "closing quote", 0, 0, 0},
    {"SET \"a\\nb\" c\r\n", 0, -PROTO_EUNSUPPORTED, 6, "escape", 0, 0, 0},
    {"SET a\"b\r\n", 0, -PROTO_EUNSUPPORTED, 5, "quote inside", 0, 0, 0},
    /* limits */
    {"*1\r\n$11\r\n", 0, -PROTO_ELIMIT, 5, "longer than the limit", 0, 10, 0},
    {"*1\r\n$536870913\r\n", 0, -PROTO_ELIMIT, 5, "longer than the limit", 0, 0,
     0},
    {"*3\r\n", 0, -PROTO_ELIMIT, 1, "too many arguments", 2, 0, 0},
    {"*1048577\r\n", 0, -PROTO_ELIMIT, 1, "too many arguments", 0, 0, 0},
    {"a b c\n", 0, -PROTO_ELIMIT, 4, "too many arguments", 2, 0, 0},
    {"PING PING PING\r\n", 0, -PROTO_ELIMIT, 0, "line limit", 0, 0, 8},
};

static void
check_bad(const struct bad_case *bc)
{
    size_t len = bc->len ? bc->len : strlen(bc->in), cut;
    const uint8_t *p = (const uint8_t *)bc->in;
    struct resp_dec d;
    struct resp_cmd c;
    struct guard g;
    ssize_t rc;

    memset(&d, 0, sizeof(d));
    d.max_args = bc->max_args;
    d.max_bulk = bc->max_bulk;
    d.max_inline = bc->max_inline;
    rc = resp_cmd_next(&d, p, len, &c);
    if (rc != bc->err) {
        fail_msg("%s: rc %zd, want %d (%s)", bc->in, rc, bc->err,
                 resp_dec_strerror(&d));
    }
    assert_int_equal(d.err_off, bc->off);
    assert_non_null(d.err_what);
    if (strstr(d.err_what, bc->what) == NULL) {
        fail_msg("%s: reason '%s', want '%s'", bc->in, d.err_what, bc->what);
    }
    assert_non_null(strstr(resp_dec_strerror(&d), bc->what));
    /* sticky */
    assert_int_equal(resp_cmd_next(&d, p, len, &c), bc->err);
    assert_int_equal(resp_cmd_next(&d, (const uint8_t *)"*0\r\n", 4, &c),
                     bc->err);
    /* and gone after a reset */
    resp_dec_reset(&d);
    assert_int_equal(resp_cmd_next(&d, (const uint8_t *)"*0\r\n", 4, &c), 4);
    resp_dec_free(&d);

    /* byte by byte (from behind a guard page): 0 until the same error at
     * the same place */
    guard_init(&g, len);
    memset(&d, 0, sizeof(d));
    d.max_args = bc->max_args;
    d.max_bulk = bc->max_bulk;
    d.max_inline = bc->max_inline;
    for (cut = 1; cut <= len; cut++) {
        rc = resp_cmd_next(&d, guard_put(&g, p, cut), cut, &c);
        if (rc != 0) {
            break;
        }
    }
    assert_int_equal(rc, bc->err);
    assert_int_equal(d.err_off, bc->off);
    guard_free(&g);
    resp_dec_free(&d);
}

static void
test_malformed(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        check_bad(&bad_cases[i]);
    }
}

/* Right at the limits: accepted. */
static void
test_limits_edge(void **state)
{
    struct resp_dec d;
    struct resp_cmd c;
    static const char ten[] = "*2\r\n$1\r\na\r\n$10\r\n0123456789\r\n";

    (void)state;
    memset(&d, 0, sizeof(d));
    d.max_args = 2;
    d.max_bulk = 10;
    assert_int_equal(resp_cmd_next(&d, (const uint8_t *)ten, strlen(ten), &c),
                     (ssize_t)strlen(ten));
    assert_int_equal(c.argc, 2);
    assert_int_equal(c.argv[1].len, 10);
    resp_dec_free(&d);

    memset(&d, 0, sizeof(d));
    d.max_inline = 8;
    assert_int_equal(resp_cmd_next(&d, (const uint8_t *)"PING", 4, &c), 0);
    assert_int_equal(d.state, RESP_DEC_INLINE);
    assert_int_equal(resp_cmd_next(&d, (const uint8_t *)"PING\r\n", 6, &c), 6);
    assert_int_equal(c.argc, 1);
    resp_dec_trim(&d);
    assert_null(d.argv);
    assert_int_equal(d.cap, 0);
    /* trimmed scratch comes back on demand */
    assert_int_equal(
        resp_cmd_next(&d, (const uint8_t *)"*1\r\n$1\r\nx\r\n", 11, &c), 11);
    assert_true(span_eq(c.argv[0], "x"));
    resp_dec_free(&d);
}

/* Many arguments: the scratch grows as they come, not as announced. */
static void
test_many_args(void **state)
{
    struct pbuf b = {0};
    struct resp_dec d;
    struct resp_cmd c;
    size_t i, n = 5000;
    ssize_t rc;

    (void)state;
    resp_put_array(&b, n);
    for (i = 0; i < n; i++) {
        resp_put_bulk_i64(&b, (int64_t)i);
    }
    assert_false(b.failed);
    memset(&d, 0, sizeof(d));
    rc = resp_cmd_next(&d, b.data, b.len, &c);
    assert_int_equal(rc, (ssize_t)b.len);
    assert_int_equal(c.argc, n);
    for (i = 0; i < n; i += 499) {
        char num[24];

        snprintf(num, sizeof(num), "%zu", i);
        assert_true(span_eq(c.argv[i], num));
    }
    resp_dec_free(&d);

    /* "*1000000" alone allocates little */
    memset(&d, 0, sizeof(d));
    assert_int_equal(
        resp_cmd_next(&d, (const uint8_t *)"*1000000\r\n$1\r\na\r\n", 17, &c),
        0);
    assert_true(d.cap < 100);
    resp_dec_free(&d);
    pbuf_free(&b);
}

/* ---- encoder ---- */

static void
test_encode_canonical(void **state)
{
    static const char set[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    static const char nums[] = "$20\r\n-9223372036854775808\r\n$1\r\n0\r\n"
                               "$2\r\n-1\r\n$19\r\n9223372036854775807\r\n"
                               "$0\r\n\r\n*0\r\n";
    struct span argv[3] = {sp("SET"), sp("k"), sp("v")};
    struct pbuf a = {0}, b = {0}, c = {0};

    (void)state;
    resp_put_cmdv(&a, 3, "SET", "k", "v");
    resp_put_cmd(&b, 3, argv);
    resp_put_array(&c, 3);
    resp_put_bulk(&c, "SET", 3);
    resp_put_bulk(&c, "k", 1);
    resp_put_bulk(&c, "v", 1);
    assert_int_equal(a.len, strlen(set));
    assert_memory_equal(a.data, set, a.len);
    assert_int_equal(b.len, a.len);
    assert_memory_equal(b.data, set, b.len);
    assert_int_equal(c.len, a.len);
    assert_memory_equal(c.data, set, c.len);
    assert_int_equal(resp_cmd_wire_len(3, argv), strlen(set));

    pbuf_reset(&a);
    resp_put_bulk_i64(&a, INT64_MIN);
    resp_put_bulk_i64(&a, 0);
    resp_put_bulk_i64(&a, -1);
    resp_put_bulk_i64(&a, INT64_MAX);
    resp_put_bulk(&a, NULL, 0);
    resp_put_array(&a, 0);
    assert_int_equal(a.len, strlen(nums));
    assert_memory_equal(a.data, nums, a.len);
    assert_int_equal(resp_bulk_wire_len(0), 6);
    assert_int_equal(resp_bulk_wire_len(10), 17);
    assert_int_equal(resp_bulk_wire_len(100000), 100000 + 11);

    /* a full buffer drops the write and says so once */
    pbuf_free(&a);
    a.limit = 10;
    resp_put_cmd(&a, 3, argv);
    assert_true(a.failed);
    assert_true(a.len <= 10);
    pbuf_free(&a);
    pbuf_free(&b);
    pbuf_free(&c);
}

/* Random binary commands (CR, LF and NUL inside arguments, empty ones)
 * go through the encoder and come back from the decoder unchanged, whole
 * and in random chunks. */
static void
test_roundtrip_random(void **state)
{
    enum { NCMD = 300, MAXARG = 12 };
    static uint8_t bytes[NCMD][MAXARG][64];
    static struct span argv[NCMD][MAXARG];
    static size_t argc[NCMD];
    struct pbuf b = {0};
    struct resp_dec d;
    struct resp_cmd c;
    struct run r;
    size_t i, j, k, off = 0, expect_len = 0;
    ssize_t rc;

    (void)state;
    srand(7);
    for (i = 0; i < NCMD; i++) {
        argc[i] = 1 + (size_t)(rand() % MAXARG);
        for (j = 0; j < argc[i]; j++) {
            size_t n = (size_t)(rand() % 64);

            for (k = 0; k < n; k++) {
                static const uint8_t alpha[] = {'\r', '\n', 0,   '*',
                                                '$',  'a',  ' ', 0xff};

                bytes[i][j][k] =
                    rand() % 2 ? alpha[rand() % 8] : (uint8_t)rand();
            }
            argv[i][j].p = bytes[i][j];
            argv[i][j].len = n;
        }
        resp_put_cmd(&b, argc[i], argv[i]);
        expect_len += resp_cmd_wire_len(argc[i], argv[i]);
        assert_int_equal(b.len, expect_len);
    }
    assert_false(b.failed);

    memset(&d, 0, sizeof(d));
    for (i = 0; i < NCMD; i++) {
        rc = resp_cmd_next(&d, b.data + off, b.len - off, &c);
        assert_int_equal(rc, (ssize_t)resp_cmd_wire_len(argc[i], argv[i]));
        assert_int_equal(c.argc, argc[i]);
        assert_false(c.is_inline);
        for (j = 0; j < argc[i]; j++) {
            assert_int_equal(c.argv[j].len, argv[i][j].len);
            if (c.argv[j].len > 0) {
                assert_memory_equal(c.argv[j].p, argv[i][j].p, argv[i][j].len);
            }
        }
        off += (size_t)rc;
    }
    assert_int_equal(off, b.len);
    resp_dec_free(&d);

    memset(&r, 0, sizeof(r));
    feed_chunks(b.data, b.len, chunk_random, false, &r);
    assert_int_equal(r.n, NCMD);
    assert_int_equal(r.enc.len, b.len);
    assert_memory_equal(r.enc.data, b.data, b.len);
    run_free(&r);
    pbuf_free(&b);
}

/* ---- handshake lines ---- */

static void
test_line(void **state)
{
    struct span line;
    uint8_t *big;

    (void)state;
    assert_int_equal(resp_line((const uint8_t *)"+CONTINUE\r\nxx", 13, &line),
                     11);
    assert_true(span_eq(line, "+CONTINUE"));
    assert_int_equal(resp_line((const uint8_t *)"\n", 1, &line), 1);
    assert_int_equal(line.len, 0);
    assert_int_equal(resp_line((const uint8_t *)"\r\n", 2, &line), 2);
    assert_int_equal(line.len, 0);
    assert_int_equal(resp_line((const uint8_t *)"-ERR x\n+OK\r\n", 12, &line),
                     7);
    assert_true(span_eq(line, "-ERR x"));
    assert_int_equal(resp_line((const uint8_t *)"$EOF:", 5, &line), 0);
    assert_int_equal(resp_line((const uint8_t *)"", 0, &line), 0);

    big = malloc(RESP_MAX_LINE + 2);
    assert_non_null(big);
    memset(big, 'a', RESP_MAX_LINE + 2);
    assert_int_equal(resp_line(big, RESP_MAX_LINE - 1, &line), 0);
    assert_int_equal(resp_line(big, RESP_MAX_LINE, &line), -PROTO_ELIMIT);
    assert_int_equal(resp_line(big, RESP_MAX_LINE + 2, &line), -PROTO_ELIMIT);
    big[RESP_MAX_LINE - 1] = '\n';
    assert_int_equal(resp_line(big, RESP_MAX_LINE + 2, &line),
                     (ssize_t)RESP_MAX_LINE);
    assert_int_equal(line.len, RESP_MAX_LINE - 1);
    free(big);
}

static void
test_psync_reply(void **state)
{
    static const char id[] = "8426ce055b754981ed02d9bdb20fbc7d1ac7f1eb";
    struct resp_psync_reply r;
    const char *why;
    char line[128];

    (void)state;
    snprintf(line, sizeof(line), "+FULLRESYNC %s 18446744073709551615", id);
    assert_int_equal(resp_psync_reply(sp(line), &r, &why), 0);
    assert_int_equal(r.kind, RESP_PSYNC_FULLRESYNC);
    assert_true(span_eq(r.replid, id));
    assert_true(r.offset == UINT64_MAX);

    assert_int_equal(resp_psync_reply(sp("+CONTINUE"), &r, &why), 0);
    assert_int_equal(r.kind, RESP_PSYNC_CONTINUE);
    assert_int_equal(r.replid.len, 0);
    snprintf(line, sizeof(line), "+CONTINUE %s", id);
    assert_int_equal(resp_psync_reply(sp(line), &r, &why), 0);
    assert_int_equal(r.kind, RESP_PSYNC_CONTINUE);
    assert_true(span_eq(r.replid, id));

    assert_int_equal(
        resp_psync_reply(
            sp("-NOMASTERLINK Can't SYNC while not connected with my master"),
            &r, &why),
        0);
    assert_int_equal(r.kind, RESP_PSYNC_ERROR);
    assert_true(span_eq(r.text, "NOMASTERLINK Can't SYNC while not "
                                "connected with my master"));
    assert_string_equal(resp_psync_kind_name(r.kind), "error");

    assert_int_equal(resp_psync_reply(sp("+FULLRESYNC abc 0"), &r, &why),
                     -PROTO_EMALFORMED);
    assert_non_null(strstr(why, "replication ID"));
    snprintf(line, sizeof(line), "+FULLRESYNC %s x1", id);
    assert_int_equal(resp_psync_reply(sp(line), &r, &why), -PROTO_EMALFORMED);
    assert_non_null(strstr(why, "offset"));
    snprintf(line, sizeof(line), "+FULLRESYNC %s ", id);
    assert_int_equal(resp_psync_reply(sp(line), &r, &why), -PROTO_EMALFORMED);
    snprintf(line, sizeof(line), "+FULLRESYNC %s 18446744073709551616", id);
    assert_int_equal(resp_psync_reply(sp(line), &r, &why), -PROTO_EMALFORMED);
    assert_int_equal(resp_psync_reply(sp("+CONTINUE abc"), &r, &why),
                     -PROTO_EMALFORMED);
    assert_int_equal(resp_psync_reply(sp("+OK"), &r, &why), -PROTO_EMALFORMED);
    assert_int_equal(resp_psync_reply(sp(""), &r, &why), -PROTO_EMALFORMED);
    assert_non_null(why);
}

static void
test_rdb_header(void **state)
{
    struct resp_rdb_header h;
    const char *why;

    (void)state;
    assert_int_equal(resp_rdb_header(sp("$9242"), &h, &why), 0);
    assert_false(h.eof_mark);
    assert_int_equal(h.len, 9242);
    assert_int_equal(resp_rdb_header(sp("$0"), &h, &why), 0);
    assert_int_equal(h.len, 0);
    assert_int_equal(
        resp_rdb_header(sp("$EOF:e4e8aa40e069b5d1ba5fc45a1c7d6906f80d8239"), &h,
                        &why),
        0);
    assert_true(h.eof_mark);
    assert_true(span_eq(h.mark, "e4e8aa40e069b5d1ba5fc45a1c7d6906f80d8239"));
    assert_int_equal(resp_rdb_header(sp("$EOF:e4e8"), &h, &why),
                     -PROTO_EMALFORMED);
    assert_non_null(strstr(why, "40"));
    assert_int_equal(resp_rdb_header(sp("$"), &h, &why), -PROTO_EMALFORMED);
    assert_int_equal(resp_rdb_header(sp("$12a"), &h, &why), -PROTO_EMALFORMED);
    assert_int_equal(resp_rdb_header(sp("-ERR no"), &h, &why),
                     -PROTO_EMALFORMED);
    assert_int_equal(resp_rdb_header(sp(""), &h, &why), -PROTO_EMALFORMED);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(resp_dec_state_name(RESP_DEC_ARG_BODY),
                        "argument body");
    assert_string_equal(resp_dec_state_name(RESP_DEC_STATE_COUNT), "unknown");
    assert_string_equal(resp_psync_kind_name(RESP_PSYNC_FULLRESYNC),
                        "FULLRESYNC");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_streams),
        cmocka_unit_test(test_inline_and_keepalives),
        cmocka_unit_test(test_need_hint),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits_edge),
        cmocka_unit_test(test_many_args),
        cmocka_unit_test(test_encode_canonical),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_psync_reply),
        cmocka_unit_test(test_rdb_header),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
