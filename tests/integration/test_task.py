"""MySQL to MySQL replication with `tandem run`, between two real MariaDB
servers: every column type and DDL kept in step, name mapping, column
rules and filters, conflict policies, SIGKILL at random instants without
a change lost or applied twice, and a destination restart mid-run."""

import json
import os
import random
import signal
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workload_types.sql")


def master_status(server):
    f, p = server.sql("SHOW MASTER STATUS")[0][:2]
    return f, int(p)


def file_seq(f):
    return int(f.rsplit(".", 1)[1])


def write_spec(env, name, objects, **extra):
    spec = {
        "name": name,
        "source": {"type": "mysql", "url": env.url("repl", "replpw")},
        "destination": {"type": "mysql",
                        "url": env.url("root", "", server=env.dest)},
        "objects": objects,
    }
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
        self.name = name
        self.proc = None
        self.errpath = os.path.join(env.tmp, name + ".err")
        self.data = os.path.join(env.tmp, name + "-data")

    def start(self):
        err = open(self.errpath, "a")
        self.proc = subprocess.Popen(
            [self.env.tandem, "run", self.spec, "--data-dir", self.data,
             "--log-level", "info"], stdout=subprocess.DEVNULL, stderr=err)
        err.close()

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(30)
        assert rc == 0, "tandem run exited %d on SIGTERM: %s" % (
            rc, self.stderr()[-3000:])

    def alive(self):
        return self.proc.poll() is None

    def checkpoint(self):
        rows = self.env.dest.sql("SELECT file, pos FROM tandem.checkpoint "
                                 "WHERE task = '%s'" % self.name) \
            if self.env.dest.sql("SHOW DATABASES LIKE 'tandem'") else []
        # one row per worker: the highest watermark is the task's position
        return max(((r[0], int(r[1])) for r in rows),
                   key=lambda c: (file_seq(c[0]), c[1]), default=None)

    def wait_caught_up(self, timeout=120):
        """Until the checkpoint reaches the source's current end."""
        end = master_status(self.env.mysql)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError("tandem run exited %s: %s" % (
                    self.proc.returncode, self.stderr()[-3000:]))
            ck = self.checkpoint()
            if ck and (file_seq(ck[0]), ck[1]) >= (file_seq(end[0]),
                                                   end[1]):
                return
            time.sleep(0.1)
        raise AssertionError("not caught up with %s after %ss (checkpoint "
                             "%s): %s" % (end, timeout, self.checkpoint(),
                                          self.stderr()[-3000:]))


