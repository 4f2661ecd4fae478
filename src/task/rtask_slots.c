/*
 * rtask_slots.c - batches per slot, for a Redis Cluster destination.
 *
 * A cluster refuses a MULTI whose keys span slots (CROSSSLOT), so a
 * link to a cluster node queues the stream's commands by slot and closes
 * one MULTI/EXEC per slot, each with the checkpoint of that slot
 * (tandem:checkpoint:<task>:<sid>:slot:{<tag>}, the tag hashing to the
 * slot).  After a round the link's own checkpoint records the stream's
 * offset: every command up to it is applied on the node.  A restart
 * resumes from the lowest of those, and a command past it is skipped
 * when its slot's checkpoint already covers it.
 *
 * Queued commands are kept as [u32 db][u32 argc] then [u32 len][bytes]
 * per argument, per slot, in the order they came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/redis/crc16.h"
#include "src/sink/redis.h"
#include "src/task/rtask_int.h"

/* The shortest decimal tag of each slot. */
static char slot_tags[RTASK_SLOTS][8];
static bool slot_tags_made;

const char *
rslots_tag(unsigned slot)
{
    unsigned i, left = RTASK_SLOTS, s;
    char t[8];
    size_t n;

    if (!slot_tags_made) {
        for (i = 0; left > 0 && i < 10000000; i++) {
            n = (size_t)snprintf(t, sizeof(t), "%u", i);
            s = crc16_xmodem((const uint8_t *)t, n) % RTASK_SLOTS;
            if (slot_tags[s][0] == '\0') {
                memcpy(slot_tags[s], t, n + 1);
                left--;
            }
        }
        slot_tags_made = true;
    }
    return slot_tags[slot % RTASK_SLOTS];
}

void
rslots_key(const struct rstream *st, unsigned slot, char *out, size_t len)
{
    snprintf(out, len, "tandem:checkpoint:%s:%s:slot:{%s}",
             st->r->spec->name, st->sid, rslots_tag(slot));
}

int
rslots_init(struct rslots *q)
{
    memset(q, 0, sizeof(*q));
    q->idx = malloc(RTASK_SLOTS * sizeof(*q->idx));
    q->ckpt = calloc(RTASK_SLOTS, sizeof(*q->ckpt));
    q->ckpt_rid = calloc(RTASK_SLOTS, sizeof(*q->ckpt_rid));
    if (q->idx == NULL || q->ckpt == NULL || q->ckpt_rid == NULL) {
        rslots_free(q);
        return -1;
    }
    memset(q->idx, 0xff, RTASK_SLOTS * sizeof(*q->idx));
    return 0;
}

void
rslots_free(struct rslots *q)
{
    size_t i;

    for (i = 0; i < q->cap; i++) {
        pbuf_free(&q->q[i]);
    }
    free(q->q);
    free(q->ncmds);
    free(q->order);
    free(q->idx);
    free(q->ckpt);
    free(q->ckpt_rid);
    memset(q, 0, sizeof(*q));
}

void
rslots_note_ckpt(struct rslots *q, unsigned slot, const char *replid,
                 uint64_t offset)
{
    size_t i;

    for (i = 0; i < q->nrids; i++) {
        if (strcmp(q->rids[i], replid) == 0) {
            break;
        }
    }
    if (i == q->nrids) {
        if (q->nrids == RSLOTS_MAX_RIDS) {
            return;     /* unknown: the command is applied again */
        }
        snprintf(q->rids[q->nrids++], sizeof(q->rids[0]), "%s", replid);
    }
    q->ckpt[slot % RTASK_SLOTS] = offset;
    q->ckpt_rid[slot % RTASK_SLOTS] = (uint8_t)(i + 1);
}

bool
rslots_skip(const struct rslots *q, unsigned slot, const char *replid,
            uint64_t offset)
{
    unsigned r = q->ckpt_rid[slot % RTASK_SLOTS];

    return r != 0 && offset <= q->ckpt[slot % RTASK_SLOTS] &&
           strcmp(q->rids[r - 1], replid) == 0;
}

static void
put_u32(struct pbuf *b, uint32_t v)
{
    pbuf_put(b, &v, sizeof(v));
}

int
rslots_queue(struct rslots *q, unsigned slot, unsigned db, size_t argc,
             const struct span *argv)
{
    int32_t k = q->idx[slot % RTASK_SLOTS];
    struct pbuf *b;
    size_t i;

    if (k < 0) {
        if (q->n == q->cap) {
            size_t cap = q->cap * 2 + 16;
            struct pbuf *nq = realloc(q->q, cap * sizeof(*nq));
            uint32_t *nc;
            uint16_t *no;

            if (nq == NULL) {
                return -1;
            }
            q->q = nq;
            memset(q->q + q->cap, 0, (cap - q->cap) * sizeof(*nq));
            nc = realloc(q->ncmds, cap * sizeof(*nc));
            if (nc == NULL) {
                return -1;
            }
            q->ncmds = nc;
            no = realloc(q->order, cap * sizeof(*no));
            if (no == NULL) {
                return -1;
            }
            q->order = no;
            q->cap = cap;
        }
        k = (int32_t)q->n++;
        q->idx[slot % RTASK_SLOTS] = k;
        q->order[k] = (uint16_t)(slot % RTASK_SLOTS);
        q->ncmds[k] = 0;
        q->q[k].len = 0;
    }
    b = &q->q[k];
    put_u32(b, db);
    put_u32(b, (uint32_t)argc);
    for (i = 0; i < argc; i++) {
        put_u32(b, (uint32_t)argv[i].len);
        pbuf_put(b, argv[i].p, argv[i].len);
    }
    q->ncmds[k]++;
    return b->failed ? -1 : 0;
}

bool
rslots_empty(const struct rslots *q)
{
    return q->n == 0;
}

/* Sends one MULTI per queued slot, with its checkpoint at <offset>. */
int
rslots_flush(struct rslots *q, struct rstream *st, struct rsink *sink)
{
    struct span argv[RSLOTS_MAX_ARGS], *v = argv, *big = NULL;
    const uint8_t *p, *end;
    uint32_t db, argc, len, i, c;
    char key[300];
    size_t k;
    int rc = 0;

    for (k = 0; k < q->n && rc == 0; k++) {
        p = q->q[k].data;
        end = p + q->q[k].len;
        rsink_begin(sink);
        for (c = 0; c < q->ncmds[k]; c++) {
            memcpy(&db, p, 4);
            memcpy(&argc, p + 4, 4);
            p += 8;
            v = argv;
            if (argc > RSLOTS_MAX_ARGS) {
                free(big);
                big = malloc(argc * sizeof(*big));
                if (big == NULL) {
                    return -1;
                }
                v = big;
            }
            for (i = 0; i < argc && p + 4 <= end; i++) {
                memcpy(&len, p, 4);
                v[i].p = p + 4;
                v[i].len = len;
                p += 4 + len;
            }
            rsink_cmd(sink, (int)db, argc, v, 0);
        }
        rslots_key(st, q->order[k], key, sizeof(key));
        rc = rsink_commit_key(sink, key, st->replid, st->offset);
        q->idx[q->order[k]] = -1;
        q->q[k].len = 0;
        q->q[k].failed = false;
    }
    free(big);
    q->n = 0;
    return rc;
}
