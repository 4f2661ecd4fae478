"""Full sync with `tandem run --until-caught-up`: "mode": "full" and
"full+incremental" create the destination's databases and tables from the
source's (schema_sync), copy every selected table from a consistent
snapshot (names mapped, columns excluded, rows filtered), then, for
full+incremental, stream the binlog from the snapshot's position; run
again, the task resumes from its checkpoint without copying again.
"existing_tables" decides what happens to a destination table that is
already there: refused (intercept), written into (ignore) or truncated
(clear)."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_task as tt  # noqa: E402


def source_only_db(env, db, dst_db=None):
    """A fresh source database; the destination one must not exist, so
    that schema sync has to create it."""
    env.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` "
            "CHARACTER SET utf8mb4" % (db, db))
    env.dest.sql("DROP DATABASE IF EXISTS `%s`" % (dst_db or db))


def run_task(env, spec, name, timeout=120, until=True):
    """One `tandem run` to its end: (exit code, stderr)."""
    args = [env.tandem, "run", spec, "--data-dir",
            os.path.join(env.tmp, name + "-data"), "--log-level", "info"]
    if until:
        args.append("--until-caught-up")
    r = subprocess.run(args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=timeout)
    return r.returncode, r.stderr.decode(errors="replace")


def run_ok(env, spec, name, timeout=120, until=True):
    rc, err = run_task(env, spec, name, timeout=timeout, until=until)
    assert rc == 0, "tandem run %s exited %d: %s" % (name, rc, err[-3000:])
    return err


def db_exists(server, db):
    return bool(server.sql("SHOW DATABASES LIKE '%s'" % db))


class BigWriter(tt.Writer):
    """Random updates, deletes and inserts of new ids on `big` until
    stopped, one source transaction a batch."""

    def __init__(self, env, db, first_new_id, seed):
        super().__init__(env, db, seed)
        self.next_id = first_new_id

    def batch(self):
        rng = self.rng
        stmts = []
        for _ in range(rng.randint(1, 5)):
            c = rng.random()
            k = rng.randint(1, self.next_id - 1)
            if c < 0.4:
                stmts.append("UPDATE big SET k = k + %d, s = CONCAT(LEFT(s, "
                             "60), 'u%d') WHERE id BETWEEN %d AND %d"
                             % (rng.randint(1, 9), k % 100, k,
                                k + rng.randint(0, 30)))
            elif c < 0.65:
                stmts.append("DELETE FROM big WHERE id BETWEEN %d AND %d"
                             % (k, k + rng.randint(0, 3)))
            else:
                n = rng.randint(1, 20)
                stmts.append("INSERT INTO big VALUES " + ", ".join(
                    "(%d, %d, REPEAT('n', %d))"
                    % (self.next_id + i, rng.randint(0, 1000),
                       rng.randint(0, 100)) for i in range(n)))
                self.next_id += n
        return "BEGIN; " + "; ".join(stmts) + "; COMMIT;"


# Rows of many column types, derived from seq (the bench's table).
WIDE = """CREATE TABLE wide (
  id INT NOT NULL PRIMARY KEY, ti TINYINT NOT NULL, si SMALLINT UNSIGNED,
  mi MEDIUMINT, bi BIGINT, ub BIGINT UNSIGNED, de DECIMAL(14,4),
  fl FLOAT, db DOUBLE, bt BIT(13), dt DATETIME(6), ts TIMESTAMP(3) NULL,
  d DATE, tm TIME(2), yr YEAR, ch CHAR(5), vc VARCHAR(100), bn BINARY(4),
  bl BLOB, tx TEXT, js JSON, en ENUM('a', 'b', 'c'), st SET('x', 'y'),
  g POINT);
