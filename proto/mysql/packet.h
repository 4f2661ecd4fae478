/*
 * packet.h - MySQL/MariaDB client/server packet framing and the generic
 * response packets (OK, ERR, EOF).
 *
 * Every message of the classic protocol travels in packets: a 3-byte
 * little-endian payload length, a 1-byte sequence id, then the payload.  A
 * payload of 0xffffff bytes or more is cut into 0xffffff-byte fragments,
 * the last one shorter (possibly empty); the receiver joins them back
 * (MySQL internals, "Protocol::Packet", "Sending More Than 16Mb").
 *
 * struct mysql_framer turns a byte stream into whole payloads.  It never
 * needs more than the 4 header bytes to be contiguous: body bytes may come
 * in any slices.  A payload that arrives in one slice is handed out as a
 * view into the caller's bytes (no copy); a payload split across slices or
 * across fragments is copied into the framer's own buffer.
 *
 * The OK, ERR and EOF parsers follow CLIENT_PROTOCOL_41 layouts; they
 * return views into the payload, valid as long as the payload bytes are.
 */
#ifndef TANDEM_PROTO_MYSQL_PACKET_H
#define TANDEM_PROTO_MYSQL_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"

/* Capability flags (include/mysql_com.h; MariaDB mysql_com.h). */
#define MYSQL_CLIENT_LONG_PASSWORD        0x00000001u /* MariaDB: CLIENT_MYSQL */
#define MYSQL_CLIENT_FOUND_ROWS           0x00000002u
#define MYSQL_CLIENT_LONG_FLAG            0x00000004u
#define MYSQL_CLIENT_CONNECT_WITH_DB      0x00000008u
#define MYSQL_CLIENT_NO_SCHEMA            0x00000010u
#define MYSQL_CLIENT_COMPRESS             0x00000020u
#define MYSQL_CLIENT_ODBC                 0x00000040u
#define MYSQL_CLIENT_LOCAL_FILES          0x00000080u
#define MYSQL_CLIENT_IGNORE_SPACE         0x00000100u
#define MYSQL_CLIENT_PROTOCOL_41          0x00000200u
#define MYSQL_CLIENT_INTERACTIVE          0x00000400u
#define MYSQL_CLIENT_SSL                  0x00000800u
#define MYSQL_CLIENT_IGNORE_SIGPIPE       0x00001000u
#define MYSQL_CLIENT_TRANSACTIONS         0x00002000u
#define MYSQL_CLIENT_RESERVED             0x00004000u
#define MYSQL_CLIENT_SECURE_CONNECTION    0x00008000u
#define MYSQL_CLIENT_MULTI_STATEMENTS     0x00010000u
#define MYSQL_CLIENT_MULTI_RESULTS        0x00020000u
#define MYSQL_CLIENT_PS_MULTI_RESULTS     0x00040000u
#define MYSQL_CLIENT_PLUGIN_AUTH          0x00080000u
#define MYSQL_CLIENT_CONNECT_ATTRS        0x00100000u
#define MYSQL_CLIENT_PLUGIN_AUTH_LENENC   0x00200000u
#define MYSQL_CLIENT_CAN_HANDLE_EXPIRED   0x00400000u
#define MYSQL_CLIENT_SESSION_TRACK        0x00800000u
#define MYSQL_CLIENT_DEPRECATE_EOF        0x01000000u

/* Server status flags carried by OK and EOF packets. */
#define MYSQL_SERVER_STATUS_IN_TRANS      0x0001u
#define MYSQL_SERVER_STATUS_AUTOCOMMIT    0x0002u
#define MYSQL_SERVER_MORE_RESULTS_EXISTS  0x0008u
#define MYSQL_SERVER_SESSION_STATE_CHANGED 0x4000u

/* Largest fragment payload; a fragment this long is followed by another. */
#define MYSQL_PACKET_MAX_FRAGMENT 0xffffffu
/* Bytes of a packet header. */
#define MYSQL_PACKET_HEADER_LEN 4
/* Default limit on a reassembled payload (max_allowed_packet's maximum). */
#define MYSQL_PACKET_DEFAULT_MAX (1024u * 1024u * 1024u)

/* First byte of the generic response payloads. */
#define MYSQL_PKT_OK  0x00
#define MYSQL_PKT_EOF 0xfe
#define MYSQL_PKT_ERR 0xff

/* Frame states of struct mysql_framer. */
enum mysql_framer_state {
    MYSQL_FRAMER_HEADER = 0, /* waiting for a 4-byte header */
    MYSQL_FRAMER_BODY,       /* copying a fragment body into asm */
    MYSQL_FRAMER_STATE_COUNT /* sentinel */
};

const char *mysql_framer_state_name(enum mysql_framer_state s);

/*
 * Packet reassembler.  A zeroed struct is a valid start state (limit
 * MYSQL_PACKET_DEFAULT_MAX, no sequence check).  Release with
 * mysql_framer_free().
 */
