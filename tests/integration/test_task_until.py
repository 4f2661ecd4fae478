"""`tandem run --until-caught-up`: a one-shot catch-up that exits 0 once
everything the source held at start is applied, and resumes from its
checkpoint when run again (neither losing nor repeating a change)."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_task as tt  # noqa: E402


def run_once(env, spec, name, timeout=120):
    r = subprocess.run(
        [env.tandem, "run", spec, "--data-dir",
         os.path.join(env.tmp, name + "-data"), "--until-caught-up"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, err[-3000:])
    return err


def test_until_caught_up_exits_and_resumes(env):
    db = "untilt"
    tt.fresh_db(env, db)
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)"
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    f, p = tt.master_status(env.mysql)
    env.sql(";".join("INSERT INTO t VALUES (%d, %d)" % (i, i)
                     for i in range(1, 101)), db=db)
    # conflict "error": a change applied twice would fail the second run
    spec = tt.write_spec(env, db, [{"db": db}], conflict="error",
                         start={"file": f, "pos": p})
    err = run_once(env, spec, db)
    assert "caught up with the source" in err, err[-2000:]
    got = env.dest.sql("SELECT COUNT(*), SUM(v) FROM t", db=db)
    assert got == [("100", "5050")], got

    env.sql("INSERT INTO t VALUES (101, 0); UPDATE t SET v = v + 1 "
            "WHERE id <= 10; DELETE FROM t WHERE id = 50", db=db)
    run_once(env, spec, db)
    tt.assert_same_tables(env, db, db)

    # nothing new: exits at once, still equal
    run_once(env, spec, db, timeout=60)
    tt.assert_same_tables(env, db, db)


def test_start_at_in_the_future_waits_then_runs(env):
    """start_at a few seconds ahead: the task says it waits, then starts
    and catches up; a past start_at starts at once."""
    import datetime
    db = "startat"
    tt.fresh_db(env, db)
    ddl = "CREATE TABLE t (id INT PRIMARY KEY)"
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    f, p = tt.master_status(env.mysql)
    env.sql("INSERT INTO t VALUES (1), (2)", db=db)
    at = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=3)
    spec = tt.write_spec(env, db, [{"db": db}], start={"file": f, "pos": p},
                         start_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    err = run_once(env, spec, db)
    assert "waiting until %s (start_at)" % at.strftime(
        "%Y-%m-%dT%H:%M:%SZ") in err, err[-2000:]
    assert env.dest.sql("SELECT COUNT(*) FROM t", db=db) == [("2",)]
    spec = tt.write_spec(env, db + "2", [{"db": db}],
                         start={"file": f, "pos": p}, conflict="overwrite",
                         start_at="2001-01-01T00:00:00Z")
    err = run_once(env, spec, db + "2")
    assert "waiting until" not in err, err[-2000:]


def test_generated_columns_are_computed_by_the_destination(env):
    """A table with virtual and stored generated columns, created while
    the task streams: its rows arrive without values for those columns
    (the destination refuses them) and the destination computes them."""
    db = "gencol"
    tt.fresh_db(env, db)
    # one table known from information_schema at start, one from the DDL
    ddl = ("CREATE TABLE t0 (id INT PRIMARY KEY, a INT, v INT AS (a * 2) "
           "VIRTUAL, s INT AS (a + 1) PERSISTENT)")
    env.sql(ddl, db=db)
    env.dest.sql(ddl, db=db)
    r = tt.Runner(env, tt.write_spec(env, db, [{"db": db}]), db)
    r.start()
    try:
        r.wait_caught_up()
        env.sql(ddl.replace("t0", "t") + "; INSERT INTO t (id, a) VALUES "
                "(1, 10), (2, 20); UPDATE t SET a = 11 WHERE id = 1; "
                "INSERT INTO t0 (id, a) VALUES (1, 10), (2, 20); UPDATE t0 "
                "SET a = 11 WHERE id = 1", db=db)
        r.wait_caught_up()
        for t in ("t", "t0"):
            got = env.dest.sql("SELECT id, a, v, s FROM %s ORDER BY id" % t,
                               db=db)
            assert got == [("1", "11", "22", "12"), ("2", "20", "40",
                                                      "21")], (t, got)
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()
