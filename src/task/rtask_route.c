/*
 * rtask_route.c - where each command of a Redis task goes.
 *
 * First the selection: the command's database must be selected and its
 * keys must match the database's prefixes; its database number is mapped
 * ("as"), and commands naming databases (SWAPDB, MOVE, COPY ... DB,
 * FLUSHALL) have theirs mapped too.  Then the destination node: a
 * standalone destination takes everything; for a cluster the key's slot
 * picks the node, keyless commands that act on every node (FLUSHALL,
 * FLUSHDB, SCRIPT, FUNCTION) go to all, and a command whose keys live on
 * several nodes is split where its meaning allows (DEL, UNLINK, EXISTS,
 * TOUCH, MSET, MSETNX) and refused otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/redis/cmdtable.h"
#include "proto/redis/crc16.h"
#include "proto/redis/resp.h"
#include "src/task/rtask_int.h"

bool
rtask_is_own_key_(const struct span *k)
{
    return k->len >= 7 && memcmp(k->p, "tandem:", 7) == 0;
}

static int
ensure_argv2(struct rtask *r, size_t n)
{
    struct span *v;

    if (n <= r->cap_argv2) {
        return 0;
    }
    v = realloc(r->argv2, n * sizeof(*v));
    if (v == NULL) {
        rtask_fail_(r, "out of memory");
        return -1;
    }
    r->argv2 = v;
    r->cap_argv2 = n;
    return 0;
}

/* Writes <n> as text into scratch slot <slot>, as a view. */
static struct span
db_text(struct rtask *r, unsigned slot, unsigned n)
{
    struct span s;

    s.len = (size_t)snprintf(r->dbtext[slot], sizeof(r->dbtext[slot]), "%u",
                             n);
    s.p = (const uint8_t *)r->dbtext[slot];
    return s;
}

/* Key positions of <argv> in r->idx; returns how many (0: keyless or
 * not known), or -1 when out of memory. */
static long
keys_of(struct rtask *r, const struct cmd_info *ci, size_t argc,
        const struct span *argv)
{
    size_t n;
    size_t *v;

    if (ci == NULL) {
        return 0;
    }
    n = cmdtable_keys(ci, argc, argv, r->idx, r->cap_idx);
    if (n > r->cap_idx) {
        v = realloc(r->idx, n * sizeof(*v));
        if (v == NULL) {
            rtask_fail_(r, "out of memory");
            return -1;
        }
        r->idx = v;
        r->cap_idx = n;
        n = cmdtable_keys(ci, argc, argv, r->idx, r->cap_idx);
    }
    return (long)n;
}

static unsigned
slot_of(const struct span *k)
{
    return crc16_slot(k->p, k->len);
}

/* Splits a command over the slots of its keys: <pairs> for MSET-like
 * commands (key value ...), else one key per argument after the name;
 * each part goes as <name> (argv[0] when NULL).  <argv> must not be
 * r->argv2, which holds the parts. */
static int
split(struct rstream *st, unsigned db, size_t argc, const struct span *argv,
      bool pairs, const char *name)
{
    struct rtask *r = st->r;
    const struct rtopo *t = &r->dst_topo;
    size_t i, k, n, step = pairs ? 2 : 1;
    unsigned slot;

    if (ensure_argv2(r, argc) < 0) {
        return -1;
    }
    for (i = 1; i + step - 1 < argc; i += step) {
        slot = slot_of(&argv[i]);
        for (k = 1; k < i; k += step) {
            if (slot_of(&argv[k]) == slot) {
                break;
            }
        }
        if (k < i) {
            continue;   /* this slot went with an earlier key */
        }
        r->argv2[0] = argv[0];
        if (name != NULL) {
            r->argv2[0].p = (const uint8_t *)name;
            r->argv2[0].len = strlen(name);
        }
        n = 1;
        for (k = i; k + step - 1 < argc; k += step) {
            if (slot_of(&argv[k]) == slot) {
                memcpy(&r->argv2[n], &argv[k], step * sizeof(*argv));
                n += step;
            }
        }
        rtask_link_cmd_(st, rtopo_node_of(t, slot), (int)slot, db, n,
                        r->argv2);
    }
    return 0;
}