def tables(server, db):
    return sorted(r[0] for r in server.sql(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = '%s' AND TABLE_TYPE = 'BASE TABLE'" % db))


def checksum(server, db, table):
    return server.sql("CHECKSUM TABLE `%s`.`%s` EXTENDED" % (db, table))[0][1]


def assert_same_tables(env, src_db, dst_db):
    src = tables(env.mysql, src_db)
    dst = tables(env.dest, dst_db)
    assert src == dst, "tables differ: source %s, destination %s" % (src,
                                                                     dst)
    for t in src:
        a, b = checksum(env.mysql, src_db, t), checksum(env.dest, dst_db, t)
        if a != b:
            q = "SELECT * FROM `%s` ORDER BY 1 LIMIT 20"
            raise AssertionError(
                "%s.%s differs from %s.%s (checksum %s vs %s):\n"
                "source: %s\ndestination: %s" % (
                    src_db, t, dst_db, t, a, b,
                    env.mysql.sql(q % t, db=src_db),
                    env.dest.sql(q % t, db=dst_db)))


def fresh_db(env, db, dst_db=None):
    env.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` "
            "CHARACTER SET utf8mb4" % (db, db))
    d = dst_db or db
    env.dest.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` "
                 "CHARACTER SET utf8mb4" % (d, d))


def workload_sql(db):
    with open(WORKLOAD) as f:
        text = f.read().replace("difft", db)
    # The database exists on both sides before the task starts.
    return "\n".join(ln for ln in text.splitlines()
                     if not ln.startswith("CREATE DATABASE"))


def test_every_type_and_ddl_kept_in_step(env):
    fresh_db(env, "rept")
    r = Runner(env, write_spec(env, "rept", [{"db": "rept"}],
                               conflict="overwrite"), "rept")
    r.start()
    try:
        r.wait_caught_up()
        env.sql(workload_sql("rept"))
        env.sql("DROP TABLE t_nopk", db="rept")
        # The ENUM error value (index 0) a non-strict source stores, which
        # a strict destination session refuses.
        env.sql("SET SESSION sql_mode = ''; INSERT INTO t_str (id, e) "
                "VALUES (50, 'not-a-member'), (51, 'b')", db="rept")
        # Large BLOBs: rows of several MiB, larger than one statement of a
        # batch, inserted, updated and deleted.
        env.sql("CREATE TABLE t_big (id INT PRIMARY KEY, b LONGBLOB, "
                "t LONGTEXT); INSERT INTO t_big VALUES (1, REPEAT(x'00ff', "
                "3 << 20), REPEAT('é', 1 << 20)), (2, RANDOM_BYTES(1024), "
                "NULL); UPDATE t_big SET b = CONCAT(b, b), t = NULL "
                "WHERE id = 1; INSERT INTO t_big VALUES (3, REPEAT('z', "
                "5 << 20), 'x'); DELETE FROM t_big WHERE id = 2",
                db="rept")
        r.wait_caught_up()
        assert_same_tables(env, "rept", "rept")
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_mapping_columns_and_filters(env):
    fresh_db(env, "mapsrc", "mapdst")
    env.sql("""
        CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(50),
                            pw_hash VARCHAR(50), region CHAR(2), n INT);
        CREATE TABLE other (id INT PRIMARY KEY);""", db="mapsrc")
    env.dest.sql("CREATE TABLE customers (id INT PRIMARY KEY, "
                 "mail VARCHAR(50), region CHAR(2), n INT)", db="mapdst")
    spec = write_spec(env, "mapt", [
        {"db": "mapsrc", "as": "mapdst", "tables": [
            {"name": "users", "as": "customers",
             "columns": {"email": "mail"}, "exclude_columns": ["pw_hash"],
             "filter": "id > 100 AND region IN ('eu', 'us')"}]}],
        dml=["insert", "update", "delete"])
    r = Runner(env, spec, "mapt")
    r.start()
    try:
        r.wait_caught_up()
        env.sql("""
            INSERT INTO users VALUES (1, 'a@x', 'h', 'eu', 1),
              (101, 'b@x', 'h', 'eu', 1), (102, 'c@x', 'h', 'cn', 1),
              (103, 'd@x', 'h', 'us', 1), (104, 'e@x', 'h', NULL, 1);
            INSERT INTO other VALUES (1);
            UPDATE users SET n = 2 WHERE id = 101;
            UPDATE users SET region = 'eu' WHERE id = 102;
            UPDATE users SET region = 'cn' WHERE id = 103;
            UPDATE users SET email = 'f@x', pw_hash = 'z' WHERE id = 101;
            DELETE FROM users WHERE id = 1;""", db="mapsrc")
        r.wait_caught_up()
        got = env.dest.sql("SELECT id, mail, region, n FROM customers "
                           "ORDER BY id", db="mapdst")
        assert got == [("101", "f@x", "eu", "2"), ("102", "c@x", "eu", "1")], \
            got
        assert env.dest.sql("SHOW TABLES LIKE 'other'", db="mapdst") == []
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_conflict_error_names_table_and_key(env):
    fresh_db(env, "conft")
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db="conft")
    env.dest.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT); "
                 "INSERT INTO t VALUES (7, 0)", db="conft")
    r = Runner(env, write_spec(env, "conft", [{"db": "conft"}],
                               conflict="error"), "conft")
    r.start()
    try:
        r.wait_caught_up()
        env.sql("INSERT INTO t VALUES (7, 1)", db="conft")
        rc = r.proc.wait(60)
    finally:
        if r.alive():
            r.proc.kill()
    assert rc == 1, rc
    errors = [ln for ln in r.stderr().splitlines() if "level=error" in ln]
    assert errors and "conft" in errors[-1] and "Duplicate entry '7'" in \
        errors[-1] and "conflict" in errors[-1], errors


