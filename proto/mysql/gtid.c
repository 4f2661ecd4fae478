/*
 * gtid.c - MySQL GTID sets and MariaDB GTID lists (see gtid.h).
 */
#include "proto/mysql/gtid.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
gtid_set_free(struct gtid_set *s)
{
    size_t i;

    for (i = 0; i < s->n_sids; i++) {
        free(s->sids[i].iv);
    }
    free(s->sids);
    free(s->doms);
    memset(s, 0, sizeof(*s));
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Parses 32 hex digits with optional dashes; returns chars used or -1. */
static int
parse_uuid(const char *p, uint8_t uuid[16])
{
    const char *start = p;
    int n = 0;

    while (n < 32) {
        int h;

        if (*p == '-' && n > 0) {
            p++;
            continue;
        }
        h = hexval((unsigned char)*p);
        if (h < 0) {
            return -1;
        }
        if (n % 2 == 0) {
            uuid[n / 2] = (uint8_t)(h << 4);
        } else {
            uuid[n / 2] |= (uint8_t)h;
        }
        n++;
        p++;
    }
    return (int)(p - start);
}

static bool
parse_u64(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*p)) {
        return false;
    }
    errno = 0;
    v = strtoull(p, &end, 10);
    if (errno != 0) {
        return false;
    }
    *out = v;
    *pp = end;
    return true;
}

static struct gtid_sid *
find_sid(struct gtid_set *s, const uint8_t uuid[16], const char *tag,
         bool create)
{
    size_t i, pos;
    struct gtid_sid *n;

    for (i = 0; i < s->n_sids; i++) {
        int c = memcmp(s->sids[i].uuid, uuid, 16);

        if (c == 0) {
            c = strcmp(s->sids[i].tag, tag);
        }
        if (c == 0) {
            return &s->sids[i];
        }
        if (c > 0) {
            break;
        }
    }
    if (!create) {
        return NULL;
    }
    pos = i;
    n = realloc(s->sids, (s->n_sids + 1) * sizeof(*n));
    if (n == NULL) {
        return NULL;
    }
    s->sids = n;
    memmove(&n[pos + 1], &n[pos], (s->n_sids - pos) * sizeof(*n));
    memset(&n[pos], 0, sizeof(*n));
    memcpy(n[pos].uuid, uuid, 16);
    strncpy(n[pos].tag, tag, sizeof(n[pos].tag) - 1);
    s->n_sids++;
    return &n[pos];
}

/* Adds [start, end] to a sid's intervals, keeping them sorted and merged. */
static int
sid_add_range(struct gtid_sid *sid, uint64_t start, uint64_t end)
{
    size_t i, j;

    /* Find the first interval that ends at or after start - 1. */
    for (i = 0; i < sid->n_iv; i++) {
        if (sid->iv[i].end + 1 >= start) {
            break;
        }
    }
    if (i < sid->n_iv && sid->iv[i].start <= end + 1) {
        /* Overlaps or touches: widen, then swallow followers. */
        if (start < sid->iv[i].start) {
            sid->iv[i].start = start;
        }
        if (end > sid->iv[i].end) {
            sid->iv[i].end = end;
        }
        for (j = i + 1; j < sid->n_iv &&
                        sid->iv[j].start <= sid->iv[i].end + 1; j++) {
            if (sid->iv[j].end > sid->iv[i].end) {
                sid->iv[i].end = sid->iv[j].end;
            }
        }
        memmove(&sid->iv[i + 1], &sid->iv[j],
                (sid->n_iv - j) * sizeof(sid->iv[0]));
        sid->n_iv -= j - (i + 1);
        return 0;
    }
    if (sid->n_iv == sid->cap_iv) {
        size_t cap = sid->cap_iv ? sid->cap_iv * 2 : 4;
        struct gtid_interval *n = realloc(sid->iv, cap * sizeof(*n));

        if (n == NULL) {
            return -1;
        }
        sid->iv = n;
        sid->cap_iv = cap;
    }
    memmove(&sid->iv[i + 1], &sid->iv[i], (sid->n_iv - i) * sizeof(sid->iv[0]));
    sid->iv[i].start = start;
    sid->iv[i].end = end;
    sid->n_iv++;
    return 0;
}