/* The destination node(s) of a selected, mapped command. */
static int
dispatch(struct rstream *st, unsigned db, size_t argc,
         const struct span *argv)
{
    struct rtask *r = st->r;
    const struct rtopo *t = &r->dst_topo;
    const struct cmd_info *ci;
    unsigned slot;
    size_t i, j;
    long nk;

    if (!t->cluster) {
        rtask_link_cmd_(st, 0, RTASK_SLOT_NONE, db, argc, argv);
        return 0;
    }
    if (db != 0) {
        rtask_fail_(r, "the destination is a Redis Cluster, which has "
                       "database 0 only, and a command is for database %u: "
                       "map every database to 0 with \"as\"", db);
        return -1;
    }
    ci = cmdtable_lookup(argc, argv);
    nk = keys_of(r, ci, argc, argv);
    if (nk < 0) {
        return -1;
    }
    if (nk == 0) {
        if (ci != NULL && (ci->flags & (CMD_FLUSH | CMD_SCRIPT)) != 0) {
            for (j = 0; j < t->n; j++) {
                rtask_link_cmd_(st, j, RTASK_SLOT_ANY, db, argc, argv);
            }
        } else {
            rtask_link_cmd_(st, 0, RTASK_SLOT_ANY, db, argc, argv);
        }
        return 0;
    }
    slot = slot_of(&argv[r->idx[0]]);
    for (i = 1; i < (size_t)nk; i++) {
        if (slot_of(&argv[r->idx[i]]) != slot) {
            break;
        }
    }
    if (i == (size_t)nk) {
        rtask_link_cmd_(st, rtopo_node_of(t, slot), (int)slot, db, argc,
                        argv);
        return 0;
    }
    if (resp_arg_is(argv[0], "DEL") || resp_arg_is(argv[0], "UNLINK") ||
        resp_arg_is(argv[0], "EXISTS") ||
        resp_arg_is(argv[0], "TOUCH")) {
        return split(st, db, argc, argv, false, NULL);
    }
    if (resp_arg_is(argv[0], "MSET") || resp_arg_is(argv[0], "MSETNX")) {
        /* MSETNX reached the stream because it set every key: each node's
         * part is an MSET. */
        return split(st, db, argc, argv, true, "MSET");
    }
    rtask_fail_(r, "%.*s uses keys of several slots of the destination "
                   "cluster: it cannot be applied there as one command (use "
                   "hash tags to keep such keys in one slot)",
                (int)(argv[0].len < 32 ? argv[0].len : 32),
                (const char *)argv[0].p);
    return -1;
}

/* Commands that name databases: SWAPDB, MOVE, COPY ... DB, FLUSHALL. */
static int
multi_db(struct rstream *st, unsigned as, size_t argc,
         const struct span *argv)
{
    struct rtask *r = st->r;
    const struct task_redis_db *d1, *d2;
    unsigned a1, a2;
    long x, y;
    size_t i;

    if (resp_arg_is(argv[0], "FLUSHALL")) {
        if (r->spec->redis.ndbs == 0) {
            return dispatch(st, as, argc, argv);
        }
        /* Only the selected databases: one FLUSHDB each. */
        for (i = 0; i < r->spec->redis.ndbs; i++) {
            struct span f = {(const uint8_t *)"FLUSHDB", 7};

            if (dispatch(st, r->spec->redis.dbs[i].as, 1, &f) < 0) {
                return -1;
            }
        }
        return 0;
    }
    if (resp_arg_is(argv[0], "SWAPDB") && argc == 3) {
        x = resp_arg_db(argv[1]);
        y = resp_arg_db(argv[2]);
        d1 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a1) : NULL;
        d2 = y >= 0 ? task_spec_redis_db(r->spec, (unsigned)y, &a2) : NULL;
        if (d1 == NULL && d2 == NULL) {
            return 0;
        }
        if (d1 == NULL || d2 == NULL || d1->nkey_prefixes != 0 ||
            d2->nkey_prefixes != 0) {
            rtask_fail_(r, "SWAPDB %ld %ld swaps a replicated database with "
                           "one that is not (or is selected by key prefix): "
                           "select both whole, or neither", x, y);
            return -1;
        }
        if (ensure_argv2(r, 3) < 0) {
            return -1;
        }
        r->argv2[0] = argv[0];
        r->argv2[1] = db_text(r, 0, a1);
        r->argv2[2] = db_text(r, 1, a2);
        return dispatch(st, as, 3, r->argv2);
    }
    if (resp_arg_is(argv[0], "MOVE") && argc == 3) {
        x = resp_arg_db(argv[2]);
        d2 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a2) : NULL;
        if (d2 == NULL ||
            !task_spec_redis_key_selected(d2, argv[1].p, argv[1].len)) {
            /* Moved out of what is replicated: gone from here. */
            struct span del[2] = {{(const uint8_t *)"DEL", 3}, argv[1]};

            return dispatch(st, as, 2, del);
        }
        if (ensure_argv2(r, 3) < 0) {
            return -1;
        }
        r->argv2[0] = argv[0];
        r->argv2[1] = argv[1];
        r->argv2[2] = db_text(r, 0, a2);
        return dispatch(st, as, 3, r->argv2);
    }
    if (resp_arg_is(argv[0], "COPY")) {
        for (i = 3; i + 1 < argc; i++) {
            if (resp_arg_is(argv[i], "DB")) {
                x = resp_arg_db(argv[i + 1]);
                d2 = x >= 0 ? task_spec_redis_db(r->spec, (unsigned)x, &a2)
                            : NULL;
                if (d2 == NULL) {
                    return 0;   /* copied outside what is replicated */
                }
                if (ensure_argv2(r, argc) < 0) {
                    return -1;
                }
                memcpy(r->argv2, argv, argc * sizeof(*argv));
                r->argv2[i + 1] = db_text(r, 0, a2);
                return dispatch(st, as, argc, r->argv2);
            }
        }
    }
    return dispatch(st, as, argc, argv);
}