def test_conflict_overwrite_and_ignore(env):
    for policy, want in (("overwrite", "1"), ("ignore", "0")):
        db = "conf" + policy[:3]
        fresh_db(env, db)
        env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=db)
        env.dest.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT); "
                     "INSERT INTO t VALUES (7, 0)", db=db)
        r = Runner(env, write_spec(env, db, [{"db": db}], conflict=policy),
                   db)
        r.start()
        try:
            r.wait_caught_up()
            env.sql("INSERT INTO t VALUES (7, 1), (8, 1)", db=db)
            r.wait_caught_up()
            got = env.dest.sql("SELECT id, v FROM t ORDER BY id", db=db)
            assert got == [("7", want), ("8", "1")], (policy, got)
            # An update of a row the destination lacks becomes an insert.
            env.dest.sql("DELETE FROM t WHERE id = 8", db=db)
            env.sql("UPDATE t SET v = 5 WHERE id = 8", db=db)
            r.wait_caught_up()
            assert env.dest.sql("SELECT v FROM t WHERE id = 8",
                                db=db) == [("5",)]
            r.stop()
        finally:
            if r.alive():
                r.proc.kill()


class Writer(threading.Thread):
    """Random single- and multi-row transactions on the source until
    stopped."""

    def __init__(self, env, db, seed):
        super().__init__(daemon=True)
        self.env = env
        self.db = db
        self.rng = random.Random(seed)
        self.stopping = False
        self.error = None
        self.count = 0

    def run(self):
        try:
            while not self.stopping:
                self.env.sql(self.batch(), db=self.db)
                self.count += 1
        except Exception as e:  # reported by the test
            self.error = e

    def batch(self):
        rng = self.rng
        stmts = []
        for _ in range(rng.randint(1, 6)):
            k = rng.randint(1, 300)
            c = rng.random()
            if c < 0.4:
                stmts.append("INSERT INTO t VALUES (%d, %d, REPEAT('x', %d),"
                             " %s) ON DUPLICATE KEY UPDATE v = v + 1"
                             % (k, rng.randint(0, 9), rng.randint(0, 300),
                                rng.choice(["NULL", "'2024-01-02 03:04:05'"])))
            elif c < 0.6:
                stmts.append("UPDATE t SET v = v + 1, s = CONCAT(LEFT(s, 50),"
                             " 'u') WHERE id BETWEEN %d AND %d" % (k, k + 20))
            elif c < 0.7:
                stmts.append("UPDATE t SET id = id + 1000 WHERE id = %d AND "
                             "id < 1000" % k)
            elif c < 0.8:
                stmts.append("DELETE FROM t WHERE id = %d" % k)
            elif c < 0.9:
                stmts.append("INSERT INTO nopk VALUES (%d, 'n%d')"
                             % (k % 10, k))
            else:
                stmts.append("DELETE FROM nopk WHERE a = %d LIMIT 1"
                             % (k % 10))
        return "BEGIN; " + "; ".join(stmts) + "; COMMIT;"


def crash_run(env, name, kills, restart_servers=False):
    fresh_db(env, name)
    ddl = ("CREATE TABLE t (id INT PRIMARY KEY, v INT, s VARCHAR(400), "
           "d DATETIME NULL); CREATE TABLE nopk (a INT, b VARCHAR(20));")
    env.sql(ddl, db=name)
    env.dest.sql(ddl, db=name)
    r = Runner(env, write_spec(env, name, [{"db": name}],
                               conflict="overwrite",
                               apply={"batch_txns": 20}), name)
    r.start()
    w = Writer(env, name, seed=len(name) * 7919 + kills)
    rng = random.Random(kills)
    try:
        r.wait_caught_up()
        w.start()
        for i in range(kills):
            time.sleep(rng.uniform(0.05, 0.6))
            r.kill()
            assert r.proc.returncode == -signal.SIGKILL
            r.start()
        if restart_servers:
            time.sleep(0.5)
            env.dest.restart()
            time.sleep(1.0)
            assert r.alive(), r.stderr()[-2000:]
            w.stopping = True
            w.join(30)
            env.mysql.restart()
            w = Writer(env, name, seed=1)
            w.start()
            time.sleep(1.0)
        w.stopping = True
        w.join(30)
        assert w.error is None, w.error
        r.wait_caught_up(timeout=180)
        assert_same_tables(env, name, name)
        assert w.count > 10, "the workload hardly ran: %d" % w.count
        r.stop()
    finally:
        w.stopping = True
        if r.alive():
            r.proc.kill()
    return r


def test_sigkill_at_random_instants_loses_and_repeats_nothing(env):
    crash_run(env, "crasht", kills=20 if env.soak else 6)


def test_destination_and_source_restart_mid_run(env):
    r = crash_run(env, "restartt", kills=0, restart_servers=True)
    assert "restarting from the checkpoint" in r.stderr()


