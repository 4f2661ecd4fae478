/*
 * replication.c - replica commands and stream packet framing (see
 * replication.h).  Layouts from the MySQL client/server protocol:
 * COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID.
 */
#include "proto/mysql/replication.h"

#include <string.h>

static void
put_str1(struct pbuf *out, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n > 255) {
        n = 255;
    }
    pbuf_put_uint(out, n, 1);
    pbuf_put(out, s, n);
}

void
repl_encode_register_slave(struct pbuf *out, uint32_t server_id,
                           const char *host, const char *user,
                           const char *password, uint16_t port)
{
    pbuf_put_uint(out, 0x15, 1);
    pbuf_put_uint(out, server_id, 4);
    put_str1(out, host);
    put_str1(out, user);
    put_str1(out, password);
    pbuf_put_uint(out, port, 2);
    pbuf_put_uint(out, 0, 4);   /* replication rank, unused */
    pbuf_put_uint(out, 0, 4);   /* master id: the server fills it in */
}

void
repl_encode_binlog_dump(struct pbuf *out, uint32_t server_id, uint16_t flags,
                        const char *file, uint32_t pos)
{
    pbuf_put_uint(out, 0x12, 1);
    pbuf_put_uint(out, pos, 4);
    pbuf_put_uint(out, flags, 2);
    pbuf_put_uint(out, server_id, 4);
    if (file != NULL) {
        pbuf_puts(out, file);
    }
}

void
repl_encode_binlog_dump_gtid(struct pbuf *out, uint32_t server_id,
                             uint16_t flags, const char *file, uint64_t pos,
                             const struct gtid_set *gtids)
{
    size_t n = file ? strlen(file) : 0;
    struct pbuf enc = {0};

    pbuf_put_uint(out, 0x1e, 1);
    pbuf_put_uint(out, flags | BINLOG_THROUGH_GTID, 2);
    pbuf_put_uint(out, server_id, 4);
    pbuf_put_uint(out, n, 4);
    pbuf_put(out, file, n);
    pbuf_put_uint(out, pos, 8);
    gtid_set_encode_mysql(gtids, &enc);
    if (enc.failed) {
        out->failed = true;
    }
    pbuf_put_uint(out, enc.len, 4);
    pbuf_put(out, enc.data, enc.len);
    pbuf_free(&enc);
}

enum repl_packet_kind
repl_packet_classify(const uint8_t *p, size_t len)
{
    if (len == 0) {
        return REPL_PACKET_BAD;
    }
    switch (p[0]) {
    case 0x00:
        return REPL_PACKET_EVENT;
    case 0xff:
        return REPL_PACKET_ERROR;
    case 0xfe:
        /* EOF is short; a longer 0xfe packet would be an OK in the new
         * protocol, which a dump stream never sends. */
        return len < 9 ? REPL_PACKET_EOF : REPL_PACKET_BAD;
    default:
        return REPL_PACKET_BAD;
    }
}
