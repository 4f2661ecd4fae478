/*
 * mysql_stmt.c - the statements of a batch (see mysql_int.h).
 *
 * Rows of a table whose key identifies them (sink_table_by_key()) are
 * reduced to their net effect per key: a key deleted anywhere in the
 * batch is deleted first, and its last row image is written after, with
 * one multi-row statement per table and kind.  Keys are independent when
 * no other unique key relates them and foreign keys are not checked, and
 * the batch is one destination transaction, so the result is that of the
 * rows in source order while the destination parses a few statements
 * instead of one per run of rows.  Rows of other tables, and batches with
 * a sequence the net effect cannot express under the conflict policy, go
 * in source order, runs of alike rows joined into one statement.
 */
#include "src/sink/mysql_int.h"

#include <stdlib.h>
#include <string.h>

#include "proto/mysql/sqlenc.h"

/* MariaDB runs one statement under another sql_mode with this prefix. */
#define LENIENT_PREFIX \
    "SET STATEMENT sql_mode = '" SQLENC_SQL_MODE_LENIENT "' FOR "

uint64_t
sink_hash(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull ^ seed;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static const char *
txt(const struct sink_txn *t, uint32_t off)
{
    return (const char *)t->text.data + off;
}

static void
put_span(struct pbuf *b, const struct sink_txn *t, uint32_t off, uint32_t len)
{
    pbuf_put(b, txt(t, off), len);
}

static bool
same_span(const struct sink_txn *ta, uint32_t aoff, uint32_t alen,
          const struct sink_txn *tb, uint32_t boff, uint32_t blen)
{
    return alen == blen && memcmp(txt(ta, aoff), txt(tb, boff), alen) == 0;
}

static void
end_stmt(struct pbuf *b)
{
    pbuf_putc(b, '\0');
}

/* ---- rows in source order ---- */

/* Rows of the same kind that one statement can carry. */
enum run_kind {
    RUN_INSERT = 0,   /* INSERT [IGNORE] ... VALUES (...),(...) */
    RUN_UPSERT,       /* INSERT ... ON DUPLICATE KEY UPDATE */
    RUN_DELETE_KEYS,  /* DELETE ... WHERE (key) IN (...) */
    RUN_SINGLE,       /* one statement per row */
};

static enum run_kind
row_kind(const struct sink_builder *sb, const struct sink_row *r)
{
    if (r->lenient) {
        return RUN_SINGLE;
    }
    if (r->op == 'i') {
        return sb->conflict == SINK_CONFLICT_OVERWRITE && r->t->has_pk ?
               RUN_UPSERT : RUN_INSERT;
    }
    if (!r->t->has_pk) {
        return RUN_SINGLE;
    }
    if (r->op == 'd') {
        return RUN_DELETE_KEYS;
    }
    return r->key_changed || !r->full ? RUN_SINGLE : RUN_UPSERT;
}

/* Whether b can join the statement a started. */
static bool
same_run(const struct sink_builder *sb, const struct sink_txn *ta,
         const struct sink_row *a, const struct sink_txn *tb,
         const struct sink_row *b)
{
    enum run_kind ka = row_kind(sb, a);

    if (ka == RUN_SINGLE || ka != row_kind(sb, b) || a->t != b->t) {
        return false;
    }
    if (ka == RUN_DELETE_KEYS) {
        return same_span(ta, a->kcols_off, a->kcols_len, tb, b->kcols_off,
                         b->kcols_len);
    }
    return same_span(ta, a->cols_off, a->cols_len, tb, b->cols_off,
                     b->cols_len) &&
           (ka != RUN_UPSERT || same_span(ta, a->upd_off, a->upd_len, tb,
                                          b->upd_off, b->upd_len));
}

static void
put_delete_head(struct pbuf *b, const struct sink_txn *t,
                const struct sink_row *r)
{
    pbuf_puts(b, "DELETE FROM ");
    pbuf_puts(b, r->t->qname);
    pbuf_puts(b, " WHERE ");
    put_span(b, t, r->kcols_off, r->kcols_len);
    pbuf_puts(b, " IN (");
}

static void
put_insert_head(struct pbuf *b, const char *verb, const struct sink_txn *t,
                const struct sink_row *r)
{
    pbuf_puts(b, verb);
    pbuf_puts(b, r->t->qname);
    put_span(b, t, r->cols_off, r->cols_len);
    pbuf_puts(b, " VALUES ");
    put_span(b, t, r->vals_off, r->vals_len);
}

static void
put_upsert_tail(struct pbuf *b, const struct sink_txn *t,
                const struct sink_row *r)
{
    pbuf_puts(b, " ON DUPLICATE KEY UPDATE ");
    put_span(b, t, r->upd_off, r->upd_len);
}

/* The statements of a row that stands alone (no key, or a key change). */
static void
single_stmts(const struct sink_builder *sb, struct pbuf *b,
             const struct sink_txn *t, const struct sink_row *r)
{
    const char *pre = r->lenient ? LENIENT_PREFIX : "";

    if (r->op == 'u' && r->t->has_pk && !r->full) {
        /* a partial image (MINIMAL) changes the row it finds: without
         * the other columns a missing row cannot be inserted */
        pbuf_puts(b, pre);
        pbuf_puts(b, "UPDATE ");
        pbuf_puts(b, r->t->qname);
        pbuf_puts(b, " SET ");
        put_span(b, t, r->set_off, r->set_len);
        pbuf_puts(b, " WHERE ");
        put_span(b, t, r->kcols_off, r->kcols_len);
        pbuf_puts(b, " IN (");
        put_span(b, t, r->key_off, r->key_len);
        pbuf_puts(b, ")");
        end_stmt(b);
        return;
    }
    if (r->op == 'i' || (r->op == 'u' && r->t->has_pk && !r->key_changed)) {
        /* only lenient rows come here this way */
        pbuf_puts(b, pre);
        put_insert_head(b, r->op == 'i' &&
                        sb->conflict == SINK_CONFLICT_ERROR ?
                        "INSERT INTO " : r->op == 'i' && (!r->t->has_pk ||
                        sb->conflict == SINK_CONFLICT_IGNORE) ?
                        "INSERT IGNORE INTO " : "INSERT INTO ", t, r);
        if (r->t->has_pk && (r->op == 'u' ||
                             sb->conflict == SINK_CONFLICT_OVERWRITE)) {
            put_upsert_tail(b, t, r);
        }
        end_stmt(b);
        return;
    }
    if (r->op == 'd' && r->t->has_pk) {
        put_delete_head(b, t, r);
        put_span(b, t, r->key_off, r->key_len);
        pbuf_putc(b, ')');
        end_stmt(b);
        return;
    }
    if (!r->t->has_pk) {
        pbuf_puts(b, pre);
        if (r->op == 'd') {
            pbuf_puts(b, "DELETE FROM ");
            pbuf_puts(b, r->t->qname);
        } else {
            pbuf_puts(b, "UPDATE ");
            pbuf_puts(b, r->t->qname);
            pbuf_puts(b, " SET ");
            put_span(b, t, r->set_off, r->set_len);
        }
        pbuf_puts(b, " WHERE ");
        put_span(b, t, r->key_off, r->key_len);
        pbuf_puts(b, " LIMIT 1");
        end_stmt(b);
        return;
    }
    /* An update that moves the key: the old row goes, the new one is
     * written (an update of a missing row becomes an insert). */
    put_delete_head(b, t, r);
    put_span(b, t, r->key_off, r->key_len);
    pbuf_putc(b, ')');
    end_stmt(b);
    pbuf_puts(b, pre);
    put_insert_head(b, "INSERT INTO ", t, r);
    put_upsert_tail(b, t, r);
    end_stmt(b);
}

/* Closes the run that row rr of txn rt opened. */
static void
close_run(const struct sink_builder *sb, struct pbuf *b,
          const struct sink_txn *rt, const struct sink_row *rr)
{
    if (row_kind(sb, rr) == RUN_DELETE_KEYS) {
        pbuf_putc(b, ')');
    } else if (row_kind(sb, rr) == RUN_UPSERT) {
        put_upsert_tail(b, rt, rr);
    }
    end_stmt(b);
}

/* Rows of txns [from, to) in source order; those of by-key tables are
 * left out when skip_by_key. */
static void
build_ordered(const struct sink_builder *sb, struct pbuf *b,
              const struct sink_txn *from, const struct sink_txn *to,
              bool skip_by_key)
{
    const struct sink_txn *rt = NULL;   /* txn of the open run's first row */
    const struct sink_row *rr = NULL;   /* the open run's first row */
    size_t in_run = 0, stmt_start = b->len;
    const struct sink_txn *t;
    size_t i;

    for (t = from; t != to; t = t->next) {
        for (i = 0; i < t->nrows; i++) {
            const struct sink_row *r = &t->rows[i];
            enum run_kind kind = row_kind(sb, r);

            if (skip_by_key && sink_table_by_key(r->t)) {
                continue;
            }
            if (rr != NULL && in_run < sb->batch_rows &&
                b->len - stmt_start < SINK_MAX_STATEMENT &&
                same_run(sb, rt, rr, t, r)) {
                pbuf_putc(b, ',');
                put_span(b, t, kind == RUN_DELETE_KEYS ? r->key_off :
                         r->vals_off, kind == RUN_DELETE_KEYS ? r->key_len :
                         r->vals_len);
                in_run++;
                continue;
            }
            if (rr != NULL) {
                close_run(sb, b, rt, rr);
                rr = NULL;
            }
            stmt_start = b->len;
            switch (kind) {
            case RUN_SINGLE:
                single_stmts(sb, b, t, r);
                continue;
            case RUN_DELETE_KEYS:
                put_delete_head(b, t, r);
                put_span(b, t, r->key_off, r->key_len);
                break;
            case RUN_INSERT:
                put_insert_head(b, sb->conflict == SINK_CONFLICT_ERROR ?
                                "INSERT INTO " : "INSERT IGNORE INTO ", t, r);
                break;
            case RUN_UPSERT:
                put_insert_head(b, "INSERT INTO ", t, r);
                break;
            }
            rr = r;
            rt = t;
            in_run = 1;
        }
    }
    if (rr != NULL) {
        close_run(sb, b, rt, rr);
    }
}

/* ---- net effect per key ---- */

/* How a key's last image is written. */
enum net_kind {
    NET_INSERT = 0,      /* INSERT: a duplicate is the conflict error */
    NET_INSERT_IGNORE,   /* INSERT IGNORE: keep a row already there */
    NET_UPSERT,          /* INSERT ... ON DUPLICATE KEY UPDATE */
};

struct sink_net {
    const struct sink_table *t;    /* destination table */
    const struct sink_txn *kt;     /* txn holding the key literal */
    uint32_t koff, klen;           /* the key literal */
    uint64_t h;                    /* its hash */
    const struct sink_txn *dt;     /* a delete of the key: its txn */
    const struct sink_row *drow;   /* ... and row (key columns); NULL */
    bool del;                      /* the delete is to be written */
    const struct sink_txn *it;     /* the last image: its txn */
    const struct sink_row *img;    /* ... and row; NULL: none */
    bool first_insert;             /* the first image since the last
                                      delete came from an insert */
    bool updated;                  /* an update since the last delete */
    bool done;                     /* emitted (per pass) */
};

static struct sink_net *
net_find(struct sink_builder *sb, const struct sink_table *t,
         const struct sink_txn *kt, uint32_t koff, uint32_t klen)
{
    uint64_t h = sink_hash((uint64_t)(uintptr_t)t, txt(kt, koff), klen);
    size_t mask, i;
    struct sink_net *e;

    if ((sb->nnet + 1) * 2 > sb->nslots) {
        size_t n = sb->nslots ? sb->nslots * 2 : 1024, j;
        uint32_t *s = calloc(n, sizeof(*s));

        if (s == NULL) {
            return NULL;
        }
        for (j = 0; j < sb->nnet; j++) {
            i = sb->net[j].h & (n - 1);
            while (s[i] != 0) {
                i = (i + 1) & (n - 1);
            }
            s[i] = (uint32_t)j + 1;
        }
        free(sb->slots);
        sb->slots = s;
        sb->nslots = n;
    }
    mask = sb->nslots - 1;
    for (i = h & mask; sb->slots[i] != 0; i = (i + 1) & mask) {
        e = &sb->net[sb->slots[i] - 1];
        if (e->h == h && e->t == t &&
            same_span(e->kt, e->koff, e->klen, kt, koff, klen)) {
            return e;
        }
    }
    if (sb->nnet == sb->capnet) {
        size_t cap = sb->capnet ? sb->capnet * 2 : 256;

        e = realloc(sb->net, cap * sizeof(*e));
        if (e == NULL) {
            return NULL;
        }
        sb->net = e;
        sb->capnet = cap;
    }
    e = &sb->net[sb->nnet];
    memset(e, 0, sizeof(*e));
    e->t = t;
    e->kt = kt;
    e->koff = koff;
    e->klen = klen;
    e->h = h;
    sb->slots[i] = (uint32_t)++sb->nnet;
    return e;
}

/* Collects the net effect of the by-key rows of [from, to).  Returns 0,
 * or -1 when some sequence needs the rows in source order. */
static int
net_collect(struct sink_builder *sb, const struct sink_txn *from,
            const struct sink_txn *to)
{
    const struct sink_txn *t;
    struct sink_net *e;
    size_t i;

    sb->nnet = 0;
    if (sb->nslots > 0) {
        memset(sb->slots, 0, sb->nslots * sizeof(*sb->slots));
    }
    for (t = from; t != to; t = t->next) {
        for (i = 0; i < t->nrows; i++) {
            const struct sink_row *r = &t->rows[i];

            if (!sink_table_by_key(r->t)) {
                continue;
            }
            if (r->lenient || (r->op == 'u' && !r->full)) {
                return -1;      /* these go row by row */
            }
            if (r->op == 'd' || (r->op == 'u' && r->key_changed)) {
                if ((e = net_find(sb, r->t, t, r->key_off,
                                  r->key_len)) == NULL) {
                    return -1;
                }
                e->dt = t;
                e->drow = r;
                e->del = true;
                e->img = NULL;
                e->first_insert = false;
                e->updated = false;
            }
            if (r->op == 'd') {
                continue;
            }
            if ((e = net_find(sb, r->t, t, r->nkey_off,
                              r->nkey_len)) == NULL) {
                return -1;
            }
            if (e->img != NULL) {
                /* a second image: the last wins when it carries the same
                 * columns, and an insert over a row the batch wrote is a
                 * conflict the policy decides row by row */
                if ((r->op == 'i' &&
                     sb->conflict != SINK_CONFLICT_OVERWRITE) ||
                    !same_span(e->it, e->img->cols_off, e->img->cols_len, t,
                               r->cols_off, r->cols_len)) {
                    return -1;
                }
            } else {
                e->first_insert = r->op == 'i';
                /* a whole row after a delete replaces it: one upsert
                 * does both */
                e->del = e->del && !r->full;
            }
            if (r->op == 'u') {
                e->updated = true;
            }
            e->it = t;
            e->img = r;
        }
    }
    return 0;
}

static enum net_kind
net_kind_of(const struct sink_builder *sb, const struct sink_net *e)
{
    if (e->drow != NULL) {
        return NET_UPSERT;      /* deleted in the batch: the image wins */
    }
    switch (sb->conflict) {
    case SINK_CONFLICT_IGNORE:
        return e->updated ? NET_UPSERT : NET_INSERT_IGNORE;
    case SINK_CONFLICT_ERROR:
        /* a row the batch inserts must not be there before it */
        return e->first_insert ? NET_INSERT : NET_UPSERT;
    default:
        return NET_UPSERT;
    }
}

/* Whether f joins the DELETE e started. */
static bool
same_delete(const struct sink_net *e, const struct sink_net *f)
{
    return f->del && f->t == e->t &&
           same_span(e->dt, e->drow->kcols_off, e->drow->kcols_len, f->dt,
                     f->drow->kcols_off, f->drow->kcols_len);
}

/* Whether f joins the image statement e started. */
static bool
same_image(const struct sink_builder *sb, const struct sink_net *e,
           const struct sink_net *f)
{
    return f->img != NULL && f->t == e->t &&
           net_kind_of(sb, f) == net_kind_of(sb, e) &&
           same_span(e->it, e->img->cols_off, e->img->cols_len, f->it,
                     f->img->cols_off, f->img->cols_len);
}

static void
net_emit(struct sink_builder *sb, struct pbuf *b)
{
    static const char *const verbs[] = {
        [NET_INSERT] = "INSERT INTO ",
        [NET_INSERT_IGNORE] = "INSERT IGNORE INTO ",
        [NET_UPSERT] = "INSERT INTO ",
    };
    size_t i, j, n, start;

    /* deletes first, one statement per table and key columns */
    for (i = 0; i < sb->nnet; i++) {
        sb->net[i].done = !sb->net[i].del;
    }
    for (i = 0; i < sb->nnet; i++) {
        struct sink_net *e = &sb->net[i];

        if (e->done) {
            continue;
        }
        start = b->len;
        put_delete_head(b, e->dt, e->drow);
        put_span(b, e->kt, e->koff, e->klen);
        e->done = true;
        for (j = i + 1, n = 1; j < sb->nnet && n < sb->batch_rows &&
             b->len - start < SINK_MAX_STATEMENT; j++) {
            struct sink_net *f = &sb->net[j];

            if (!f->done && same_delete(e, f)) {
                pbuf_putc(b, ',');
                put_span(b, f->kt, f->koff, f->klen);
                f->done = true;
                n++;
            }
        }
        pbuf_putc(b, ')');
        end_stmt(b);
    }
    /* then the last image of every key still there */
    for (i = 0; i < sb->nnet; i++) {
        sb->net[i].done = sb->net[i].img == NULL;
    }
    for (i = 0; i < sb->nnet; i++) {
        struct sink_net *e = &sb->net[i];
        enum net_kind kind;

        if (e->done) {
            continue;
        }
        kind = net_kind_of(sb, e);
        start = b->len;
        put_insert_head(b, verbs[kind], e->it, e->img);
        e->done = true;
        for (j = i + 1, n = 1; j < sb->nnet && n < sb->batch_rows &&
             b->len - start < SINK_MAX_STATEMENT; j++) {
            struct sink_net *f = &sb->net[j];

            if (!f->done && same_image(sb, e, f)) {
                pbuf_putc(b, ',');
                put_span(b, f->it, f->img->vals_off, f->img->vals_len);
                f->done = true;
                n++;
            }
        }
        if (kind == NET_UPSERT) {
            put_upsert_tail(b, e->it, e->img);
        }
        end_stmt(b);
    }
}

void
sink_build_rows(struct sink_builder *sb, struct pbuf *b,
                const struct sink_txn *from, const struct sink_txn *to,
                bool begin)
{
    enum sink_conflict policy = sb->conflict;
    const struct sink_txn *t;
    bool merged;

    if (begin) {
        pbuf_puts(b, "START TRANSACTION");
        end_stmt(b);
    }
    /* what a full copy may already hold is written over */
    for (t = from; t != to; t = t->next) {
        if (t->replay) {
            sb->conflict = SINK_CONFLICT_OVERWRITE;
        }
    }
    merged = net_collect(sb, from, to) == 0;
    build_ordered(sb, b, from, to, merged);
    if (merged) {
        net_emit(sb, b);
    }
    sb->conflict = policy;
}

void
sink_builder_free(struct sink_builder *sb)
{
    free(sb->net);
    free(sb->slots);
    memset(sb, 0, sizeof(*sb));
}
