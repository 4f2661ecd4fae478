"""Differential test of the binlog decoder: a workload covering every column
type, NULLs, multi-row statements, row images FULL/MINIMAL/NOBLOB and DDL is
decoded by `tandem binlog` and compared row for row and value for value with
mysqlbinlog's verbose output of the same binlog, and with SELECTs of the
same rows (the truth where mysqlbinlog's text is lossy)."""

import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import binlogdiff as bd  # noqa: E402

WORKLOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "workload_types.sql")

# t_ddl changes shape mid-stream: its versions, in order.
DDL_VERSIONS = {
    "v1": [("id", "int(11)", None), ("a", "int(11)", None),
           ("b", "varchar(10)", "utf8mb4")],
    "v2": [("id", "int(11)", None), ("mid", "decimal(6,2)", None),
           ("a", "int(11)", None), ("b", "varchar(10)", "utf8mb4"),
           ("z", "date", None)],
    "v3": [("id", "int(11)", None), ("mid", "decimal(6,2)", None),
           ("bee", "varchar(20)", "utf8mb4"), ("z", "date", None)],
}
NOPK = [("a", "int(11)", None), ("b", "varchar(5)", "utf8mb4")]


def ddl_columns(version):
    return [bd.Column(n, t, c) for n, t, c in DDL_VERSIONS[version]]


def master_status(env):
    f, p = env.sql("SHOW MASTER STATUS")[0][:2]
    return f, int(p)


def workload_sql(db):
    with open(WORKLOAD) as f:
        return f.read().replace("difft", db)


def run_workload(env, db):
    """Runs the workload in database db; returns the binlog position before
    it and the column definitions of its tables."""
    start = master_status(env)
    env.sql(workload_sql(db))
    cols = bd.load_columns(env, db)
    env.sql("DROP TABLE t_nopk", db=db)
    return start, cols


def tail_live(env, db):
    """Starts `tandem binlog` at the current end of the binlog, so its
    schema history begins before the workload and follows every DDL of it;
    stops it with SIGTERM once it printed the whole workload."""
    out = open(os.path.join(env.tmp, "live.json"), "w+")
    err = open(os.path.join(env.tmp, "live.err"), "w+")
    proc = subprocess.Popen([env.tandem, "binlog", "--source",
                             env.url("repl", "replpw"), "--log-level",
                             "info"], stdout=out, stderr=err)
    try:
        wait_for(lambda: "streaming from" in read(err), 20,
                 "tandem binlog to start streaming", err)
        start, cols = run_workload(env, db)
        end = master_status(env)
        wait_for(lambda: any(json.loads(line)["pos"] >= end[1]
                             for line in read(out).splitlines()[-3:]),
                 60, "tandem to print the whole workload", err)
        proc.terminate()
        rc = proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, "tandem binlog exited %d after SIGTERM: %s" % (
        rc, read(err)[-2000:])
    return start, cols, bd.read_json_lines(read(out))


def read(f):
    f.flush()
    f.seek(0)
    return f.read()


def wait_for(pred, timeout, what, errf):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; stderr: %s" % (
        what, read(errf)[-2000:]))


def tandem_until_now(env, start):
    r = env.run(["binlog", "--source", env.url("repl", "replpw"),
                 "--from-file", start[0], "--from-pos", str(start[1]),
                 "--until-now"], timeout=120)
    assert r.returncode == 0, "tandem binlog failed (%d): %s" % (
        r.returncode, r.stderr[-3000:])
    return bd.read_json_lines(r.stdout)


def mysqlbinlog_rows(env, start, db):
    files = [f for f in env.mysql.binlog_files()
             if os.path.basename(f) >= start[0]]
    out = subprocess.run(
        ["mysqlbinlog", "--no-defaults", "--verbose",
         "--base64-output=DECODE-ROWS", "--start-position=%d" % start[1]] +
        files, stdout=subprocess.PIPE, check=True).stdout
    return [r for r in bd.parse_mysqlbinlog(out) if r.db == db]