INSERT INTO wide SELECT seq, seq % 256 - 128, seq % 65536,
  seq * 37 % 16777216 - 8388608, seq * 1000000007 * IF(seq % 2, 1, -1),
  18446744073709551615 - seq, ROUND(seq / 7, 4), seq / 3, SQRT(seq),
  seq % 8192, TIMESTAMP('2020-01-01') + INTERVAL seq * 1000003 MICROSECOND,
  IF(seq % 7 = 0, NULL, FROM_UNIXTIME(1600000000 + seq)),
  DATE('2000-01-01') + INTERVAL seq % 10000 DAY,
  SEC_TO_TIME(seq % 300000 - 150000), 1901 + seq % 255,
  LEFT(MD5(seq), seq % 6), CONCAT('h\u00e9llo \u2713 \U0001f600 ', seq),
  UNHEX(LPAD(HEX(seq), 8, '0')),
  IF(seq % 11 = 0, NULL, CONCAT(UNHEX(SHA2(seq, 256)), CHAR(0))),
  REPEAT('t', seq % 300), JSON_OBJECT('id', seq, 'a', JSON_ARRAY(seq, 2.5)),
  ELT(seq % 3 + 1, 'a', 'b', 'c'), IF(seq % 2, 'x,y', ''),
  IF(seq % 13 = 0, NULL, POINT(seq, -seq))
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_{N}) s"""


def sysbench_cmd(env, db, *more):
    return ["sysbench", "oltp_write_only", "--db-driver=mysql",
            "--mysql-host=127.0.0.1", "--mysql-port=%d" % env.mysql.port,
            "--mysql-user=root", "--mysql-password=", "--mysql-db=" + db,
            "--tables=2"] + list(more)


def test_full_then_incremental_with_writes_during_copy(env):
    """`big` (200K rows; 2M under `make soak`), `wide` (every column type,
    a quarter of that), the workload's tables and a table without a key,
    copied while sysbench oltp_write_only and a writer of random changes
    to `big` run for the whole copy; after the handover and a catch-up
    every table equals the source."""
    import shutil
    if shutil.which("sysbench") is None:
        raise env.Skip("sysbench is not installed (tests/deps.sh installs "
                       "it)")
    db = "fullinc"
    n = 2000000 if env.soak else 200000
    source_only_db(env, db)
    env.sql(tt.workload_sql(db))
    env.sql("""
        CREATE TABLE big (id INT PRIMARY KEY, k INT, s VARCHAR(100));
        INSERT INTO big SELECT seq, seq % 997, REPEAT(CHAR(65 + seq % 26),
            seq % 90) FROM seq_1_to_""" + str(n) + """;
        CREATE TABLE nopk (a INT, b VARCHAR(20));
        INSERT INTO nopk SELECT seq % 50, CONCAT('n', seq % 7)
            FROM seq_1_to_500;
        INSERT INTO nopk VALUES (NULL, NULL), (NULL, NULL);""", db=db)
    env.sql("SET NAMES utf8mb4; " + WIDE.replace("{N}", str(n // 4)), db=db)
    subprocess.run(sysbench_cmd(env, db, "--table-size=10000", "prepare"),
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    assert not db_exists(env.dest, db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full+incremental")
    sb = subprocess.Popen(sysbench_cmd(env, db, "--threads=2",
                                       "--time=3600", "run"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    w = BigWriter(env, db, n + 1, seed=7)
    w.start()
    try:
        while w.count < 2 and w.error is None and w.is_alive():
            time.sleep(0.01)
        before = w.count
        err = run_ok(env, spec, db, timeout=1200 if env.soak else 240)
        during = w.count - before
        assert sb.poll() is None, "sysbench stopped during the copy: %s" \
            % sb.stderr.read()[-2000:]
    finally:
        w.stopping = True
        w.join(30)
        sb.terminate()
        sb.wait(30)
    assert w.error is None, w.error
    assert during > 0, "no source write happened during the run"
    assert "copy" in err.lower(), "the first run says nothing of the " \
        "copy: %s" % err[-2000:]
    run_ok(env, spec, db)
    tt.assert_same_tables(env, db, db)
    assert int(env.dest.sql("SELECT COUNT(*) FROM big", db=db)[0][0]) > \
        n * 3 // 4
    assert int(env.dest.sql("SELECT COUNT(*) FROM wide", db=db)[0][0]) == \
        n // 4


def test_second_run_does_not_copy_again(env):
    db = "fullagain"
    source_only_db(env, db)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); "
            "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_1000",
            db=db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full+incremental")
    err = run_ok(env, spec, db)
    assert "copy" in err.lower(), err[-2000:]
    tt.assert_same_tables(env, db, db)
    # A row only the destination lost: a second copy would bring it back.
    env.dest.sql("DELETE FROM t WHERE id = 5", db=db)
    q = "SELECT id, v FROM t ORDER BY id"
    before = env.dest.sql(q, db=db)
    assert len(before) == 999, len(before)
    err = run_ok(env, spec, db, timeout=60)
    assert "copying" not in err.lower(), "the second run copied again: " \
        "%s" % err[-2000:]
    after = env.dest.sql(q, db=db)
    assert after == before, "destination rows changed on the second run: " \
        "%d rows, was %d" % (len(after), len(before))


def test_mapping_and_filter_apply_to_the_copy(env):
    src, dst = "fullmapsrc", "fullmapdst"
    source_only_db(env, src, dst)
    env.sql("""
        CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(50),
                            pw_hash VARCHAR(50), region CHAR(2), n INT,
                            KEY (email));
        INSERT INTO users SELECT seq, CONCAT('u', seq, '@x'),
            CONCAT('h', seq), ELT(1 + seq % 3, 'eu', 'us', NULL), seq * 3
            FROM seq_1_to_40;
        INSERT INTO users VALUES (41, NULL, NULL, NULL, NULL);
        CREATE TABLE other (id INT PRIMARY KEY);
        INSERT INTO other VALUES (1), (2);""", db=src)
    spec = tt.write_spec(env, "fullmap", [
        {"db": src, "as": dst, "tables": [
            {"name": "users", "as": "customers",
             "columns": {"email": "mail"}, "exclude_columns": ["pw_hash"],
             "filter": "id > 10"}]}], mode="full+incremental")
    run_ok(env, spec, "fullmap")
    assert tt.tables(env.dest, dst) == ["customers"], tt.tables(env.dest,
                                                                dst)
    cols = [r[0] for r in env.dest.sql(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = '%s' AND TABLE_NAME = 'customers' "
        "ORDER BY ORDINAL_POSITION" % dst)]
    assert cols == ["id", "mail", "region", "n"], cols
    want = env.sql("SELECT id, email, region, n FROM users WHERE id > 10 "
                   "ORDER BY id", db=src)
    got = env.dest.sql("SELECT id, mail, region, n FROM customers "
                       "ORDER BY id", db=dst)
    assert len(want) == 31, len(want)
    assert got == want, "copied rows differ:\nwant %s\ngot  %s" % (want,
                                                                   got)


def test_existing_tables_intercept_ignore_clear(env):
    db = "fullexist"
    tt.fresh_db(env, db)
    ddl = "CREATE TABLE accounts (id INT PRIMARY KEY, v INT NOT NULL)"
    env.sql(ddl + "; INSERT INTO accounts SELECT seq, seq * 10 "
            "FROM seq_1_to_50", db=db)
    src_rows = env.sql("SELECT id, v FROM accounts ORDER BY id", db=db)
    q = "SELECT id, v FROM accounts ORDER BY id"

    def reset_dest():
        # A junk row (a key the source lacks) and one sharing key 1.
        env.dest.sql("DROP TABLE IF EXISTS accounts; " + ddl + "; "
                     "INSERT INTO accounts VALUES (1, -1), (1000, -7)",
                     db=db)

    reset_dest()
    spec = tt.write_spec(env, db + "-int", [{"db": db}],
                         mode="full+incremental")
    rc, err = run_task(env, spec, db + "-int", timeout=60)
    assert rc == 1, "intercept: exit %d: %s" % (rc, err[-2000:])
    lines = [ln for ln in err.splitlines() if "existing_tables" in ln]
    assert lines and "accounts" in lines[-1], \
        "intercept: no line naming the table and existing_tables: %s" % \
        err[-2000:]
    assert env.dest.sql(q, db=db) == [("1", "-1"), ("1000", "-7")], \
        "intercept: the destination table was written to"

    spec = tt.write_spec(env, db + "-ign", [{"db": db}],
                         mode="full+incremental", existing_tables="ignore")
    run_ok(env, spec, db + "-ign", timeout=60)
    got = env.dest.sql(q, db=db)
    want = sorted([("1", "-1")] + src_rows[1:] + [("1000", "-7")],
                  key=lambda r: int(r[0]))
    assert got == want, "ignore: destination rows %s...%s (%d rows)" % (
        got[:3], got[-3:], len(got))

    reset_dest()
    spec = tt.write_spec(env, db + "-clr", [{"db": db}],
                         mode="full+incremental", existing_tables="clear")
    run_ok(env, spec, db + "-clr", timeout=60)
    assert env.dest.sql(q, db=db) == src_rows
    tt.assert_same_tables(env, db, db)


def test_mode_full_copies_and_exits(env):
    db = "fullonly"
    source_only_db(env, db)
    env.sql("""
        CREATE TABLE a (id BIGINT UNSIGNED PRIMARY KEY, d DECIMAL(12,3),
                        t DATETIME(6) NULL, b BLOB, j JSON);
        INSERT INTO a SELECT seq, seq / 7, '2024-02-29 12:34:56.789012'
            + INTERVAL seq SECOND, RANDOM_BYTES(seq % 64),
            JSON_OBJECT('k', seq) FROM seq_1_to_2000;
        INSERT INTO a VALUES (18446744073709551615, NULL, NULL, NULL, NULL);
        CREATE TABLE nopk (x INT, y VARCHAR(10));
        INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (NULL, 'b');
        SET foreign_key_checks = 0;
        CREATE TABLE child (id INT PRIMARY KEY, p INT, KEY p (p),
            CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (code));
        CREATE TABLE parent (id INT PRIMARY KEY, code INT, KEY code (code));
        INSERT INTO parent VALUES (1, 10), (2, 20);
        INSERT INTO child VALUES (1, 10), (2, 20), (3, NULL);""",
            db=db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full")
    err = run_ok(env, spec, db, timeout=60)
    tt.assert_same_tables(env, db, db)
    # a foreign key through a plain index: indexes stay in the CREATE
    for t in ("a", "child", "parent"):
        assert env.sql("SHOW CREATE TABLE " + t, db=db) == \
            env.dest.sql("SHOW CREATE TABLE " + t, db=db), t
    assert "adding" not in err, err[-2000:]
    # progress per table, and no stream after the copy in mode full
    assert "copied `fullonly`.`a`: 2001 rows" in err, err[-2000:]
    assert "copied `fullonly`.`nopk`: 3 rows" in err, err[-2000:]
    assert "streaming from" not in err, err[-2000:]
    # run again: done already, neither a copy nor a stream
    env.sql("INSERT INTO nopk VALUES (9, 'later')", db=db)
    err = run_ok(env, spec, db, timeout=60, until=False)
    assert "nothing left to do" in err, err[-2000:]
    assert "copying" not in err and "streaming from" not in err, err[-2000:]
    assert env.dest.sql("SELECT COUNT(*) FROM nopk", db=db) == [("3",)]


def test_sigkill_during_the_copy(env):
    """SIGKILL while the copy runs, under existing_tables "intercept" and
    "ignore": the restart copies again (emptying the tables it created, or
    writing over its own rows next to the user's) and ends equal."""
    for mode in ("intercept", "ignore"):
        db = "fullkill" + mode[:3]
        source_only_db(env, db)
        env.sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200)); "
                "INSERT INTO t SELECT seq, REPEAT('v', 150) FROM "
                "seq_1_to_300000", db=db)
        if mode == "ignore":
            env.dest.sql("CREATE DATABASE `%s`; CREATE TABLE `%s`.t (id INT "
                         "PRIMARY KEY, v VARCHAR(200)); INSERT INTO `%s`.t "
                         "VALUES (900000, 'mine')" % (db, db, db))
        spec = tt.write_spec(env, db, [{"db": db}], mode="full+incremental",
                             existing_tables=mode)
        r = tt.Runner(env, spec, db)
        r.start()
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if not r.alive():
                    raise AssertionError(r.stderr()[-3000:])
                if db_exists(env.dest, db) and int(env.dest.sql(
                        "SELECT COUNT(*) FROM t", db=db)[0][0]) > 2000:
                    break
                time.sleep(0.05)
            r.kill()
            copied = int(env.dest.sql("SELECT COUNT(*) FROM t", db=db)[0][0])
            assert copied < 300000, "the copy ended before the kill"
            env.sql("UPDATE t SET v = 'after the kill' WHERE id <= 10",
                    db=db)
            r.start()
            r.wait_caught_up(timeout=300)
            assert "interrupted" in r.stderr(), r.stderr()[-2000:]
            got = env.dest.sql("SELECT COUNT(*), SUM(v = 'after the kill') "
                               "FROM t WHERE id <= 300000", db=db)
            assert got == [("300000", "10")], got
            if mode == "ignore":
                assert env.dest.sql("SELECT v FROM t WHERE id = 900000",
                                    db=db) == [("mine",)]
            else:
                tt.assert_same_tables(env, db, db)
            r.stop()
        finally:
            if r.alive():
                r.proc.kill()


