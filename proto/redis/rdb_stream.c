/*
 * rdb_stream.c - stream values of RDB files (types STREAM_LISTPACKS 15,
 * _2 19 and _3 21; Redis src/rdb.c rdbLoadObject and t_stream.c).
 *
 * A stream is: the number of nodes; per node a 16-byte master ID (ms, seq,
 * big-endian) and a listpack; then the length, last ID, (v2+) first ID,
 * max deleted ID and entries added; the consumer groups, each with its
 * name, last delivered ID, (v2+) entries read, its PEL (16-byte ID, 8-byte
 * delivery time, delivery count) and its consumers (name, seen time, (v3)
 * active time, the IDs of their pending entries).
 *
 * A node listpack opens with a master entry
 *   count | deleted | num-fields | field-1 ... field-N | 0
 * and holds count + deleted entries
 *   flags | ms-delta | seq-delta | [num-fields | fields...] | values... |
 *   lp-count
 * where flag 1 marks a deleted entry and flag 2 an entry that has the
 * master's fields (so they are not repeated).
 */
#include <string.h>

#include "proto/redis/listpack.h"
#include "proto/redis/rdb_int.h"

#define STREAM_FLAG_DELETED 1    /* STREAM_ITEM_FLAG_DELETED */
#define STREAM_FLAG_SAMEFIELDS 2 /* STREAM_ITEM_FLAG_SAMEFIELDS */

/* An entry that must be an integer (Redis lpGetIntegerIfValid: an integer
 * encoding, or a string that is exactly a decimal int64). */
static int
entry_int(const struct listpack_entry *e, int64_t *v)
{
    uint64_t u = 0;
    size_t i = 0;
    bool neg = false;

    if (e->str == NULL) {
        *v = e->v;
        return 0;
    }
    if (e->len == 0 || e->len > 20) {
        return -1;
    }
    if (e->str[0] == '-') {
        neg = true;
        i = 1;
        if (e->len == 1) {
            return -1;
        }
    }
    if (e->str[i] == '0' && e->len > i + 1) {
        return -1;
    }
    for (; i < e->len; i++) {
        if (e->str[i] < '0' || e->str[i] > '9' ||
            u > (UINT64_MAX - (uint64_t)(e->str[i] - '0')) / 10) {
            return -1;
        }
        u = u * 10 + (uint64_t)(e->str[i] - '0');
    }
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX) {
        return -1;
    }
    *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

static int
next_int(struct listpack_iter *it, int64_t *v)
{
    struct listpack_entry e;

    if (listpack_next(it, &e) != 1 || entry_int(&e, v) < 0) {
        return -1;
    }
    return 0;
}

static int
skip_entries(struct listpack_iter *it, int64_t n)
{
    struct listpack_entry e;

    while (n-- > 0) {
        if (listpack_next(it, &e) != 1) {
            return -1;
        }
    }
    return 0;
}

int
rdb_stream_validate_(const uint8_t *lp, size_t size, const char **what)
{
    struct listpack_iter it;
    int64_t count, deleted, master_n, zero, total, flags, v, nf, lp_count;
    size_t n;

    *what = "stream node listpack is malformed";
    if (listpack_validate(lp, size, &n) < 0) {
        return -PROTO_EMALFORMED;
    }
    *what = "stream node master entry is malformed";
    listpack_iter_init(&it, lp, size);
    if (n == 0 || next_int(&it, &count) < 0 || next_int(&it, &deleted) < 0 ||
        next_int(&it, &master_n) < 0 || count < 0 || deleted < 0 ||
        master_n < 0 || (uint64_t)master_n > n ||
        skip_entries(&it, master_n) < 0 || next_int(&it, &zero) < 0 ||
        zero != 0 || (uint64_t)count + (uint64_t)deleted > n) {
        return -PROTO_EMALFORMED;
    }
    *what = "stream entry is malformed";
    total = count + deleted;
    while (total-- > 0) {
        int64_t extra = 3;

        if (next_int(&it, &flags) < 0 || next_int(&it, &v) < 0 ||
            next_int(&it, &v) < 0) {
            return -PROTO_EMALFORMED;
        }
        nf = master_n;
        if (!(flags & STREAM_FLAG_SAMEFIELDS)) {
            if (next_int(&it, &nf) < 0 || nf < 0 || (uint64_t)nf > n ||
                skip_entries(&it, nf) < 0) {
                return -PROTO_EMALFORMED;
            }
            extra += nf + 1;
        }
        if (skip_entries(&it, nf) < 0 || next_int(&it, &lp_count) < 0 ||
            lp_count != nf + extra) {
            return -PROTO_EMALFORMED;
        }
    }
    if (!listpack_at_end(&it)) {
        *what = "stream node has entries past its stated count";
        return -PROTO_EMALFORMED;
    }
    return 0;
}

