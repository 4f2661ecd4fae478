/*
 * binpos.h - binlog positions (file name, offset) and lists of ranges of
 * transactions, identified by the position each ends at.
 *
 * A range [first, last] holds every transaction whose end position lies
 * between the two, both included: a writer that applies runs of
 * consecutive transactions records each run by its first and last end
 * position, and after a restart tells a transaction it already applied
 * by its end position alone.  The text form is what tandem keeps at the
 * destination (tandem.checkpoint.applied); binpos_ranges_parse() reads
 * it back and refuses anything else.
 */
#ifndef TANDEM_PROTO_MYSQL_BINPOS_H
#define TANDEM_PROTO_MYSQL_BINPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* Source transactions [first, last] (by end position) committed. */
struct binpos_range {
    char *first_file;             /* owned */
    uint64_t first_pos;           /* ... */
    char *last_file;              /* owned */
    uint64_t last_pos;            /* ... */
};

/* A list of ranges. */
struct binpos_ranges {
    struct binpos_range *r;         /* owned */
    size_t n, cap;                /* used, allocated */
};

/* Orders binlog positions: by the file's number (the digits after its
 * last dot, for files of one base name), then the offset. */
int binpos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb);
/* Appends [ff:fp, lf:lp]; 0 or -1 when out of memory. */
int binpos_ranges_add(struct binpos_ranges *rs, const char *ff, uint64_t fp,
                    const char *lf, uint64_t lp);
/* Drops the ranges that end at or below (file, pos); none when file is
 * NULL. */
void binpos_ranges_prune(struct binpos_ranges *rs, const char *file,
                       uint64_t pos);
/* Whether a range holds the transaction ending at (file, pos). */
bool binpos_ranges_hold(const struct binpos_ranges *rs, const char *file,
                      uint64_t pos);
void binpos_ranges_free(struct binpos_ranges *rs);
/* As stored in tandem.checkpoint.applied: one range per line,
 * "first_file TAB first_pos TAB last_file TAB last_pos".  Parsing
 * returns 0, or -1 on a damaged text or out of memory. */
void binpos_ranges_put(struct pbuf *b, const struct binpos_ranges *rs);
int binpos_ranges_parse(struct binpos_ranges *rs, const char *p, size_t n);

#endif
