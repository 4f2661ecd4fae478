"""A task's source reads the table definitions of the task's databases
only, with `tandem run` between two real MariaDB servers: rows of other
databases are skipped without a word even where a definition read there
would not match the binlog, while a selected table whose definition does
not match still fails the task; tables created in a selected database
after the start replicate; a table renamed into a selected database from
another one fails the task with the cause and the fix, and a restart
replicates it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_task as tt  # noqa: E402

SEL = "scsel"       # the task's database
OTHER = "scoth"     # a database of the source the task does not select


def fresh_other(env):
    env.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`" %
            (OTHER, OTHER))


def errors_of(r):
    return [ln for ln in r.stderr().splitlines() if "level=error" in ln]


def test_unselected_databases_are_neither_loaded_nor_decoded(env):
    tt.fresh_db(env, SEL)
    fresh_other(env)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=SEL)
    env.dest.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=SEL)
    env.sql("CREATE TABLE x (id INT PRIMARY KEY, v INT)", db=OTHER)
    start = tt.master_status(env.mysql)
    # Rows of OTHER.x written with two columns, then a third column: the
    # definition information_schema gives at the task's start no longer
    # matches the rows the stream replays from `start`.  A history that
    # held OTHER would stop that table with an error.
    env.sql("INSERT INTO x VALUES (1, 1), (2, 2); "
            "ALTER TABLE x ADD COLUMN w INT", db=OTHER)
    env.sql("INSERT INTO t VALUES (1, 10)", db=SEL)
    r = tt.Runner(env, tt.write_spec(
        env, "scope1", [{"db": SEL}],
        start={"file": start[0], "pos": start[1]}), "scope1")
    r.start()
    try:
        r.wait_caught_up()
        # After the start: traffic in OTHER, a table created there and in
        # the selected database (its DDL goes to the destination).
        env.sql("INSERT INTO x VALUES (3, 3, 3); UPDATE x SET v = 0; "
                "CREATE TABLE z (id INT PRIMARY KEY, j JSON, e ENUM('a', "
                "'b')); INSERT INTO z VALUES (1, '{}', 'b'); "
                "ALTER TABLE z ADD COLUMN k INT FIRST; "
                "INSERT INTO z VALUES (5, 2, '[]', 'a')", db=OTHER)
        env.sql("CREATE TABLE n (id INT PRIMARY KEY, s VARCHAR(20)); "
                "INSERT INTO n VALUES (1, 'new'); "
                "INSERT INTO t VALUES (2, 20); UPDATE t SET v = v + 1",
                db=SEL)
        r.wait_caught_up()
        tt.assert_same_tables(env, SEL, SEL)
        assert env.dest.sql("SELECT id, v FROM t ORDER BY id", db=SEL) == \
            [("1", "11"), ("2", "21")]
        assert env.dest.sql("SELECT * FROM n", db=SEL) == [("1", "new")]
        assert env.dest.sql("SHOW DATABASES LIKE '%s'" % OTHER) == []
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()
    # nothing about OTHER was loaded, stopped or even mentioned
    text = r.stderr()
    assert OTHER not in text, [ln for ln in text.splitlines()
                               if OTHER in ln]
    assert not errors_of(r), errors_of(r)


def test_selected_table_that_does_not_decode_still_fails_the_task(env):
    db = "scselbad"
    tt.fresh_db(env, db)
    env.sql("CREATE TABLE y (id INT PRIMARY KEY, v INT)", db=db)
    env.dest.sql("CREATE TABLE y (id INT PRIMARY KEY, v INT, w INT)", db=db)
    start = tt.master_status(env.mysql)
    env.sql("INSERT INTO y VALUES (1, 1); ALTER TABLE y ADD COLUMN w INT",
            db=db)
    r = tt.Runner(env, tt.write_spec(
        env, db, [{"db": db}], start={"file": start[0], "pos": start[1]},
        ddl={"sync": False}), db)
    r.start()
    try:
        rc = r.proc.wait(60)
    finally:
        if r.alive():
            r.proc.kill()
    assert rc == 1, rc
    errors = errors_of(r)
    assert errors and "%s.y" % db in errors[-1], errors


def test_table_renamed_in_from_an_unselected_database(env):
    tt.fresh_db(env, SEL)
    fresh_other(env)
    env.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)", db=SEL)
    env.dest.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT); "
                 "CREATE TABLE moved (id INT PRIMARY KEY, s VARCHAR(10))",
                 db=SEL)
    env.sql("CREATE TABLE m (id INT PRIMARY KEY, s VARCHAR(10)); "
            "INSERT INTO m VALUES (1, 'before')", db=OTHER)
    spec = tt.write_spec(env, "scope2", [{"db": SEL}], ddl={"sync": False})
    r = tt.Runner(env, spec, "scope2")
    r.start()
    try:
        r.wait_caught_up()
        # Its definition was never loaded: its rows cannot be decoded.
        env.sql("RENAME TABLE `%s`.m TO `%s`.moved" % (OTHER, SEL))
        env.sql("INSERT INTO moved VALUES (2, 'after')", db=SEL)
        rc = r.proc.wait(60)
    finally:
        if r.alive():
            r.proc.kill()
    assert rc == 1, rc
    errors = errors_of(r)
    want = "table %s.moved was renamed from %s.m" % (SEL, OTHER)
    assert errors and want in errors[-1] and "restart" in errors[-1], errors
    assert env.dest.sql("SELECT COUNT(*) FROM moved", db=SEL) == [("0",)]

    # The fix the message names: a restart loads the table's definition.
    r2 = tt.Runner(env, spec, "scope2")
    r2.start()
    try:
        r2.wait_caught_up()
        env.sql("INSERT INTO moved VALUES (3, 'later'); "
                "INSERT INTO t VALUES (1, 1)", db=SEL)
        r2.wait_caught_up()
        assert env.dest.sql("SELECT id, s FROM moved ORDER BY id",
                            db=SEL) == [("2", "after"), ("3", "later")]
        assert env.dest.sql("SELECT id, v FROM t", db=SEL) == [("1", "1")]
        r2.stop()
    finally:
        if r2.alive():
            r2.proc.kill()