int
rdb_stream_begin_(struct rdb_dec *d, const uint8_t *lp)
{
    struct listpack_iter it;
    int64_t count, deleted, master_n, zero, j;
    size_t *offs;

    listpack_iter_init(&it, lp, d->blob_len);
    if (next_int(&it, &count) < 0 || next_int(&it, &deleted) < 0 ||
        next_int(&it, &master_n) < 0) {
        return -PROTO_EMALFORMED;
    }
    pbuf_reset(&d->moffs);
    if ((uint64_t)master_n > SIZE_MAX / sizeof(size_t) ||
        !pbuf_reserve(&d->moffs, (size_t)master_n * sizeof(size_t) + 1)) {
        return -PROTO_ENOMEM;
    }
    offs = (size_t *)(void *)d->moffs.data;
    for (j = 0; j < master_n; j++) {
        offs[j] = it.off;
        if (skip_entries(&it, 1) < 0) {
            return -PROTO_EMALFORMED;
        }
    }
    if (next_int(&it, &zero) < 0) {
        return -PROTO_EMALFORMED;
    }
    d->master_n = (uint64_t)master_n;
    d->ent_left = (uint64_t)count + (uint64_t)deleted;
    d->blob_off = it.off;
    return 0;
}

/* Appends the text of an entry to d->txt (room reserved by the caller) and
 * returns its view. */
static struct span
entry_span(struct rdb_dec *d, const struct listpack_entry *e)
{
    struct span s;

    if (e->str != NULL) {
        s.p = e->str;
        s.len = e->len;
        return s;
    }
    s.p = d->txt.data + d->txt.len;
    s.len = rdb_fmt_i64_((char *)d->txt.data + d->txt.len, e->v);
    d->txt.len += s.len;
    return s;
}

