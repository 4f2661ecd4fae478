/*
 * mysql_pos.c - binlog positions and ranges of committed transactions
 * (see mysql_int.h).
 */
#include "src/sink/mysql_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Orders binlog positions: by the file's number, then the offset. */
int
sink_pos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb)
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
range_clear(struct sink_range *r)
{
    free(r->first_file);
    free(r->last_file);
}

int
sink_ranges_add(struct sink_ranges *rs, const char *ff, uint64_t fp,
           const char *lf, uint64_t lp)
{
    struct sink_range *r;

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
sink_ranges_prune(struct sink_ranges *rs, const char *file, uint64_t pos)
{
    size_t i, j = 0;

    for (i = 0; i < rs->n; i++) {
        if (file != NULL && sink_pos_cmp(rs->r[i].last_file, rs->r[i].last_pos,
                                    file, pos) <= 0) {
            range_clear(&rs->r[i]);
        } else {
            rs->r[j++] = rs->r[i];
        }
    }
    rs->n = j;
}

bool
sink_ranges_hold(const struct sink_ranges *rs, const char *file, uint64_t pos)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        if (sink_pos_cmp(rs->r[i].first_file, rs->r[i].first_pos, file,
                    pos) <= 0 &&
            sink_pos_cmp(file, pos, rs->r[i].last_file, rs->r[i].last_pos) <= 0) {
            return true;
        }
    }
    return false;
}

void
sink_ranges_free(struct sink_ranges *rs)
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
sink_ranges_put(struct pbuf *b, const struct sink_ranges *rs)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        pbuf_printf(b, "%s\t%" PRIu64 "\t%s\t%" PRIu64 "\n",
                    rs->r[i].first_file, rs->r[i].first_pos,
                    rs->r[i].last_file, rs->r[i].last_pos);
    }
}

int
sink_ranges_parse(struct sink_ranges *rs, const char *p, size_t n)
{
    const char *end = p + n;

    while (p < end) {
        char ff[600], lf[600];
        unsigned long long fp, lp;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char line[1300];
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        if (len >= sizeof(line)) {
            return -1;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        if (sscanf(line, "%599[^\t]\t%llu\t%599[^\t]\t%llu", ff, &fp, lf,
                   &lp) != 4 || sink_ranges_add(rs, ff, fp, lf, lp) != 0) {
            return -1;
        }
        p += len + 1;
    }
    return 0;
}
