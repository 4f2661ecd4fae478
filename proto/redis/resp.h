/*
 * resp.h - the RESP command stream a Redis master sends its replicas, the
 * lines of the replication handshake, and the command encoder.
 *
 * After "+FULLRESYNC" and the RDB snapshot (or right after "+CONTINUE") a
 * master sends every write it executes as a RESP2 multibulk, one command
 * after another, e.g. "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" (RESP
 * specification, "Sending commands to a Redis server").  The replication
 * offset counts every one of those bytes, so resp_cmd_next() reports the
 * exact number of bytes each command took: their sum is the offset to
 * acknowledge with REPLCONF ACK and to resume from with PSYNC.
 *
 * resp_cmd_next() follows what a Redis 7 replica accepts from its master
 * (networking.c processMultibulkBuffer/processInlineBuffer), stricter where
 * Redis only skips bytes: every line must end in CRLF and every argument
 * must be followed by CRLF.  Besides multibulks it accepts
 *   - "*0\r\n" and "*-1\r\n" (any count <= 0): a command of no arguments;
 *   - inline commands, a line not starting with '*' split on white space
 *     ("PING\r\n"), with '"' or '\'' quoted arguments that hold no escape;
 *   - bare "\n" (or "\r\n") keepalives: an inline command of no arguments.
 * Redis 7 replicas drop the link on a non-empty inline command from their
 * master ("Master using the inline protocol. Desync?"); resp_cmd.is_inline
 * lets the caller do the same.  Aggregates nested inside a command are an
 * error: a command's arguments are bulk strings only.
 *
 * Decoded commands are views: argv[i] points into the caller's bytes and
 * stays valid as long as the caller keeps them; the argv array itself is
 * the decoder's scratch, valid until the next call on the decoder.  When a
 * command is not whole, the decoder keeps how far it got: the caller calls
 * again with the same bytes (same content at the same offsets from p, the
 * address may change) and more behind them, and only the new bytes are
 * looked at.  A 0 return leaves in d->need the total number of bytes at p
 * the next call needs, so a caller feeding a 100 MB argument in 16 KiB
 * reads calls again only once that many bytes are there.
 */
#ifndef TANDEM_PROTO_REDIS_RESP_H
#define TANDEM_PROTO_REDIS_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"

/* Default limit on the arguments of one command (d->max_args == 0). */
#define RESP_DEFAULT_MAX_ARGS (1024u * 1024u)
/* Default limit on one argument's bytes (d->max_bulk == 0); Redis'
 * proto-max-bulk-len default. */
#define RESP_DEFAULT_MAX_BULK ((size_t)512 * 1024 * 1024)
/* Longest inline command and longest handshake line, CRLF included
 * (Redis PROTO_INLINE_MAX_SIZE). */
#define RESP_MAX_LINE (64u * 1024u)
/* A "*<count>" or "$<length>" line must have its CR within this many
 * bytes of its first byte. */
#define RESP_MAX_HEADER 32u
/* Bytes of the mark after "$EOF:" in a diskless transfer (Redis
 * RDB_EOF_MARK_SIZE). */
#define RESP_EOF_MARK_LEN 40u
/* Bytes of a replication ID (Redis CONFIG_RUN_ID_SIZE). */
#define RESP_REPLID_LEN 40u

/* Where resp_cmd_next() stopped inside a command. */
enum resp_dec_state {
    RESP_DEC_START = 0,  /* before the first byte of a command */
    RESP_DEC_INLINE,     /* looking for the end of an inline line */
    RESP_DEC_ARG_HEADER, /* before an argument's "$<length>" line */
    RESP_DEC_ARG_BODY,   /* waiting for an argument's bytes and CRLF */
    RESP_DEC_STATE_COUNT /* sentinel */
};

const char *resp_dec_state_name(enum resp_dec_state s);

/*
 * Command stream decoder.  A zeroed struct is a valid start state with the
 * default limits; set the limits before the first call.  Release the
 * scratch with resp_dec_free().
 */