class MixWriter(BigWriter):
    """BigWriter's changes on `big`, plus updates, deletes and inserts on
    `ck` (a key of a string and a number) and inserts and deletes on
    `nopk`, in the same transactions."""

    def batch(self):
        rng = self.rng
        k = rng.randint(1, 20000)
        extra = [
            "UPDATE ck SET v = v + 1 WHERE a = 'k%d' AND b <= %d"
            % (k % 50, k % 400),
            "DELETE FROM ck WHERE a = 'k%d' AND b = %d" % (k % 50,
                                                          rng.randint(0, 2000)),
            "INSERT INTO ck VALUES ('n%d', %d, 0) ON DUPLICATE KEY UPDATE "
            "v = v + 100" % (k % 70, self.count),
            "INSERT INTO nopk VALUES (%d, 'w')" % self.count,
            "UPDATE uq SET v = v + 1 WHERE a = %d" % (k % 500),
            "DELETE FROM uq WHERE a = %d AND b = 'b%d'" % (k % 500, k % 40),
            "INSERT IGNORE INTO uq VALUES (%d, 'w%d', 0)" % (k % 500,
                                                             self.count),
            "DELETE FROM nopk WHERE a = %d LIMIT 1" % rng.randint(0, 60),
        ]
        return BigWriter.batch(self).replace(
            "; COMMIT;", "; " + "; ".join(extra) + "; COMMIT;")


