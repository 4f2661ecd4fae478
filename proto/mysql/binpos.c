/*
 * binpos.c - binlog positions and ranges of transactions (see binpos.h).
 */
#include "proto/mysql/binpos.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Orders binlog positions: by the file's number, then the offset. */
int
binpos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb)
{
    const char *da = strrchr(fa, '.'), *db = strrchr(fb, '.');
    int c;

    if (da != NULL && db != NULL && (size_t)(da - fa) == (size_t)(db - fb) &&
        strncmp(fa, fb, (size_t)(da - fa)) == 0) {
        unsigned long long na = strtoull(da + 1, NULL, 10);
        unsigned long long nb = strtoull(db + 1, NULL, 10);

        c = na < nb ? -1 : na > nb;
    } else {
        c = strcmp(fa, fb);
    }
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return pa < pb ? -1 : pa > pb;
}

static void
range_clear(struct binpos_range *r)
{
    free(r->first_file);
    free(r->last_file);
}

int
binpos_ranges_add(struct binpos_ranges *rs, const char *ff, uint64_t fp,
           const char *lf, uint64_t lp)
{
    struct binpos_range *r;

    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 8;

        r = realloc(rs->r, cap * sizeof(*r));
        if (r == NULL) {
            return -1;
        }
        rs->r = r;
        rs->cap = cap;
    }
    r = &rs->r[rs->n];
    r->first_file = strdup(ff);
    r->last_file = strdup(lf);
    r->first_pos = fp;
    r->last_pos = lp;
    if (r->first_file == NULL || r->last_file == NULL) {
        range_clear(r);
        return -1;
    }
    rs->n++;
    return 0;
}

/* Drops the ranges that end at or below (file, pos). */
void
binpos_ranges_prune(struct binpos_ranges *rs, const char *file, uint64_t pos)
{
    size_t i, j = 0;

    for (i = 0; i < rs->n; i++) {
        if (file != NULL && binpos_cmp(rs->r[i].last_file, rs->r[i].last_pos,
                                    file, pos) <= 0) {
            range_clear(&rs->r[i]);
        } else {
            rs->r[j++] = rs->r[i];
        }
    }
    rs->n = j;
}

bool
binpos_ranges_hold(const struct binpos_ranges *rs, const char *file,
                   uint64_t pos)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        if (binpos_cmp(rs->r[i].first_file, rs->r[i].first_pos, file,
                    pos) <= 0 &&
            binpos_cmp(file, pos, rs->r[i].last_file, rs->r[i].last_pos) <= 0) {
            return true;
        }
    }
    return false;
}

void
binpos_ranges_free(struct binpos_ranges *rs)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        range_clear(&rs->r[i]);
    }
    free(rs->r);
    memset(rs, 0, sizeof(*rs));
}

/* Ranges as stored: "first_file\tfirst_pos\tlast_file\tlast_pos\n"... */
void
binpos_ranges_put(struct pbuf *b, const struct binpos_ranges *rs)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        pbuf_printf(b, "%s\t%" PRIu64 "\t%s\t%" PRIu64 "\n",
                    rs->r[i].first_file, rs->r[i].first_pos,
                    rs->r[i].last_file, rs->r[i].last_pos);
    }
}

/* One tab- or newline-ended field of [*p, end): the file name (no NUL,
 * 1..511 bytes) or the position (decimal digits). */
static const char *
field(const char *p, const char *end, char stop, size_t *len)
{
    const char *q = p;

    while (q < end && *q != stop && *q != '\t' && *q != '\n' &&
           *q != '\0') {
        q++;
    }
    if (q == end || *q != stop) {
        return NULL;
    }
    *len = (size_t)(q - p);
    return q + 1;
}

static bool
parse_pos(const char *p, size_t n, uint64_t *v)
{
    size_t i;

    if (n == 0 || n > 19) {
        return false;
    }
    *v = 0;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        *v = *v * 10 + (uint64_t)(p[i] - '0');
    }
    return true;
}

int
binpos_ranges_parse(struct binpos_ranges *rs, const char *p, size_t n)
{
    const char *end;

    if (n == 0) {
        return 0;
    }
    end = p + n;

    while (p < end) {
        const char *ff = p, *fp, *lf, *lp, *next;
        size_t ffn, fpn, lfn, lpn;
        char a[512], b[512];
        uint64_t x, y;

        if ((fp = field(ff, end, '\t', &ffn)) == NULL ||
            (lf = field(fp, end, '\t', &fpn)) == NULL ||
            (lp = field(lf, end, '\t', &lfn)) == NULL ||
            (next = field(lp, end, '\n', &lpn)) == NULL ||
            ffn == 0 || ffn >= sizeof(a) || lfn == 0 || lfn >= sizeof(b) ||
            !parse_pos(fp, fpn, &x) || !parse_pos(lp, lpn, &y)) {
            return -1;
        }
        memcpy(a, ff, ffn);
        a[ffn] = '\0';
        memcpy(b, lf, lfn);
        b[lfn] = '\0';
        if (binpos_cmp(a, x, b, y) > 0 ||
            binpos_ranges_add(rs, a, x, b, y) != 0) {
            return -1;
        }
        p = next;
    }
    return 0;
}