int
rtask_route_(struct rstream *st, int db, size_t argc, const struct span *argv)
{
    struct rtask *r = st->r;
    const struct task_redis_db *d;
    const struct cmd_info *ci;
    size_t i, nsel, j;
    unsigned as = 0;
    long nk;
    int rc;

    d = task_spec_redis_db(r->spec, (unsigned)db, &as);
    ci = cmdtable_lookup(argc, argv);
    if (ci != NULL && (ci->flags & CMD_MULTI_DB) != 0) {
        if (d == NULL && !resp_arg_is(argv[0], "SWAPDB") &&
            !resp_arg_is(argv[0], "FLUSHALL")) {
            return 0;
        }
        return multi_db(st, d != NULL ? as : 0, argc, argv);
    }
    if (d == NULL) {
        return 0;
    }
    if (ci == NULL || (ci->flags & CMD_PUBSUB) != 0) {
        /* A module's command (unknown to the table) or a message: by its
         * database only. */
        return dispatch(st, as, argc, argv);
    }
    nk = keys_of(r, ci, argc, argv);
    if (nk < 0) {
        return -1;
    }
    for (i = 0; i < (size_t)nk; i++) {
        if (rtask_is_own_key_(&argv[r->idx[i]])) {
            return 0;   /* tandem's own keys stay where they are */
        }
    }
    if (nk == 0 || d->nkey_prefixes == 0) {
        return dispatch(st, as, argc, argv);
    }
    nsel = 0;
    for (i = 0; i < (size_t)nk; i++) {
        nsel += task_spec_redis_key_selected(d, argv[r->idx[i]].p,
                                             argv[r->idx[i]].len);
    }
    if (nsel == 0) {
        return 0;
    }
    if (nsel == (size_t)nk) {
        return dispatch(st, as, argc, argv);
    }
    /* Some keys selected, some not: DEL, UNLINK and MSET keep the
     * selected ones; anything else cannot be split. */
    if (resp_arg_is(argv[0], "DEL") || resp_arg_is(argv[0], "UNLINK") ||
        resp_arg_is(argv[0], "MSET")) {
        bool pairs = resp_arg_is(argv[0], "MSET");
        struct span *v;

        /* Not r->argv2: dispatch() may split into it. */
        v = malloc(argc * sizeof(*v));
        if (v == NULL) {
            rtask_fail_(r, "out of memory");
            return -1;
        }
        v[0] = argv[0];
        j = 1;
        for (i = 1; i < argc; i += pairs ? 2 : 1) {
            if (task_spec_redis_key_selected(d, argv[i].p, argv[i].len)) {
                v[j++] = argv[i];
                if (pairs && i + 1 < argc) {
                    v[j++] = argv[i + 1];
                }
            }
        }
        rc = dispatch(st, as, j, v);
        free(v);
        return rc;
    }
    rtask_fail_(r, "%.*s touches keys inside and outside the selected key "
                   "prefixes of database %d: select prefixes that keep the "
                   "keys one command uses together",
                (int)(argv[0].len < 32 ? argv[0].len : 32),
                (const char *)argv[0].p, db);
    return -1;
}

int
rtask_route_rdb_(struct rstream *st, int db, size_t argc,
                 const struct span *argv)
{
    const struct task_redis_db *d;
    struct span *v;
    unsigned as;
    size_t i, n;
    int rc;

    d = task_spec_redis_db(st->r->spec, (unsigned)db, &as);
    if (d == NULL || argc < 2) {
        return 0;
    }
    if (!resp_arg_is(argv[0], "MSET")) {
        if (!task_spec_redis_key_selected(d, argv[1].p, argv[1].len) ||
            rtask_is_own_key_(&argv[1])) {
            return 0;
        }
        return dispatch(st, as, argc, argv);
    }
    /* Strings of many keys: the selected ones. */
    v = malloc(argc * sizeof(*v));
    if (v == NULL) {
        rtask_fail_(st->r, "out of memory");
        return -1;
    }
    v[0] = argv[0];
    n = 1;
    for (i = 1; i + 1 < argc; i += 2) {
        if (task_spec_redis_key_selected(d, argv[i].p, argv[i].len) &&
            !rtask_is_own_key_(&argv[i])) {
            v[n++] = argv[i];
            v[n++] = argv[i + 1];
        }
    }
    rc = n > 1 ? dispatch(st, as, n, v) : 0;
    free(v);
    return rc;
}