def test_sigkill_resumes_from_finished_chunks(env):
    """Four tables (keyed by an int, by a string and an int, by a unique
    key without a primary key, and without any key) copied by several
    readers while the source writes to all of them; SIGKILL twice during the copy: each restart resumes
    every table after its finished chunks (the log says so, and the
    rows read again are fewer than the table's), then the stream writes
    over what the copy may already hold; every table ends equal."""
    db = "fullres"
    n = 400000
    source_only_db(env, db)
    env.sql("""
        CREATE TABLE big (id INT PRIMARY KEY, k INT, s VARCHAR(100),
            KEY k_s (k, s(10)), UNIQUE KEY uid (id, k));
        INSERT INTO big SELECT seq, seq % 997, REPEAT('b', seq % 90)
            FROM seq_1_to_""" + str(n) + """;
        CREATE TABLE ck (a VARCHAR(20), b INT, v INT, PRIMARY KEY (a, b),
            KEY v (v) COMMENT 'added, after the rows', KEY bv (b DESC, v));
        INSERT INTO ck SELECT CONCAT('k', seq % 50), seq DIV 50, seq
            FROM seq_1_to_100000;
        CREATE TABLE nopk (a INT, b VARCHAR(20));
        INSERT INTO nopk SELECT seq % 60, 'n' FROM seq_1_to_3000;
        CREATE TABLE uq (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT,
            UNIQUE KEY ab (a, b), KEY v (v));
        INSERT INTO uq SELECT seq % 500, CONCAT('b', seq DIV 500), seq
            FROM seq_1_to_100000;""", db=db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full+incremental",
                         apply={"workers": 3})
    w = MixWriter(env, db, n + 1, seed=11)
    r = tt.Runner(env, spec, db)
    w.start()
    try:
        seen = 0
        for _ in range(2):
            r.start()
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if not r.alive():
                    raise AssertionError(r.stderr()[-3000:])
                try:
                    got = env.dest.sql("SELECT COALESCE(SUM(`rows`), 0) "
                                       "FROM tandem.copy_table WHERE task = "
                                       "'%s' AND tbl = 'big'" % db)
                except RuntimeError:  # not created yet
                    got = [("0",)]
                if int(got[0][0]) > seen + 60000:
                    break
                time.sleep(0.05)
            r.kill()
            seen = int(env.dest.sql("SELECT `rows` FROM tandem.copy_table "
                                    "WHERE task = '%s' AND tbl = 'big'"
                                    % db)[0][0])
            assert seen < n, "the copy of big ended before the kill"
        r.start()
        r.wait_caught_up(timeout=300)
        err = r.stderr()
        resumed = [l for l in err.splitlines()
                   if "resuming the copy of `%s`.`big` after its" % db in l]
        assert len(resumed) == 2, err[-3000:]
        again = [l for l in err.splitlines()
                 if "copied `%s`.`big`" % db in l and "of which" in l]
        assert again, err[-3000:]
        now = int(again[-1].split("of which ")[1].split()[0])
        assert now < n - 60000, again[-1]
        assert "writes over rows the copy may hold" in err, err[-3000:]
        assert "adding 2 indexes to `%s`.`ck`" % db in err, err[-3000:]
        assert "read in chunks of its unique key `ab`" in err, err[-3000:]
        for t in ("big", "ck", "nopk", "uq"):
            assert env.sql("SHOW CREATE TABLE " + t, db=db) == \
                env.dest.sql("SHOW CREATE TABLE " + t, db=db), t
    finally:
        w.stopping = True
        w.join(30)
        if r.alive():
            r.proc.kill()
    assert w.error is None, w.error
    assert w.count > 0
    r.start()
    try:
        r.wait_caught_up(timeout=180)
        tt.assert_same_tables(env, db, db)
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_snapshot_under_a_brief_lock(env):
    """"snapshot": "lock" (what a MySQL source gets): the readers'
    snapshots open under FLUSH TABLES WITH READ LOCK, given up after 1 s
    while a long statement runs and tried again; the copy under writes
    then hands over and ends equal.  Without RELOAD the error says so."""
    import json
    db = "fulllock"
    source_only_db(env, db)
    env.sql("CREATE TABLE big (id INT PRIMARY KEY, k INT, s VARCHAR(100)); "
            "INSERT INTO big SELECT seq, seq % 997, 'x' FROM "
            "seq_1_to_50000; CREATE TABLE t2 (id INT PRIMARY KEY, v INT); "
            "INSERT INTO t2 SELECT seq, seq FROM seq_1_to_5000", db=db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full+incremental",
                         snapshot="lock")
    rc, err = run_task(env, spec, db, timeout=60)
    assert rc == 1 and "needs the RELOAD privilege" in err, err[-2000:]
    with open(spec) as f:
        s = json.load(f)
    s["source"]["url"] = env.url("root", "")
    with open(spec, "w") as f:
        json.dump(s, f)
    env.dest.sql("DROP DATABASE IF EXISTS `%s`; DELETE FROM tandem.copy "
                 "WHERE task = '%s'; DELETE FROM tandem.checkpoint WHERE "
                 "task = '%s'" % (db, db, db))
    # a write running for 2.5 s: the lock waits, gives up, tries again
    slow = subprocess.Popen(
        ["mariadb", "--no-defaults", "-S", env.mysql.sock, "-uroot", db,
         "-e", "UPDATE t2 SET v = v + 1 WHERE id = 1 AND SLEEP(2.5) = 0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    w = BigWriter(env, db, 50001, seed=3)
    w.start()
    try:
        err = run_ok(env, spec, db, timeout=120)
    finally:
        w.stopping = True
        w.join(30)
        slow.wait(30)
    assert w.error is None, w.error
    assert "trying again" in err, err[-2000:]
    assert "opened under a global read lock held" in err, err[-2000:]
    run_ok(env, spec, db)
    tt.assert_same_tables(env, db, db)


def test_copy_state_of_an_earlier_version_is_upgraded(env):
    """A tandem.copy without the latest snapshot's columns, as an earlier
    version left it with its copy interrupted: the table gets them, and
    the rows that copy wrote, with no progress recorded, are emptied
    before the copy starts again."""
    db = "fullold"
    source_only_db(env, db)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT "
            "INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000",
            db=db)
    env.dest.sql("DROP TABLE IF EXISTS tandem.copy_table; "
                 "DROP TABLE IF EXISTS tandem.copy; "
                 "CREATE DATABASE IF NOT EXISTS tandem; "
                 "CREATE TABLE tandem.copy (task VARCHAR(64) NOT NULL "
                 "PRIMARY KEY, file VARCHAR(512) NOT NULL, pos BIGINT "
                 "UNSIGNED NOT NULL, done TINYINT NOT NULL) ENGINE=InnoDB; "
                 "INSERT INTO tandem.copy VALUES ('%s', 'bin.000001', 4, 0); "
                 "CREATE DATABASE `%s`; CREATE TABLE `%s`.t (id INT PRIMARY "
                 "KEY, v VARCHAR(20)); INSERT INTO `%s`.t VALUES "
                 "(1, 'v1'), (99999, 'deleted since')" % (db, db, db, db))
    spec = tt.write_spec(env, db, [{"db": db}], mode="full")
    err = run_ok(env, spec, db, timeout=60)
    assert "upgrading the table" in err, err[-2000:]
    assert "interrupted" in err, err[-2000:]
    tt.assert_same_tables(env, db, db)
    cols = [r[0] for r in env.dest.sql(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = 'tandem' AND TABLE_NAME = 'copy' ORDER BY "
        "ORDINAL_POSITION")]
    assert cols == ["task", "file", "pos", "until_file", "until_pos",
                    "done"], cols


def test_destination_table_of_another_shape_is_named(env):
    """A kept destination table without one of the source's columns: the
    copy stops with the table, the cause and the fix in one line."""
    db = "fullshape"
    source_only_db(env, db)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT); INSERT INTO "
            "t VALUES (1, 2, 3)", db=db)
    env.dest.sql("CREATE DATABASE `%s`; CREATE TABLE `%s`.t (id INT PRIMARY "
                 "KEY, a INT)" % (db, db))
    spec = tt.write_spec(env, db, [{"db": db}], mode="full",
                         existing_tables="ignore")
    rc, err = run_task(env, spec, db, timeout=60)
    assert rc == 1, err[-2000:]
    last = [l for l in err.splitlines() if "level=error" in l][-1]
    assert "`%s`.`t`" % db in last and "1054" in last and \
        "columns are not the source's" in last, last


