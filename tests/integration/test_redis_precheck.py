"""`tandem precheck TASK.json` for Redis to Redis tasks, against real
redis-server instances: a good set-up passes every item; each bad set-up
(a wrong or missing password, an ACL user without +psync or without the
heartbeat key, a replica as destination, an evicting destination, too
few destination databases, a non-empty destination, a small backlog under
load, an unreachable destination) fails or warns exactly its own item,
and what it leaves uncheckable is a "not checked" warning.  A scripted
fake server stands for versions no local binary has (an old source, a
destination older than the source).  Nothing is written to either
server: each test compares the keys before and after."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import servers  # noqa: E402

ITEMS = [
    "source_connect", "source_auth", "source_version", "source_psync",
    "source_backlog", "dest_connect", "dest_auth", "dest_version",
    "dest_role", "dest_maxmemory_policy", "dest_databases", "dest_empty",
]
SOURCE_AFTER_AUTH = ["source_version", "source_psync", "source_backlog"]
DEST_AFTER_CONNECT = ["dest_auth", "dest_version", "dest_role",
                      "dest_maxmemory_policy", "dest_databases",
                      "dest_empty"]


def write_spec(env, name, src_url, dst_url, **extra):
    spec = {"name": name,
            "source": {"type": "redis", "url": src_url},
            "destination": {"type": "redis", "url": dst_url}}
    spec.update(extra)
    path = os.path.join(env.tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


class Report:
    """The parsed output of one `tandem precheck` run."""

    def __init__(self, rc, doc, raw):
        self.rc = rc
        self.doc = doc
        self.raw = raw
        self.items = {i["item"]: i for i in doc["items"]}

    def status(self, item):
        return self.items[item]["status"]

    def text(self, item):
        return self.items[item]["cause"] + " | " + self.items[item]["fix"]

    def failed(self):
        return [i for i in ITEMS if self.status(i) == "failed"]

    def warnings(self):
        return [i for i in ITEMS if self.status(i) == "warning"]

    def show(self):
        return "\n".join("%s %s: %s | %s" % (i["item"], i["status"],
                                             i["cause"], i["fix"])
                         for i in self.doc["items"]
                         if i["status"] != "passed")


def precheck(env, path, secrets=(), timeout=90):
    """Runs the prechecks; checks the report's shape, the exit status and
    that no secret of <secrets> is printed."""
    r = env.run(["precheck", path], timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise AssertionError("precheck printed no JSON (exit %d): %s %s" % (
            r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    rep = Report(r.returncode, doc, r.stdout)
    assert [i["item"] for i in doc["items"]] == ITEMS, doc["items"]
    for i in doc["items"]:
        assert i["status"] in ("passed", "warning", "failed"), i
        if i["status"] == "passed":
            assert i["cause"] == "" and i["fix"] == "", i
        else:
            assert i["cause"] and i["fix"], i
            assert "\n" not in i["cause"] and "\n" not in i["fix"], i
            assert "redis://" not in i["cause"] + i["fix"], i
    for s in secrets:
        assert s not in r.stdout and s not in r.stderr, (s, rep.show())
    assert doc["passed"] == (not rep.failed()), doc
    assert rep.rc == (1 if rep.failed() else 0), (rep.rc, rep.show())
    return rep


def assert_passes(rep, warnings=()):
    assert rep.failed() == [], rep.show()
    assert sorted(rep.warnings()) == sorted(warnings), rep.show()


def assert_fails(rep, item, *words):
    """Exactly <item> failed, its cause or fix naming each of <words>."""
    assert rep.failed() == [item], "expected only %s to fail:\n%s" % (
        item, rep.show())
    for w in words:
        assert w in rep.text(item), "%r not in %s: %s" % (w, item,
                                                          rep.text(item))


def assert_not_checked(rep, because, items):
    for i in items:
        assert rep.status(i) == "warning", (i, rep.show())
        assert "not checked because %s failed" % because in rep.text(i), (
            i, rep.show())


def snapshot(server, password=None, dbs=16):
    """Every key of every database with its value's DEBUG DIGEST-VALUE:
    what "nothing written" is checked against."""
    import redisc
    out = {}
    with redisc.Client("127.0.0.1", server.port,
                       password=password or server.password) as c:
        for db in range(dbs):
            try:
                c.call("SELECT", db)
            except redisc.ReplyError:
                break
            for k in c.call("KEYS", "*"):
                out[(db, k)] = c.call("DEBUG", "DIGEST-VALUE", k)
    return out


def addr(server):
    return "127.0.0.1:%d" % server.port


# ---- a scripted fake Redis for versions no local binary has ----

class FakeRedis:
    """Answers INFO with the given version, and the few other commands
    the prechecks send, as a Redis master with no keys would; ACL GETUSER
    (Redis 6.0's way to read a user's rules) answers <acl_rules>."""

    def __init__(self, version, acl_rules="+@all"):
        self.version = version
        self.acl_rules = acl_rules.encode()
        self.lsn = socket.socket()
        self.lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsn.bind(("127.0.0.1", 0))
        self.lsn.listen(8)
        self.port = self.lsn.getsockname()[1]
        self.stop_ev = threading.Event()
        self.commands = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def _accept(self):
        self.lsn.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                c, _ = self.lsn.accept()
            except OSError:
                continue
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            self.threads.append(t)
            t.start()

    def _answer(self, argv):
        name = argv[0].upper()
        self.commands.append(b" ".join(argv))
        if name == b"INFO":
            text = ("# Server\r\nredis_version:%s\r\n"
                    "# Replication\r\nrole:master\r\nmaster_repl_offset:0\r\n"
                    "repl_backlog_active:0\r\n"
                    "# Stats\r\ntotal_net_input_bytes:100\r\n"
                    "# Keyspace\r\n" % self.version).encode()
            return b"$%d\r\n%s\r\n" % (len(text), text)
        if name == b"CONFIG" and len(argv) == 3:
            val = {b"maxmemory-policy": b"noeviction", b"databases": b"16",
                   b"repl-backlog-size": b"1048576"}.get(argv[2].lower())
            if val is None:
                return b"*0\r\n"
            return b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
                len(argv[2]), argv[2], len(val), val)
        if name == b"ACL" and len(argv) == 3 and \
                argv[1].upper() == b"GETUSER":
            return (b"*8\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n"
                    b"$9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n"
                    b"$%d\r\n%s\r\n$4\r\nkeys\r\n*1\r\n$1\r\n*\r\n" % (
                        len(self.acl_rules), self.acl_rules))
        if name in (b"SELECT", b"PING", b"AUTH"):
            return b"+OK\r\n"
        if name == b"EXISTS":
            return b":0\r\n"
        if name == b"SET":
            return b"-ERR syntax error\r\n"
        if name == b"REPLCONF":
            return b"-ERR syntax error\r\n"
        return b"-ERR unknown command '%s'\r\n" % argv[0]

    def _serve(self, c):
        buf = b""
        c.settimeout(0.2)
        try:
            while not self.stop_ev.is_set():
                try:
                    d = c.recv(65536)
                except socket.timeout:
                    continue
                if not d:
                    return
                buf += d
                while True:
                    argv, buf = self._parse(buf)
                    if argv is None:
                        break
                    c.sendall(self._answer(argv))
        except OSError:
            pass
        finally:
            c.close()

    @staticmethod
    def _parse(buf):
        """One RESP array of bulk strings off <buf>: (argv, rest), or
        (None, buf) when incomplete."""
        if not buf.startswith(b"*") or b"\r\n" not in buf:
            return None, buf
        head, rest = buf.split(b"\r\n", 1)
        argv = []
        for _ in range(int(head[1:])):
            if b"\r\n" not in rest:
                return None, buf
            ln, rest2 = rest.split(b"\r\n", 1)
            n = int(ln[1:])
            if len(rest2) < n + 2:
                return None, buf
            argv.append(rest2[:n])
            rest = rest2[n + 2:]
        return argv, rest

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(5)
        self.lsn.close()


# ---- the tests ----

def test_redis_precheck_good_setups(env):
    """Every item passes: without "objects" (source keys in databases 0
    and 2), with a mapping and passwords on both sides, an ACL user
    limited to what replication and the heartbeat need (no ACL DRYRUN:
    the PSYNC probe decides), and a destination whose database 0 holds
    only tandem's keys of other tasks."""
    src = env.redis("good-src", extra=(("requirepass", "s3cret"),))
    dst = env.redis("good-dst", extra=(("requirepass", "d3st"),))
    try:
        with src.client() as c:
            c.call("SET", "a", "1")
            c.call("SELECT", 2)
            c.call("HSET", "h", "f", "v")
            c.call("ACL", "SETUSER", "repl", "on", ">replpw", "-@all",
                   "+psync", "+replconf", "+ping", "+info", "+set",
                   "+config|get", "~tandem:*")
        with dst.client() as c:
            c.call("HSET", "tandem:checkpoint:other", "replid", "x")
        before = snapshot(src), snapshot(dst)
        rep = precheck(env, write_spec(env, "rgood", src.url(), dst.url()),
                       secrets=("s3cret", "d3st"))
        assert_passes(rep)
        rep = precheck(env, write_spec(
            env, "rgood-map", src.url(), dst.url(),
            objects=[{"db": 0, "as": 3}, {"db": 2, "as": 4,
                                         "key_prefixes": ["h"]}],
            mode="full"), secrets=("s3cret", "d3st"))
        assert_passes(rep)
        rep = precheck(env, write_spec(
            env, "rgood-acl", src.url(user="repl", password="replpw"),
            dst.url(), mode="incremental"),
            secrets=("replpw", "d3st"))
        assert_passes(rep)
        assert (snapshot(src), snapshot(dst)) == before
        # the probe is a PSYNC the server refuses, and it says so
        with open(src.log) as f:
            assert "replid tandem-precheck" in f.read()
    finally:
        src.stop()
        dst.stop()


