"""`tandem schema TASK.json`: the destination's CREATE DATABASE / CREATE
TABLE statements, read from the source and rewritten with the task's
names and column rules, run on a real destination server."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_task as tt  # noqa: E402

SRC = "schsrc"
DST = "schdst"

# a_orders comes first in the spec: its foreign key names a table that the
# output creates after it.
SOURCE_DDL = """
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(50) CHARACTER SET latin1 DEFAULT 'n/a',
  secret VARBINARY(32) DEFAULT NULL,
  created DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uk_email (email),
  KEY idx_name_created (name, created),
  KEY idx_secret (secret)
) ENGINE=InnoDB COMMENT='people who buy';
INSERT INTO customers (email, name) VALUES ('a@x', 'A'), ('b@x', 'B');
CREATE TABLE a_orders (
  cust_id INT UNSIGNED NOT NULL,
  line SMALLINT NOT NULL,
  c_tiny TINYINT DEFAULT -1,
  c_big BIGINT UNSIGNED NOT NULL DEFAULT 0,
  c_med MEDIUMINT,
  c_dec DECIMAL(12,3) NOT NULL DEFAULT 0.000,
  c_float FLOAT,
  c_double DOUBLE,
  c_bit BIT(5),
  c_date DATE,
  c_time TIME(2),
  c_ts TIMESTAMP(6) NULL DEFAULT NULL,
  c_dt DATETIME,
  c_year YEAR,
  c_char CHAR(3) NOT NULL DEFAULT '',
  c_bin BINARY(4),
  c_text TEXT,
  c_mtext MEDIUMTEXT,
  c_blob BLOB,
  c_lblob LONGBLOB,
  c_enum ENUM('new', 'paid', 'it''s') NOT NULL DEFAULT 'new',
  c_set SET('x', 'y', 'z'),
  c_json JSON,
  qty INT NOT NULL DEFAULT 1,
  price DECIMAL(10,2) NOT NULL DEFAULT 0.00 COMMENT 'unit price',
  total DECIMAL(14,2) AS (qty * price) STORED,
  label VARCHAR(20) AS (CONCAT(c_char, '-', line)) VIRTUAL,
  PRIMARY KEY (cust_id, line),
  UNIQUE KEY uk_big (c_big, c_date),
  KEY idx_total (total),
  CONSTRAINT fk_cust FOREIGN KEY (cust_id) REFERENCES customers (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

OBJECTS = [{"db": SRC, "as": DST, "tables": [
    {"name": "a_orders"},
    {"name": "customers", "as": "clients",
     "columns": {"name": "full_name"},
     "exclude_columns": ["secret"]},
]}]


def schema(env, spec):
    return env.run(["schema", spec], timeout=60)


def columns(env, server, db, table):
    return server.sql(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA, "
        "GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' ORDER BY ORDINAL_POSITION"
        % (db, table))


def indexes(env, server, db, table):
    return server.sql(
        "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM "
        "information_schema.STATISTICS WHERE TABLE_SCHEMA = '%s' AND "
        "TABLE_NAME = '%s' ORDER BY INDEX_NAME, SEQ_IN_INDEX" % (db, table))


def test_schema_maps_names_and_columns(env):
    tt.fresh_db(env, SRC, DST)
    env.dest.sql("DROP DATABASE IF EXISTS `%s`" % DST)
    env.sql(SOURCE_DDL, db=SRC)
    spec = tt.write_spec(env, "schema-map", OBJECTS)
    r = schema(env, spec)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    lines = r.stdout.splitlines()
    assert all(line.endswith(";") for line in lines), lines
    assert lines[0] == "SET SESSION foreign_key_checks = 0;", lines
    assert lines[1].startswith(
        "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4" % DST), \
        lines
    assert lines[2] == "USE `%s`;" % DST, lines
    # one line per statement, spec order: a_orders then clients
    assert len(lines) == 5, lines
    assert lines[3].startswith("CREATE TABLE `a_orders`"), lines[3]
    assert lines[4].startswith("CREATE TABLE `clients`"), lines[4]
    assert "secret" not in r.stdout, r.stdout
    assert "REFERENCES `clients` (`id`)" in lines[3], lines[3]

    # the destination had nothing: the output alone creates it all
    env.dest.sql(r.stdout)

    # a_orders: every column, same order and types as the source
    src_cols = columns(env, env.mysql, SRC, "a_orders")
    dst_cols = columns(env, env.dest, DST, "a_orders")
    assert len(src_cols) == 27, src_cols
    assert dst_cols == src_cols, (dst_cols, src_cols)
    assert ("total", "decimal(14,2)", "YES", "STORED GENERATED",
            "`qty` * `price`") in dst_cols, dst_cols
    assert indexes(env, env.dest, DST, "a_orders") == \
        indexes(env, env.mysql, SRC, "a_orders")

    # clients: renamed table and column, excluded column gone
    src_cols = columns(env, env.mysql, SRC, "customers")
    dst_cols = columns(env, env.dest, DST, "clients")
    want = [c for c in src_cols if c[0] != "secret"]
    want = [("full_name",) + c[1:] if c[0] == "name" else c for c in want]
    assert [c[0] for c in dst_cols] == ["id", "email", "full_name",
                                        "created"], dst_cols
    assert dst_cols == want, (dst_cols, want)
    assert dst_cols[0][3] == "auto_increment", dst_cols
    got = sorted(indexes(env, env.dest, DST, "clients"))
    assert got == [("PRIMARY", "1", "id", "0"),
                   ("idx_name_created", "1", "full_name", "1"),
                   ("idx_name_created", "2", "created", "1"),
                   ("uk_email", "1", "email", "0")], got
    assert env.dest.sql(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = '%s' ORDER BY TABLE_NAME" % DST) == \
        [("a_orders",), ("clients",)]
    assert env.dest.sql(
        "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = '%s' AND TABLE_NAME = 'clients'" % DST) == \
        [("people who buy",)]
    # the foreign key points at the renamed table in the mapped database
    assert env.dest.sql(
        "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
        "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM "
        "information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = '%s' AND "
        "REFERENCED_TABLE_NAME IS NOT NULL" % DST) == \
        [("fk_cust", "cust_id", DST, "clients", "id")]
    # and holds: a row without its customer is refused
    env.dest.sql("INSERT INTO clients (id, email) VALUES (1, 'c@x')", db=DST)
    env.dest.sql("INSERT INTO a_orders (cust_id, line) VALUES (1, 1)",
                 db=DST)
    try:
        env.dest.sql("INSERT INTO a_orders (cust_id, line) VALUES (9, 1)",
                     db=DST)
    except RuntimeError as e:
        assert "foreign key constraint fails" in str(e), e
    else:
        raise AssertionError("the foreign key was not created")

    # reading again gives the same text (stable order)
    again = schema(env, spec)
    assert again.returncode == 0 and again.stdout == r.stdout


def test_schema_missing_table_is_an_error(env):
    tt.fresh_db(env, SRC, DST)
    env.sql("CREATE TABLE here (id INT PRIMARY KEY)", db=SRC)
    spec = tt.write_spec(env, "schema-missing", [
        {"db": SRC, "tables": [{"name": "here"}, {"name": "nope"}]}])
    r = schema(env, spec)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "", r.stdout
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "`%s`.`nope` does not exist" % SRC in err, err
    assert "objects" in err, err

    # a missing database is named too
    spec = tt.write_spec(env, "schema-nodb", [{"db": "schnodb"}])
    r = schema(env, spec)
    assert r.returncode == 1 and "`schnodb` does not exist" in r.stderr, \
        (r.returncode, r.stderr)


def test_schema_whole_db_skips_views(env):
    db = "schview"
    tt.fresh_db(env, db, db + "2")
    env.dest.sql("DROP DATABASE IF EXISTS `%s2`" % db)
    env.sql("CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(10));"
            "CREATE TABLE t2 (id BIGINT PRIMARY KEY);"
            "CREATE VIEW v_t1 AS SELECT id FROM t1", db=db)
    spec = tt.write_spec(env, "schema-view", [{"db": db, "as": db + "2"}])
    r = schema(env, spec)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    assert "v_t1" not in r.stdout, r.stdout
    creates = [x for x in r.stdout.splitlines()
               if x.startswith("CREATE TABLE")]
    assert [x.split("`")[1] for x in creates] == ["t1", "t2"], creates
    env.dest.sql(r.stdout)
    assert env.dest.sql(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = '%s2' ORDER BY TABLE_NAME" % db) == \
        [("t1", "BASE TABLE"), ("t2", "BASE TABLE")]

    # a view named explicitly is refused, naming it
    spec = tt.write_spec(env, "schema-view2", [
        {"db": db, "tables": [{"name": "v_t1"}]}])
    r = schema(env, spec)
    assert r.returncode == 1 and "`%s`.`v_t1` is a VIEW" % db in r.stderr, \
        (r.returncode, r.stderr)


def test_schema_usage_errors(env):
    r = env.run(["schema"])
    assert r.returncode == 2, (r.returncode, r.stderr)
    r = env.run(["schema", "a.json", "b.json"])
    assert r.returncode == 2, (r.returncode, r.stderr)
    r = env.run(["schema", os.path.join(env.tmp, "no-such-spec.json")])
    assert r.returncode == 1 and "cannot read" in r.stderr, r.stderr
