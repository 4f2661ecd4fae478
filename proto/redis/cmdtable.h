/*
 * cmdtable.h - the Redis command table: which commands write, which touch
 * more than one database, where their keys are.
 *
 * A replicator needs this to filter commands by database and key prefix,
 * route keys to cluster slots and split multi-key commands.  The table
 * covers every command of Redis 7.4 (src/commands/ JSON files), containers and
 * their subcommands ("xgroup|create", as COMMAND INFO names them), plus the
 * commands later releases added that write (8.0 HGETDEL, HGETEX, HSETEX;
 * 8.2 XACKDEL, XDELEX; 8.4 MSETEX, DELEX) and 8.4 DIGEST.  Module commands
 * are not in it.  Arity and the legacy key range (first, last, step) are
 * those COMMAND INFO reports; commands whose keys move with their
 * arguments (the movablekeys flag) name a finder that reads them the way
 * the server's getkeys procedures do.  Known differences with the replies
 * of redis-server 7.0.15: ZRANK/ZREVRANK arity -3 (WITHSCORE, 7.2),
 * COMMAND GETKEYS[ANDFLAGS] arity -3 (7.2), WAIT flagged blocking (7.2).
 */
#ifndef TANDEM_PROTO_REDIS_CMDTABLE_H
#define TANDEM_PROTO_REDIS_CMDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* Flags of a command (struct cmd_info.flags). */
#define CMD_WRITE 0x0001u       /* may modify data ("write") */
#define CMD_READONLY 0x0002u    /* reads data only ("readonly") */
#define CMD_ADMIN 0x0004u       /* administrative ("admin") */
#define CMD_PUBSUB 0x0008u      /* publish/subscribe ("pubsub") */
#define CMD_BLOCKING 0x0010u    /* may block the client ("blocking") */
#define CMD_MOVABLEKEYS 0x0020u /* key positions depend on the arguments */
#define CMD_SCRIPT 0x0040u      /* EVAL*, FCALL*, SCRIPT, FUNCTION */
#define CMD_TXN 0x0080u         /* MULTI, EXEC, DISCARD */
#define CMD_SELECT_DB 0x0100u   /* SELECT: changes the current database */
#define CMD_MULTI_DB                                                           \
    0x0200u /* may name or change other databases:                             \
             * SWAPDB, MOVE, FLUSHALL, and COPY when                           \
             * given its DB option */
#define CMD_FLUSH                                                              \
    0x0400u                     /* removes keys without naming them:           \
                                 * FLUSHDB, FLUSHALL, SFLUSH */
#define CMD_NOKEYS 0x0800u      /* takes no key */
#define CMD_REPLICATION 0x1000u /* replication traffic: PING, REPLCONF */
#define CMD_CONTAINER 0x2000u   /* has subcommands (argv[1] names one) */
#define CMD_NOT_KEY                                                            \
    0x4000u /* key positions hold shard channels, not                          \
             * keys: SPUBLISH, SSUBSCRIBE,                                     \
             * SUNSUBSCRIBE (slot routing only) */

/* How the keys of a command are found (struct cmd_info.find). */
enum cmd_find {
    CMD_FIND_NONE = 0, /* no keys */
    CMD_FIND_RANGE,    /* first/last/step alone */
    CMD_FIND_NUMKEYS,  /* first/last/step (a destination, may be none),
                        * then argv[kpos] keys every kstep after it:
                        * EVAL, FCALL, ZUNIONSTORE, LMPOP, MSETEX ... */
    CMD_FIND_STREAMS,  /* after the first STREAMS at or after kpos, the
                        * first half of the rest: XREAD, XREADGROUP */
    CMD_FIND_SORT,     /* argv[1], and the destination of STORE */
    CMD_FIND_GEOSTORE, /* argv[1], and the destination of STORE or
                        * STOREDIST at or after kpos: GEORADIUS... */
    CMD_FIND_MIGRATE,  /* argv[3], or after KEYS when argv[3] is "" */
    CMD_FIND_COUNT     /* sentinel */
};

const char *cmd_find_name(enum cmd_find f);

/* One command or subcommand.  Entries are static and never change. */
struct cmd_info {
    const char *name; /* lowercase; "container|sub" for a subcommand */
    int16_t arity;    /* n: exactly n arguments (name included); -n: at
                       * least n */
    int8_t first;     /* legacy range: first key index, 0 when none */
    int8_t last;      /* last key index; < 0 counts from the end (-1 the
                       * last argument) */
    int8_t step;      /* distance between keys of the range */
    uint8_t find;     /* enum cmd_find */
    int8_t kpos;      /* NUMKEYS: index of numkeys; STREAMS, GEOSTORE:
                       * where the keyword search starts */
    int8_t kstep;     /* NUMKEYS: distance between keys */
    uint32_t flags;   /* CMD_* */
    uint32_t since;   /* first Redis version with it, 70400 for 7.4.0 */
};

/* Longest command name in the table, "container|sub" included. */
#define CMDTABLE_NAME_MAX 40

/*
 * The command named <name>/<len>, compared without regard to ASCII case;
 * NULL when unknown.  For a container ("XGROUP") this is the container's
 * entry, flagged CMD_CONTAINER; cmdtable_lookup() resolves subcommands.
 * No allocation; a binary search over the lowercased name.
 */
const struct cmd_info *cmdtable_find(const uint8_t *name, size_t len);

/* Subcommand <sub>/<len> of the container <ci> ("create" of "xgroup");
 * NULL when <ci> is NULL, no container or has no such subcommand. */
const struct cmd_info *cmdtable_find_sub(const struct cmd_info *ci,
                                         const uint8_t *sub, size_t len);

/* The entry for a whole command: argv[0], or for a container the
 * subcommand named by argv[1] (COMMAND alone is its own entry).  NULL
 * when unknown, when argc is 0 or when a container's subcommand is
 * missing or unknown. */
const struct cmd_info *cmdtable_lookup(size_t argc, const struct span *argv);

/*
 * Writes to idx[0..max) the argv indexes of the keys of the command
 * <argc>/<argv> described by <ci> (which must be argv[0]'s entry, or for
 * a container the subcommand's; a container's entry is resolved through
 * argv[1]), in argument order, and returns how many keys there are, which
 * may exceed <max> (only the first <max> are written; call again with
 * room for all).  A key can appear twice when the command names it twice
 * (RENAME k k).  Returns 0 for a command without keys and for a
 * malformed one (wrong arity, numkeys not a number or past the end, ...):
 * cmdtable_check() tells them apart.
 */
size_t cmdtable_keys(const struct cmd_info *ci, size_t argc,
                     const struct span *argv, size_t *idx, size_t max);

/* 0 when <argc>/<argv> fits the arity and the key layout of <ci>, so
 * that cmdtable_keys() is exact; else -PROTO_EMALFORMED with *<why> a
 * static reason ("numkeys past the last argument").  <why> may be NULL. */
int cmdtable_check(const struct cmd_info *ci, size_t argc,
                   const struct span *argv, const char **why);

/* Entries in the table, subcommands and containers included, and entry
 * <i> of them in name order (NULL past the end). */
size_t cmdtable_count(void);
const struct cmd_info *cmdtable_at(size_t i);

#endif
