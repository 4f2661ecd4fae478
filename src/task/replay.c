/*
 * replay.c - the window after a full copy (see replay.h).
 */
#include "src/task/replay.h"

#include <stdlib.h>
#include <string.h>

#include "proto/mysql/binpos.h"

/* A table and the snapshot the copy read it from. */
struct replay_table {
    char *db, *table, *file;      /* owned */
    uint64_t pos;                 /* ... */
};

struct replay {
    char *file;                   /* the window's end (owned) */
    uint64_t pos;                 /* ... */
    struct replay_table *t;       /* owned */
    size_t n, cap;                /* used, allocated */
    size_t hit;                   /* the last table found (rows come in
                                     runs of one table) */
};

struct replay *
replay_new(const char *file, uint64_t pos)
{
    struct replay *rp = calloc(1, sizeof(*rp));

    if (rp == NULL || (rp->file = strdup(file)) == NULL) {
        free(rp);
        return NULL;
    }
    rp->pos = pos;
    return rp;
}

int
replay_add_table(struct replay *rp, const char *db, const char *table,
                 const char *file, uint64_t pos)
{
    struct replay_table *e;

    if (rp->n == rp->cap) {
        size_t cap = rp->cap ? rp->cap * 2 : 16;
        struct replay_table *t = realloc(rp->t, cap * sizeof(*t));

        if (t == NULL) {
            return -1;
        }
        rp->t = t;
        rp->cap = cap;
    }
    e = &rp->t[rp->n];
    e->db = strdup(db);
    e->table = strdup(table);
    e->file = strdup(file);
    e->pos = pos;
    if (e->db == NULL || e->table == NULL || e->file == NULL) {
        free(e->db);
        free(e->table);
        free(e->file);
        return -1;
    }
    rp->n++;
    return 0;
}

bool
replay_has_row(struct replay *rp, const char *db, const char *table,
               const char *file, uint64_t pos)
{
    const struct replay_table *e = NULL;
    size_t i;

    if (rp->hit < rp->n && strcmp(rp->t[rp->hit].table, table) == 0 &&
        strcmp(rp->t[rp->hit].db, db) == 0) {
        e = &rp->t[rp->hit];
    }
    for (i = 0; e == NULL && i < rp->n; i++) {
        if (strcmp(rp->t[i].table, table) == 0 &&
            strcmp(rp->t[i].db, db) == 0) {
            e = &rp->t[i];
            rp->hit = i;
        }
    }
    /* a snapshot position is a transaction boundary: a row before it is
     * in the snapshot */
    return e != NULL && binpos_cmp(file, pos, e->file, e->pos) < 0;
}

bool
replay_covers(const struct replay *rp, const char *file, uint64_t pos)
{
    return binpos_cmp(file, pos, rp->file, rp->pos) <= 0;
}

const char *
replay_until(const struct replay *rp, uint64_t *pos)
{
    *pos = rp->pos;
    return rp->file;
}

void
replay_free(struct replay *rp)
{
    size_t i;

    if (rp == NULL) {
        return;
    }
    for (i = 0; i < rp->n; i++) {
        free(rp->t[i].db);
        free(rp->t[i].table);
        free(rp->t[i].file);
    }
    free(rp->t);
    free(rp->file);
    free(rp);
}
