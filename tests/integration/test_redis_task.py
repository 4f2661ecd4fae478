"""Redis to Redis with tandem's own PSYNC source, between real redis-server
instances: `tandem redis-stream` and `tandem rdb` against the server's
own view of the same data, then `tandem run` tasks: full and incremental
sync of every type under redis-benchmark load, database mapping and key
prefixes, source links cut with CLIENT KILL (each reconnect a partial
resynchronisation), and SIGKILLs under INCR/LPUSH load without a change
lost or applied twice.  Data are compared with DEBUG DIGEST-VALUE per key
and XINFO for stream groups (rediscmp.py)."""

import json
import os
import random
import signal
import subprocess
import threading
import time

import rediscmp


def fill(c, n_small, big, db=0, seed=1):
    """Keys of every type and encoding into db: n_small small keys of each
    kind, plus a list, hash, set and sorted set of `big` elements."""
    rnd = random.Random(seed)
    c.call("SELECT", db)
    cmds = []
    for i in range(n_small):
        cmds.append(("SET", "str:%d" % i, "v%d" % rnd.randrange(10 ** 9)))
        cmds.append(("SET", "int:%d" % i, str(rnd.randrange(-10 ** 6,
                                                            10 ** 6))))
        cmds.append(("RPUSH", "list:%d" % i, "a", "b", str(i)))
        cmds.append(("SADD", "iset:%d" % i, 1, 2, i + 3))
        cmds.append(("SADD", "set:%d" % i, "x", "y%d" % i))
        cmds.append(("HSET", "hash:%d" % i, "f1", "v1", "f2", str(i)))
        cmds.append(("ZADD", "zset:%d" % i, 1.5, "m1", -2.25, "m2",
                     i, "m3"))
        if i % 10 == 0:
            cmds.append(("PEXPIRE", "str:%d" % i, 3600 * 1000 + i))
    cmds.append(("SET", "long", "x" * 100000))          # LZF-compressed
    cmds.append(("SET", "blob", bytes(range(256)) * 4))  # not UTF-8
    c.pipeline(cmds)
    for kind in ("list", "hash", "set", "zset"):
        cmds = []
        for i in range(0, big, 1000):
            part = range(i, min(i + 1000, big))
            if kind == "list":
                cmds.append(["RPUSH", "big:list"] + ["e%d" % j for j in part])
            elif kind == "hash":
                cmds.append(["HSET", "big:hash"] +
                            [x for j in part for x in ("f%d" % j, "v%d" % j)])
            elif kind == "set":
                cmds.append(["SADD", "big:set"] + ["m%d" % j for j in part])
            else:
                cmds.append(["ZADD", "big:zset"] +
                            [x for j in part for x in (j * 0.5, "m%d" % j)])
        c.pipeline([tuple(x) for x in cmds], chunk=50)
    # A stream with two groups, consumers and pending entries.
    ids = [c.call("XADD", "stream:1", "*", "f", "v%d" % i, "n", i)
           for i in range(200)]
    c.call("XDEL", "stream:1", ids[5])
    c.call("XGROUP", "CREATE", "stream:1", "g1", "0")
    c.call("XGROUP", "CREATE", "stream:1", "g2", "$")
    c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 10, "STREAMS",
           "stream:1", ">")
    c.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 5, "STREAMS",
           "stream:1", ">")
    c.call("XACK", "stream:1", "g1", ids[0], ids[1])
    c.call("XGROUP", "CREATECONSUMER", "stream:1", "g2", "carol")
    c.call("XADD", "stream:empty", "*", "a", "b")
    c.call("XTRIM", "stream:empty", "MAXLEN", 0)