def test_redis_precheck_logins(env):
    """A wrong password, no password where one is needed, a password
    where none is set, an unknown ACL user: each fails its own auth item;
    the items behind it are "not checked"."""
    src = env.redis("auth-src", extra=(("requirepass", "Rt9x"),))
    dst = env.redis("auth-dst")
    try:
        rep = precheck(env, write_spec(env, "rwrongpw",
                                       src.url(password="wrongpw"),
                                       dst.url()), secrets=("wrongpw",))
        assert_fails(rep, "source_auth", "WRONGPASS", addr(src))
        assert rep.status("source_connect") == "passed"
        assert_not_checked(rep, "source_auth", SOURCE_AFTER_AUTH)
        # the destination's own items pass; the comparisons need the
        # source's facts
        assert_not_checked(rep, "source_auth", ["dest_version",
                                                "dest_databases"])
        for i in ("dest_connect", "dest_auth", "dest_role",
                  "dest_maxmemory_policy", "dest_empty"):
            assert rep.status(i) == "passed", rep.show()

        rep = precheck(env, write_spec(env, "rnopw", src.url(password=None)
                                       .replace("redis://:Rt9x@",
                                                "redis://"), dst.url()))
        assert_fails(rep, "source_auth", "NOAUTH", "has none", addr(src))
        assert_not_checked(rep, "source_auth", SOURCE_AFTER_AUTH)

        rep = precheck(env, write_spec(env, "rpwnone", src.url(),
                                       dst.url(password="extra")),
                       secrets=("Rt9x", "extra"))
        assert_fails(rep, "dest_auth", "no password set", addr(dst))
        assert_not_checked(rep, "dest_auth", DEST_AFTER_CONNECT[1:])

        rep = precheck(env, write_spec(env, "rnouser",
                                       src.url(user="ghost",
                                               password="Rt9x"),
                                       dst.url()), secrets=("Rt9x",))
        assert_fails(rep, "source_auth", "user and password", addr(src))
    finally:
        src.stop()
        dst.stop()