def columns_for(table, seq, cols):
    """The definition a row of `table` was written under."""
    if table == "t_ddl":
        return ddl_columns("v1" if seq < 2 else "v2" if seq < 3 else "v3")
    if table == "t_ddl2":
        return ddl_columns("v3")
    if table == "t_nopk":
        return [bd.Column(n, t, c) for n, t, c in NOPK]
    return cols[table]


def compare_image(where, columns, ours, mb):
    """ours: dict name->value (ordered); mb: [(index, bytes)]."""
    names = [columns[i - 1].name for i, _ in mb]
    assert list(ours.keys()) == names, "%s: columns %s, mysqlbinlog has %s" \
        % (where, list(ours.keys()), names)
    lossy = 0
    for (i, text), name in zip(mb, names):
        col = columns[i - 1]
        ok = bd.same_value(col, ours[name], text)
        assert ok, "%s column %s (%s): tandem %r, mysqlbinlog %r" % (
            where, name, col.coltype, ours[name], text[:200])
        lossy += ok == "lossy"
    return lossy


def test_live_tail_with_schema_history(env):
    """No row metadata: names come from the definitions read at start-up
    and every DDL of the workload applied in order."""
    env.sql("SET GLOBAL binlog_row_metadata = NO_LOG")
    start, cols, ours = tail_live(env, "difft")
    compare_all(env, "difft", start, cols, ours)


def test_row_metadata_full_from_old_position(env):
    """binlog_row_metadata=FULL: names, signedness, charsets and ENUM/SET
    members come from the binlog itself, decoding from an old position."""
    env.sql("SET GLOBAL binlog_row_metadata = FULL")
    try:
        start, cols = run_workload(env, "difftm")
    finally:
        env.sql("SET GLOBAL binlog_row_metadata = NO_LOG")
    compare_all(env, "difftm", start, cols, tandem_until_now(env, start))


def compare_all(env, db, start, cols, ours):
    ours = [e for e in ours if e.get("db") == db]
    rows = [e for e in ours if e["op"] in ("insert", "update", "delete")]
    ddls = [e for e in ours if e["op"] == "ddl"]
    mb = mysqlbinlog_rows(env, start, db)

    assert len(rows) == len(mb), "tandem printed %d row changes, " \
        "mysqlbinlog %d" % (len(rows), len(mb))
    seq = {}
    lossy = 0
    last_pos = 0
    for n, (o, m) in enumerate(zip(rows, mb)):
        where = "row %d (%s %s.%s)" % (n, m.op, m.db, m.table)
        assert (o["op"], o["table"]) == (m.op, m.table), \
            "%s: tandem has %s %s" % (where, o["op"], o["table"])
        assert o["pos"] in m.end_pos and o["pos"] >= last_pos, \
            "%s: pos %s, its rows events end at %s" % (where, o["pos"],
                                                       m.end_pos)
        last_pos = o["pos"]
        assert o["gtid"] == m.gtid, "%s: gtid %s, mysqlbinlog %s" % (
            where, o["gtid"], m.gtid)
        assert isinstance(o["ts"], int) and o["ts"] > 1600000000
        assert o["file"].startswith("bin.")
        if m.op == "insert":
            assert "before" not in o
        if m.op == "delete":
            assert "after" not in o
        k = seq.get(m.table, 0)
        if m.table == "t_ddl" and m.op == "insert":
            seq[m.table] = k + 1
        columns = columns_for(m.table, k if m.op == "insert" else 99, cols)
        if m.before:
            lossy += compare_image(where + " before", columns, o["before"],
                                   m.before)
        if m.after:
            lossy += compare_image(where + " after", columns, o["after"],
                                   m.after)

    # The lossy cases must have happened (the workload has them), so the
    # SELECT below is what confirms those values.
    assert lossy >= 2, "expected mysqlbinlog to be lossy for YEAR 0 and " \
        "4-byte UTF-8, saw %d" % lossy

    sqls = [d["sql"] for d in ddls]
    for needle in ("CREATE TABLE t_int", "ALTER TABLE t_ddl ADD COLUMN mid",
                   "CHANGE b bee", "RENAME TABLE t_ddl TO t_ddl2",
                   "TRUNCATE TABLE t_ddl2", "DROP TABLE"):
        assert any(needle in s for s in sqls), "no DDL event with %r in %s" \
            % (needle, sqls)
    for d in ddls:
        assert d["db"] == db and d["file"] and d["pos"] > 0

    check_against_select(env, db, rows, cols)