int
gtid_set_add_mysql(struct gtid_set *s, const uint8_t uuid[16], const char *tag,
                   uint64_t gno)
{
    struct gtid_sid *sid = find_sid(s, uuid, tag ? tag : "", true);

    if (sid == NULL) {
        return -1;
    }
    return sid_add_range(sid, gno, gno);
}

bool
gtid_set_contains_mysql(const struct gtid_set *s, const uint8_t uuid[16],
                        const char *tag, uint64_t gno)
{
    struct gtid_sid *sid = find_sid((struct gtid_set *)s, uuid,
                                    tag ? tag : "", false);
    size_t i;

    if (sid == NULL) {
        return false;
    }
    for (i = 0; i < sid->n_iv; i++) {
        if (gno >= sid->iv[i].start && gno <= sid->iv[i].end) {
            return true;
        }
    }
    return false;
}

int
gtid_set_add_maria(struct gtid_set *s, uint32_t domain, uint32_t server,
                   uint64_t seq)
{
    size_t i;
    struct gtid_maria *n;

    for (i = 0; i < s->n_doms; i++) {
        if (s->doms[i].domain == domain) {
            s->doms[i].server = server;
            s->doms[i].seq = seq;
            return 0;
        }
        if (s->doms[i].domain > domain) {
            break;
        }
    }
    n = realloc(s->doms, (s->n_doms + 1) * sizeof(*n));
    if (n == NULL) {
        return -1;
    }
    s->doms = n;
    memmove(&n[i + 1], &n[i], (s->n_doms - i) * sizeof(*n));
    n[i].domain = domain;
    n[i].server = server;
    n[i].seq = seq;
    s->n_doms++;
    return 0;
}

static int
parse_maria(struct gtid_set *s, const char *p, const char **why)
{
    for (;;) {
        uint64_t d, srv, seq;

        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (!parse_u64(&p, &d) || *p++ != '-' || !parse_u64(&p, &srv) ||
            *p++ != '-' || !parse_u64(&p, &seq)) {
            *why = "expected domain-server-seq, e.g. 0-1-100";
            return -1;
        }
        if (d > UINT32_MAX || srv > UINT32_MAX) {
            *why = "domain or server id out of range";
            return -1;
        }
        if (gtid_set_add_maria(s, (uint32_t)d, (uint32_t)srv, seq) != 0) {
            *why = "out of memory";
            return -1;
        }
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            return 0;
        }
        if (*p++ != ',') {
            *why = "expected ',' between GTIDs";
            return -1;
        }
    }
}

static int
parse_mysql(struct gtid_set *s, const char *p, const char **why)
{
    for (;;) {
        uint8_t uuid[16];
        char tag[33] = "";
        int n;

        while (isspace((unsigned char)*p)) {
            p++;
        }
        n = parse_uuid(p, uuid);
        if (n < 0) {
            *why = "expected a server uuid";
            return -1;
        }
        p += n;
        while (*p == ':') {
            uint64_t a, b;

            p++;
            if (isalpha((unsigned char)*p) || *p == '_') {
                size_t t = 0;

                while ((isalnum((unsigned char)*p) || *p == '_') &&
                       t < sizeof(tag) - 1) {
                    tag[t++] = (char)tolower((unsigned char)*p++);
                }
                tag[t] = '\0';
                if (isalnum((unsigned char)*p) || *p == '_') {
                    *why = "GTID tag longer than 32 characters";
                    return -1;
                }
                continue;
            }
            if (!parse_u64(&p, &a)) {
                *why = "expected an interval such as 1-5";
                return -1;
            }
            b = a;
            if (*p == '-') {
                p++;
                if (!parse_u64(&p, &b)) {
                    *why = "expected an interval such as 1-5";
                    return -1;
                }
            }
            if (a == 0 || b < a) {
                *why = "interval must be 1 or more and start <= end";
                return -1;
            }
            {
                struct gtid_sid *sid = find_sid(s, uuid, tag, true);

                if (sid == NULL || sid_add_range(sid, a, b) != 0) {
                    *why = "out of memory";
                    return -1;
                }
            }
        }
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            return 0;
        }
        if (*p++ != ',') {
            *why = "expected ',' between uuid sets";
            return -1;
        }
    }
}