struct resp_dec {
    size_t max_args;   /* limit on argc; 0: RESP_DEFAULT_MAX_ARGS */
    size_t max_bulk;   /* limit on one argument; 0: default */
    size_t max_inline; /* limit on an inline line; 0: RESP_MAX_LINE */

    enum resp_dec_state state; /* position inside the current command */
    size_t pos;                /* bytes of the command parsed so far */
    size_t argc;               /* arguments announced by "*<count>" */
    size_t got;                /* arguments whose header was parsed */
    size_t need;               /* after a 0 return: total bytes wanted */

    struct span *argv; /* owned scratch: argument views */
    size_t *argo;      /* owned scratch: argument offsets in p */
    size_t cap;        /* entries allocated in argv and argo */

    int err;              /* sticky: -PROTO_E* or 0 */
    size_t err_off;       /* offset from p of the offending byte */
    const char *err_what; /* static reason for err */
    char err_msg[160];    /* resp_dec_strerror() output */
};

/* One decoded command. */
struct resp_cmd {
    size_t argc;       /* arguments; 0 for keepalives and "*0" */
    struct span *argv; /* argc views into the caller's bytes; the array is
                        * decoder scratch, valid until its next call (the
                        * caller may rewrite entries, e.g. to rename keys) */
    bool is_inline;    /* it came as an inline line, not a multibulk */
};

/*
 * Decodes one command from the start of <p>/<len> into <out>.  Returns:
 *   > 0  bytes consumed, exactly the command's bytes on the wire; <out>
 *        holds it (argc may be 0: "\n", "\r\n", "*0\r\n", "*-1\r\n").
 *   0    need more: call again with the same bytes and more behind them;
 *        d->need is the total number of bytes at <p> wanted.  A call with
 *        fewer than d->need bytes returns 0 at once.
 *   < 0  -PROTO_EMALFORMED (bad length, missing CRLF, nested aggregate,
 *        unbalanced quotes), -PROTO_ELIMIT (a limit above), -PROTO_ENOMEM
 *        (scratch could not grow) or -PROTO_EUNSUPPORTED (an inline argument
 *        with escapes); d->err_off is the offset from <p> of the offending
 *        byte and d->err_what the reason.  The error is sticky: every later
 *        call returns it until resp_dec_reset().
 * Never allocates except to grow the argv scratch, which is kept for the
 * next commands (resp_dec_trim() gives it back).
 */
ssize_t resp_cmd_next(struct resp_dec *d, const uint8_t *p, size_t len,
                      struct resp_cmd *out);

/* Forgets a partial command and the sticky error; keeps limits and
 * scratch.  Call it before decoding from a new position. */
void resp_dec_reset(struct resp_dec *d);

/* Gives the argv scratch back when no command is in progress (an idle
 * link then costs no scratch). */
void resp_dec_trim(struct resp_dec *d);

/* Frees the scratch; the decoder may be used again (limits are kept). */
void resp_dec_free(struct resp_dec *d);

/* The sticky error as one line ("argument not followed by CRLF at byte 9
 * of a command"), formatted into d->err_msg; "" without error. */
const char *resp_dec_strerror(struct resp_dec *d);

/*
 * One line of the handshake ("+FULLRESYNC <replid> <offset>", "+CONTINUE",
 * "-ERR ...", "$<len>", "$EOF:<mark>", a "\n" keepalive).  Like a Redis
 * replica (connSyncReadLine) it accepts a line ending in "\n" as well as in
 * "\r\n".  Returns the bytes consumed, terminator included, with <line> a
 * view of the line without its terminator; 0 when <p>/<len> holds no whole
 * line yet; -PROTO_ELIMIT when RESP_MAX_LINE bytes hold no line end.
 */
ssize_t resp_line(const uint8_t *p, size_t len, struct span *line);

