/*
 * replication.h - the commands a replica sends to start a binlog stream,
 * and the framing of the stream's packets.
 *
 * COM_REGISTER_SLAVE (0x15), COM_BINLOG_DUMP (0x12) by file and position,
 * MySQL COM_BINLOG_DUMP_GTID (0x1e) with an encoded GTID set.  Each encoder
 * appends one command payload (without the 4-byte packet header) to a pbuf.
 * After the dump command every server packet is 0x00 + one binlog event,
 * an ERR packet (0xff), or, in non-blocking mode, an EOF (0xfe) at the end.
 */
#ifndef TANDEM_PROTO_MYSQL_REPLICATION_H
#define TANDEM_PROTO_MYSQL_REPLICATION_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/mysql/gtid.h"

/* COM_BINLOG_DUMP flags. */
#define BINLOG_DUMP_NON_BLOCK 0x01           /* EOF at the end, no waiting */
#define BINLOG_SEND_ANNOTATE_ROWS_EVENT 0x02 /* MariaDB: send ANNOTATE_ROWS */
/* COM_BINLOG_DUMP_GTID flag: the GTID set is in the payload. */
#define BINLOG_THROUGH_GTID 0x04

/* @mariadb_slave_capability: MARIA_SLAVE_CAPABILITY_GTID, the newest level,
 * so the server sends GTID events and never rewrites events for old
 * replicas. */
#define MARIADB_SLAVE_CAPABILITY_GTID 4

void repl_encode_register_slave(struct pbuf *out, uint32_t server_id,
                                const char *host, const char *user,
                                const char *password, uint16_t port);

void repl_encode_binlog_dump(struct pbuf *out, uint32_t server_id,
                             uint16_t flags, const char *file, uint32_t pos);

/* MySQL 5.6+: start after the transactions in *gtids (a MySQL set). */
void repl_encode_binlog_dump_gtid(struct pbuf *out, uint32_t server_id,
                                  uint16_t flags, const char *file,
                                  uint64_t pos, const struct gtid_set *gtids);

/* What a stream packet holds. */
enum repl_packet_kind {
    REPL_PACKET_EVENT = 0,  /* 0x00 then a binlog event */
    REPL_PACKET_ERROR,      /* ERR packet: the stream stopped */
    REPL_PACKET_EOF,        /* end of binlog in non-blocking mode */
    REPL_PACKET_BAD,        /* none of the above */
    REPL_PACKET_KIND_COUNT  /* sentinel */
};

enum repl_packet_kind repl_packet_classify(const uint8_t *p, size_t len);

#endif
