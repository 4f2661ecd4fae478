/*
 * rdb_blob.c - the compact encodings inside RDB values: ziplists,
 * listpacks, intsets and zipmaps read as one blob each (validated whole
 * first, then handed out element by element), and the quicklists made of
 * them (see rdb.h, rdb_int.h).
 *
 * A blob stored raw stays in the caller's buffer while its elements are
 * handed out: only its string header is committed when it is entered, and
 * the blob itself with its last element, so *consumed stays 0 in between.
 * An LZF blob is decompressed into d->blob and committed at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/redis/intset.h"
#include "proto/redis/listpack.h"
#include "proto/redis/rdb_int.h"
#include "proto/redis/ziplist.h"
#include "proto/redis/zipmap.h"

/* ---- blobs ---- */

static int
validate_blob(struct rdb_dec *d, int role, const uint8_t *b, size_t n,
              const char **what)
{
    size_t count = 0;
    uint32_t icount;
    int rc;

    switch (role) {
    case RDB_ROLE_ZL_LIST:
    case RDB_ROLE_ZL_HASH:
    case RDB_ROLE_ZL_ZSET:
        *what = "ziplist is malformed";
        rc = ziplist_validate(b, n, &count);
        if (rc == 0 && role != RDB_ROLE_ZL_LIST && count % 2 != 0) {
            *what = "ziplist of pairs has an odd number of entries";
            rc = -PROTO_EMALFORMED;
        }
        return rc;
    case RDB_ROLE_LP_LIST:
    case RDB_ROLE_LP_HASH:
    case RDB_ROLE_LP_ZSET:
    case RDB_ROLE_LP_HASH_EX:
        *what = "listpack is malformed";
        rc = listpack_validate(b, n, &count);
        if (rc == 0 && (role == RDB_ROLE_LP_HASH || role == RDB_ROLE_LP_ZSET) &&
            count % 2 != 0) {
            *what = "listpack of pairs has an odd number of entries";
            rc = -PROTO_EMALFORMED;
        }
        if (rc == 0 && role == RDB_ROLE_LP_HASH_EX && count % 3 != 0) {
            *what = "listpack of field, value, TTL is not a multiple of 3";
            rc = -PROTO_EMALFORMED;
        }
        return rc;
    case RDB_ROLE_INTSET:
        *what = "intset is malformed";
        return intset_validate(b, n, &icount);
    case RDB_ROLE_ZIPMAP:
        *what = "zipmap is malformed";
        return zipmap_validate(b, n, &count);
    case RDB_ROLE_STREAM:
        rc = rdb_stream_validate_(b, n, what);
        if (rc == 0) {
            rc = rdb_stream_begin_(d, b);
        }
        return rc;
    default:
        *what = "unknown blob";
        return -PROTO_EMALFORMED;
    }
}

static size_t
blob_start_off(int role)
{
    switch (role) {
    case RDB_ROLE_ZL_LIST:
    case RDB_ROLE_ZL_HASH:
    case RDB_ROLE_ZL_ZSET:
        return ZIPLIST_HEADER_LEN;
    case RDB_ROLE_INTSET:
        return 0; /* element index */
    case RDB_ROLE_ZIPMAP:
        return 1;
    default:
        return LISTPACK_HEADER_LEN;
    }
}

static const uint8_t *
blob_base(struct rdb_dec *d, const struct rdb_cur_ *c)
{
    return d->blob_scratch ? d->blob.data : c->p + c->done;
}

int
rdb_enter_blob_(struct rdb_dec *d, struct rdb_cur_ *c, int role, int next)
{
    struct span s;
    const char *what = NULL;
    size_t at = c->pos;
    bool inplace;
    int rc;

    TRY(rdb_str_(d, c, RDB_SLOT_BLOB, &s, &inplace));
    if (inplace) {
        /* Keep the blob in the caller's buffer: commit its header only. */
        c->pos = (size_t)(s.p - c->p);
        rdb_commit_(d, c);
        d->blob_at = d->off;
    } else {
        d->blob_at = d->off + (at - c->done);
        rdb_commit_(d, c);
    }
    d->blob_scratch = !inplace;
    d->blob_len = s.len;
    d->blob_role = (uint8_t)role;
    d->next_st = (uint8_t)next;
    d->blob_prev = 0;
    d->blob_off = blob_start_off(role);
    if (s.len == 0) {
        return rdb_fail_at_(d, d->blob_at, PROTO_EMALFORMED,
                            "compact encoding blob is empty");
    }
    rc = validate_blob(d, role, s.p, s.len, &what);
    if (rc < 0) {
        return rdb_fail_at_(d, d->blob_at, -rc, what);
    }
    d->st = RDB_ST_BLOB_ITER;
    return RDB_STEP_MORE;
}

