"""Parallel apply on several destination connections: changes to one row
keep their source order across workers (hot rows, updates that move the
primary key, unique keys besides the primary key, keys equal under a
collation), batches merged to their net effect stay exact, and the
destination ends equal to the source."""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_task as tt  # noqa: E402

SCHEMA = """
CREATE TABLE kv (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(20));
CREATE TABLE uq (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL,
                 n INT NOT NULL, UNIQUE KEY (code));
CREATE TABLE ci (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY,
                 v INT NOT NULL);
CREATE TABLE nk (a INT, b VARCHAR(10));
"""


def workload(seed, n):
    """n source transactions that go wrong if any two touching one row
    (or one unique value) apply out of order."""
    rnd = random.Random(seed)
    out = []
    live = set()
    for i in range(n):
        kind = rnd.randrange(8)
        if kind <= 2:
            # a hot row: many updates of few keys
            k = rnd.randrange(1, 6)
            if k in live:
                out.append("UPDATE kv SET v = (v * 3 + %d) MOD 1000003, note = 'u%d' "
                           "WHERE id = %d" % (i % 7, i, k))
            else:
                out.append("INSERT INTO kv VALUES (%d, %d, 'i%d')"
                           % (k, i, i))
                live.add(k)
        elif kind == 3 and live:
            # the primary key moves and comes back later
            k = rnd.choice(sorted(live))
            nk = k + 1000 if k < 1000 else k - 1000
            if nk not in live:
                out.append("UPDATE kv SET id = %d, v = v + 1 WHERE id = %d"
                           % (nk, k))
                live.discard(k)
                live.add(nk)
        elif kind == 4 and live:
            k = rnd.choice(sorted(live))
            out.append("DELETE FROM kv WHERE id = %d" % k)
            live.discard(k)
        elif kind == 5:
            # swap two unique codes through a spare value, one statement
            # per transaction
            a, b = rnd.sample(range(1, 5), 2)
            # codes of a and b swap through a spare value, then swap back
            for x, y, cx, cy in ((a, b, b, a), (b, a, b, a)):
                out.append("UPDATE uq SET code = 'spare' WHERE id = %d" % x)
                out.append("UPDATE uq SET code = 'c%d' WHERE id = %d"
                           % (cy, y))
                out.append("UPDATE uq SET code = 'c%d', n = n + 1 WHERE "
                           "id = %d" % (cx, x))
        elif kind == 6:
            # one row under keys that differ only by case and spaces
            form = rnd.choice(["abc", "ABC", "Abc", "aBc"])
            out.append("DELETE FROM ci WHERE k = 'abc'")
            out.append("INSERT INTO ci VALUES ('%s', %d)" % (form, i))
        else:
            out.append("INSERT INTO nk VALUES (%d, 'x')" % (i % 3))
            out.append("UPDATE nk SET b = CONCAT('y', %d) WHERE a = %d "
                       "LIMIT 1" % (i, i % 3))
    return out


def run_case(env, db, seed, n, conflict="error", image="FULL", **apply):
    tt.fresh_db(env, db)
    env.sql(SCHEMA, db=db)
    env.dest.sql(SCHEMA, db=db)
    env.sql("INSERT INTO uq VALUES (1, 'c1', 0), (2, 'c2', 0), "
            "(3, 'c3', 0), (4, 'c4', 0)", db=db)
    spec = tt.write_spec(env, db, [{"db": db}], conflict=conflict,
                         apply=dict(workers=4, **apply))
    r = tt.Runner(env, spec, db)
    r.start()
    try:
        r.wait_caught_up()
        stmts = workload(seed, n)
        # in a few chunks, so that the task reads while the source writes
        for i in range(0, len(stmts), 400):
            env.sql("SET SESSION binlog_row_image = %s;\n" % image +
                    ";\n".join(stmts[i:i + 400]) + ";", db=db)
        r.wait_caught_up(timeout=300)
        tt.assert_same_tables(env, db, db)
        workers = env.dest.sql("SELECT COUNT(DISTINCT worker) FROM "
                               "tandem.checkpoint WHERE task = '%s'" % db)
        assert int(workers[0][0]) >= 2, (
            "one destination connection did all the work: %s" % workers)
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()


def test_one_transaction_per_batch_across_four_workers(env):
    run_case(env, "par1", 11, 1500, batch_txns=1)


def test_merged_batches_across_four_workers(env):
    run_case(env, "par50", 12, 1500, batch_txns=50, batch_rows=5000)


def test_merged_batches_of_minimal_images_under_ignore(env):
    """MINIMAL images leave columns out: a delete and a re-insert of one
    key in a batch must not become an upsert that keeps old values."""
    run_case(env, "parmin", 13, 1500, conflict="ignore", image="MINIMAL",
             batch_txns=50, batch_rows=5000)


def test_checkpoint_table_of_one_row_per_task_is_upgraded(env):
    """A destination prepared by an earlier version holds tandem.checkpoint
    keyed by task alone: it is upgraded in place and the task resumes from
    the position it holds, applying what came after and nothing before."""
    db = "parup"
    tt.fresh_db(env, db)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=db)
    env.dest.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=db)
    env.sql("INSERT INTO t VALUES (1, 1)", db=db)      # before: not applied
    f, p = tt.master_status(env.mysql)
    env.sql("INSERT INTO t VALUES (2, 2)", db=db)      # after: applied
    env.dest.sql("CREATE DATABASE IF NOT EXISTS tandem; "
                 "DROP TABLE IF EXISTS tandem.checkpoint; "
                 "CREATE TABLE tandem.checkpoint ("
                 " task VARCHAR(64) NOT NULL PRIMARY KEY,"
                 " file VARCHAR(512) NOT NULL,"
                 " pos BIGINT UNSIGNED NOT NULL,"
                 " gtid VARCHAR(4096) NULL,"
                 " updated TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
                 " ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB; "
                 "INSERT INTO tandem.checkpoint (task, file, pos) "
                 "VALUES ('%s', '%s', %d)" % (db, f, p))
    r = tt.Runner(env, tt.write_spec(env, db, [{"db": db}]), db)
    r.start()
    try:
        r.wait_caught_up()
        got = env.dest.sql("SELECT id, v FROM t ORDER BY id", db=db)
        assert got == [("2", "2")], got
        cols = [c[0] for c in env.dest.sql(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
            "TABLE_SCHEMA = 'tandem' AND TABLE_NAME = 'checkpoint' ORDER BY "
            "ORDINAL_POSITION")]
        assert "worker" in cols and "applied" in cols, cols
        assert "upgrading the table" in r.stderr(), r.stderr()[-2000:]
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()
        # leave the table as this version makes it, for the other tests
        env.dest.sql("DELETE FROM tandem.checkpoint WHERE task = '%s'" % db)