/* Kinds of reply to PSYNC. */
enum resp_psync_kind {
    RESP_PSYNC_FULLRESYNC = 0, /* "+FULLRESYNC <replid> <offset>" */
    RESP_PSYNC_CONTINUE,       /* "+CONTINUE" or "+CONTINUE <new replid>" */
    RESP_PSYNC_ERROR,          /* "-<message>": -NOMASTERLINK, -LOADING,
                                * -ERR ... */
    RESP_PSYNC_KIND_COUNT      /* sentinel */
};

const char *resp_psync_kind_name(enum resp_psync_kind k);

/* A reply to PSYNC, views into the line. */
struct resp_psync_reply {
    enum resp_psync_kind kind; /* which reply */
    struct span replid;        /* FULLRESYNC, CONTINUE: RESP_REPLID_LEN
                                * bytes, or empty after a bare +CONTINUE */
    uint64_t offset;           /* FULLRESYNC: offset the snapshot matches */
    struct span text;          /* ERROR: the message after '-' */
};

/* Parses <line> (from resp_line()) as a reply to PSYNC.  Returns 0, or
 * -PROTO_EMALFORMED with *<why> a static reason when it is none. */
int resp_psync_reply(struct span line, struct resp_psync_reply *out,
                     const char **why);

/* The line announcing the RDB snapshot of a full resynchronization. */
struct resp_rdb_header {
    bool eof_mark;    /* true: "$EOF:<mark>", the RDB ends with <mark> */
    uint64_t len;     /* !eof_mark: bytes of RDB that follow the line */
    struct span mark; /* eof_mark: RESP_EOF_MARK_LEN bytes (view) */
};

/* Parses <line> as "$<len>" (disk-based transfer, no CRLF after the RDB)
 * or "$EOF:<40-byte mark>" (diskless, the RDB is followed by the mark).
 * Returns 0, or -PROTO_EMALFORMED with *<why> a static reason. */
int resp_rdb_header(struct span line, struct resp_rdb_header *out,
                    const char **why);

/*
 * Encoders, into a struct pbuf (a failed growth sets b->failed and drops
 * the rest; check it once at the end).  They write the canonical form
 * "*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per argument, with decimal
 * lengths without sign or leading zeros, which resp_cmd_next() decodes
 * back to the same arguments.  No printf.
 */

/* "*<n>\r\n": the header of a command of <n> arguments. */
void resp_put_array(struct pbuf *b, size_t n);

/* "$<len>\r\n<p>\r\n": one argument (<p> may be NULL when <len> is 0). */
void resp_put_bulk(struct pbuf *b, const void *p, size_t len);

/* One argument holding the decimal text of <v> ("-12"). */
void resp_put_bulk_i64(struct pbuf *b, int64_t v);

/* A whole command from <argc> views. */
void resp_put_cmd(struct pbuf *b, size_t argc, const struct span *argv);

/* A whole command from <argc> NUL-terminated strings passed after <argc>:
 * resp_put_cmdv(b, 3, "SET", key, "1").  Arguments holding NUL bytes
 * need resp_put_cmd() or resp_put_bulk(). */
void resp_put_cmdv(struct pbuf *b, size_t argc, ...);

/* Bytes resp_put_bulk() writes for an argument of <len> bytes. */
size_t resp_bulk_wire_len(size_t len);

/* Bytes resp_put_cmd() writes for <argc>/<argv>: what the command adds to
 * a replication offset. */
size_t resp_cmd_wire_len(size_t argc, const struct span *argv);

/* Value of field <key> of an INFO reply (<len> bytes of "key:value"
 * lines at <text>), copied NUL-terminated to <out>.  False when absent or
 * longer than <outlen> - 1. */
bool resp_info_field(const char *text, size_t len, const char *key,
                     char *out, size_t outlen);

/* True when argument <a> is <lit>, ASCII letters compared without case
 * (a command or option name: "select", "GETACK"). */
bool resp_arg_is(struct span a, const char *lit);

/* Argument <a> as a database number (1 to 9 decimal digits), or -1. */
long resp_arg_db(struct span a);

#endif
