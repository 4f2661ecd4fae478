"""The delay of replication tasks and their counters, read from `tandem run
--stats-every`: the delay agrees with Percona's pt-heartbeat --check run on
the same source and destination; an idle task keeps a small, refreshed
delay and writes nothing to the destination for it; a task whose account
may not write tandem.heartbeat falls back to the binlog's timestamps; the
tasks of one process share one heartbeat writer per source; a stalled
destination shows as a growing delay and bytes behind.

A proxy in front of the source holds every byte the server sends for a
set time: the binlog stream reaches tandem that much later, which gives
the delay a known size."""

import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time


class DelayProxy:
    """TCP proxy to a local server port: client bytes pass at once, server
    bytes are held `delay` seconds (changeable while running)."""

    def __init__(self, target_port, delay=0.0):
        self.target = ("127.0.0.1", target_port)
        self.delay = delay
        self.socks = []
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stopping = True
        for s in [self.lsock] + self.socks:
            try:
                s.close()
            except OSError:
                pass

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s = socket.create_connection(self.target)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.socks += [c, s]
            q = queue.Queue()
            threading.Thread(target=self._pipe, args=(c, s),
                             daemon=True).start()
            threading.Thread(target=self._hold, args=(s, q),
                             daemon=True).start()
            threading.Thread(target=self._release, args=(q, c, s),
                             daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _hold(self, s, q):
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                q.put((time.monotonic() + self.delay, data))
        except OSError:
            pass
        q.put((0, None))

    @staticmethod
    def _release(q, c, s):
        try:
            while True:
                at, data = q.get()
                if data is None:
                    break
                wait = at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                c.sendall(data)
        except OSError:
            pass
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Run:
    """`tandem run` of some specs with --stats-every: the JSON lines of
    stdout are kept as they come."""

    def __init__(self, env, specs, name, every_ms=100):
        self.env = env
        self.errpath = os.path.join(env.tmp, name + ".err")
        self.lines = []
        self.lock = threading.Lock()
        err = open(self.errpath, "w")
        self.proc = subprocess.Popen(
            [env.tandem, "run"] + list(specs) +
            ["--data-dir", os.path.join(env.tmp, name + "-data"),
             "--stats-every", str(every_ms)],
            stdout=subprocess.PIPE, stderr=err, text=True)
        err.close()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            obj = json.loads(line)
            obj["_at"] = time.time()
            with self.lock:
                self.lines.append(obj)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def latest(self, task):
        with self.lock:
            for obj in reversed(self.lines):
                if obj["task"] == task:
                    return obj
        return None

    def since(self, task, t0):
        with self.lock:
            return [o for o in self.lines if o["task"] == task and
                    o["_at"] >= t0]

    def wait(self, task, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("tandem run exited %s: %s" % (
                    self.proc.returncode, self.stderr()[-3000:]))
            st = self.latest(task)
            if st is not None and pred(st):
                return st
            time.sleep(0.05)
        raise AssertionError("%s: not after %ss; last stats %s\n%s" % (
            what, timeout, self.latest(task), self.stderr()[-3000:]))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(30)
        assert rc == 0, "tandem run exited %d on SIGTERM: %s" % (
            rc, self.stderr()[-3000:])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def spec(env, name, db, user, password, port=None, **extra):
    s = {
        "name": name,
        "source": {"type": "mysql", "url": "mysql://%s:%s@127.0.0.1:%d" % (
            user, password, port or env.mysql.port)},
        "destination": {"type": "mysql",
                        "url": env.url("root", "", server=env.dest)},
        "objects": [{"db": db}],
        "conflict": "overwrite",
    }
    s.update(extra)
    path = os.path.join(env.tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(s, f)
    return path


def fresh_db(env, db, ddl=""):
    for server in (env.mysql, env.dest):
        server.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`"
                   % (db, db))
        if ddl:
            server.sql(ddl, db=db)


def writer_account(env, user):
    """An account that may write the heartbeat row, as the docs ask."""
    env.sql("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY 'pw'; "
            "GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO "
            "'%s'@'%%'; GRANT CREATE, INSERT, UPDATE ON tandem.* TO "
            "'%s'@'%%'" % (user, user, user))


def known(st):
    return st["status"] == "incremental sync" and st["delay_ms"]["last"] >= 0


PT_TABLE = ("CREATE TABLE heartbeat (ts varchar(26) NOT NULL, server_id "
            "int unsigned NOT NULL PRIMARY KEY, file varchar(255) DEFAULT "
            "NULL, position bigint unsigned DEFAULT NULL, "
            "relay_master_log_file varchar(255) DEFAULT NULL, "
            "exec_master_log_pos bigint unsigned DEFAULT NULL); "
            "INSERT INTO heartbeat (ts, server_id) VALUES (NOW(6), 1)")
SKEW = 0.001


def pt_check(env):
    """One `pt-heartbeat --check` on the destination: (delay in ms, the
    instant of the check as a Unix time).

    --check wakes at the next whole second plus --skew and prints now
    minus the ts of the heartbeat row the destination has, minus --skew
    (negative values print as 0, two decimals).  With --update writing
    every 10 ms that is the replication delay plus at most 10 ms; PTDEBUG
    gives the value to the microsecond and the instant, and --skew is
    added back (it cannot be 0)."""
    r = subprocess.run(
        ["pt-heartbeat", "--check", "-D", "percona", "--master-server-id",
         "1", "--skew", str(SKEW), "-u", "root", "-S", env.dest.sock],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=60, env=dict(os.environ, PTDEBUG="1"))
    assert r.returncode == 0, r.stderr[-2000:]
    delay = now = None
    for line in r.stderr.splitlines():
        f = line.split()
        if "Delay" in f and f.index("Delay") + 1 < len(f):
            delay = float(f[f.index("Delay") + 1])
        if len(f) >= 3 and f[1] == "now:":
            now = time.mktime(time.strptime(f[2][:19],
                                            "%Y-%m-%dT%H:%M:%S")) + \
                float("0" + f[2][19:])
    printed = float(r.stdout.split()[-1])
    assert delay is not None and now is not None, r.stderr[-2000:]
    assert abs(printed - max(delay, 0)) < 0.006, (printed, delay)
    return (delay + SKEW) * 1000, now


def test_delay_agrees_with_pt_heartbeat(env):
    """pt-heartbeat --update writes its row on the source every 10 ms; a
    task replicates its database through a proxy that holds the stream
    300 ms; pt-heartbeat --check on the destination and the task's own
    delay (its heartbeat rows) agree within 20 ms, both near 300 ms."""
    if shutil.which("pt-heartbeat") is None:
        raise env.Skip("pt-heartbeat is not installed (tests/deps.sh "
                       "installs percona-toolkit)")
    writer_account(env, "hbpt")
    fresh_db(env, "percona", PT_TABLE)
    update = subprocess.Popen(
        ["pt-heartbeat", "--update", "-D", "percona", "--create-table",
         "--interval", "0.01", "-u", "root", "-S", env.mysql.sock],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proxy = DelayProxy(env.mysql.port, delay=0.3)
    run = Run(env, [spec(env, "ptdelay", "percona", "hbpt", "pw",
                         port=proxy.port)], "ptdelay")
    try:
        run.wait("ptdelay", lambda st: known(st) and
                 st["applied_rows"] > 50, 60, "rows applied, delay known")
        pairs = []
        for _ in range(7):
            pt_ms, at = pt_check(env)
            # the task's delay at that instant: the stats line nearest it
            with run.lock:
                near = min((o for o in run.lines if o["task"] == "ptdelay"),
                           key=lambda o: abs(o["_at"] - at))
            pairs.append((pt_ms, near["delay_ms"]["last"]))
        assert update.poll() is None, update.stderr.read()
        pt = statistics.median(p for p, _ in pairs)
        ours = statistics.median(o for _, o in pairs)
        print("delay: pt-heartbeat %.1f ms, tandem %d ms (pairs %s)"
              % (pt, ours, [(round(p, 1), o) for p, o in pairs]))
        assert 290 <= ours <= 400 and 290 <= pt <= 400, pairs
        assert abs(pt - ours) <= 20, pairs
        st = run.latest("ptdelay")
        d = st["delay_ms"]
        assert 0 <= d["p50"] <= d["p99"] <= d["max"], st
        assert 290 <= d["p50"] <= 400, st
        assert st["read_bytes"] > 0 and st["written_bytes"] > 0, st
        assert st["applied_txns"] > 50 and st["errors"] == 0, st
        run.stop()
    finally:
        run.kill()
        update.kill()
        update.wait(10)
        proxy.close()


def test_idle_task_delay_stays_small_and_follows_the_link(env):
    """No writes on the source: the task's delay stays small and is
    refreshed every second (a proxy holding the stream 250 ms shows within
    seconds, and goes away again), nothing is written to the destination
    for the heartbeats, and nothing is behind or queued."""
    writer_account(env, "hbidle")
    fresh_db(env, "idled", "CREATE TABLE t (id INT PRIMARY KEY)")
    proxy = DelayProxy(env.mysql.port, delay=0.0)
    run = Run(env, [spec(env, "idled", "idled", "hbidle", "pw",
                         port=proxy.port)], "idled")
    try:
        run.wait("idled", known, 30, "delay known")
        time.sleep(1.5)     # the first checkpoint is written at start
        before = run.latest("idled")
        t0 = time.time()
        time.sleep(4)
        lines = run.since("idled", t0)
        assert len(lines) >= 30, len(lines)
        assert all(0 <= o["delay_ms"]["last"] < 100 for o in lines), \
            [o["delay_ms"] for o in lines]
        assert all(o["bytes_behind"] == 0 and o["queue_bytes"] == 0
                   for o in lines), lines[-1]
        after = run.latest("idled")
        assert after["written_bytes"] == before["written_bytes"], \
            "the destination was written for heartbeats: %s -> %s" % (
                before, after)
        assert after["read_bytes"] > before["read_bytes"], (before, after)
        assert after["applied_txns"] == 0 and after["errors"] == 0, after

        proxy.delay = 0.25
        run.wait("idled", lambda st: 240 <= st["delay_ms"]["last"] <= 350,
                 10, "the 250 ms link shows")
        st = run.latest("idled")
        assert st["delay_ms"]["max"] >= 240, st
        proxy.delay = 0.0
        run.wait("idled", lambda st: st["delay_ms"]["last"] < 100, 10,
                 "the delay goes back down")
        run.stop()
    finally:
        run.kill()
        proxy.close()


def test_fallback_without_the_right_to_write_heartbeats(env):
    """The source account may not write tandem.heartbeat: one warning
    naming the grant, and the task still reports a delay (from the
    server's heartbeat events while idle, from the binlog's timestamps
    when rows come)."""
    fresh_db(env, "fallb", "CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    run = Run(env, [spec(env, "fallb", "fallb", "repl", "replpw")],
              "fallb")
    try:
        st = run.wait("fallb", known, 30, "a delay without heartbeat rows")
        assert 0 <= st["delay_ms"]["last"] < 1500, st
        env.sql("INSERT INTO t SELECT seq, seq FROM seq_1_to_100",
                db="fallb")
        st = run.wait("fallb", lambda s: s["applied_rows"] == 100, 30,
                      "rows applied")
        assert 0 <= st["delay_ms"]["last"] < 2500, st
        assert st["applied_txns"] == 1, st
        time.sleep(2.5)
        st = run.latest("fallb")
        assert 0 <= st["delay_ms"]["last"] < 1500, st
        warns = [ln for ln in run.stderr().splitlines()
                 if "cannot write heartbeats" in ln]
        assert len(warns) == 1 and "level=warn" in warns[0] and \
            "GRANT CREATE, INSERT, UPDATE ON tandem.* TO 'repl'" in \
            warns[0], warns
        run.stop()
    finally:
        run.kill()


def test_tasks_of_one_process_share_one_heartbeat(env):
    """Two tasks on one source in one process: one connection writes
    heartbeats (besides the two binlog dumps), one row a second, and both
    tasks take their delay from it."""
    writer_account(env, "hbshare")
    for db in ("share1", "share2"):
        fresh_db(env, db, "CREATE TABLE t (id INT PRIMARY KEY)")
    run = Run(env, [spec(env, "share1", "share1", "hbshare", "pw"),
                    spec(env, "share2", "share2", "hbshare", "pw")],
              "share")
    try:
        for name in ("share1", "share2"):
            run.wait(name, known, 30, "delay of " + name)
        time.sleep(1.5)     # prechecks' connections are closed by now

        def conns():
            rows = env.sql("SELECT COMMAND FROM information_schema."
                           "PROCESSLIST WHERE USER = 'hbshare'")
            dumps = sum(1 for r in rows if r[0] == "Binlog Dump")
            return dumps, len(rows) - dumps

        def inserts():
            return int(env.sql("SHOW GLOBAL STATUS LIKE "
                               "'Com_insert'")[0][1])

        n0, t0 = inserts(), time.monotonic()
        for _ in range(5):
            assert conns() == (2, 1), conns()
            time.sleep(0.8)
        rate = (inserts() - n0) / (time.monotonic() - t0)
        assert 0.5 <= rate <= 1.5, "%.2f heartbeat writes a second" % rate
        for name in ("share1", "share2"):
            st = run.latest(name)
            assert 0 <= st["delay_ms"]["last"] < 100, st
        run.stop()
    finally:
        run.kill()


def test_stalled_destination_shows_in_delay_and_bytes_behind(env):
    """The destination table is locked while the source writes: the delay
    grows with the stall (nothing is applied, yet the heartbeats queued
    behind the blocked rows are older every second), bytes and queue are
    behind; after the unlock it all comes back down and the counters
    match what was written."""
    writer_account(env, "hbstall")
    fresh_db(env, "stalld", "CREATE TABLE t (id INT PRIMARY KEY, "
                            "s VARCHAR(100))")
    run = Run(env, [spec(env, "stalld", "stalld", "hbstall", "pw")],
              "stalld")
    lock = subprocess.Popen(["mariadb", "--no-defaults", "--unbuffered",
                             "--skip-column-names", "-S", env.dest.sock,
                             "-uroot", "stalld"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        run.wait("stalld", known, 30, "delay known")
        lock.stdin.write("LOCK TABLES t WRITE; SELECT 'locked';\n")
        lock.stdin.flush()
        assert lock.stdout.readline().strip() == "locked"
        for i in range(40):
            env.sql("INSERT INTO t VALUES (%d, REPEAT('x', 100))" % i,
                    db="stalld")
            time.sleep(0.1)
        st = run.wait("stalld", lambda s: s["delay_ms"]["last"] >= 3500, 10,
                      "the delay grows while stalled")
        assert st["bytes_behind"] > 40 * 100, st
        assert st["queue_bytes"] > 0 and st["applied_rows"] == 0, st
        assert st["delay_ms"]["max"] >= 3500, st
        lock.stdin.write("UNLOCK TABLES;\n")
        lock.stdin.close()
        lock.wait(10)
        st = run.wait("stalld", lambda s: s["delay_ms"]["last"] < 200 and
                      s["bytes_behind"] == 0, 15, "caught up")
        assert st["applied_rows"] == 40 and st["applied_txns"] == 40, st
        assert st["queue_bytes"] == 0 and st["delay_ms"]["max"] >= 3500, st
        run.stop()
    finally:
        if lock.poll() is None:
            lock.kill()
        run.kill()