int
gtid_set_parse(struct gtid_set *s, const char *text, bool mariadb_if_empty,
               const char **why)
{
    const char *p = text;
    bool maria;
    int rc;

    memset(s, 0, sizeof(*s));
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '\0') {
        s->mariadb = mariadb_if_empty;
        return 0;
    }
    /* A MariaDB GTID starts with digits then '-'; a uuid has 8 hex digits
     * before its first '-' and a ':' later. */
    maria = strchr(p, ':') == NULL;
    s->mariadb = maria;
    rc = maria ? parse_maria(s, p, why) : parse_mysql(s, p, why);
    if (rc != 0) {
        gtid_set_free(s);
        s->mariadb = maria;
    }
    return rc;
}

void
gtid_format_uuid(struct pbuf *out, const uint8_t uuid[16])
{
    static const char hex[] = "0123456789abcdef";
    char t[36];
    int i, o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            t[o++] = '-';
        }
        t[o++] = hex[uuid[i] >> 4];
        t[o++] = hex[uuid[i] & 15];
    }
    pbuf_put(out, t, sizeof(t));
}

void
gtid_format_mysql(struct pbuf *out, const uint8_t uuid[16], const char *tag,
                  uint64_t gno)
{
    gtid_format_uuid(out, uuid);
    if (tag != NULL && tag[0] != '\0') {
        pbuf_putc(out, ':');
        pbuf_puts(out, tag);
    }
    pbuf_putc(out, ':');
    pbuf_put_u64(out, gno);
}

void
gtid_format_maria(struct pbuf *out, uint32_t domain, uint32_t server,
                  uint64_t seq)
{
    pbuf_put_u64(out, domain);
    pbuf_putc(out, '-');
    pbuf_put_u64(out, server);
    pbuf_putc(out, '-');
    pbuf_put_u64(out, seq);
}

void
gtid_set_format(const struct gtid_set *s, struct pbuf *out)
{
    size_t i, j;

    if (s->mariadb) {
        for (i = 0; i < s->n_doms; i++) {
            if (i > 0) {
                pbuf_putc(out, ',');
            }
            gtid_format_maria(out, s->doms[i].domain, s->doms[i].server,
                              s->doms[i].seq);
        }
        return;
    }
    for (i = 0; i < s->n_sids; i++) {
        const struct gtid_sid *sid = &s->sids[i];

        if (i > 0) {
            pbuf_putc(out, ',');
        }
        gtid_format_uuid(out, sid->uuid);
        if (sid->tag[0] != '\0') {
            pbuf_putc(out, ':');
            pbuf_puts(out, sid->tag);
        }
        for (j = 0; j < sid->n_iv; j++) {
            pbuf_putc(out, ':');
            pbuf_put_u64(out, sid->iv[j].start);
            if (sid->iv[j].end != sid->iv[j].start) {
                pbuf_putc(out, '-');
                pbuf_put_u64(out, sid->iv[j].end);
            }
        }
    }
}

void
gtid_set_encode_mysql(const struct gtid_set *s, struct pbuf *out)
{
    size_t i, j;

    /* Gtid_set::encode: n_sids(8), then uuid(16) n_intervals(8) and
     * [start, end) pairs of 8 bytes each, little-endian. */
    pbuf_put_uint(out, s->n_sids, 8);
    for (i = 0; i < s->n_sids; i++) {
        const struct gtid_sid *sid = &s->sids[i];

        pbuf_put(out, sid->uuid, 16);
        pbuf_put_uint(out, sid->n_iv, 8);
        for (j = 0; j < sid->n_iv; j++) {
            pbuf_put_uint(out, sid->iv[j].start, 8);
            pbuf_put_uint(out, sid->iv[j].end + 1, 8);
        }
    }
}