void
rdb_finish_blob_(struct rdb_dec *d, struct rdb_cur_ *c)
{
    if (!d->blob_scratch) {
        c->pos = c->done + d->blob_len;
        rdb_commit_(d, c);
    }
    d->st = d->next_st;
}

/* A ziplist / listpack entry as a view (integers as text in num[slot]). */
struct rdb_elem_ {
    const uint8_t *str; /* string, NULL for an integer */
    size_t len;         /* string length */
    int64_t v;          /* integer */
};

static struct span
elem_span(struct rdb_dec *d, int slot, const struct rdb_elem_ *e)
{
    struct span s;

    if (e->str == NULL) {
        return rdb_num_span_(d, slot, e->v);
    }
    s.p = e->str;
    s.len = e->len;
    return s;
}

/* Reads the next element of a ziplist or listpack blob: 1, 0 at the end,
 * or -PROTO_EMALFORMED. */
static int
blob_elem(struct rdb_dec *d, const uint8_t *base, bool zl, struct rdb_elem_ *e)
{
    int rc;

    if (zl) {
        struct ziplist_iter it;
        struct ziplist_entry ze;

        ziplist_iter_init(&it, base, d->blob_len);
        it.off = d->blob_off;
        it.prev = d->blob_prev;
        rc = ziplist_next(&it, &ze);
        if (rc == 1) {
            e->str = ze.str;
            e->len = ze.len;
            e->v = ze.v;
            d->blob_off = it.off;
            d->blob_prev = it.prev;
        }
        return rc;
    } else {
        struct listpack_iter it;
        struct listpack_entry le;

        listpack_iter_init(&it, base, d->blob_len);
        it.off = d->blob_off;
        rc = listpack_next(&it, &le);
        if (rc == 1) {
            e->str = le.str;
            e->len = le.len;
            e->v = le.v;
            d->blob_off = it.off;
        }
        return rc;
    }
}

static bool
blob_at_end(const struct rdb_dec *d, const uint8_t *base)
{
    switch (d->blob_role) {
    case RDB_ROLE_INTSET: {
        uint32_t n = (uint32_t)base[4] | (uint32_t)base[5] << 8 |
                     (uint32_t)base[6] << 16 | (uint32_t)base[7] << 24;

        return d->blob_off >= n;
    }
    default:
        return d->blob_off < d->blob_len && base[d->blob_off] == 0xff;
    }
}

/* One element of the current blob into *ev: RDB_STEP_EVENT, 0 at the end
 * of the blob, or an error. */