def test_redis_precheck_source_permissions(env):
    """An ACL user without +psync fails source_psync (found by ACL DRYRUN
    when the user may run it, by the PSYNC probe otherwise), one without
    +replconf too; one that may not write tandem:heartbeat only warns:
    the task runs, its delay is not measured."""
    src = env.redis("perm-src")
    dst = env.redis("perm-dst")
    try:
        with src.client() as c:
            c.call("ACL", "SETUSER", "nopsync", "on", ">pw", "+@all",
                   "-psync", "~*")
            c.call("ACL", "SETUSER", "narrow", "on", ">pw", "-@all",
                   "+replconf", "+ping", "+info", "+set", "+config|get",
                   "~tandem:*")
            c.call("ACL", "SETUSER", "norepl", "on", ">pw", "-@all",
                   "+psync", "+ping", "+info", "+set", "+config|get",
                   "~tandem:*")
            c.call("ACL", "SETUSER", "nohb", "on", ">pw", "+@all",
                   "~app:*")
        before = snapshot(src)
        rep = precheck(env, write_spec(env, "rnopsync",
                                       src.url(user="nopsync",
                                               password="pw"), dst.url()))
        assert_fails(rep, "source_psync", "nopsync", "PSYNC", "DRYRUN",
                     "+psync", addr(src))
        assert rep.status("source_backlog") == "passed", rep.show()

        rep = precheck(env, write_spec(env, "rnarrow",
                                       src.url(user="narrow",
                                               password="pw"), dst.url()))
        assert_fails(rep, "source_psync", "narrow", "PSYNC", "NOPERM",
                     addr(src))
        assert "DRYRUN" not in rep.text("source_psync"), rep.show()

        rep = precheck(env, write_spec(env, "rnorepl",
                                       src.url(user="norepl",
                                               password="pw"), dst.url()))
        assert_fails(rep, "source_psync", "REPLCONF", "+replconf")

        rep = precheck(env, write_spec(env, "rnohb",
                                       src.url(user="nohb", password="pw"),
                                       dst.url()))
        assert_passes(rep, warnings=["source_psync"])
        assert "tandem:heartbeat" in rep.text("source_psync"), rep.show()
        assert "delay" in rep.text("source_psync"), rep.show()
        assert snapshot(src) == before
    finally:
        src.stop()
        dst.stop()


