/*
 * cmdtable.c - the Redis command table and its key finders (see
 * cmdtable.h).
 *
 * The rows were built from the JSON files of Redis 7.4 src/commands/ (arity,
 * flags, key specs reduced to the legacy range COMMAND INFO reports, plus a
 * finder for movable keys) and checked against COMMAND of redis-server
 * 7.0.15.  They are sorted by name, bytewise, for the binary search.
 * The finders follow the server's getkeys procedures (db.c
 * evalGetKeys, zunionInterDiffStoreGetKeys, sortGetKeys, migrateGetKeys,
 * georadiusGetKeys, xreadGetKeys, lmpopGetKeys ...), reading only
 * well-formed commands: anything else is reported by cmdtable_check().
 */
#include "proto/redis/cmdtable.h"

#include <string.h>

static const struct cmd_info cmd_table[] = {
    {"acl", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     60000},
    {"acl|cat", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"acl|deluser", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|dryrun", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     70000},
    {"acl|genpass", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"acl|getuser", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"acl|list", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|load", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|log", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|save", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|setuser", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|users", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60000},
    {"acl|whoami", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"append", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"asking", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"auth", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 10000},
    {"bgrewriteaof", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     10000},
    {"bgsave", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"bitcount", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20600},
    {"bitfield", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 30200},
    {"bitfield_ro", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60000},
    {"bitop", -4, 2, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"bitpos", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20807},
    {"blmove", 6, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     60200},
    {"blmpop", -5, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_WRITE | CMD_BLOCKING | CMD_MOVABLEKEYS, 70000},
    {"blpop", -3, 1, -2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     20000},
    {"brpop", -3, 1, -2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     20000},
    {"brpoplpush", 4, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     20200},
    {"bzmpop", -5, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_WRITE | CMD_BLOCKING | CMD_MOVABLEKEYS, 70000},
    {"bzpopmax", -3, 1, -2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     50000},
    {"bzpopmin", -3, 1, -2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_BLOCKING,
     50000},
    {"client", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20400},
    {"client|caching", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"client|getname", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20609},
    {"client|getredir", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"client|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"client|id", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"client|info", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"client|kill", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20400},
    {"client|list", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20400},
    {"client|no-evict", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     70000},
    {"client|no-touch", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70200},
    {"client|pause", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     30000},
    {"client|reply", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30200},
    {"client|setinfo", 4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70200},
    {"client|setname", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20609},
    {"client|tracking", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"client|trackinginfo", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"client|unblock", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     50000},
    {"client|unpause", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60200},
    {"cluster", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     30000},
    {"cluster|addslots", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|addslotsrange", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 70000},
    {"cluster|bumpepoch", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|count-failure-reports", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|countkeysinslot", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS,
     30000},
    {"cluster|delslots", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|delslotsrange", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 70000},
    {"cluster|failover", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|flushslots", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|forget", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     30000},
    {"cluster|getkeysinslot", 4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS,
     30000},
    {"cluster|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"cluster|info", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"cluster|keyslot", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"cluster|links", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70000},
    {"cluster|meet", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     30000},
    {"cluster|myid", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"cluster|myshardid", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70200},
    {"cluster|nodes", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"cluster|replicas", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 50000},
    {"cluster|replicate", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|reset", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     30000},
    {"cluster|saveconfig", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|set-config-epoch", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|setslot", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 30000},
    {"cluster|shards", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70000},
    {"cluster|slaves", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     30000},
    {"cluster|slots", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"command", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20813},
    {"command|count", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20813},
    {"command|docs", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70000},
    {"command|getkeys", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20813},
    {"command|getkeysandflags", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS,
     70000},
    {"command|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"command|info", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20813},
    {"command|list", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 70000},
    {"config", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20000},
    {"config|get", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20000},
    {"config|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"config|resetstat", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 20000},
    {"config|rewrite", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20800},
    {"config|set", -4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20000},
    {"copy", -3, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_MULTI_DB,
     60200},
    {"dbsize", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_READONLY | CMD_NOKEYS,
     10000},
    {"debug", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"decr", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"decrby", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"del", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"delex", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80400},
    {"digest", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 80400},
    {"discard", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_TXN | CMD_NOKEYS, 20000},
    {"dump", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20600},
    {"echo", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 10000},
    {"eval", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1, CMD_SCRIPT | CMD_MOVABLEKEYS,
     20600},
    {"eval_ro", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_READONLY | CMD_SCRIPT | CMD_MOVABLEKEYS, 70000},
    {"evalsha", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_SCRIPT | CMD_MOVABLEKEYS, 20600},
    {"evalsha_ro", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_READONLY | CMD_SCRIPT | CMD_MOVABLEKEYS, 70000},
    {"exec", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_TXN | CMD_NOKEYS, 10200},
    {"exists", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"expire", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"expireat", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"expiretime", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70000},
    {"failover", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     60200},
    {"fcall", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1, CMD_SCRIPT | CMD_MOVABLEKEYS,
     70000},
    {"fcall_ro", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 2, 1,
     CMD_READONLY | CMD_SCRIPT | CMD_MOVABLEKEYS, 70000},
    {"flushall", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_MULTI_DB | CMD_FLUSH | CMD_NOKEYS, 10000},
    {"flushdb", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_FLUSH | CMD_NOKEYS, 10000},
    {"function", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_SCRIPT | CMD_CONTAINER | CMD_NOKEYS, 70000},
    {"function|delete", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_SCRIPT | CMD_NOKEYS, 70000},
    {"function|dump", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     70000},
    {"function|flush", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_SCRIPT | CMD_NOKEYS, 70000},
    {"function|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     70000},
    {"function|kill", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     70000},
    {"function|list", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     70000},
    {"function|load", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_SCRIPT | CMD_NOKEYS, 70000},
    {"function|restore", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_SCRIPT | CMD_NOKEYS, 70000},
    {"function|stats", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     70000},
    {"geoadd", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 30200},
    {"geodist", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30200},
    {"geohash", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30200},
    {"geopos", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30200},
    {"georadius", -6, 1, 1, 1, CMD_FIND_GEOSTORE, 6, 0,
     CMD_WRITE | CMD_MOVABLEKEYS, 30200},
    {"georadius_ro", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30210},
    {"georadiusbymember", -5, 1, 1, 1, CMD_FIND_GEOSTORE, 5, 0,
     CMD_WRITE | CMD_MOVABLEKEYS, 30200},
    {"georadiusbymember_ro", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY,
     30210},
    {"geosearch", -7, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60200},
    {"geosearchstore", -8, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"get", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"getbit", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20200},
    {"getdel", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"getex", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"getrange", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20400},
    {"getset", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"hdel", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"hello", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60000},
    {"hexists", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hexpire", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 70400},
    {"hexpireat", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 70400},
    {"hexpiretime", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70400},
    {"hget", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hgetall", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hgetdel", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80000},
    {"hgetex", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80000},
    {"hincrby", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"hincrbyfloat", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"hkeys", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hlen", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hmget", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"hmset", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"hpersist", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 70400},
    {"hpexpire", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 70400},
    {"hpexpireat", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 70400},
    {"hpexpiretime", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70400},
    {"hpttl", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70400},
    {"hrandfield", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60200},
    {"hscan", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20800},
    {"hset", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"hsetex", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80000},
    {"hsetnx", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"hstrlen", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30200},
    {"httl", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70400},
    {"hvals", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"incr", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"incrby", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"incrbyfloat", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"info", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 10000},
    {"keys", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_READONLY | CMD_NOKEYS, 10000},
    {"lastsave", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 10000},
    {"latency", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20813},
    {"latency|doctor", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20813},
    {"latency|graph", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20813},
    {"latency|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20813},
    {"latency|histogram", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_NOKEYS, 70000},
    {"latency|history", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20813},
    {"latency|latest", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20813},
    {"latency|reset", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20813},
    {"lcs", -3, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70000},
    {"lindex", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"linsert", 5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"llen", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"lmove", 5, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"lmpop", -4, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1, CMD_WRITE | CMD_MOVABLEKEYS,
     70000},
    {"lolwut", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_READONLY | CMD_NOKEYS,
     50000},
    {"lpop", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"lpos", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60006},
    {"lpush", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"lpushx", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"lrange", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"lrem", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"lset", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"ltrim", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"memory", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     40000},
    {"memory|doctor", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 40000},
    {"memory|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 40000},
    {"memory|malloc-stats", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 40000},
    {"memory|purge", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 40000},
    {"memory|stats", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 40000},
    {"memory|usage", -3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 40000},
    {"mget", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"migrate", -6, 3, 3, 1, CMD_FIND_MIGRATE, 0, 0,
     CMD_WRITE | CMD_MOVABLEKEYS, 20600},
    {"module", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     40000},
    {"module|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"module|list", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     40000},
    {"module|load", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     40000},
    {"module|loadex", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     70000},
    {"module|unload", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     40000},
    {"monitor", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"move", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_MULTI_DB, 10000},
    {"mset", -3, 1, -1, 2, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10001},
    {"msetex", -4, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 2, CMD_WRITE | CMD_MOVABLEKEYS,
     80400},
    {"msetnx", -3, 1, -1, 2, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10001},
    {"multi", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_TXN | CMD_NOKEYS, 10200},
    {"object", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20203},
    {"object|encoding", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20203},
    {"object|freq", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 40000},
    {"object|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"object|idletime", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20203},
    {"object|refcount", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20203},
    {"persist", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"pexpire", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"pexpireat", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"pexpiretime", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 70000},
    {"pfadd", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20809},
    {"pfcount", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20809},
    {"pfdebug", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE | CMD_ADMIN, 20809},
    {"pfmerge", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20809},
    {"pfselftest", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20809},
    {"ping", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_REPLICATION | CMD_NOKEYS,
     10000},
    {"psetex", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"psubscribe", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20000},
    {"psync", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 20800},
    {"pttl", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20600},
    {"publish", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20000},
    {"pubsub", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20800},
    {"pubsub|channels", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_PUBSUB | CMD_NOKEYS, 20800},
    {"pubsub|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"pubsub|numpat", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20800},
    {"pubsub|numsub", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20800},
    {"pubsub|shardchannels", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_PUBSUB | CMD_NOKEYS, 70000},
    {"pubsub|shardnumsub", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_PUBSUB | CMD_NOKEYS, 70000},
    {"punsubscribe", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20000},
    {"quit", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 10000},
    {"randomkey", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_READONLY | CMD_NOKEYS,
     10000},
    {"readonly", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"readwrite", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 30000},
    {"rename", 3, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"renamenx", 3, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"replconf", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_ADMIN | CMD_REPLICATION | CMD_NOKEYS, 30000},
    {"replicaof", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     50000},
    {"reset", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"restore", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20600},
    {"restore-asking", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 30000},
    {"role", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20812},
    {"rpop", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"rpoplpush", 3, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"rpush", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"rpushx", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"sadd", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"save", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"scan", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_READONLY | CMD_NOKEYS,
     20800},
    {"scard", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"script", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_SCRIPT | CMD_CONTAINER | CMD_NOKEYS, 20600},
    {"script|debug", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     30200},
    {"script|exists", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     20600},
    {"script|flush", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     20600},
    {"script|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     50000},
    {"script|kill", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     20600},
    {"script|load", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SCRIPT | CMD_NOKEYS,
     20600},
    {"sdiff", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"sdiffstore", -3, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"select", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_SELECT_DB | CMD_NOKEYS,
     10000},
    {"set", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"setbit", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"setex", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"setnx", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"setrange", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20200},
    {"sflush", -3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_FLUSH | CMD_NOKEYS, 80000},
    {"shutdown", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     10000},
    {"sinter", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"sintercard", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1,
     CMD_READONLY | CMD_MOVABLEKEYS, 70000},
    {"sinterstore", -3, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"sismember", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"slaveof", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"slowlog", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     20212},
    {"slowlog|get", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20212},
    {"slowlog|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 60200},
    {"slowlog|len", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20212},
    {"slowlog|reset", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS,
     20212},
    {"smembers", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"smismember", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60200},
    {"smove", 4, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"sort", -2, 1, 1, 1, CMD_FIND_SORT, 0, 0, CMD_WRITE | CMD_MOVABLEKEYS,
     10000},
    {"sort_ro", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0,
     CMD_READONLY | CMD_MOVABLEKEYS, 70000},
    {"spop", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"spublish", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_PUBSUB | CMD_NOT_KEY,
     70000},
    {"srandmember", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"srem", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"sscan", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20800},
    {"ssubscribe", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_PUBSUB | CMD_NOT_KEY,
     70000},
    {"strlen", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20200},
    {"subscribe", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20000},
    {"substr", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"sunion", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"sunionstore", -3, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10000},
    {"sunsubscribe", -1, 1, -1, 1, CMD_FIND_RANGE, 0, 0,
     CMD_PUBSUB | CMD_NOT_KEY, 70000},
    {"swapdb", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0,
     CMD_WRITE | CMD_MULTI_DB | CMD_NOKEYS, 40000},
    {"sync", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_ADMIN | CMD_NOKEYS, 10000},
    {"time", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20600},
    {"touch", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 30201},
    {"ttl", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"type", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10000},
    {"unlink", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 40000},
    {"unsubscribe", -1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_PUBSUB | CMD_NOKEYS,
     20000},
    {"unwatch", 1, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 20200},
    {"wait", 3, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_BLOCKING | CMD_NOKEYS, 30000},
    {"waitaof", 4, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_BLOCKING | CMD_NOKEYS,
     70200},
    {"watch", -2, 1, -1, 1, CMD_FIND_RANGE, 0, 0, 0, 20200},
    {"xack", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xackdel", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80200},
    {"xadd", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xautoclaim", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"xclaim", -6, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xdel", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xdelex", -5, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 80200},
    {"xgroup", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     50000},
    {"xgroup|create", -5, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xgroup|createconsumer", 5, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE,
     60200},
    {"xgroup|delconsumer", 5, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xgroup|destroy", 4, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xgroup|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"xgroup|setid", -5, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xinfo", -2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_CONTAINER | CMD_NOKEYS,
     50000},
    {"xinfo|consumers", 4, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xinfo|groups", 3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xinfo|help", 2, 0, 0, 0, CMD_FIND_NONE, 0, 0, CMD_NOKEYS, 50000},
    {"xinfo|stream", -3, 2, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xlen", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xpending", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xrange", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xread", -4, 0, 0, 0, CMD_FIND_STREAMS, 1, 0,
     CMD_READONLY | CMD_BLOCKING | CMD_MOVABLEKEYS, 50000},
    {"xreadgroup", -7, 0, 0, 0, CMD_FIND_STREAMS, 4, 0,
     CMD_WRITE | CMD_BLOCKING | CMD_MOVABLEKEYS, 50000},
    {"xrevrange", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 50000},
    {"xsetid", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"xtrim", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"zadd", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"zcard", 2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10200},
    {"zcount", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"zdiff", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1,
     CMD_READONLY | CMD_MOVABLEKEYS, 60200},
    {"zdiffstore", -4, 1, 1, 1, CMD_FIND_NUMKEYS, 2, 1,
     CMD_WRITE | CMD_MOVABLEKEYS, 60200},
    {"zincrby", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"zinter", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1,
     CMD_READONLY | CMD_MOVABLEKEYS, 60200},
    {"zintercard", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1,
     CMD_READONLY | CMD_MOVABLEKEYS, 70000},
    {"zinterstore", -4, 1, 1, 1, CMD_FIND_NUMKEYS, 2, 1,
     CMD_WRITE | CMD_MOVABLEKEYS, 20000},
    {"zlexcount", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20809},
    {"zmpop", -4, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1, CMD_WRITE | CMD_MOVABLEKEYS,
     70000},
    {"zmscore", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60200},
    {"zpopmax", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"zpopmin", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 50000},
    {"zrandmember", -2, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 60200},
    {"zrange", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10200},
    {"zrangebylex", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20809},
    {"zrangebyscore", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10005},
    {"zrangestore", -5, 1, 2, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 60200},
    {"zrank", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"zrem", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"zremrangebylex", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20809},
    {"zremrangebyrank", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 20000},
    {"zremrangebyscore", 4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_WRITE, 10200},
    {"zrevrange", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10200},
    {"zrevrangebylex", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20809},
    {"zrevrangebyscore", -4, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY,
     20200},
    {"zrevrank", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20000},
    {"zscan", -3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 20800},
    {"zscore", 3, 1, 1, 1, CMD_FIND_RANGE, 0, 0, CMD_READONLY, 10200},
    {"zunion", -3, 0, 0, 0, CMD_FIND_NUMKEYS, 1, 1,
     CMD_READONLY | CMD_MOVABLEKEYS, 60200},
    {"zunionstore", -4, 1, 1, 1, CMD_FIND_NUMKEYS, 2, 1,
     CMD_WRITE | CMD_MOVABLEKEYS, 20000},
};

#define CMD_TABLE_LEN (sizeof(cmd_table) / sizeof(cmd_table[0]))

static const char *const cmd_find_names[CMD_FIND_COUNT] = {
    [CMD_FIND_NONE] = "none",       [CMD_FIND_RANGE] = "range",
    [CMD_FIND_NUMKEYS] = "numkeys", [CMD_FIND_STREAMS] = "streams",
    [CMD_FIND_SORT] = "sort",       [CMD_FIND_GEOSTORE] = "geostore",
    [CMD_FIND_MIGRATE] = "migrate",
};

const char *
cmd_find_name(enum cmd_find f)
{
    if ((unsigned)f >= CMD_FIND_COUNT) {
        return "unknown";
    }
    return cmd_find_names[f];
}

size_t
cmdtable_count(void)
{
    return CMD_TABLE_LEN;
}

const struct cmd_info *
cmdtable_at(size_t i)
{
    return i < CMD_TABLE_LEN ? &cmd_table[i] : NULL;
}

/* Bytewise order of <a>/<alen> against the NUL-terminated <b> (a shorter
 * string first); <a> holds no NUL. */
static int
name_cmp(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen; i++) {
        if (b[i] == '\0') {
            return 1;
        }
        if (a[i] != b[i]) {
            return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
        }
    }
    return b[alen] == '\0' ? 0 : -1;
}

static const struct cmd_info *
search(const char *key, size_t len)
{
    size_t lo = 0, hi = CMD_TABLE_LEN;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(key, len, cmd_table[mid].name);

        if (c == 0) {
            return &cmd_table[mid];
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* Appends the lowercase of <p>/<len> to key[*n]; false when it would not
 * fit a table name or holds '|' or NUL (no command name does). */
static bool
lower_into(char *key, size_t *n, const uint8_t *p, size_t len)
{
    size_t i;

    if (len > CMDTABLE_NAME_MAX - *n) {
        return false;
    }
    for (i = 0; i < len; i++) {
        uint8_t c = p[i];

        if (c == '|' || c == '\0') {
            return false;
        }
        key[(*n)++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return true;
}

const struct cmd_info *
cmdtable_find(const uint8_t *name, size_t len)
{
    char key[CMDTABLE_NAME_MAX];
    size_t n = 0;

    if (len == 0 || !lower_into(key, &n, name, len)) {
        return NULL;
    }
    return search(key, n);
}

const struct cmd_info *
cmdtable_find_sub(const struct cmd_info *ci, const uint8_t *sub, size_t len)
{
    char key[CMDTABLE_NAME_MAX];
    size_t n = ci != NULL ? strlen(ci->name) : 0;

    if (ci == NULL || !(ci->flags & CMD_CONTAINER) || len == 0 ||
        n + 1 > sizeof(key)) {
        return NULL;
    }
    memcpy(key, ci->name, n);
    key[n++] = '|';
    if (!lower_into(key, &n, sub, len)) {
        return NULL;
    }
    return search(key, n);
}

const struct cmd_info *
cmdtable_lookup(size_t argc, const struct span *argv)
{
    const struct cmd_info *ci;

    if (argc == 0) {
        return NULL;
    }
    ci = cmdtable_find(argv[0].p, argv[0].len);
    /* COMMAND alone (arity -1) runs as it is */
    if (ci != NULL && (ci->flags & CMD_CONTAINER) &&
        (argc >= 2 || ci->arity != -1)) {
        ci = argc >= 2 ? cmdtable_find_sub(ci, argv[1].p, argv[1].len) : NULL;
    }
    return ci;
}

/* ---- key finders ---- */

/* Key positions gathered by a finder. */
struct keys_out {
    size_t *idx;     /* caller's array, or NULL */
    size_t max;      /* entries at idx */
    size_t n;        /* keys found, may exceed max */
    const char *why; /* reason the command is malformed, or NULL */
};

static void
add_key(struct keys_out *o, size_t i)
{
    if (o->n < o->max) {
        o->idx[o->n] = i;
    }
    o->n++;
}

static bool
bad(struct keys_out *o, const char *why)
{
    o->why = why;
    return false;
}

static bool
arg_is(struct span s, const char *word)
{
    size_t n = strlen(word), i;

    if (s.len != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        uint8_t c = s.p[i];

        if ((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) != (uint8_t)word[i]) {
            return false;
        }
    }
    return true;
}

/* A count argument as the server reads it (string2ll: optional '-', no
 * leading zeros or spaces); false when it is no integer. */
static bool
arg_count(struct span s, int64_t *out)
{
    bool minus = false;
    int64_t v = 0;
    size_t i = 0;

    if (s.len > 0 && s.p[0] == '-') {
        minus = true;
        i = 1;
    }
    if (i == s.len || s.len - i > 18 || (s.p[i] == '0' && s.len - i > 1)) {
        return false;
    }
    for (; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return false;
        }
        v = v * 10 + (s.p[i] - '0');
    }
    *out = minus ? -v : v;
    return true;
}

/* The legacy range first..last by step. */
static bool
find_range(const struct cmd_info *ci, size_t argc, struct keys_out *o)
{
    int64_t first = ci->first, last = ci->last, i;

    if (first == 0) {
        return true;
    }
    if (last < 0) {
        last += (int64_t)argc;
        /* MSET k v k2: the pairs after the first key must be whole */
        if (ci->step > 1 && (last + 1 - first) % ci->step != 0) {
            return bad(o, "arguments after the first key are not whole "
                          "key/value groups");
        }
    }
    if (first >= (int64_t)argc || last >= (int64_t)argc || last < first) {
        return bad(o, "key range past the last argument");
    }
    for (i = first; i <= last; i += ci->step) {
        add_key(o, (size_t)i);
    }
    return true;
}

/* EVAL script numkeys key..., ZUNIONSTORE dest numkeys key..., LMPOP
 * numkeys key..., MSETEX numkeys key value ... */
static bool
find_numkeys(const struct cmd_info *ci, size_t argc, const struct span *argv,
             struct keys_out *o)
{
    int64_t nk;
    size_t pos = (size_t)ci->kpos, step = (size_t)ci->kstep, k;

    if (!find_range(ci, argc, o)) {
        return false;
    }
    if (pos >= argc || !arg_count(argv[pos], &nk)) {
        return bad(o, "numkeys is not an integer");
    }
    if (nk < 0) {
        return bad(o, "numkeys is negative");
    }
    if (nk == 0 && !(ci->flags & CMD_SCRIPT)) {
        return bad(o, "numkeys is 0");
    }
    if ((uint64_t)nk > (argc - pos - 1) / step) {
        return bad(o, "numkeys past the last argument");
    }
    for (k = 0; k < (size_t)nk; k++) {
        add_key(o, pos + 1 + k * step);
    }
    return true;
}

/* XREAD [COUNT n] [BLOCK ms] STREAMS key... id..., XREADGROUP GROUP g c
 * ... STREAMS key... id... */
static bool
find_streams(const struct cmd_info *ci, size_t argc, const struct span *argv,
             struct keys_out *o)
{
    size_t i, n, k;

    for (i = (size_t)ci->kpos; i < argc; i++) {
        if (arg_is(argv[i], "streams")) {
            break;
        }
    }
    if (i >= argc) {
        return bad(o, "no STREAMS argument");
    }
    n = argc - i - 1;
    if (n == 0 || n % 2 != 0) {
        return bad(o, "STREAMS not followed by as many IDs as keys");
    }
    for (k = 0; k < n / 2; k++) {
        add_key(o, i + 1 + k);
    }
    return true;
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 * [ALPHA] [STORE dest]: BY and GET patterns name keys only through
 * patterns, which no finder can resolve; the server reports none. */
static bool
find_sort(size_t argc, const struct span *argv, struct keys_out *o)
{
    size_t i, dest = 0;

    add_key(o, 1);
    for (i = 2; i < argc; i++) {
        if (arg_is(argv[i], "limit")) {
            i += 2;
        } else if (arg_is(argv[i], "by") || arg_is(argv[i], "get")) {
            i++;
        } else if (arg_is(argv[i], "store")) {
            if (i + 1 >= argc) {
                return bad(o, "STORE without a destination");
            }
            dest = ++i;
        }
    }
    if (dest != 0) {
        add_key(o, dest);
    }
    return true;
}

/* GEORADIUS key lon lat radius unit ... [STORE key|STOREDIST key]; the
 * last STORE or STOREDIST wins, as in the server. */
static bool
find_geostore(const struct cmd_info *ci, size_t argc, const struct span *argv,
              struct keys_out *o)
{
    size_t i, dest = 0;

    add_key(o, 1);
    for (i = (size_t)ci->kpos; i < argc; i++) {
        if (arg_is(argv[i], "store") || arg_is(argv[i], "storedist")) {
            if (i + 1 >= argc) {
                return bad(o, "STORE without a destination");
            }
            dest = ++i;
        }
    }
    if (dest != 0) {
        add_key(o, dest);
    }
    return true;
}

/* MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
 * [AUTH2 user pw] [KEYS key...] */
static bool
find_migrate(size_t argc, const struct span *argv, struct keys_out *o)
{
    size_t i;

    for (i = 6; i < argc; i++) {
        if (arg_is(argv[i], "auth")) {
            i++;
        } else if (arg_is(argv[i], "auth2")) {
            i += 2;
        } else if (arg_is(argv[i], "keys")) {
            if (argv[3].len != 0) {
                return bad(o, "MIGRATE KEYS needs an empty key argument");
            }
            if (i + 1 >= argc) {
                return bad(o, "MIGRATE KEYS without keys");
            }
            for (i++; i < argc; i++) {
                add_key(o, i);
            }
            return true;
        }
    }
    add_key(o, 3);
    return true;
}

static bool
walk(const struct cmd_info *ci, size_t argc, const struct span *argv,
     struct keys_out *o)
{
    if (ci == NULL) {
        return bad(o, "unknown command");
    }
    if ((ci->flags & CMD_CONTAINER) && (argc >= 2 || ci->arity != -1)) {
        if (argc < 2) {
            return bad(o, "container command without a subcommand");
        }
        ci = cmdtable_find_sub(ci, argv[1].p, argv[1].len);
        if (ci == NULL) {
            return bad(o, "unknown subcommand");
        }
    }
    if (ci->arity >= 0 ? argc != (size_t)ci->arity
                       : argc < (size_t)-ci->arity) {
        return bad(o, "wrong number of arguments");
    }
    switch (ci->find) {
    case CMD_FIND_NONE:
        return true;
    case CMD_FIND_RANGE:
        return find_range(ci, argc, o);
    case CMD_FIND_NUMKEYS:
        return find_numkeys(ci, argc, argv, o);
    case CMD_FIND_STREAMS:
        return find_streams(ci, argc, argv, o);
    case CMD_FIND_SORT:
        return find_sort(argc, argv, o);
    case CMD_FIND_GEOSTORE:
        return find_geostore(ci, argc, argv, o);
    case CMD_FIND_MIGRATE:
        return find_migrate(argc, argv, o);
    default:
        return bad(o, "unknown key finder");
    }
}

size_t
cmdtable_keys(const struct cmd_info *ci, size_t argc, const struct span *argv,
              size_t *idx, size_t max)
{
    struct keys_out o = {idx, idx != NULL ? max : 0, 0, NULL};

    if (!walk(ci, argc, argv, &o)) {
        return 0;
    }
    return o.n;
}

int
cmdtable_check(const struct cmd_info *ci, size_t argc, const struct span *argv,
               const char **why)
{
    struct keys_out o = {NULL, 0, 0, NULL};

    if (why != NULL) {
        *why = NULL;
    }
    if (walk(ci, argc, argv, &o)) {
        return 0;
    }
    if (why != NULL) {
        *why = o.why;
    }
    return -PROTO_EMALFORMED;
}
