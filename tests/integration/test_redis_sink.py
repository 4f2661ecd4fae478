"""The Redis destination writer (src/sink/redis.c) against real
redis-server instances, through tests/integration/rsink_probe.c (built
here from the writer's sources): 200k pipelined bulk commands and values
of megabytes arrive byte for byte; batches carry the checkpoint in their
MULTI/EXEC and SELECT is sent only when the db changes; an error inside
EXEC, a command refused while queued (EXECABORT) and an error in bulk mode
fail the writer with one line naming the command and key, and the
checkpoint stays at the last acknowledged batch even though later batches
ran; RSINK_IGNORE_ERROR; AUTH with a password and with ACL users, and the
messages of each misconfiguration; TLS; a destination killed mid-stream;
backpressure (full/drained) with a small queue; a SIGSTOPped destination
does not block the loop, and a reply timeout catches it."""

import json
import os
import queue
import signal
import subprocess
import threading
import time

import servers

_built = {}

SOURCES = ("tests/integration/rsink_probe.c", "src/sink/redis.c",
           "src/sink/redis_read.c", "src/net/conn.c", "src/core/log.c",
           "src/core/url.c", "proto/buf.c")


def sanitized_build(env):
    """Whether the build under test is a sanitizer build (its objects
    reference the ASan runtime)."""
    obj = os.path.join(env.build, "src", "net", "conn.o")
    if os.path.exists(obj):
        try:
            r = subprocess.run(["nm", obj], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
            if r.returncode == 0:
                return "__asan_" in r.stdout
        except FileNotFoundError:
            pass
    return "asan" in os.path.basename(os.path.normpath(env.build))


def build_probe(env):
    """Compiles rsink_probe.c with the writer's sources; under a sanitizer
    build with the same sanitizers.  Returns the binary's path."""
    if env.tmp in _built:
        return _built[env.tmp]
    out = os.path.join(env.tmp, "rsink_probe")
    pc = subprocess.run(["pkg-config", "--libs", "libevent",
                         "libevent_openssl", "openssl", "hiredis",
                         "jansson"], stdout=subprocess.PIPE, text=True)
    libs = (pc.stdout.split() if pc.returncode == 0 else
            ["-levent", "-levent_openssl", "-lssl", "-lcrypto", "-lhiredis",
             "-ljansson"])
    base = ["-std=c11", "-D_GNU_SOURCE", "-g", "-O1", "-Wall", "-Wextra",
            "-Werror", "-I" + env.root] + \
        [os.path.join(env.root, s) for s in SOURCES] + libs + \
        ["-lm", "-o", out]
    if sanitized_build(env):
        cmd = ["clang", "-fsanitize=address,undefined",
               "-fno-omit-frame-pointer",
               "-fno-sanitize-recover=undefined"] + base
    else:
        cmd = ["cc"] + base
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError as e:
        raise env.Skip("no compiler: %s" % e)
    if r.returncode != 0:
        raise AssertionError("cannot build rsink_probe:\n" + r.stdout[-3000:])
    _built[env.tmp] = out
    return out


class Probe:
    """One probe process, driven line by line."""

    def __init__(self, env, url, task, queue_bytes=None, reply_ms=None,
                 connect_ms=3000):
        args = [build_probe(env)]
        if queue_bytes is not None:
            args += ["-q", str(queue_bytes)]
        if reply_ms is not None:
            args += ["-r", str(reply_ms)]
        if connect_ms is not None:
            args += ["-c", str(connect_ms)]
        args += [url, task]
        self.errpath = os.path.join(env.tmp, "rsink_probe.%d.err" %
                                    time.monotonic_ns())
        self.errf = open(self.errpath, "w")
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.errf)
        self.lines = []
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        for ln in self.p.stdout:
            self.q.put(json.loads(ln))
        self.q.put(None)

    def send(self, *objs):
        data = "".join(json.dumps(o) + "\n" for o in objs).encode()
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except BrokenPipeError:
            pass

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass

    def expect(self, key, timeout=60):
        """Reads lines until one has <key>; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r line in %ss; got %r" % (
                    key, timeout, self.lines[-20:]))
            try:
                o = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if o is None:
                raise AssertionError("probe ended before a %r line: %r; "
                                     "stderr: %s" % (key, self.lines[-20:],
                                                     self.stderr()))
            self.lines.append(o)
            if key in o:
                return o[key]

    def finish(self, timeout=120):
        """Closes stdin, waits for the end; returns the exit code."""
        self.close()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.p.kill()
                raise AssertionError("probe did not end; last lines %r" %
                                     self.lines[-20:])
            try:
                o = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if o is None:
                break
            self.lines.append(o)
        rc = self.p.wait(timeout=30)
        self.errf.close()
        err = self.stderr()
        assert "AddressSanitizer" not in err and "runtime error" not in err, \
            err[-4000:]
        return rc

    def stderr(self):
        if not self.errf.closed:
            self.errf.flush()
        with open(self.errpath) as f:
            return f.read()

    def drain(self):
        """Takes the lines printed so far without waiting."""
        while True:
            try:
                o = self.q.get_nowait()
            except queue.Empty:
                return
            if o is None:
                self.q.put(None)
                return
            self.lines.append(o)

    def all(self, key):
        return [o[key] for o in self.lines if key in o]

    def one(self, key):
        v = self.all(key)
        assert len(v) == 1, "expected one %r line: %r" % (key, self.lines)
        return v[0]


def run(env, url, task, lines, rc=0, **kw):
    """Runs <lines> through a probe to the end; checks its exit code."""
    p = Probe(env, url, task, **kw)
    p.send(*lines)
    got = p.finish()
    assert got == rc, "exit %d (wanted %d): %r\n%s" % (
        got, rc, p.lines[-20:], p.stderr()[-3000:])
    return p


def value(i, size):
    v = ("v%d:" % i).encode()
    return (v + b"x" * size)[:size]


def expected_rdb(major, minor):
    if major < 3:
        return 6
    return {3: 7, 4: 8, 5: 9, 6: 9}.get(major) or \
        (10 if (major, minor) < (7, 2) else
         11 if (major, minor) < (7, 4) else 12)


def checkpoint(r, task):
    h = r.client().call("HGETALL", "tandem:checkpoint:" + task)
    return {h[i].decode(): h[i + 1].decode() for i in range(0, len(h), 2)}


def error_line(p):
    msg = p.one("error")
    assert "\n" not in msg and "\r" not in msg, msg
    assert msg.startswith("redis destination "), msg
    assert " \u2014 " in msg, "no fix in %r" % msg
    return msg


# ---- tests ----


def test_bulk_200k(env):
    r = env.redis()
    weird_key = "we\r\nird\x00key \u00e9"
    weird_val = "va\x00l\r\n$3\r\n*1\r\n"
    p = run(env, r.url(), "bulk", [
        {"gen": {"n": 200000, "prefix": "k:", "size": 24}},
        {"gen": {"n": 3, "prefix": "big:", "size": 3000000}},
        ["SET", weird_key, weird_val],
        ["HSET", "h", "f1", "v1", "f2", "v2"],
        {"commit": ["full-end", 0]},
    ])
    ready = p.one("ready")
    info = r.client().info("server")
    major, minor = (int(x) for x in info["redis_version"].split(".")[:2])
    assert (ready["major"], ready["minor"]) == (major, minor), ready
    assert ready["rdb"] == expected_rdb(major, minor), ready
    assert ready["replid"] is None, ready
    assert p.all("acked") == [["full-end", 0, 0]], p.lines[-5:]
    done = p.one("done")
    n = 200000 + 3 + 2
    assert done["cmds_sent"] == n and done["cmds_acked"] == n, done
    assert done["batches_acked"] == 1 and done["pending"] == 0, done
    assert done["bytes"] > 200000 * 24 + 3 * 3000000, done

    c = r.client()
    assert c.call("DBSIZE") == n + 1, c.call("DBSIZE")    # + checkpoint
    keys = ["k:%d" % i for i in range(200000)]
    got = []
    for i in range(0, len(keys), 10000):
        got.extend(c.call("MGET", *keys[i:i + 10000]))
    bad = [i for i, v in enumerate(got) if v != value(i, 24)]
    assert not bad, "wrong values at %r" % bad[:10]
    for i in range(3):
        assert c.call("GET", "big:%d" % i) == value(i, 3000000)
    assert c.call("GET", weird_key) == weird_val.encode()
    assert c.call("HGET", "h", "f2") == b"v2"
    cp = checkpoint(r, "bulk")
    assert cp["replid"] == "full-end" and cp["offset"] == "0", cp
    assert abs(int(cp["updated"]) - time.time() * 1000) < 120000, cp


def test_batches_checkpoint_and_dbs(env):
    r = env.redis()
    lines = []
    for b in range(50):
        lines.append({"begin": True})
        for db in (0, 3, 15):
            lines += [{"db": db}, ["SET", "b%d:%d" % (b, db), "v%d" % b],
                      ["RPUSH", "l", str(b)]]
        lines.append({"commit": ["rid", 1000 + b * 10]})
    lines.append({"commit": ["rid", 2000]})    # a heartbeat: no commands
    p = run(env, r.url(), "bt", lines)
    acks = p.all("acked")
    assert acks == [["rid", 1000 + b * 10, 6] for b in range(50)] + \
        [["rid", 2000, 0]], acks[:3]
    done = p.one("done")
    assert done["batches_acked"] == 51 and done["cmds_acked"] == 300, done

    c = r.client()
    # per batch SELECT 3, SELECT 15, then SELECT 0 for the checkpoint;
    # the next batch starts in db 0 without one
    stats = c.info("commandstats")
    assert stats["cmdstat_select"].startswith("calls=150,"), stats
    assert stats["cmdstat_exec"].startswith("calls=51,"), stats
    for db in (0, 3, 15):
        c.call("SELECT", db)
        assert c.call("LRANGE", "l", 0, -1) == \
            [str(b).encode() for b in range(50)], db
        assert c.call("GET", "b49:%d" % db) == b"v49"
        assert c.call("EXISTS", "tandem:checkpoint:bt") == (db == 0), db
    c.call("SELECT", 0)
    cp = checkpoint(r, "bt")
    assert (cp["replid"], cp["offset"]) == ("rid", "2000"), cp

    # a new writer resumes from there
    p = run(env, r.url(), "bt", [])
    ready = p.one("ready")
    assert (ready["replid"], ready["offset"]) == ("rid", 2000), ready
    assert ready["updated"] == int(cp["updated"]), ready
    # another task's checkpoint is its own
    assert run(env, r.url(), "other", []).one("ready")["replid"] is None
    # a reset deletes it
    run(env, r.url(), "bt", [{"clear": True}])
    assert c.call("EXISTS", "tandem:checkpoint:bt") == 0
    assert run(env, r.url(), "bt", []).one("ready")["replid"] is None


def test_exec_error_keeps_checkpoint(env):
    r = env.redis()
    p = run(env, r.url(), "ee", [
        {"begin": True}, ["RPUSH", "lst", "a"], {"commit": ["r", 10]},
        {"begin": True}, ["SET", "before", "1"], ["INCR", "lst"],
        ["SET", "after", "1"], {"commit": ["r", 20]},
        {"db": 2}, {"begin": True}, ["SET", "k3", "v"], {"commit": ["r", 30]},
    ], rc=3)
    assert p.all("acked") == [["r", 10, 1]], p.lines
    msg = error_line(p)
    assert "INCR 'lst'" in msg and "WRONGTYPE" in msg, msg
    assert "offset 20" in msg, msg
    c = r.client()
    # Redis ran the rest of the batch (no rollback in Redis), and possibly
    # the batch after it; the checkpoint still names the last acked one
    assert c.call("GET", "before") == b"1" and c.call("GET", "after") == b"1"
    cp = checkpoint(r, "ee")
    assert (cp["replid"], cp["offset"]) == ("r", "10"), cp

    # the same errors flagged RSINK_IGNORE_ERROR: counted, not fatal
    p = run(env, r.url(), "ee", [
        {"begin": True}, {"cmd": ["INCR", "lst"], "ignore": True},
        ["SET", "ok", "1"], {"commit": ["r", 40]},
        {"cmd": ["INCR", "lst"], "ignore": True}, ["SET", "ok2", "1"],
        {"commit": ["r", 50]},
    ])
    assert p.all("acked") == [["r", 40, 2], ["r", 50, 0]], p.lines
    done = p.one("done")
    assert done["errors_ignored"] == 2 and done["cmds_acked"] == 4, done
    assert checkpoint(r, "ee")["offset"] == "50"
    assert c.call("GET", "ok2") == b"1"


def test_big_batches_match_replies(env):
    """EXEC arrays of 30000 elements span many reads; nested arrays count
    as one element; ignored errors are scattered; the fatal one is named
    with its own key."""
    r = env.redis()
    c = r.client()
    n = 30000
    c.pipeline([("RPUSH", "lst:%d" % i, "x") for i in range(n)
                if i % 1000 == 500] + [("RPUSH", "lst:17321", "x")])

    def batch(bad):
        lines = [{"begin": True},
                 ["EVAL", "return {1,{2,{3,{4}}},'x'}", "0"]]
        for i in range(n):
            if i % 1000 == 500:
                lines.append({"cmd": ["INCR", "lst:%d" % i], "ignore": True})
            elif i == bad:
                lines.append(["INCR", "lst:%d" % i])
            else:
                lines.append(["INCR", "n:%d" % (i % 100)])
        lines.append({"cmd": ["EVAL", "return redis.call('INCR', KEYS[1])",
                              "1", "lst:500"], "ignore": True})
        return lines

    p = run(env, r.url(), "bb", batch(None) + [{"commit": ["r", 1]}])
    assert p.all("acked") == [["r", 1, n + 2]], p.all("acked")
    assert p.one("done")["errors_ignored"] == n // 1000 + 1
    for k in (0, 1, 99):
        want = sum(1 for i in range(n) if i % 100 == k and i % 1000 != 500)
        assert c.call("GET", "n:%d" % k) == str(want).encode(), k

    p = run(env, r.url(), "bb", batch(17321) + [{"commit": ["r", 2]}] +
            batch(None) + [{"commit": ["r", 3]}], rc=3)
    msg = error_line(p)
    assert "INCR 'lst:17321' (in EXEC, batch up to offset 2)" in msg, msg
    assert p.all("acked") == []
    assert checkpoint(r, "bb")["offset"] == "1"


def test_execabort_and_bulk_errors(env):
    r = env.redis()
    p = run(env, r.url(), "ea", [
        {"begin": True}, ["SET", "a1", "1"], {"commit": ["r", 10]},
        {"begin": True}, ["SET", "a2", "1"], ["NOSUCHCMD", "kk"],
        ["SET", "b2", "1"], {"commit": ["r", 20]},
        {"begin": True}, ["SET", "c3", "1"], {"commit": ["r", 30]},
    ], rc=3)
    assert p.all("acked") == [["r", 10, 1]], p.lines
    msg = error_line(p)
    assert "NOSUCHCMD 'kk'" in msg and "unknown command" in msg, msg
    assert "refused inside MULTI" in msg, msg
    c = r.client()
    assert c.call("EXISTS", "a2") == 0 and c.call("EXISTS", "b2") == 0
    assert checkpoint(r, "ea")["offset"] == "10"

    # bulk mode: the error names command and key (cut to 64 bytes), and
    # the commit pipelined after it does not move the checkpoint
    long_key = "K" * 100 + "\x01"
    c.call("SET", long_key, "str")
    p = run(env, r.url(), "ea", [
        ["SET", "s1", "1"], ["LPUSH", long_key, "x"], ["SET", "s2", "1"],
        {"commit": ["r", 99]},
    ], rc=3)
    msg = error_line(p)
    assert "LPUSH '" + "K" * 64 + "...'" in msg, msg
    assert "K" * 65 not in msg and "WRONGTYPE" in msg, msg
    assert p.all("acked") == []
    assert c.call("GET", "s2") == b"1"      # it ran
    assert checkpoint(r, "ea")["offset"] == "10"

    # a db the destination does not have
    p = run(env, r.url(), "ea", [{"db": 20}, ["SET", "a", "1"]], rc=3)
    msg = error_line(p)
    assert "SELECT '20'" in msg and "fewer databases" in msg, msg


def test_auth(env):
    r = env.redis(extra=(("requirepass", "s3cret"),))
    p = run(env, r.url(), "au", [["SET", "a", "1"], {"commit": ["r", 1]}])
    assert p.all("acked") == [["r", 1, 0]]

    bare = "redis://127.0.0.1:%d" % r.port
    msg = error_line(run(env, bare, "au", [], rc=3))
    assert "NOAUTH" in msg and "set the password in the destination URL" \
        in msg, msg
    msg = error_line(run(env, r.url(password="bad"), "au", [], rc=3))
    assert "WRONGPASS" in msg and "check the user and password" in msg, msg

    c = r.client()
    c.call("ACL", "SETUSER", "tandem", "on", ">pw2", "~*", "&*", "+@all")
    p = run(env, r.url(user="tandem", password="pw2"), "au2",
            [{"begin": True}, ["SET", "b", "2"], {"commit": ["r", 2]}])
    assert p.all("acked") == [["r", 2, 1]]
    assert c.call("GET", "b") == b"2"
    msg = error_line(run(env, r.url(user="tandem", password="nope"), "au2",
                         [], rc=3))
    assert "WRONGPASS" in msg, msg

    # a user that may not write the checkpoint: refused while queued
    c.call("ACL", "SETUSER", "nohset", "on", ">pw3", "~*", "&*", "+@all",
           "-hset")
    p = run(env, r.url(user="nohset", password="pw3"), "au3",
            [{"begin": True}, ["SET", "c", "3"], {"commit": ["r", 3]}], rc=3)
    msg = error_line(p)
    assert "HSET 'tandem:checkpoint:au3'" in msg and "NOPERM" in msg, msg
    assert "grant the destination user" in msg, msg
    assert c.call("EXISTS", "c") == 0

    # a password given to a server without one
    plain = env.redis()
    msg = error_line(run(env, plain.url(password="x"), "au", [], rc=3))
    assert "AUTH" in msg and "remove the password" in msg, msg


def test_connect_and_checkpoint_errors(env):
    port = servers.free_port()
    msg = error_line(run(env, "redis://127.0.0.1:%d" % port, "ce", [],
                         rc=3))
    assert "connect failed" in msg and "runs" in msg, msg

    # a listener that never answers: the handshake has a deadline
    import socket
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        t0 = time.monotonic()
        msg = error_line(run(env, "redis://127.0.0.1:%d" %
                             ls.getsockname()[1], "ce", [], rc=3,
                             connect_ms=500))
        assert time.monotonic() - t0 < 10
    assert "no data for 500 ms" in msg and "first replies" in msg, msg

    # a peer that is not Redis
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)

        def answer():
            conn, _ = ls.accept()
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            time.sleep(1)
            conn.close()
        t = threading.Thread(target=answer, daemon=True)
        t.start()
        msg = error_line(run(env, "redis://127.0.0.1:%d" %
                             ls.getsockname()[1], "ce", [], rc=3))
        t.join()
    assert "protocol error" in msg and "is this a Redis server" in msg, msg

    r = env.redis()
    c = r.client()
    c.call("HSET", "tandem:checkpoint:d", "replid", "x", "offset", "abc")
    msg = error_line(run(env, r.url(), "d", [], rc=3))
    assert "damaged (offset 'abc')" in msg and "delete it" in msg, msg
    c.call("SET", "tandem:checkpoint:w", "x")
    msg = error_line(run(env, r.url(), "w", [], rc=3))
    assert "not tandem's checkpoint hash" in msg, msg

    p = run(env, "mysql://127.0.0.1:%d" % r.port, "x", [], rc=3)
    assert "is not redis://" in p.one("error")
    p = run(env, r.url() + "?tsl=verify", "x", [], rc=3)
    assert "tsl" in p.one("error")

    # freed in the middle of a stream (not from a callback)
    p = run(env, r.url(), "fr", [
        {"gen": {"n": 20000, "prefix": "f:", "size": 100, "batch": 100,
                 "replid": "f", "offset": 0}},
        {"free": True}])
    assert p.one("done")["line"] == 2


def test_killed_mid_stream(env):
    r = env.redis()
    p = Probe(env, r.url(), "kill")
    p.send({"gen": {"n": 5000000, "prefix": "m:", "size": 50, "batch": 500,
                    "replid": "k", "offset": 0}})
    p.expect("acked")
    r.proc.kill()
    r.proc.wait()
    r.proc = None
    msg = p.expect("error", timeout=30)
    assert "\n" not in msg, msg
    assert "closed the connection" in msg or "connection failed" in msg, msg
    assert "restarts from its checkpoint" in msg, msg
    assert p.finish() == 3


def test_backpressure(env):
    r = env.redis()
    q = 65536
    p = run(env, r.url(), "bp", [
        {"gen": {"n": 20000, "prefix": "bp:", "size": 200}},
        {"commit": ["bp", 1]}], queue_bytes=q)
    marks = [(("full" in o) and "full" or "drained", o.get("full",
             o.get("drained"))) for o in p.lines
             if "full" in o or "drained" in o]
    assert len(marks) >= 4, marks
    assert [m[0] for m in marks[:4]] == ["full", "drained"] * 2, marks[:6]
    for kind, v in marks:
        assert (v >= q) if kind == "full" else (v < q // 2), marks
    done = p.one("done")
    assert done["max_pending"] < 2 * q, done
    assert done["cmds_acked"] == 20000 and done["pending"] == 0, done
    assert r.client().call("DBSIZE") == 20001


def test_sigstop_does_not_block(env):
    r = env.redis()
    n, batch = 30000, 200
    p = Probe(env, r.url(), "stop", queue_bytes=1 << 20)
    p.send({"gen": {"n": n, "prefix": "st:", "size": 1000, "batch": batch,
                    "replid": "s", "offset": 0}})
    p.expect("acked")
    os.kill(r.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(0.3)
        p.drain()
        before = len(p.lines)
        time.sleep(1.0)
        p.drain()
        during = p.lines[before:]
    finally:
        os.kill(r.proc.pid, signal.SIGCONT)
    # stalled: nothing acknowledged, the writer full and waiting
    assert not [o for o in during if "acked" in o], during
    marks = [o for o in p.lines if "full" in o or "drained" in o]
    assert marks and "full" in marks[-1], marks[-3:]
    assert p.finish(timeout=180) == 0, p.lines[-5:]
    done = p.one("done")
    # the 10 ms timer kept running while the destination was stopped
    assert done["maxgap_ms"] < 500, done
    assert p.all("acked")[-1] == ["s", n, batch], p.all("acked")[-1]
    assert r.client().call("DBSIZE") == n + 1
    assert checkpoint(r, "stop")["offset"] == str(n)

    # with a reply timeout the stall is an error
    p = Probe(env, r.url(), "stop2", queue_bytes=1 << 20, reply_ms=400)
    p.send({"gen": {"n": 2000000, "prefix": "s2:", "size": 100,
                    "batch": 100, "replid": "s", "offset": 0}})
    p.expect("acked")
    os.kill(r.proc.pid, signal.SIGSTOP)
    try:
        msg = p.expect("error", timeout=10)
    finally:
        os.kill(r.proc.pid, signal.SIGCONT)
    assert "no reply for 400 ms" in msg and "stalled" in msg, msg
    assert p.finish() == 3
    assert p.one("done")["maxgap_ms"] < 500


def test_tls(env):
    if env.tls_ca is None:
        raise env.Skip("no test CA")
    d = os.path.dirname(env.tls_ca)
    port = servers.free_port()
    try:
        r = env.redis(name="tls", extra=(
            ("tls-port", port), ("tls-cert-file", os.path.join(d, "server.pem")),
            ("tls-key-file", os.path.join(d, "server-key.pem")),
            ("tls-ca-cert-file", env.tls_ca), ("tls-auth-clients", "no")))
    except RuntimeError as e:
        if "tls" in str(e).lower():
            raise env.Skip("redis-server without TLS: %s" % str(e)[-200:])
        raise
    url = "rediss://127.0.0.1:%d" % port
    p = run(env, url + "?ca=" + env.tls_ca, "tls", [
        {"gen": {"n": 5000, "prefix": "t:", "size": 300, "batch": 1000,
                 "replid": "t", "offset": 0}}])
    assert p.all("acked")[-1] == ["t", 5000, 1000]
    c = r.client()
    assert c.call("GET", "t:4999") == value(4999, 300)
    assert checkpoint(r, "tls")["offset"] == "5000"
    # tls=require: no certificate check
    p = run(env, url + "?tls=require", "tls", [])
    assert p.one("ready")["offset"] == 5000
    # rediss:// verifies by default: the test CA is not a system one
    msg = error_line(run(env, url, "tls", [], rc=3))
    assert "TLS" in msg and "certificate" in msg, msg
    # plain text to the TLS port
    msg = error_line(run(env, "redis://127.0.0.1:%d" % port, "tls", [],
                         rc=3))
    assert "rediss://" in msg or "tls=" in msg, msg