def test_redis_precheck_versions(env):
    """dest_version passes against the same local version; a fake
    destination older than the source fails it alone, and a fake source
    older than 2.8 fails source_version, leaving its other items
    unchecked.  A fake Redis 6.0 source (no ACL DRYRUN, no PSYNC
    FAILOVER) has its user's PSYNC permission read from ACL GETUSER."""
    src = env.redis("ver-src")
    dst = env.redis("ver-dst")
    old = FakeRedis("6.2.14")
    ancient = FakeRedis("2.6.17")
    six0 = FakeRedis("6.0.16", acl_rules="-@all +replconf +info +set")
    six0_ok = FakeRedis("6.0.16", acl_rules="-@all +@admin +info +set")
    try:
        url = "redis://repl:pw@127.0.0.1:%d"
        rep = precheck(env, write_spec(env, "rver-60", url % six0.port,
                                       dst.url()), secrets=(":pw@",))
        assert_fails(rep, "source_psync", "repl", "ACL rules",
                     "-@all +replconf", "+psync")
        assert [c for c in six0.commands if c.startswith(b"ACL")] == \
            [b"ACL GETUSER repl"], six0.commands
        rep = precheck(env, write_spec(env, "rver-60-ok",
                                       url % six0_ok.port, dst.url()))
        assert_passes(rep)
        for f in (six0, six0_ok):
            assert not any(c.upper().startswith(b"PSYNC")
                           for c in f.commands), f.commands

        rep = precheck(env, write_spec(env, "rver", src.url(), dst.url()))
        assert_passes(rep)
        rep = precheck(env, write_spec(env, "rver-old", src.url(),
                                       old.url()))
        assert_fails(rep, "dest_version", "6.2.14", "7.0",
                     "127.0.0.1:%d" % old.port)
        # only reads reached the fake destination
        assert not any(c.split()[0].upper() in (b"SET", b"DEL", b"HSET",
                                                b"FLUSHDB", b"FLUSHALL")
                       for c in old.commands), old.commands
        rep = precheck(env, write_spec(env, "rver-ancient", ancient.url(),
                                       dst.url()))
        assert_fails(rep, "source_version", "2.6.17", "2.8")
        assert_not_checked(rep, "source_version", ["source_psync",
                                                   "source_backlog"])
        assert rep.status("dest_version") == "passed", rep.show()
        # never a PSYNC to a server that would start a full sync
        assert not any(c.upper().startswith(b"PSYNC")
                       for c in ancient.commands), ancient.commands
    finally:
        for f in (old, ancient, six0, six0_ok):
            f.stop()
        src.stop()
        dst.stop()


