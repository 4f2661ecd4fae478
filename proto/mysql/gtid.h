/*
 * gtid.h - GTID positions of MySQL and MariaDB.
 *
 * MySQL: a GTID is `source_uuid:gno`; a GTID set maps each uuid to sorted,
 * disjoint intervals of gnos: `3e11fa47-...:1-5:7,4a2b...:1-3` (MySQL 8.4
 * tags `uuid:tag:1-5` are kept as part of the uuid key).  It is sent in
 * COM_BINLOG_DUMP_GTID in the binary form of
 * Gtid_set::encode (n_sids, then per sid: uuid, n_intervals, [start, end)).
 *
 * MariaDB: a GTID is `domain-server-seq`; a position is a list with at most
 * one GTID per domain, the last applied one: `0-1-100,1-2-5`, sent as
 * @slave_connect_state.
 *
 * Both sets own their storage (malloc); gtid_set_free() releases it.
 */
#ifndef TANDEM_PROTO_MYSQL_GTID_H
#define TANDEM_PROTO_MYSQL_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* One MySQL interval of gnos: start..end inclusive. */
struct gtid_interval {
    uint64_t start;   /* first gno */
    uint64_t end;     /* last gno, inclusive */
};

/* All intervals of one source uuid (and tag). */
struct gtid_sid {
    uint8_t uuid[16];               /* source server uuid */
    char tag[33];                   /* MySQL 8.4 tag, "" when untagged */
    struct gtid_interval *iv;       /* owned, sorted, disjoint */
    size_t n_iv;                    /* used entries */
    size_t cap_iv;                  /* allocated entries */
};

/* One MariaDB GTID. */
struct gtid_maria {
    uint32_t domain;   /* replication domain id */
    uint32_t server;   /* server_id that wrote it */
    uint64_t seq;      /* sequence number in the domain */
};

/* A MySQL GTID set or a MariaDB GTID list (one of the two is used). */
struct gtid_set {
    bool mariadb;                   /* which flavor this set holds */
    struct gtid_sid *sids;          /* MySQL: owned, sorted by uuid */
    size_t n_sids;                  /* used entries */
    struct gtid_maria *doms;        /* MariaDB: owned, sorted by domain */
    size_t n_doms;                  /* used entries */
};

void gtid_set_free(struct gtid_set *s);

/*
 * Parses a GTID set in text form.  The flavor is chosen by the text: a
 * `d-s-n` list is MariaDB, `uuid:...` is MySQL; the empty string is an empty
 * set of the flavor given by mariadb_if_empty.  Returns 0, or -1 with a
 * static reason in *why.  On error the set is left empty.
 */
int gtid_set_parse(struct gtid_set *s, const char *text, bool mariadb_if_empty,
                   const char **why);

/* Adds MySQL uuid:gno (merging intervals).  Returns 0 or -1 (no memory). */
int gtid_set_add_mysql(struct gtid_set *s, const uint8_t uuid[16],
                       const char *tag, uint64_t gno);

/* Records MariaDB domain-server-seq as its domain's position. */
int gtid_set_add_maria(struct gtid_set *s, uint32_t domain, uint32_t server,
                       uint64_t seq);

/* True when MySQL uuid:gno is in the set. */
bool gtid_set_contains_mysql(const struct gtid_set *s, const uint8_t uuid[16],
                             const char *tag, uint64_t gno);

/* Appends the text form ("" for an empty set). */
void gtid_set_format(const struct gtid_set *s, struct pbuf *out);

/* Appends one GTID's text form. */
void gtid_format_mysql(struct pbuf *out, const uint8_t uuid[16],
                       const char *tag, uint64_t gno);
void gtid_format_maria(struct pbuf *out, uint32_t domain, uint32_t server,
                       uint64_t seq);
void gtid_format_uuid(struct pbuf *out, const uint8_t uuid[16]);

/* Appends the binary encoding of a MySQL set for COM_BINLOG_DUMP_GTID. */
void gtid_set_encode_mysql(const struct gtid_set *s, struct pbuf *out);

#endif
