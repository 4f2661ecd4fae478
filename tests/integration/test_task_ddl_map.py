"""DDL replicated through a task's name mapping, between two real MariaDB
servers with `tandem run`: database m1 copied to m1_copy table by table
(users as customers with email renamed to mail and pw_hash excluded,
orders_old as orders_archive), database m2 whole as m2_copy.  The source
runs CREATE/ALTER/RENAME/DROP/TRUNCATE statements interleaved with row
changes, from several default databases; at the end the destination has
the mapped tables, columns and keys, and the rows of the source projected
through the mapping.  Tables not selected never reach it, and a statement
that cannot be mapped (an index mixing a copied and an excluded column)
is skipped with a warning naming why."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_task import Runner, checksum, tables  # noqa: E402


def columns(server, db, table):
    """[(name, type), ...] in table order."""
    return server.sql(
        "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' ORDER BY "
        "ORDINAL_POSITION" % (db, table))


def indexes(server, db, table):
    """{index name: "col1,col2"}"""
    return dict(server.sql(
        "SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) "
        "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '%s' AND "
        "TABLE_NAME = '%s' GROUP BY INDEX_NAME" % (db, table)))


def same_table(env, src_db, src_t, dst_db, dst_t):
    a, b = checksum(env.mysql, src_db, src_t), checksum(env.dest, dst_db,
                                                        dst_t)
    q = "SELECT * FROM `%s`.`%s` ORDER BY 1"
    assert a == b, "%s.%s differs from %s.%s:\nsource: %s\ndestination: %s" \
        % (src_db, src_t, dst_db, dst_t, env.mysql.sql(q % (src_db, src_t)),
           env.dest.sql(q % (dst_db, dst_t)))


def fresh(server, *dbs):
    server.sql("".join("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` "
                       "CHARACTER SET utf8mb4;" % (d, d) for d in dbs))


def test_ddl_through_name_mapping(env):
    # Nothing of these may exist at the destination under source names.
    env.dest.sql("DROP DATABASE IF EXISTS m1; DROP DATABASE IF EXISTS m2")
    fresh(env.mysql, "m1", "m2")
    fresh(env.dest, "m1_copy", "m2_copy")
    env.sql("""
        CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(50),
                            pw_hash VARCHAR(50), n INT);
        CREATE TABLE orders (id INT PRIMARY KEY, user_id INT,
                             amount DECIMAL(10,2));""", db="m1")
    # What a full sync would have made: the mapped shapes (the precheck
    # wants every listed table at the destination).
    env.dest.sql("""
        CREATE TABLE customers (id INT PRIMARY KEY, mail VARCHAR(50), n INT);
        CREATE TABLE orders (id INT PRIMARY KEY, user_id INT,
                             amount DECIMAL(10,2));
        CREATE TABLE orders_archive (id INT PRIMARY KEY, user_id INT,
                                     amount DECIMAL(10,2));""", db="m1_copy")
    spec = {
        "name": "ddlmap",
        "source": {"type": "mysql", "url": env.url("repl", "replpw")},
        "destination": {"type": "mysql",
                        "url": env.url("root", "", server=env.dest)},
        "objects": [
            {"db": "m1", "as": "m1_copy", "tables": [
                {"name": "users", "as": "customers",
                 "columns": {"email": "mail"},
                 "exclude_columns": ["pw_hash"]},
                {"name": "orders"},
                {"name": "orders_old", "as": "orders_archive"}]},
            {"db": "m2", "as": "m2_copy"}],
    }
    path = os.path.join(env.tmp, "ddlmap.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    r = Runner(env, path, "ddlmap")
    r.start()
    try:
        r.wait_caught_up()
        m1 = [
            "INSERT INTO users VALUES (1, 'a@x', 'h1', 1), (2, 'b@x', 'h2', 2);"
            "INSERT INTO orders VALUES (1, 1, 9.50)",
            # CREATE TABLE of a mapped table: the excluded column and its
            # key are left out, the renamed one renamed in its key too.
            "DROP TABLE users",
            "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(80) NOT "
            "NULL, pw_hash VARCHAR(80), n INT DEFAULT 0, KEY k_pw (pw_hash), "
            "UNIQUE KEY k_email (email)) ENGINE=InnoDB",
            "INSERT INTO users VALUES (1, 'a@x', 'h1', 1), (2, 'b@x', 'h2', "
            "2), (3, 'c@x', 'h3', 3)",
            # ALTER: a column after the renamed one, RENAME COLUMN together
            # with dropping the excluded column, the excluded column back.
            "ALTER TABLE users ADD COLUMN age INT AFTER email",
            "UPDATE users SET age = id * 10, pw_hash = CONCAT(pw_hash, '!')",
            "ALTER TABLE users RENAME COLUMN n TO visits, DROP COLUMN pw_hash",
            "INSERT INTO users (id, email, age, visits) VALUES (4, 'd@x', "
            "40, 4)",
            "ALTER TABLE users ADD COLUMN pw_hash VARCHAR(80) AFTER age",
            "UPDATE users SET pw_hash = 'again', visits = visits + 1 WHERE "
            "id <= 2",
            "ALTER TABLE users ADD INDEX k_age (age), ADD INDEX k_pw2 "
            "(pw_hash)",
            "ALTER TABLE users ADD INDEX k_mixed (email, pw_hash)",
            "ALTER TABLE users CHANGE email email VARCHAR(120) NOT NULL",
            "ALTER TABLE users MODIFY age BIGINT",
            "UPDATE users SET email = CONCAT('x', email) WHERE id = 4",
            # Tables renamed between selected names, LIKE, TRUNCATE.
            "DROP TABLE IF EXISTS orders_old",
            "RENAME TABLE orders TO orders_old",
            "INSERT INTO orders_old VALUES (2, 2, 3.25)",
            "CREATE TABLE orders LIKE orders_old",
            "INSERT INTO orders VALUES (10, 3, 1.00)",
            "TRUNCATE TABLE orders",
            "INSERT INTO orders VALUES (11, 4, 2.00), (12, 1, 7.00)",
            # A table not selected: none of this reaches the destination.
            "CREATE TABLE scratch (id INT PRIMARY KEY)",
            "INSERT INTO scratch VALUES (1)",
            "ALTER TABLE scratch ADD c INT",
        ]
        for q in m1:
            env.sql(q, db="m1")
        # The whole database m2, from its own default database.
        for q in ["CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(10))",
                  "INSERT INTO t1 VALUES (1, 'x'), (2, 'y')",
                  "RENAME TABLE t1 TO t2",
                  "ALTER TABLE t2 ADD COLUMN w INT",
                  "UPDATE t2 SET w = id * 5",
                  "CREATE TABLE t3 (id INT PRIMARY KEY)",
                  "INSERT INTO t3 VALUES (7)",
                  # m1's tables, qualified, from m2.
                  "ALTER TABLE m1.orders ADD COLUMN note VARCHAR(20)",
                  "INSERT INTO m1.orders VALUES (13, 2, 1.50, 'n')",
                  "UPDATE m1.users SET age = age + 1 WHERE id = 3"]:
            env.sql(q, db="m2")
        # Qualified m2 names from m1; a DROP list mixing selected and not.
        for q in ["ALTER TABLE m2.t2 ADD INDEX k_w (w)",
                  "DROP TABLE scratch, m2.t3",
                  "INSERT INTO m2.t2 VALUES (3, 'z', 15)"]:
            env.sql(q, db="m1")
        r.wait_caught_up()

        assert tables(env.dest, "m1_copy") == ["customers", "orders",
                                               "orders_archive"], \
            tables(env.dest, "m1_copy")
        assert tables(env.dest, "m2_copy") == ["t2"], \
            tables(env.dest, "m2_copy")
        assert env.dest.sql("SHOW DATABASES LIKE 'm1'") == []
        assert env.dest.sql("SHOW DATABASES LIKE 'm2'") == []

        # users -> customers: the source's columns, mapped, same order
        # and types; pw_hash nowhere.
        src = [(("mail" if c == "email" else c), t)
               for c, t in columns(env.mysql, "m1", "users")
               if c != "pw_hash"]
        dst = columns(env.dest, "m1_copy", "customers")
        assert dst == src, "columns: source %s, destination %s" % (src, dst)
        assert [c for c, _ in dst] == ["id", "mail", "age", "visits"], dst
        assert dict(dst)["age"] == "bigint(20)", dst
        assert dict(dst)["mail"] == "varchar(120)", dst
        keys = indexes(env.dest, "m1_copy", "customers")
        assert keys == {"PRIMARY": "id", "k_email": "mail", "k_age": "age"}, \
            keys
        want = env.mysql.sql("SELECT id, email, age, visits FROM users "
                             "ORDER BY id", db="m1")
        got = env.dest.sql("SELECT id, mail, age, visits FROM customers "
                           "ORDER BY id", db="m1_copy")
        assert got == want and len(got) == 4, (got, want)

        same_table(env, "m1", "orders", "m1_copy", "orders")
        same_table(env, "m1", "orders_old", "m1_copy", "orders_archive")
        same_table(env, "m2", "t2", "m2_copy", "t2")
        assert env.dest.sql("SELECT id FROM orders ORDER BY id",
                            db="m1_copy") == [("11",), ("12",), ("13",)]
        assert indexes(env.dest, "m2_copy", "t2") == {"PRIMARY": "id",
                                                      "k_w": "w"}

        # The one statement that could not be mapped was skipped, and said
        # why; nothing else was skipped with a warning.
        skipped = [ln for ln in r.stderr().splitlines()
                   if "not applied" in ln]
        assert len(skipped) == 1, skipped
        assert "k_mixed" in skipped[0] and "mixes excluded column " \
            "pw_hash" in skipped[0], skipped
        r.stop()
    finally:
        if r.alive():
            r.proc.kill()