def test_redis_precheck_destination_settings(env):
    """A replica as destination fails dest_role; an evicting policy warns
    dest_maxmemory_policy; a database beyond `databases 4` fails
    dest_databases, found by CONFIG GET or, when CONFIG is refused, by
    SELECT."""
    src = env.redis("set-src")
    master = env.redis("set-master")
    replica = env.redis("set-replica",
                        extra=(("replicaof", "127.0.0.1 %d" % master.port),))
    lru = env.redis("set-lru", extra=(("maxmemory-policy", "allkeys-lru"),))
    few = env.redis("set-few", extra=(("databases", "4"),))
    try:
        with src.client() as c:
            c.call("SET", "k", "v")
        rep = precheck(env, write_spec(env, "rreplica", src.url(),
                                       replica.url()))
        assert_fails(rep, "dest_role", "replica", addr(replica),
                     "REPLICAOF NO ONE", "127.0.0.1:%d" % master.port)

        rep = precheck(env, write_spec(env, "rlru", src.url(), lru.url()))
        assert_passes(rep, warnings=["dest_maxmemory_policy"])
        assert "allkeys-lru" in rep.text("dest_maxmemory_policy")
        assert "noeviction" in rep.text("dest_maxmemory_policy")
        assert "evicted" in rep.text("dest_maxmemory_policy")

        rep = precheck(env, write_spec(env, "rfew", src.url(), few.url(),
                                       objects=[{"db": 0, "as": 5},
                                                {"db": 1, "as": 2}]))
        assert_fails(rep, "dest_databases", "databases 4", "database 5",
                     addr(few))
        # without "objects", a source database holding keys counts
        with src.client() as c:
            c.call("SELECT", 7)
            c.call("SET", "k7", "v")
        rep = precheck(env, write_spec(env, "rfew-all", src.url(),
                                       few.url()))
        assert_fails(rep, "dest_databases", "database 7", addr(few))
        rep = precheck(env, write_spec(env, "rfew-ok", src.url(), few.url(),
                                       objects=[{"db": 7, "as": 3}]))
        assert_passes(rep)

        # CONFIG refused: SELECT finds the limit
        with few.client() as c:
            c.call("ACL", "SETUSER", "noconf", "on", ">pw", "+@all",
                   "-config", "~*")
        rep = precheck(env, write_spec(env, "rfew-select", src.url(),
                                       few.url(user="noconf", password="pw"),
                                       objects=[{"db": 0, "as": 9}]))
        assert rep.failed() == ["dest_databases"], rep.show()
        assert "databases 4" in rep.text("dest_databases"), rep.show()
        assert rep.warnings() == ["dest_maxmemory_policy"], rep.show()
        rep = precheck(env, write_spec(env, "rfew-select-ok", src.url(),
                                       few.url(user="noconf", password="pw"),
                                       objects=[{"db": 0, "as": 3}]))
        assert_passes(rep, warnings=["dest_maxmemory_policy"])
    finally:
        for s in (src, replica, master, lru, few):
            s.stop()