int
rdb_stream_entry_(struct rdb_dec *d, const uint8_t *lp, struct rdb_event *ev,
                  const char **what)
{
    size_t max = d->max_string > 0 ? d->max_string : RDB_DEFAULT_MAX_STRING;

    *what = "stream entry is malformed";
    while (d->ent_left > 0) {
        struct listpack_iter it, mi;
        struct listpack_entry e;
        int64_t flags, msd, seqd, nf, j, lp_count;
        struct span *f;
        const size_t *offs = (const size_t *)(const void *)d->moffs.data;
        bool same;

        listpack_iter_init(&it, lp, d->blob_len);
        it.off = d->blob_off;
        if (next_int(&it, &flags) < 0 || next_int(&it, &msd) < 0 ||
            next_int(&it, &seqd) < 0) {
            return -PROTO_EMALFORMED;
        }
        same = (flags & STREAM_FLAG_SAMEFIELDS) != 0;
        nf = (int64_t)d->master_n;
        if (!same && (next_int(&it, &nf) < 0 || nf < 0)) {
            return -PROTO_EMALFORMED;
        }
        d->ent_left--;
        if (flags & STREAM_FLAG_DELETED) {
            /* Skip it: fields (when its own), values, lp-count. */
            if (skip_entries(&it, same ? nf + 1 : 2 * nf + 1) < 0) {
                return -PROTO_EMALFORMED;
            }
            d->blob_off = it.off;
            continue;
        }
        if ((uint64_t)nf > max / (2 * sizeof(struct span) + 42)) {
            *what = "stream entry has more fields than max_string allows";
            return -PROTO_ELIMIT;
        }
        pbuf_reset(&d->spans);
        pbuf_reset(&d->txt);
        if (!pbuf_reserve(&d->spans,
                          (size_t)nf * 2 * sizeof(struct span) + 1) ||
            !pbuf_reserve(&d->txt, (size_t)nf * 2 * 21 + 1)) {
            *what = "out of memory for a stream entry";
            return -PROTO_ENOMEM;
        }
        f = (struct span *)(void *)d->spans.data;
        if (same) {
            for (j = 0; j < nf; j++) {
                listpack_iter_init(&mi, lp, d->blob_len);
                mi.off = offs[j];
                if (listpack_next(&mi, &e) != 1) {
                    return -PROTO_EMALFORMED;
                }
                f[2 * j] = entry_span(d, &e);
            }
        } else {
            for (j = 0; j < nf; j++) {
                if (listpack_next(&it, &e) != 1) {
                    return -PROTO_EMALFORMED;
                }
                f[2 * j] = entry_span(d, &e);
            }
        }
        for (j = 0; j < nf; j++) {
            if (listpack_next(&it, &e) != 1) {
                return -PROTO_EMALFORMED;
            }
            f[2 * j + 1] = entry_span(d, &e);
        }
        if (next_int(&it, &lp_count) < 0) {
            return -PROTO_EMALFORMED;
        }
        d->blob_off = it.off;
        ev->id.ms = d->master_ms + (uint64_t)msd;
        ev->id.seq = d->master_seq + (uint64_t)seqd;
        ev->fields = f;
        ev->nfields = (size_t)nf;
        if (!d->have_first) {
            d->first = ev->id;
            d->have_first = true;
        }
        return 1;
    }
    return 0;
}

static uint64_t
be64(const uint8_t *q)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = v << 8 | q[i];
    }
    return v;
}

static int
stream_id_len(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_stream_id *id)
{
    TRY(rdb_plain_len_(d, c, &id->ms));
    return rdb_plain_len_(d, c, &id->seq);
}

static int
step_node(struct rdb_dec *d, struct rdb_cur_ *c)
{
    struct span nodekey;
    size_t at = c->pos;
    int rc;

    if (d->left == 0) {
        d->st = RDB_ST_STREAM_META;
        return RDB_STEP_MORE;
    }
    TRY(rdb_str_(d, c, 0, &nodekey, NULL));
    if (nodekey.len != 16) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "stream node key is not a 16-byte ID");
    }
    d->master_ms = be64(nodekey.p);
    d->master_seq = be64(nodekey.p + 8);
    rc = rdb_enter_blob_(d, c, RDB_ROLE_STREAM, RDB_ST_STREAM_NODE);
    if (rc == RDB_STEP_MORE) {
        d->left--;
    }
    return rc;
}

static int
step_meta(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    uint64_t v;

    TRY(rdb_plain_len_(d, c, &ev->length));
    TRY(stream_id_len(d, c, &ev->last_id));
    if (d->type >= RDB_TYPE_STREAM_LISTPACKS_2) {
        TRY(stream_id_len(d, c, &ev->first_id));
        TRY(stream_id_len(d, c, &ev->max_deleted_id));
        TRY(rdb_plain_len_(d, c, &ev->entries_added));
    } else {
        /* What rdbLoadObject derives for a version 1 stream. */
        if (d->have_first) {
            ev->first_id = d->first;
        } else {
            ev->first_id.ms = UINT64_MAX;
            ev->first_id.seq = UINT64_MAX;
        }
        ev->entries_added = ev->length;
    }
    TRY(rdb_plain_len_(d, c, &v));
    rdb_commit_(d, c);
    ev->kind = RDB_EV_STREAM_META;
    ev->count = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
    d->left = v;
    d->st = RDB_ST_STREAM_GROUP;
    return RDB_STEP_EVENT;
}