def test_flow_control_holds_the_copy_back(env):
    """rows_per_sec paces the copy: 6,000 rows at 3,000 rows/s cannot be
    copied in less than about 1.5 s (only a lower bound: a slow machine
    does not make this fail), and windows outside the current time do not
    limit it."""
    db = "fullflow"
    source_only_db(env, db)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t "
            "SELECT seq, seq FROM seq_1_to_6000", db=db)
    spec = tt.write_spec(env, db, [{"db": db}], mode="full",
                         flow_control={"rows_per_sec": 3000})
    t0 = time.monotonic()
    run_ok(env, spec, db, timeout=120)
    took = time.monotonic() - t0
    assert took >= 1.5, "6,000 rows at 3,000 rows/s took only %.2fs" % took
    tt.assert_same_tables(env, db, db)
    # a window that does not hold now (the current minute excluded)
    now = time.localtime()
    m = now.tm_hour * 60 + now.tm_min
    frm, to = (m + 2) % 1440, (m + 3) % 1440
    env.dest.sql("DROP DATABASE `%s`" % db)
    spec = tt.write_spec(env, db + "w", [{"db": db}], mode="full",
                         flow_control={"rows_per_sec": 10, "windows": [
                             {"from": "%02d:%02d" % divmod(frm, 60),
                              "to": "%02d:%02d" % divmod(to, 60)}]})
    run_ok(env, spec, db + "w", timeout=60)
    tt.assert_same_tables(env, db, db)