struct mysql_framer {
    size_t max_payload;          /* limit on a payload; 0: default */
    bool check_seq;              /* fail when a sequence id is not `seq` */
    uint8_t seq;                 /* next expected sequence id */
    enum mysql_framer_state state; /* HEADER or BODY */
    uint32_t frag_len;           /* payload bytes of the current fragment */
    uint32_t frag_done;          /* of those, bytes already consumed */
    bool multi;                  /* joining fragments into asm */
    bool asm_out;                /* asm was handed out: clear on next feed */
    uint8_t first_seq;           /* sequence id of the payload's 1st fragment */
    struct pbuf asm;             /* reassembly buffer (owned) */
    size_t need;                 /* after a 0 return: bytes still missing */
    int err;                     /* sticky: negative PROTO_E* or 0 */
    const char *reason;          /* static text for err, or NULL */
    uint8_t bad_hdr[4];          /* the offending header after an error */
};

/* One whole payload handed out by mysql_framer_feed(). */
struct mysql_packet {
    bool ready;                  /* true: payload/len hold a whole payload */
    const uint8_t *payload;      /* borrowed: caller's bytes or framer asm */
    size_t len;                  /* payload bytes */
    uint8_t seq;                 /* sequence id of its first fragment */
    uint8_t last_seq;            /* sequence id of its last fragment */
};

/*
 * Consumes bytes from <p>/<len>.  Returns:
 *   > 0  bytes consumed; if pkt->ready a whole payload is in pkt.  The view
 *        stays valid until the next call on <f> and, when it points into
 *        <p>, as long as the caller keeps those bytes.
 *   0    need more bytes: f->need tells how many more the header needs;
 *        nothing was consumed (call again with the same bytes and more).
 *   < 0  -PROTO_EMALFORMED (bad sequence id) or -PROTO_ELIMIT (payload over
 *        max_payload); f->reason says why.  Sticky until reset.
 */
ssize_t mysql_framer_feed(struct mysql_framer *f, const uint8_t *p,
                          size_t len, struct mysql_packet *pkt);

/* Sets the sequence id expected next and turns the sequence check on. */
void mysql_framer_expect_seq(struct mysql_framer *f, uint8_t seq);

/* Forgets any partial packet and error; keeps max_payload and asm storage. */
void mysql_framer_reset(struct mysql_framer *f);

/* Releases the reassembly buffer; the framer may be reused (zeroed). */
void mysql_framer_free(struct mysql_framer *f);

/*
 * Appends <payload> as packets to <out>: one packet, or fragments of
 * 0xffffff bytes plus a shorter (maybe empty) last one.  The first packet
 * gets sequence id <seq>.  Returns the sequence id for the next packet.
 * Failure shows in out->failed.
 */
uint8_t mysql_packet_encode(struct pbuf *out, uint8_t seq,
                            const void *payload, size_t len);

/* The same for a payload given in two pieces <a> then <b> (a command byte
 * then its argument, say). */
uint8_t mysql_packet_encode2(struct pbuf *out, uint8_t seq,
                             const void *a, size_t alen,
                             const void *b, size_t blen);

/* ---- generic response packets ---- */

/* OK packet (also the 0xfe-headed OK that ends a result set when
 * CLIENT_DEPRECATE_EOF is on). */
struct mysql_ok {
    uint8_t header;              /* 0x00, or 0xfe for a result set's end */
    uint64_t affected_rows;      /* rows changed */
    uint64_t last_insert_id;     /* AUTO_INCREMENT value generated */
    uint16_t status;             /* MYSQL_SERVER_* flags */
    uint16_t warnings;           /* warning count */
    struct span info;            /* human-readable info, may be empty */
    struct span session_state;   /* session tracking data, may be empty */
};

/* ERR packet. */
struct mysql_err {
    uint16_t code;               /* server error number, e.g. 1045 */
    char sqlstate[6];            /* 5 printable chars + NUL; "HY000" if none */
    struct span message;         /* human-readable message (borrowed) */
};

/* EOF packet (before CLIENT_DEPRECATE_EOF). */
struct mysql_eof {
    uint16_t warnings;           /* warning count */
    uint16_t status;             /* MYSQL_SERVER_* flags */
};

/*
 * Parses an OK packet (first byte 0x00 or 0xfe) using the negotiated
 * capabilities <caps>.  Returns <len> or -PROTO_EMALFORMED.
 */
ssize_t mysql_ok_parse(const uint8_t *p, size_t len, uint32_t caps,
                       struct mysql_ok *ok);

/*
 * Parses an ERR packet (first byte 0xff).  The SQLSTATE marker '#' is
 * optional: servers omit it before capabilities are agreed.  Returns <len>
 * or -PROTO_EMALFORMED.
 */
ssize_t mysql_err_parse(const uint8_t *p, size_t len, struct mysql_err *e);

/* Parses an EOF packet (0xfe, under 9 bytes).  Returns <len> or <0. */
ssize_t mysql_eof_parse(const uint8_t *p, size_t len, struct mysql_eof *eof);

/* True for an EOF packet: 0xfe and under 9 bytes. */
bool mysql_is_eof(const uint8_t *p, size_t len);

/* True for the 0xfe-headed OK that ends a result set under
 * CLIENT_DEPRECATE_EOF: a row never starts with 0xfe unless it is at
 * least 0xffffff bytes long. */
bool mysql_is_ok_eof(const uint8_t *p, size_t len);

/*
 * Writes "1045 (28000): Access denied ..." into <out> (always
 * NUL-terminated, cut to <outlen>); control characters in the message
 * become spaces so the text stays on one line.  Returns <out>.
 */
char *mysql_err_format(const struct mysql_err *e, char *out, size_t outlen);

#endif