static int
step_group(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    uint64_t v;

    if (d->left == 0) {
        d->st = RDB_ST_KEY_END;
        return RDB_STEP_MORE;
    }
    TRY(rdb_str_(d, c, 0, &ev->a, NULL));
    TRY(stream_id_len(d, c, &ev->last_id));
    if (d->type >= RDB_TYPE_STREAM_LISTPACKS_2) {
        /* A length field holding a long long: -1 (unknown) is stored as
         * 2^64 - 1. */
        TRY(rdb_plain_len_(d, c, &v));
        ev->entries_read = (int64_t)v;
    }
    TRY(rdb_plain_len_(d, c, &v));
    rdb_commit_(d, c);
    ev->kind = RDB_EV_STREAM_GROUP;
    ev->count = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
    d->left2 = v;
    d->st = RDB_ST_STREAM_GPEL;
    return RDB_STEP_EVENT;
}

static int
raw_id(struct rdb_cur_ *c, struct rdb_stream_id *id)
{
    const uint8_t *q = NULL;

    TRY(rdb_take_(c, 16, &q));
    id->ms = be64(q);
    id->seq = be64(q + 8);
    return 0;
}

int
rdb_stream_step_(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    uint64_t v;

    switch (d->st) {
    case RDB_ST_STREAM_NODE:
        return step_node(d, c);
    case RDB_ST_STREAM_META:
        return step_meta(d, c, ev);
    case RDB_ST_STREAM_GROUP:
        return step_group(d, c, ev);
    case RDB_ST_STREAM_GPEL:
        if (d->left2 == 0) {
            d->st = RDB_ST_STREAM_NCONS;
            return RDB_STEP_MORE;
        }
        TRY(raw_id(c, &ev->id));
        TRY(rdb_take_(c, 8, &q));
        ev->delivery_ms = (int64_t)rdb_le64_(q);
        TRY(rdb_plain_len_(d, c, &ev->delivery_count));
        rdb_commit_(d, c);
        ev->kind = RDB_EV_STREAM_PEL;
        d->left2--;
        return RDB_STEP_EVENT;
    case RDB_ST_STREAM_NCONS:
        TRY(rdb_plain_len_(d, c, &v));
        rdb_commit_(d, c);
        d->left2 = v;
        d->st = RDB_ST_STREAM_CONSUMER;
        return RDB_STEP_MORE;
    case RDB_ST_STREAM_CONSUMER:
        if (d->left2 == 0) {
            d->left--;
            d->st = RDB_ST_STREAM_GROUP;
            return RDB_STEP_MORE;
        }
        TRY(rdb_str_(d, c, 0, &ev->a, NULL));
        TRY(rdb_take_(c, 8, &q));
        ev->seen_ms = (int64_t)rdb_le64_(q);
        if (d->type >= RDB_TYPE_STREAM_LISTPACKS_3) {
            TRY(rdb_take_(c, 8, &q));
            ev->active_ms = (int64_t)rdb_le64_(q);
        }
        TRY(rdb_plain_len_(d, c, &v));
        rdb_commit_(d, c);
        ev->kind = RDB_EV_STREAM_CONSUMER;
        ev->count = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
        d->left3 = v;
        d->st = RDB_ST_STREAM_CPEL;
        return RDB_STEP_EVENT;
    case RDB_ST_STREAM_CPEL:
        if (d->left3 == 0) {
            d->left2--;
            d->st = RDB_ST_STREAM_CONSUMER;
            return RDB_STEP_MORE;
        }
        TRY(raw_id(c, &ev->id));
        rdb_commit_(d, c);
        ev->kind = RDB_EV_STREAM_CONSUMER_PEL;
        d->left3--;
        return RDB_STEP_EVENT;
    default:
        return rdb_fail_at_(d, d->off, PROTO_EMALFORMED,
                            "decoder state is corrupt");
    }
}