def apply_changes(rows, table):
    """Replays our row changes of a table keyed by id; returns id -> row."""
    state = {}
    for e in rows:
        if e["table"] != table:
            continue
        if e["op"] == "insert":
            state[e["after"]["id"]] = dict(e["after"])
        elif e["op"] == "update":
            # A MINIMAL after image holds only the changed columns.
            row = state.pop(e["before"]["id"])
            row.update(e["after"])
            state[row["id"]] = row
        else:
            del state[e["before"]["id"]]
    return state


def select_expr(col):
    if col.base in bd.BINARY or col.charset is not None:
        return "REPLACE(TO_BASE64(`%s`), '\\n', '')" % col.name
    if col.base == "bit":
        return "`%s` + 0" % col.name
    return "`%s`" % col.name


def same_as_select(col, ours, text):
    if text is None:
        return ours is None
    if col.base in bd.BINARY:
        got = base64.b64decode(ours)
        return got == base64.b64decode(text)
    if col.charset is not None:
        enc = bd.PY_CHARSET.get(col.charset, "utf-8")
        return ours.encode(enc) == base64.b64decode(text)
    if col.base == "float":
        return bd.f32(float(text)) == bd.f32(ours)
    if col.base == "double":
        return float(text) == ours
    if isinstance(ours, int):
        return ours == int(text)
    return ours == text


def check_against_select(env, db, rows, cols):
    for table in ("t_int", "t_num", "t_time", "t_str", "t_bit", "t_geo",
                  "t_min"):
        columns = cols[table]
        state = apply_changes(rows, table)
        got = env.sql("SET time_zone = '+00:00'; SELECT %s FROM %s "
                      "ORDER BY id" % (", ".join(select_expr(c)
                                                 for c in columns),
                                       db + "." + table))
        assert sorted(state) == [int(r[0]) for r in got], \
            "%s: tandem ends with ids %s, SELECT has %s" % (
                table, sorted(state), [r[0] for r in got])
        for r in got:
            mine = state[int(r[0])]
            for col, text in zip(columns, r):
                if table == "t_min" and col.name not in mine:
                    continue    # never in a MINIMAL image
                assert same_as_select(col, mine[col.name], text), \
                    "%s id %s column %s (%s): tandem %r, SELECT %r" % (
                        table, r[0], col.name, col.coltype, mine[col.name],
                        text[:200] if text else text)


def test_mariadb_compressed_events(env):
    """log_bin_compress=ON: MariaDB writes QUERY_COMPRESSED and the
    compressed rows events; they decode to the same rows."""
    env.sql("SET GLOBAL log_bin_compress = ON; "
            "SET GLOBAL log_bin_compress_min_len = 10;")
    try:
        start, cols, ours = tail_live(env, "difftc")
    finally:
        env.sql("SET GLOBAL log_bin_compress = OFF")
    files = [f for f in env.mysql.binlog_files()
             if os.path.basename(f) >= start[0]]
    out = subprocess.run(["mysqlbinlog", "--no-defaults"] + files,
                         stdout=subprocess.PIPE, check=True).stdout
    assert b"Write_compressed_rows" in out or b"Query_compressed" in out, \
        "the server wrote no compressed events"
    compare_all(env, "difftc", start, cols, ours)
