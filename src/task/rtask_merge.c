/*
 * rtask_merge.c - runs of commands merged into one, inside a batch.
 *
 * A destination spends much of its time per command, not per element:
 * within one batch (one MULTI/EXEC, all or nothing), consecutive
 *
 *   SET k1 v1, SET k2 v2 ...           become  MSET k1 v1 k2 v2 ...
 *   LPUSH k a, LPUSH k b (same key)    become  LPUSH k a b
 *   RPUSH, SADD, HSET, ZADD (same key, no options) the same way
 *
 * which leaves the data as the commands one by one would (each applies
 * its elements in order, later ones winning).  Anything else ends the
 * run first, so order is kept.  Only a plain SET (no option) and a ZADD
 * of one score and member without flags join a run.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/redis/resp.h"
#include "src/sink/redis.h"
#include "src/task/rtask_int.h"

/* Most elements (or pairs) and argument bytes in one merged command. */
#define MERGE_MAX_ITEMS 512
#define MERGE_MAX_BYTES (1u << 20)

/* The kind of run <argv> may join, or MERGE_NONE. */
static enum rmerge_kind
kind_of(size_t argc, const struct span *argv)
{
    if (argc == 3 && resp_arg_is(argv[0], "SET")) {
        return MERGE_MSET;
    }
    if (argc >= 3 && resp_arg_is(argv[0], "LPUSH")) {
        return MERGE_LPUSH;
    }
    if (argc >= 3 && resp_arg_is(argv[0], "RPUSH")) {
        return MERGE_RPUSH;
    }
    if (argc >= 3 && resp_arg_is(argv[0], "SADD")) {
        return MERGE_SADD;
    }
    if (argc >= 4 && argc % 2 == 0 && resp_arg_is(argv[0], "HSET")) {
        return MERGE_HSET;
    }
    /* ZADD key score member: a flag (NX, XX, GT, LT, CH, INCR) in place
     * of the score makes it another command. */
    if (argc == 4 && resp_arg_is(argv[0], "ZADD") && argv[2].len > 0 &&
        !(argv[2].p[0] >= 'A' && argv[2].p[0] <= 'Z') &&
        !(argv[2].p[0] >= 'a' && argv[2].p[0] <= 'z' &&
          !resp_arg_is(argv[2], "inf"))) {
        return MERGE_ZADD;
    }
    return MERGE_NONE;
}

static int
put_arg(struct rmerge *m, const struct span *a)
{
    size_t *q;

    if (m->n == m->cap) {
        q = realloc(m->len, (m->cap * 2 + 64) * sizeof(*q));
        if (q == NULL) {
            return -1;
        }
        m->len = q;
        m->cap = m->cap * 2 + 64;
    }
    pbuf_put(&m->data, a->p, a->len);
    m->len[m->n++] = a->len;
    return m->data.failed ? -1 : 0;
}

int
rmerge_flush(struct rmerge *m, struct rsink *sink)
{
    const uint8_t *p = m->data.data;
    struct span *v;
    size_t i;

    if (m->kind == MERGE_NONE) {
        return 0;
    }
    v = realloc(m->argv, m->n * sizeof(*v));
    if (v == NULL) {
        return -1;
    }
    m->argv = v;
    for (i = 0; i < m->n; i++) {
        v[i].p = p;
        v[i].len = m->len[i];
        if (m->len[i] > 0) {
            p += m->len[i];
        }
    }
    rsink_cmd(sink, (int)m->db, m->n, v, 0);
    m->kind = MERGE_NONE;
    m->n = 0;
    m->data.len = 0;
    return 0;
}

int
rmerge_cmd(struct rmerge *m, struct rsink *sink, unsigned db, size_t argc,
           const struct span *argv)
{
    enum rmerge_kind k = kind_of(argc, argv);
    size_t i;

    if (m->kind != MERGE_NONE &&
        (k != m->kind || db != m->db || m->items >= MERGE_MAX_ITEMS ||
         m->data.len >= MERGE_MAX_BYTES ||
         (k != MERGE_MSET && (argv[1].len != m->len[1] ||
                              memcmp(argv[1].p, m->data.data + m->len[0],
                                     argv[1].len) != 0)))) {
        if (rmerge_flush(m, sink) < 0) {
            return -1;
        }
    }
    if (k == MERGE_NONE) {
        rsink_cmd(sink, (int)db, argc, argv, 0);
        return 0;
    }
    if (m->kind == MERGE_NONE) {
        /* A new run: the name (MSET for SETs) and, but for MSET, the
         * key. */
        struct span name = argv[0];

        if (k == MERGE_MSET) {
            name.p = (const uint8_t *)"MSET";
            name.len = 4;
        }
        m->kind = k;
        m->db = db;
        m->items = 0;
        if (put_arg(m, &name) < 0 ||
            (k != MERGE_MSET && put_arg(m, &argv[1]) < 0)) {
            return -1;
        }
    }
    for (i = k == MERGE_MSET ? 1 : 2; i < argc; i++) {
        if (put_arg(m, &argv[i]) < 0) {
            return -1;
        }
    }
    m->items++;
    return 0;
}

void
rmerge_free(struct rmerge *m)
{
    pbuf_free(&m->data);
    free(m->len);
    free(m->argv);
    memset(m, 0, sizeof(*m));
}