static int
blob_item(struct rdb_dec *d, const uint8_t *base, struct rdb_event *ev,
          const char **what)
{
    struct rdb_elem_ e1, e2, e3;
    bool zl = d->blob_role <= RDB_ROLE_ZL_ZSET;
    int rc;

    switch (d->blob_role) {
    case RDB_ROLE_INTSET: {
        struct intset_iter it;
        int64_t v;

        intset_iter_init(&it, base, d->blob_len);
        it.i = (uint32_t)d->blob_off;
        rc = intset_next(&it, &v);
        if (rc != 1) {
            return rc;
        }
        d->blob_off = it.i;
        ev->a = rdb_num_span_(d, 0, v);
        return RDB_STEP_EVENT;
    }
    case RDB_ROLE_ZIPMAP: {
        struct zipmap_iter it;
        const uint8_t *f, *v;
        size_t fl, vl;

        zipmap_iter_init(&it, base, d->blob_len);
        it.off = d->blob_off;
        rc = zipmap_next(&it, &f, &fl, &v, &vl);
        if (rc != 1) {
            return rc;
        }
        d->blob_off = it.off;
        ev->a.p = f;
        ev->a.len = fl;
        ev->b.p = v;
        ev->b.len = vl;
        return RDB_STEP_EVENT;
    }
    case RDB_ROLE_STREAM:
        rc = rdb_stream_entry_(d, base, ev, what);
        return rc == 1 ? RDB_STEP_EVENT : rc;
    default:
        break;
    }
    rc = blob_elem(d, base, zl, &e1);
    if (rc != 1) {
        return rc;
    }
    ev->a = elem_span(d, 0, &e1);
    if (d->blob_role == RDB_ROLE_ZL_LIST || d->blob_role == RDB_ROLE_LP_LIST) {
        return RDB_STEP_EVENT;
    }
    /* Pairs and triples: validation counted the entries. */
    if (blob_elem(d, base, zl, &e2) != 1) {
        return -PROTO_EMALFORMED;
    }
    if (d->blob_role == RDB_ROLE_ZL_ZSET || d->blob_role == RDB_ROLE_LP_ZSET) {
        if (e2.str == NULL) {
            ev->score = (double)e2.v;
        } else if (rdb_parse_score_(e2.str, e2.len, &ev->score) < 0) {
            *what = "sorted set score is not a number";
            return -PROTO_EMALFORMED;
        }
        ev->score_text = elem_span(d, 2, &e2);
        return RDB_STEP_EVENT;
    }
    ev->b = elem_span(d, 1, &e2);
    if (d->blob_role == RDB_ROLE_LP_HASH_EX) {
        if (blob_elem(d, base, zl, &e3) != 1 || e3.str != NULL || e3.v < 0 ||
            (uint64_t)e3.v > RDB_HFE_MAX) {
            *what = "hash field expire time is not a valid time";
            return -PROTO_EMALFORMED;
        }
        /* 0: the field has no TTL (t_hash.c HASH_LP_NO_TTL). */
        ev->expire_ms = e3.v == 0 ? -1 : e3.v;
    }
    return RDB_STEP_EVENT;
}

int
rdb_blob_iter_step_(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const char *what = "compact encoding element is malformed";
    const uint8_t *base;
    size_t at;
    int rc;

    if (!d->blob_scratch && d->blob_len > c->len - c->done) {
        return rdb_need_(c, c->done + d->blob_len);
    }
    base = blob_base(d, c);
    at = d->blob_off;
    rc = blob_item(d, base, ev, &what);
    if (rc < 0) {
        return rdb_fail_at_(d, d->blob_at + (d->blob_scratch ? 0 : at), -rc,
                            what);
    }
    if (rc == 0) {
        rdb_finish_blob_(d, c);
        return RDB_STEP_MORE;
    }
    ev->kind =
        d->blob_role == RDB_ROLE_STREAM ? RDB_EV_STREAM_ENTRY : RDB_EV_ITEM;
    ev->off = d->blob_at + (d->blob_scratch ? 0 : at);
    d->items++;
    /* The last element: drop the blob with this event (its views stay
     * valid until the caller drops the bytes after handling it). */
    if (d->blob_role != RDB_ROLE_STREAM && blob_at_end(d, base)) {
        rdb_finish_blob_(d, c);
    }
    return RDB_STEP_EVENT;
}

/* Peeks at the element count in the header of the compact blob that
 * starts at c->pos; -1 when it is compressed or not stated. */