def rss_measurable(env):
    """ASan keeps freed memory in quarantine: RSS says nothing there."""
    return "asan" not in os.path.basename(env.build)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_stalled_destination_keeps_memory_bounded(env):
    """The destination table is locked while the source writes 64 MiB:
    the queue stays at its bound (the source is paused), so tandem's
    memory stays under the bound plus a fixed overhead; after the unlock
    everything arrives."""
    db = "stallt"
    fresh_db(env, db)
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(4000))"
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    bound = 8 << 20
    r = Runner(env, write_spec(env, db, [{"db": db}],
                               apply={"queue_bytes": bound}), db)
    r.start()
    lock = subprocess.Popen(["mariadb", "--no-defaults", "--unbuffered",
                             "--skip-column-names", "-S", env.dest.sock,
                             "-uroot", db],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        r.wait_caught_up()
        base = rss_kb(r.proc.pid)
        lock.stdin.write("LOCK TABLES t WRITE; SELECT 'locked';\n")
        lock.stdin.flush()
        assert lock.stdout.readline().strip() == "locked"
        peak = base
        for i in range(32):          # 32 x 500 rows x 4000 bytes: 64 MB
            env.sql("INSERT INTO t SELECT seq, REPEAT(CHAR(65 + seq %% 26),"
                    " 4000) FROM seq_%d_to_%d" % (i * 500 + 1, i * 500 + 500),
                    db=db)
            peak = max(peak, rss_kb(r.proc.pid))
        for _ in range(20):
            time.sleep(0.1)
            peak = max(peak, rss_kb(r.proc.pid))
        grown = (peak - base) * 1024
        assert grown < bound + (32 << 20) or not rss_measurable(env), \
            "RSS grew %d MiB with a %d MiB queue bound" % (grown >> 20,
                                                           bound >> 20)
        lock.stdin.write("UNLOCK TABLES;\n")
        lock.stdin.close()
        lock.wait(10)
        r.wait_caught_up(timeout=180)
        assert_same_tables(env, db, db)
        r.stop()
    finally:
        if lock.poll() is None:
            lock.kill()
        if r.alive():
            r.proc.kill()


def test_sysbench_oltp_write_only_with_kills(env):
    """Debian's sysbench prepares its tables (DDL replicated) and runs
    oltp_write_only on the source while tandem is SIGKILLed and restarted
    at random instants; the destination ends equal."""
    import shutil
    if shutil.which("sysbench") is None:
        raise env.Skip("sysbench is not installed (tests/deps.sh installs "
                       "it)")
    db = "sbt"
    fresh_db(env, db)
    r = Runner(env, write_spec(env, db, [{"db": db}], conflict="overwrite"),
               db)
    sb = ["sysbench", "oltp_write_only", "--db-driver=mysql",
          "--mysql-host=127.0.0.1", "--mysql-port=%d" % env.mysql.port,
          "--mysql-user=root", "--mysql-password=", "--mysql-db=" + db,
          "--tables=2", "--table-size=2000"]
    r.start()
    rng = random.Random(42)
    try:
        r.wait_caught_up()
        subprocess.run(sb + ["prepare"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        run = subprocess.Popen(sb + ["--threads=2", "--time=%d" % (
            20 if env.soak else 6), "run"], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        kills = 0
        while run.poll() is None:
            time.sleep(rng.uniform(0.3, 1.2))
            if run.poll() is None:
                r.kill()
                r.start()
                kills += 1
        assert run.returncode == 0, run.stderr.read()
        assert kills >= 2, kills
        r.wait_caught_up(timeout=180)
        assert_same_tables(env, db, db)
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_transaction_larger_than_the_queue_is_one_transaction(env):
    """One source transaction updating many rows, far larger than the
    queue bound: applied in parts inside one destination transaction
    (never seen half done), with memory at the bound; a SIGKILL in the
    middle of it leaves the destination as before and the restart applies
    it whole."""
    db = "bigt"
    n = 200000 if env.soak else 40000
    bound = 1 << 20
    fresh_db(env, db)
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, v INT, s VARCHAR(200))"
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    env.sql("INSERT INTO t SELECT seq, 0, REPEAT('x', 200) FROM seq_1_to_%d"
            % n, db=db)
    env.dest.sql("INSERT INTO t SELECT seq, 0, REPEAT('x', 200) FROM "
                 "seq_1_to_%d" % n, db=db)
    r = Runner(env, write_spec(env, db, [{"db": db}], conflict="overwrite",
                               apply={"queue_bytes": bound}), db)
    r.start()
    try:
        r.wait_caught_up()
        base = rss_kb(r.proc.pid)
        env.sql("UPDATE t SET v = 1", db=db)
        peak, seen = base, set()
        killed = False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            peak = max(peak, rss_kb(r.proc.pid))
            got = env.dest.sql("SELECT COUNT(*) FROM t WHERE v = 1", db=db)
            seen.add(int(got[0][0]))
            if not killed and "applying it in parts" in r.stderr():
                r.kill()        # mid-way: nothing of it may show
                killed = True
                seen.add(int(env.dest.sql("SELECT COUNT(*) FROM t WHERE "
                                          "v = 1", db=db)[0][0]))
                r.start()
                base = rss_kb(r.proc.pid)
                peak = base
            if killed and int(got[0][0]) == n:
                break
            time.sleep(0.05)
        assert killed, "the transaction was never split: %s" % \
            r.stderr()[-2000:]
        assert seen <= {0, n}, "a half-applied transaction was visible: " \
            "%s" % sorted(seen)
        r.wait_caught_up(timeout=180)
        assert_same_tables(env, db, db)
        grown = (peak - base) * 1024
        assert grown < bound + (32 << 20) or not rss_measurable(env), \
            "RSS grew %d MiB" % (grown >> 20)
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_bulk_update_of_millions_of_rows_is_one_transaction(env):
    """One UPDATE of 2M rows (300K in `make check`) with a 64 MiB queue
    bound (8 MiB): the destination shows it all or nothing, and tandem's
    memory stays under the bound plus a fixed overhead."""
    db = "bulkt"
    n = 2000000 if env.soak else 300000
    bound = (64 if env.soak else 8) << 20
    fresh_db(env, db)
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, v INT)"
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    for server in (env.mysql, env.dest):
        server.sql("INSERT INTO t SELECT seq, 0 FROM seq_1_to_%d" % n, db=db)
    r = Runner(env, write_spec(env, db, [{"db": db}], conflict="overwrite",
                               apply={"queue_bytes": bound}), db)
    r.start()
    try:
        r.wait_caught_up(timeout=600)
        base = peak = rss_kb(r.proc.pid)
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set() and r.alive():
                peak = max(peak, rss_kb(r.proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            env.sql("UPDATE t SET v = 1", db=db)
            seen = set()
            deadline = time.monotonic() + 1200
            while time.monotonic() < deadline:
                if not r.alive():
                    raise AssertionError("tandem run exited: %s"
                                         % r.stderr()[-3000:])
                got = int(env.dest.sql("SELECT COUNT(*) FROM t WHERE v = 1",
                                       db=db)[0][0])
                seen.add(got)
                if got == n:
                    break
                time.sleep(0.5)
        finally:
            done.set()
            sampler.join()
        assert seen <= {0, n}, "a half-applied transaction was visible: " \
            "%s" % sorted(seen)
        r.wait_caught_up(timeout=600)
        assert_same_tables(env, db, db)
        grown = (peak - base) * 1024
        assert grown < bound + (32 << 20) or not rss_measurable(env), \
            "RSS grew %d MiB with a %d MiB bound" % (grown >> 20,
                                                    bound >> 20)
        print("bulk update of %d rows: RSS grew %d MiB, bound %d MiB"
              % (n, grown >> 20, bound >> 20))
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_missing_destination_table_is_named_before_applying(env):
    db = "missingt"
    fresh_db(env, db)
    env.sql("CREATE TABLE a (id INT PRIMARY KEY); "
            "CREATE TABLE b (id INT PRIMARY KEY)", db=db)
    env.dest.sql("CREATE TABLE a (id INT PRIMARY KEY)", db=db)
    r = Runner(env, write_spec(env, db, [{"db": db}]), db)
    r.start()
    try:
        rc = r.proc.wait(60)
    finally:
        if r.alive():
            r.proc.kill()
    assert rc == 1, rc
    errors = [ln for ln in r.stderr().splitlines() if "level=error" in ln]
    assert errors and "`missingt`.`b`" in errors[-1] and \
        "does not exist" in errors[-1], errors
    assert r.checkpoint() is None, "something was applied"