def test_redis_precheck_destination_empty(env):
    """Under "intercept" a destination database holding keys fails
    dest_empty ("ignore" and incremental mode pass); tandem's own keys of
    database 0 do not count; this task's checkpoint (it resumes) or its
    full-sync mark (it starts over) pass."""
    src = env.redis("empty-src")
    dst = env.redis("empty-dst")
    try:
        with src.client() as c:
            c.call("SET", "k", "v")
        with dst.client() as c:
            c.call("SET", "user:1", "x")
            for i in range(1500):    # more than one SCAN reply of keys
                c.call("SET", "tandem:other:%d" % i, "1")
            c.call("SELECT", 3)
            c.call("SET", "other", "x")
        before = snapshot(dst)
        rep = precheck(env, write_spec(env, "rfull", src.url(), dst.url()))
        assert_fails(rep, "dest_empty", "intercept", "user:1", "ignore",
                     "database", addr(dst))
        assert "3 (1 key)" in rep.text("dest_empty"), rep.show()

        rep = precheck(env, write_spec(env, "rign", src.url(), dst.url(),
                                       existing_tables="ignore"))
        assert_passes(rep)
        rep = precheck(env, write_spec(env, "rinc", src.url(), dst.url(),
                                       mode="incremental"))
        assert_passes(rep)
        # only database 3 is written: database 0 does not matter
        rep = precheck(env, write_spec(env, "rdb3", src.url(), dst.url(),
                                       objects=[{"db": 0, "as": 3}]))
        assert_fails(rep, "dest_empty", "3 (1 key)")
        assert "user:1" not in rep.text("dest_empty"), rep.show()

        with dst.client() as c:
            c.call("DEL", "user:1")
        rep = precheck(env, write_spec(env, "rdb0", src.url(), dst.url(),
                                       objects=[{"db": 0}]))
        assert_passes(rep)      # 1500 tandem:* keys only

        with dst.client() as c:
            c.call("SET", "user:2", "x")
            c.call("HSET", "tandem:checkpoint:rresume", "replid", "a" * 40,
                   "offset", "1")
            c.call("SET", "tandem:fullsync:rcut", "1")
        before = snapshot(dst)
        rep = precheck(env, write_spec(env, "rresume", src.url(), dst.url()))
        assert_passes(rep)
        rep = precheck(env, write_spec(env, "rcut", src.url(), dst.url()))
        assert_passes(rep)
        rep = precheck(env, write_spec(env, "rnew", src.url(), dst.url()))
        assert_fails(rep, "dest_empty", "user:2")
        assert snapshot(dst) == before
    finally:
        src.stop()
        dst.stop()


def test_redis_precheck_unreachable_destination(env):
    """Nothing listens at the destination, a MariaDB server listens
    there, or a port that takes connections and never answers: each
    fails dest_connect naming host:port, every destination item after
    it is "not checked", the source's items pass; the silent one within
    the connect limit."""
    src = env.redis("unreach-src")
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(4)
    held = []
    stop = threading.Event()

    def accept():
        lsn.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsn.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        port = servers.free_port()
        silent = lsn.getsockname()[1]
        cases = [(port, 10, "refused"),
                 (env.mysql.port, 10, "RESP"),
                 (silent, 15, "no Redis answer")]
        for p, limit, word in cases:
            t0 = time.monotonic()
            rep = precheck(env, write_spec(env, "runreach-%d" % p,
                                           src.url(),
                                           "redis://:pw@127.0.0.1:%d" % p),
                           secrets=(":pw@",))
            took = time.monotonic() - t0
            assert took < limit, (p, took)
            assert_fails(rep, "dest_connect", "127.0.0.1:%d" % p, word)
            assert_not_checked(rep, "dest_connect", DEST_AFTER_CONNECT)
            for i in ("source_connect", "source_auth", "source_version",
                      "source_psync", "source_backlog"):
                assert rep.status(i) == "passed", rep.show()
        assert took > 5, took      # the silent port: the connect limit
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        lsn.close()
        src.stop()


def test_redis_precheck_backlog_under_load(env):
    """A 16 KiB backlog on a source taking writes warns source_backlog
    with the rate it measured and a size to set; the same source idle
    passes."""
    src = env.redis("bl-src", extra=(("repl-backlog-size", "16384"),))
    dst = env.redis("bl-dst")
    stop = threading.Event()
    sent = [0]

    def writer():
        import redisc
        with redisc.Client("127.0.0.1", src.port) as c:
            value = "v" * 1000
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline:
                c.pipeline([("SET", "load:%d" % (i % 100), value)
                            for i in range(50)])
                sent[0] += 50
                time.sleep(0.005)
    try:
        rep = precheck(env, write_spec(env, "rbl-idle", src.url(),
                                       dst.url()))
        assert_passes(rep)
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        try:
            rep = precheck(env, write_spec(env, "rbl", src.url(),
                                           dst.url(),
                                           existing_tables="ignore"))
        finally:
            stop.set()
            t.join()
        assert sent[0] > 1000, sent
        assert_passes(rep, warnings=["source_backlog"])
        text = rep.text("source_backlog")
        assert "16.0 KiB" in text and "repl-backlog-size" in text, text
        assert addr(src) in text and "CONFIG SET" in text, text
    finally:
        src.stop()
        dst.stop()