int
rdb_peek_count_(struct rdb_dec *d, struct rdb_cur_ *c, int role, int64_t *count)
{
    size_t save = c->pos, want;
    const uint8_t *q = NULL;
    uint64_t len, n;
    bool enc;
    int rc;

    *count = -1;
    rc = rdb_len_(d, c, &len, &enc);
    if (rc != 0 || enc) {
        c->pos = save;
        return rc;
    }
    switch (role) {
    case RDB_ROLE_ZIPMAP:
        want = 1;
        break;
    case RDB_ROLE_INTSET:
        want = INTSET_HEADER_LEN;
        break;
    case RDB_ROLE_ZL_LIST:
    case RDB_ROLE_ZL_HASH:
    case RDB_ROLE_ZL_ZSET:
        want = ZIPLIST_HEADER_LEN;
        break;
    default:
        want = LISTPACK_HEADER_LEN;
        break;
    }
    if (len < want) {
        c->pos = save;
        return 0;
    }
    rc = rdb_take_(c, want, &q);
    c->pos = save;
    if (rc != 0) {
        return rc;
    }
    switch (role) {
    case RDB_ROLE_ZIPMAP:
        n = q[0] < ZIPMAP_BIGLEN ? q[0] : UINT64_MAX;
        break;
    case RDB_ROLE_INTSET:
        n = (uint64_t)q[4] | (uint64_t)q[5] << 8 | (uint64_t)q[6] << 16 |
            (uint64_t)q[7] << 24;
        break;
    case RDB_ROLE_ZL_LIST:
    case RDB_ROLE_ZL_HASH:
    case RDB_ROLE_ZL_ZSET:
        n = (uint64_t)(q[8] | q[9] << 8);
        n = n == ZIPLIST_COUNT_UNKNOWN ? UINT64_MAX : n;
        break;
    default:
        n = (uint64_t)(q[4] | q[5] << 8);
        n = n == LISTPACK_COUNT_UNKNOWN ? UINT64_MAX : n;
        break;
    }
    if (n == UINT64_MAX) {
        return 0;
    }
    switch (role) {
    case RDB_ROLE_ZL_HASH:
    case RDB_ROLE_ZL_ZSET:
    case RDB_ROLE_LP_HASH:
    case RDB_ROLE_LP_ZSET:
        n /= 2;
        break;
    case RDB_ROLE_LP_HASH_EX:
        n /= 3;
        break;
    default:
        break;
    }
    *count = (int64_t)n;
    return 0;
}

int
rdb_blob_role_(unsigned type)
{
    switch (type) {
    case RDB_TYPE_HASH_ZIPMAP:
        return RDB_ROLE_ZIPMAP;
    case RDB_TYPE_LIST_ZIPLIST:
        return RDB_ROLE_ZL_LIST;
    case RDB_TYPE_SET_INTSET:
        return RDB_ROLE_INTSET;
    case RDB_TYPE_ZSET_ZIPLIST:
        return RDB_ROLE_ZL_ZSET;
    case RDB_TYPE_HASH_ZIPLIST:
        return RDB_ROLE_ZL_HASH;
    case RDB_TYPE_HASH_LISTPACK:
        return RDB_ROLE_LP_HASH;
    case RDB_TYPE_ZSET_LISTPACK:
        return RDB_ROLE_LP_ZSET;
    case RDB_TYPE_SET_LISTPACK:
        return RDB_ROLE_LP_LIST;
    case RDB_TYPE_HASH_LISTPACK_EX_PRE_GA:
    case RDB_TYPE_HASH_LISTPACK_EX:
        return RDB_ROLE_LP_HASH_EX;
    default:
        return -1;
    }
}

int
rdb_quicklist_step_(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    uint64_t container;
    size_t at = c->pos;
    struct span s;
    bool inplace;

    if (d->left == 0) {
        d->st = RDB_ST_KEY_END;
        return RDB_STEP_MORE;
    }
    if (d->type == RDB_TYPE_LIST_QUICKLIST) {
        int rc = rdb_enter_blob_(d, c, RDB_ROLE_ZL_LIST, RDB_ST_QUICKLIST);

        if (rc != RDB_STEP_MORE) {
            return rc;
        }
        d->left--;
        return RDB_STEP_MORE;
    }
    /* LIST_QUICKLIST_2: container 1 PLAIN (one element), 2 PACKED. */
    TRY(rdb_plain_len_(d, c, &container));
    if (container == 2) {
        int rc = rdb_enter_blob_(d, c, RDB_ROLE_LP_LIST, RDB_ST_QUICKLIST);

        if (rc != RDB_STEP_MORE) {
            return rc;
        }
        d->left--;
        return RDB_STEP_MORE;
    }
    if (container != 1) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "quicklist node container is neither PLAIN nor "
                         "PACKED");
    }
    TRY(rdb_str_(d, c, RDB_SLOT_BLOB, &s, &inplace));
    if (s.len == 0) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "quicklist PLAIN node is empty");
    }
    rdb_commit_(d, c);
    ev->kind = RDB_EV_ITEM;
    ev->a = s;
    d->left--;
    d->items++;
    return RDB_STEP_EVENT;
}

/* ---- scores ---- */

/* Parses a score written as text; NaN and trailing junk are malformed. */
int
rdb_parse_score_(const uint8_t *s, size_t n, double *out)
{
    char buf[256];
    char *end;

    if (n == 0 || n >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    if (end != buf + n || isnan(*out)) {
        return -1;
    }
    return 0;
}