def write_spec(env, name, src, dst, **extra):
    """A Redis task from src to dst (servers or clusters)."""
    spec = {"name": name,
            "source": {"type": "redis", "url": src.url()},
            "destination": {"type": "redis", "url": dst.url()}}
    spec.update(extra)
    path = os.path.join(env.tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


class Runner:
    """One `tandem run` process, restartable."""

    def __init__(self, env, spec, name):
        self.env = env
        self.spec = spec
        self.proc = None
        self.errpath = os.path.join(env.tmp, name + ".err")
        self.data = os.path.join(env.tmp, name + "-data")

    def start(self):
        with open(self.errpath, "a") as err:
            self.proc = subprocess.Popen(
                [self.env.tandem, "run", self.spec, "--data-dir", self.data,
                 "--log-level", "info"], stdout=subprocess.DEVNULL,
                stderr=err)

    def log(self):
        with open(self.errpath) as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        log = self.log()
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                    "runtime error:"):
            assert bad not in log, log[log.index(bad) - 200:][:3000]
        return rc


def checkpoint(dst, task):
    with dst.client() as c:
        h = c.call("HGETALL", "tandem:checkpoint:" + task) or []
    d = dict(zip(h[::2], h[1::2]))
    return int(d.get(b"offset", -1))


def wait_caught_up(src, dst, task, runner, timeout=120):
    """Until the destination's checkpoint reaches the source's offset (the
    heartbeat keeps moving it: wait for the offset as of the call)."""
    # At least past the full sync: a master counts from its first replica.
    target = max(int(src.info("replication")["master_repl_offset"]), 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if checkpoint(dst, task) >= target:
            return
        assert runner.alive(), "tandem exited:\n" + runner.log()[-3000:]
        time.sleep(0.1)
    raise AssertionError("not caught up after %ss: checkpoint %d, source "
                         "%d\n%s" % (timeout, checkpoint(dst, task), target,
                                     runner.log()[-3000:]))


def stream_lines(env, args, timeout=120):
    r = env.run(["redis-stream"] + args, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def arg_bytes(a):
    if isinstance(a, dict):
        import base64
        return base64.b64decode(a["base64"])
    return a.encode()


def apply_lines(c, lines):
    """Applies printed commands (their "cmd") to c, db by db."""
    cur, batch = None, []
    for ln in lines:
        if "cmd" not in ln:
            continue
        if ln["db"] != cur:
            c.pipeline(batch)
            batch = []
            c.call("SELECT", ln["db"])
            cur = ln["db"]
        batch.append(tuple(arg_bytes(a) for a in ln["cmd"]))
    errs = [e for e in c.pipeline(batch) if isinstance(e, Exception)]
    assert not errs, errs[:5]


def test_redis_stream_rdb_and_live(env):
    """The RDB a real master sends, printed as commands and applied to an
    empty server, gives the master's data; live writes come through with
    their offsets."""
    src = env.redis("stream-src")
    sc = src.client()
    fill(sc, 300, 5000)
    fill(sc, 20, 100, db=3, seed=2)
    lines = stream_lines(env, ["--source", src.url(), "--until-now"])
    assert "full" in lines[0], lines[0]
    dst = env.redis("stream-dst")
    dc = dst.client()
    apply_lines(dc, lines)
    rediscmp.assert_same(sc, dc, dbs=(0, 3), what="redis-stream RDB")

    # Live: from now, a few writes, read back in order with offsets.
    proc = subprocess.Popen([env.tandem, "redis-stream", "--source",
                             src.url(), "--from-now"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert "continue" in first or "full" in first, first
        sc.call("SELECT", 5)
        sc.call("SET", "live", "1")
        sc.call("INCR", "live")
        sc.call("RPUSH", "live:l", "a", "b")
        got = []
        while len(got) < 3:
            ln = json.loads(proc.stdout.readline())
            if "cmd" in ln and ln["cmd"][0].upper() not in ("PING",):
                got.append(ln)
        assert [g["cmd"][0].upper() for g in got] == ["SET", "INCR",
                                                      "RPUSH"], got
        assert all(g["db"] == 5 for g in got), got
        assert got[0]["offset"] < got[1]["offset"] < got[2]["offset"]
        end = int(src.info("replication")["master_repl_offset"])
        assert got[2]["offset"] <= end
    finally:
        proc.terminate()
        proc.wait(10)
    src.stop()
    dst.stop()


def corpus_rdbs(env):
    base = os.path.join(env.corpora, "redis-rdb")
    if not os.path.isdir(base):
        raise env.Skip("no corpus at " + base)
    for d, _, files in sorted(os.walk(base)):
        for f in sorted(files):
            if f.endswith(".rdb"):
                yield os.path.join(d, f)


def rdb_version(path):
    with open(path, "rb") as f:
        head = f.read(9)
    return int(head[5:9]) if head[:5] == b"REDIS" else None


def test_redis_rdb_corpus_against_server(env):
    """Every corpus RDB the local redis-server loads: its keys, printed by
    `tandem rdb` and applied to an empty server, equal what redis-server
    holds after loading the same file."""
    import shutil
    checked = 0
    for path in corpus_rdbs(env):
        ver = rdb_version(path)
        if ver is None or ver > 10 or "corrupt" in path:
            continue
        name = os.path.basename(path)
        r = env.run(["rdb", path])
        ref = env.redis("rdbref")
        ref.stop()
        shutil.copy(path, os.path.join(ref.dir, "dump.rdb"))
        try:
            ref._launch()
        except RuntimeError:
            # This server refuses the file (a module it lacks...): tandem
            # reads it, or says why in one line.
            ref.stop()
            assert r.returncode == 0 or (
                r.returncode == 1 and len(r.stderr.splitlines()) == 1), \
                "%s: %s" % (name, r.stderr)
            continue
        assert r.returncode == 0, "%s: %s" % (name, r.stderr)
        lines = [json.loads(x) for x in r.stdout.splitlines()]
        mine = env.redis("rdbmine")
        rc, mc = ref.client(), mine.client()
        apply_lines(mc, lines)
        dbs = sorted({ln["db"] for ln in lines} | {0})
        rediscmp.assert_same(rc, mc, dbs=dbs, what=name)
        checked += 1
        ref.stop()
        mine.stop()
    assert checked >= 10, "only %d corpus files checked" % checked


def test_redis_task_full_then_incremental(env):
    """A full+incremental task copies every type while redis-benchmark
    writes, then streams; at the end the data are equal."""
    # fill() makes 7 keys per unit: 1M keys in the soak run
    n, big = (150000, 1000000) if env.soak else (2000, 100000)
    src = env.redis("task-src")
    dst = env.redis("task-dst")
    sc, dc = src.client(), dst.client()
    fill(sc, n, big)
    fill(sc, 50, 100, db=2, seed=3)
    spec = write_spec(env, "redis-full", src, dst)
    run = Runner(env, spec, "redis-full")
    bench = subprocess.Popen(
        ["redis-benchmark", "-p", str(src.port), "-q", "-n",
         str(200000 if env.soak else 30000), "-r", "5000", "-P", "16",
         "-t", "set,incr,lpush,rpush,sadd,hset,zadd,lpop,spop"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run.start()
    try:
        bench.wait(300)
        sc.call("SELECT", 0)
        sc.call("SET", "after", "bench")
        sc.call("XADD", "stream:1", "*", "late", "1")
        wait_caught_up(src, dst, "redis-full", run)
        rediscmp.assert_same(sc, dc, dbs=(0, 2), what="full+incremental")
        log = run.log()
        assert "full resynchronisation" in log, log[-2000:]
    finally:
        run.stop()
        src.stop()
        dst.stop()


def test_redis_task_mapping_and_prefixes(env):
    """objects map database numbers and select keys by prefix, in the
    RDB and in the stream; unselected databases and keys stay out."""
    src = env.redis("map-src")
    dst = env.redis("map-dst")
    sc, dc = src.client(), dst.client()
    sc.call("SELECT", 0)
    sc.pipeline([("SET", "a:%d" % i, i) for i in range(100)] +
                [("SET", "b:%d" % i, i) for i in range(100)])
    sc.call("SELECT", 1)
    sc.pipeline([("SET", "k%d" % i, i) for i in range(50)])
    sc.call("SELECT", 2)
    sc.call("SET", "not", "selected")
    spec = write_spec(env, "redis-map", src, dst, objects=[
        {"db": 0, "as": 5, "key_prefixes": ["a:"]}, {"db": 1, "as": 6}])
    run = Runner(env, spec, "redis-map")
    run.start()
    try:
        sc.call("SELECT", 0)
        sc.call("SET", "a:new", "x")
        sc.call("SET", "b:new", "x")
        sc.call("DEL", "a:1", "b:1")
        sc.call("SELECT", 1)
        sc.call("INCR", "k1")
        sc.call("SELECT", 2)
        sc.call("SET", "still", "not")
        wait_caught_up(src, dst, "redis-map", run)
        dc.call("SELECT", 5)
        got = sorted(rediscmp.keys(dc, 5))
        want = sorted(k for k in rediscmp.keys(sc, 0)
                      if k.startswith(b"a:"))
        assert got == want, (len(got), len(want))
        rediscmp.assert_same(sc, dc, dbs=(1,), mapping={1: 6})
        for db in (0, 1, 2):
            assert rediscmp.keys(dc, db) == [], db
    finally:
        run.stop()
        src.stop()
        dst.stop()


def test_redis_task_link_cuts_resume_partially(env):
    """20 cuts of the source link (CLIENT KILL TYPE replica) mid-stream:
    every reconnect is a partial resynchronisation (the source counts
    one full sync), and the data end equal."""
    # A backlog that holds the writes of a cut (the precheck warns about
    # a smaller one).
    src = env.redis("cut-src", extra=[("repl-backlog-size", "64mb")])
    dst = env.redis("cut-dst")
    sc, dc = src.client(), dst.client()
    fill(sc, 200, 1000)
    spec = write_spec(env, "redis-cut", src, dst)
    run = Runner(env, spec, "redis-cut")
    run.start()
    stop = threading.Event()

    def writer():
        w = src.client()
        i = 0
        while not stop.is_set():
            w.pipeline([("INCR", "cnt"), ("RPUSH", "log", i),
                        ("SET", "k%d" % (i % 500), i)])
            i += 1
    t = threading.Thread(target=writer)
    t.start()
    try:
        wait_caught_up(src, dst, "redis-cut", run)
        for _ in range(20):
            time.sleep(0.3)
            sc.call("CLIENT", "KILL", "TYPE", "replica")
        stop.set()
        t.join()
        wait_caught_up(src, dst, "redis-cut", run)
        rediscmp.assert_same(sc, dc, what="after 20 cuts")
        st = src.info("stats")
        assert st["sync_full"] == "1", st["sync_full"]
        assert int(st["sync_partial_ok"]) >= 20, st["sync_partial_ok"]
        assert st["sync_partial_err"] == "0", st["sync_partial_err"]
    finally:
        stop.set()
        run.stop()
        src.stop()
        dst.stop()


def test_redis_task_sigkill_exactly_once(env):
    """SIGKILLs of tandem under INCR/LPUSH load, restarting each time:
    the counter and the list end equal (nothing lost or applied twice)."""
    kills = 20
    src = env.redis("kill-src", extra=[("repl-backlog-size", "64mb")])
    dst = env.redis("kill-dst")
    sc, dc = src.client(), dst.client()
    spec = write_spec(env, "redis-kill", src, dst)
    run = Runner(env, spec, "redis-kill")
    stop = threading.Event()

    def writer():
        w = src.client()
        i = 0
        while not stop.is_set():
            w.call("MULTI")
            w.call("INCR", "cnt")
            w.call("LPUSH", "lst", i)
            w.call("EXEC")
            w.pipeline([("INCRBY", "cnt2", 3), ("RPUSH", "lst2", i)])
            i += 1
    t = threading.Thread(target=writer)
    t.start()
    try:
        rnd = random.Random(7)
        for _ in range(kills):
            run.start()
            time.sleep(0.2 + rnd.random() * 0.6)
            run.stop(signal.SIGKILL)
        stop.set()
        t.join()
        run.start()
        wait_caught_up(src, dst, "redis-kill", run)
        rediscmp.assert_same(sc, dc, what="after %d SIGKILLs" % kills)
        sc.call("SELECT", 0)
        dc.call("SELECT", 0)
        assert sc.call("GET", "cnt") == dc.call("GET", "cnt")
        assert sc.call("LLEN", "lst") == dc.call("LLEN", "lst")
    finally:
        stop.set()
        run.stop()
        src.stop()
        dst.stop()


# ---- clusters ----

def source_streams(src):
    """{stream id: (host, port)} of a source: "s<first slot>" of each
    master of a cluster, "s0" for a server."""
    if not hasattr(src, "nodes"):
        return {"s0": ("127.0.0.1", src.port)}
    with src.nodes[0].client() as c:
        slots = c.call("CLUSTER", "SLOTS")
    firsts = {}
    for s in slots:
        addr = ((s[2][0] or b"127.0.0.1").decode(), int(s[2][1]))
        firsts[addr] = min(firsts.get(addr, 16384), s[0])
    return {"s%d" % f: a for a, f in firsts.items()}


def checkpoints(dst, task):
    """{stream id: [offset per link]} read at the destination."""
    import redisc
    out = {}
    c = dst.client()
    try:
        if hasattr(c, "scan_keys"):
            names = c.scan_keys(("tandem:checkpoint:%s*" % task).encode())
        else:
            names = set(c.call("KEYS", "tandem:checkpoint:%s*" % task))
        for k in names:
            if b":slot:" in k:
                continue    # a slot's own checkpoint, not a link's
            h = c.call("HGET", k, "offset")
            parts = k.decode().split(":")
            sid = parts[3] if len(parts) > 3 else "s0"
            out.setdefault(sid, []).append(int(h))
    finally:
        c.close()
    del redisc
    return out


def wait_all_caught_up(src, dst, task, runner, links, timeout=120):
    """Until every stream's checkpoints (one per destination master:
    <links>) reach its master's offset as of the call."""
    import redisc
    targets = {}
    for sid, addr in source_streams(src).items():
        with redisc.Client(*addr) as c:
            targets[sid] = max(int(c.info("replication")[
                "master_repl_offset"]), 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ck = checkpoints(dst, task)
        if all(len(ck.get(s, [])) == links and min(ck[s]) >= t
               for s, t in targets.items()):
            return
        assert runner.alive(), "tandem exited:\n" + runner.log()[-3000:]
        time.sleep(0.2)
    raise AssertionError("not caught up after %ss: %r vs %r\n%s" % (
        timeout, checkpoints(dst, task), targets, runner.log()[-3000:]))


def cluster_writer(client, stop, counts):
    """INCR, RPUSH and SET over many slots, and a hash-tagged MULTI; a
    failover's MOVED makes it read the slot map again."""
    import redisc
    i = 0
    while not stop.is_set():
        client.pipeline([("INCR", "cnt:%d" % (i % 50)),
                         ("RPUSH", "log:%d" % (i % 7), i),
                         ("SET", "k%d" % (i % 500), i),
                         ("HSET", "{h}:%d" % (i % 3), "f%d" % (i % 20), i)])
        c = client.node_for("{t}x") if hasattr(client, "node_for") \
            else client
        try:
            c.call("MULTI")
            c.call("INCR", "{t}a")
            c.call("LPUSH", "{t}b", i)
            c.call("EXEC")
        except redisc.ReplyError:
            try:
                c.call("DISCARD")
            except redisc.ReplyError:
                pass
            if hasattr(client, "refresh"):
                client.refresh()
        i += 1
    counts.append(i)


def run_cluster_case(env, name, src, dst, links, failover=False):
    sc, dc = src.client(), dst.client()
    fill_plain(sc, 300)
    spec = write_spec(env, name, src, dst)
    run = Runner(env, spec, name)
    stop, counts = threading.Event(), []
    t = threading.Thread(target=cluster_writer,
                         args=(src.client(), stop, counts))
    run.start()
    t.start()
    try:
        wait_all_caught_up(src, dst, name, run, links)
        if failover:
            # A replica of the source takes over its master's slots.
            replica = next(n for n in src.nodes
                           if n.info("replication")["role"] == "slave")
            with replica.client() as c:
                c.call("CLUSTER", "FAILOVER")
            servers_wait = time.monotonic() + 30
            while replica.info("replication")["role"] != "master":
                assert time.monotonic() < servers_wait, "no failover"
                time.sleep(0.1)
            time.sleep(1)
        time.sleep(1)
        stop.set()
        t.join()
        sc.refresh() if hasattr(sc, "refresh") else None
        wait_all_caught_up(src, dst, name, run, links)
        rediscmp.assert_same(sc, dc, what=name)
        assert counts[0] > 10, counts
    finally:
        stop.set()
        run.stop()
    return run


def fill_plain(c, n):
    """Keys of every type, one per slot here and there (no multi-key)."""
    c.pipeline([("SET", "s%d" % i, i) for i in range(n)] +
               [("RPUSH", "l%d" % i, "a", "b", i) for i in range(n)] +
               [("SADD", "z%d" % i, 1, 2, "x") for i in range(n)] +
               [("HSET", "h%d" % i, "f", i) for i in range(n)] +
               [("ZADD", "o%d" % i, 1.5, "a", 2, "b") for i in range(n)] +
               [("PEXPIRE", "s%d" % i, 3600000) for i in range(0, n, 7)])
    c.call("XADD", "st", "1-1", "f", "v")
    c.call("XGROUP", "CREATE", "st", "g", "0")


def test_redis_cluster_to_cluster(env):
    """A three-master cluster (with a replica each) into another
    three-master cluster while both are written; then a failover at the
    source: the task follows the new master and the data end equal."""
    src = env.redis_cluster("src", 3, 1,
                            extra=[("repl-backlog-size", "64mb")])
    dst = env.redis_cluster("dst", 3, 0)
    run = run_cluster_case(env, "redis-c2c", src, dst, 3, failover=True)
    assert "partial resynchronisation" in run.log()
    src.stop()
    dst.stop()


def test_redis_standalone_to_cluster(env):
    """One server into a three-master cluster."""
    src = env.redis("s2c-src", extra=[("repl-backlog-size", "64mb")])
    dst = env.redis_cluster("s2c-dst", 3, 0)
    run_cluster_case(env, "redis-s2c", src, dst, 3)
    src.stop()
    dst.stop()


def test_redis_cluster_to_standalone(env):
    """A three-master cluster into one server."""
    src = env.redis_cluster("c2s-src", 3, 0,
                            extra=[("repl-backlog-size", "64mb")])
    dst = env.redis("c2s-dst")
    run_cluster_case(env, "redis-c2s", src, dst, 1)
    src.stop()
    dst.stop()


def test_redis_task_over_tls(env):
    """rediss:// on both ends (the source's PSYNC and the writer over
    TLS, certificates checked against the test CA); a wrong CA is refused
    with a one-line reason."""
    from servers import free_port
    d = os.path.dirname(env.tls_ca)
    tls = [("tls-cert-file", os.path.join(d, "server.pem")),
           ("tls-key-file", os.path.join(d, "server-key.pem")),
           ("tls-ca-cert-file", env.tls_ca), ("tls-auth-clients", "no"),
           ("tls-replication", "yes")]
    sp, dp = free_port(), free_port()
    src = env.redis("tls-src", extra=[("tls-port", sp)] + tls)
    dst = env.redis("tls-dst", extra=[("tls-port", dp)] + tls)
    sc, dc = src.client(), dst.client()
    fill(sc, 50, 1000)
    spec = {"name": "redis-tls",
            "source": {"type": "redis",
                       "url": "rediss://127.0.0.1:%d?ca=%s" % (sp,
                                                               env.tls_ca)},
            "destination": {"type": "redis",
                            "url": "rediss://127.0.0.1:%d?ca=%s" % (
                                dp, env.tls_ca)}}
    path = os.path.join(env.tmp, "redis-tls.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    run = Runner(env, path, "redis-tls")
    run.start()
    try:
        sc.call("SET", "over", "tls")
        wait_caught_up(src, dst, "redis-tls", run)
        rediscmp.assert_same(sc, dc, what="over TLS")
    finally:
        run.stop()
    # Without the CA the certificate is refused, in one line.
    r = env.run(["redis-stream", "--source",
                 "rediss://127.0.0.1:%d" % sp, "--until-now"])
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, \
        r.stderr
    assert "TLS" in r.stderr or "certificate" in r.stderr, r.stderr
    src.stop()
    dst.stop()


def test_redis_task_until_caught_up(env):
    """`tandem run --until-caught-up` copies, streams what the master held
    when it began, and exits 0; run again, it resumes from its checkpoint
    (a partial resynchronisation) and exits again."""
    src = env.redis("until-src", extra=[("repl-backlog-size", "64mb")])
    dst = env.redis("until-dst")
    sc, dc = src.client(), dst.client()
    fill(sc, 100, 1000)
    spec = write_spec(env, "redis-until", src, dst)
    for round_ in range(2):
        sc.pipeline([("INCR", "n")] * 100 + [("RPUSH", "r", round_)])
        r = subprocess.run([env.tandem, "run", spec, "--until-caught-up",
                            "--log-level", "info", "--data-dir",
                            os.path.join(env.tmp, "redis-until-data")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr[-3000:]
        assert "caught up" in r.stderr, r.stderr[-3000:]
        rediscmp.assert_same(sc, dc, what="round %d" % round_)
        if round_ == 1:
            assert "partial resynchronisation" in r.stderr, r.stderr[-2000:]
    src.stop()
    dst.stop()


def test_redis_source_acl_user(env):
    """An ACL user holding only what a replica needs (AUTH, INFO,
    REPLCONF, PSYNC, PING) reads the RDB and the stream; a user without
    PSYNC is refused in one line naming the fix."""
    src = env.redis("acl-src")
    sc = src.client()
    sc.call("ACL", "SETUSER", "repl", "on", ">repl-pw", "+psync",
            "+replconf", "+ping", "+info", "+auth")
    sc.call("ACL", "SETUSER", "nosync", "on", ">nosync-pw", "+info",
            "+replconf", "+auth")
    sc.pipeline([("SET", "a%d" % i, i) for i in range(100)])
    url = "redis://repl:repl-pw@127.0.0.1:%d" % src.port
    lines = stream_lines(env, ["--source", url, "--until-now"])
    got = sorted(k for ln in lines if "cmd" in ln for k in
                 ([ln["cmd"][1]] if ln["cmd"][0] != "MSET"
                  else ln["cmd"][1::2]))
    assert got == sorted("a%d" % i for i in range(100)), got[:5]
    r = env.run(["redis-stream", "--source",
                 "redis://nosync:nosync-pw@127.0.0.1:%d" % src.port,
                 "--until-now"])
    assert r.returncode == 1, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "PSYNC" in r.stderr and "nosync-pw" not in r.stderr, r.stderr
    src.stop()


def test_redis_task_maps_commands_naming_databases(env):
    """SWAPDB, MOVE and COPY ... DB name source databases: they reach the
    destination with the mapped numbers, and a key moved out of what is
    replicated is deleted there."""
    src = env.redis("mdb-src")
    dst = env.redis("mdb-dst")
    sc, dc = src.client(), dst.client()
    for db in (0, 1, 2):
        sc.call("SELECT", db)
        sc.pipeline([("SET", "k%d" % i, "%d-%d" % (db, i))
                     for i in range(20)])
    spec = write_spec(env, "redis-mdb", src, dst, objects=[
        {"db": 0, "as": 5}, {"db": 1, "as": 6}])
    run = Runner(env, spec, "redis-mdb")
    run.start()
    try:
        wait_caught_up(src, dst, "redis-mdb", run)
        sc.call("SELECT", 0)
        sc.call("MOVE", "k1", 2)            # out: deleted at the dest
        sc.call("SELECT", 0)
        sc.call("DEL", "k2")
        sc.call("SELECT", 1)
        sc.call("DEL", "k2")
        sc.call("SELECT", 0)
        sc.call("MOVE", "k2x", 1)           # no such key: nothing
        sc.call("SET", "moving", "m")
        sc.call("MOVE", "moving", 1)        # 0 -> 1 becomes 5 -> 6
        sc.call("COPY", "k3", "copied", "DB", 1)
        sc.call("SWAPDB", 0, 1)             # 5 <-> 6 at the destination
        sc.call("SELECT", 1)
        sc.call("SET", "after", "swap")
        wait_caught_up(src, dst, "redis-mdb", run)
        rediscmp.assert_same(sc, dc, dbs=(0, 1), mapping={0: 5, 1: 6})
        for db in (0, 1, 2):
            assert rediscmp.keys(dc, db) == [], db
    finally:
        run.stop()
        src.stop()
        dst.stop()


def test_redis_task_scripts_and_functions(env):
    """EVAL and FCALL on the source: their effects (a MULTI/EXEC in the
    stream of Redis 7) and FUNCTION LOAD reach the destination, whose
    library can then be called there too."""
    src = env.redis("lua-src")
    dst = env.redis("lua-dst")
    sc, dc = src.client(), dst.client()
    spec = write_spec(env, "redis-lua", src, dst)
    run = Runner(env, spec, "redis-lua")
    run.start()
    try:
        wait_caught_up(src, dst, "redis-lua", run)
        for i in range(20):
            sc.call("EVAL", "redis.call('INCR', KEYS[1]); "
                    "redis.call('RPUSH', KEYS[2], ARGV[1])", 2, "ek", "el",
                    i)
        sc.call("FUNCTION", "LOAD",
                "#!lua name=tlib\nredis.register_function('addto', "
                "function(keys, args) return redis.call('INCRBY', keys[1], "
                "args[1]) end)")
        for i in range(5):
            sc.call("FCALL", "addto", 1, "fk", i)
        wait_caught_up(src, dst, "redis-lua", run)
        rediscmp.assert_same(sc, dc, what="scripts")
        assert dc.call("GET", "ek") == b"20" and dc.call("GET", "fk") == b"10"
        assert dc.call("FCALL", "addto", 1, "other", 1) == 1
    finally:
        run.stop()
        src.stop()
        dst.stop()


def test_redis_task_merged_runs_keep_their_meaning(env):
    """Runs of SET, LPUSH, RPUSH, SADD, HSET and ZADD in one batch are
    merged at the destination; interleavings, options and repeats that
    must not merge (SET with EX or NX, ZADD with flags, another key, a
    repeated field or member) end the same as on the source."""
    src = env.redis("merge-src")
    dst = env.redis("merge-dst")
    sc, dc = src.client(), dst.client()
    spec = write_spec(env, "redis-merge", src, dst)
    run = Runner(env, spec, "redis-merge")
    run.start()
    try:
        wait_caught_up(src, dst, "redis-merge", run)
        cmds = []
        for i in range(300):
            cmds += [("SET", "s%d" % (i % 40), i),
                     ("SET", "s%d" % (i % 7), "x%d" % i, "EX", 3600),
                     ("SET", "s%d" % (i % 5), "n%d" % i, "NX"),
                     ("LPUSH", "l", i, "a%d" % i), ("LPUSH", "l", i),
                     ("RPUSH", "l", "r%d" % i), ("RPUSH", "l2", i),
                     ("SADD", "st", i % 50), ("SADD", "st", "m", i),
                     ("HSET", "h", "f%d" % (i % 30), i, "g", i),
                     ("HSET", "h2", "f", i),
                     ("ZADD", "z", i % 17, "m%d" % (i % 23)),
                     ("ZADD", "z", "NX", 1000 + i, "m%d" % (i % 29)),
                     ("ZADD", "z", "-inf", "low"),
                     ("ZADD", "z", "INCR", 1, "m1"),
                     ("INCR", "c")]
        sc.pipeline(cmds, chunk=5000)
        wait_caught_up(src, dst, "redis-merge", run)
        rediscmp.assert_same(sc, dc, what="merged runs")
        st = dc.info("commandstats")
        calls = int(st["cmdstat_lpush"].split("calls=")[1].split(",")[0])
        assert calls < 600, st["cmdstat_lpush"]     # 600 sent: merged
    finally:
        run.stop()
        src.stop()
        dst.stop()
