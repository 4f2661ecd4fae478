"""Task specs through `tandem run --check SPEC`: a valid spec prints
"spec ok: <name>" and exits 0; a bad one exits 1 with exactly one line
naming the file and the JSON path of the mistake
("spec.json: $.objects[1].tables[0].filter: ..."), or file:line:column for
a JSON syntax error.  No output ever holds a URL's password."""

import copy
import json
import os
import re

# In every URL below; must never appear in any output.
PASSWORD = "Pw-s3cr3t-4u9"


def example(env):
    """conf/task-mysql-to-mysql.json with the test password in its URLs."""
    with open(os.path.join(env.root, "conf", "task-mysql-to-mysql.json")) as f:
        spec = json.load(f)
    spec["source"]["url"] = "mysql://repl:%s@127.0.0.1:3306" % PASSWORD
    spec["destination"]["url"] = "mysql://app:%s@127.0.0.1:3307" % PASSWORD
    return spec


def minimal():
    return {
        "name": "t1",
        "source": {"type": "mysql",
                   "url": "mysql://repl:%s@127.0.0.1:3306" % PASSWORD},
        "destination": {"type": "mariadb",
                        "url": "mysql://app:%s@127.0.0.1:3307" % PASSWORD},
        "objects": [{"db": "shop"}],
    }


_counter = [0]


def check(env, spec):
    """Writes <spec> (a dict, or raw text) to a file and runs --check on
    it.  Returns (result, path)."""
    _counter[0] += 1
    path = os.path.join(env.tmp, "spec-%d.json" % _counter[0])
    with open(path, "w") as f:
        f.write(spec if isinstance(spec, str) else json.dumps(spec, indent=2))
    r = env.run(["run", "--check", path], timeout=30)
    out = r.stdout + r.stderr
    if r.returncode == 2 and "unknown command" in out:
        raise env.Skip("this build has no `tandem run` command")
    assert PASSWORD not in out, "password printed: %r" % out
    return r, path


def unquote(line):
    """The message of a logfmt line (msg="..."), or the line itself."""
    m = re.search(r'\bmsg="((?:[^"\\]|\\.)*)"', line)
    if not m:
        return line
    return re.sub(r'\\(.)', lambda g: {"n": "\n"}.get(g.group(1),
                                                       g.group(1)),
                  m.group(1))


def one_message(r):
    """The single line a failed --check printed, unquoted."""
    lines = [ln for ln in (r.stdout + r.stderr).splitlines()
             if ln.strip() and "level=info" not in ln
             and "level=debug" not in ln]
    assert len(lines) == 1, "want one line, got: %r" % lines
    return unquote(lines[0])


def refused(env, spec, *needles):
    """--check fails with one line that names the spec file and holds
    every needle; returns that line."""
    r, path = check(env, spec)
    assert r.returncode == 1, "exit %d, want 1; output: %r" % (
        r.returncode, r.stdout + r.stderr)
    msg = one_message(r)
    assert path + ": " in msg or path + ":" in msg, \
        "file not named in %r" % msg
    for n in needles:
        assert n in msg, "%r not in %r" % (n, msg)
    return msg


def accepted(env, spec, name):
    r, _ = check(env, spec)
    assert r.returncode == 0, "exit %d; output: %r" % (
        r.returncode, r.stdout + r.stderr)
    assert "spec ok: %s" % name in r.stdout + r.stderr, r.stdout + r.stderr


def edited(spec, fn):
    s = copy.deepcopy(spec)
    fn(s)
    return s


def test_example_spec_is_valid(env):
    path = os.path.join(env.root, "conf", "task-mysql-to-mysql.json")
    r = env.run(["run", "--check", path], timeout=30)
    if r.returncode == 2 and "unknown command" in r.stdout + r.stderr:
        raise env.Skip("this build has no `tandem run` command")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "spec ok: shop-to-replica" in r.stdout + r.stderr
    assert "change-me" not in r.stdout + r.stderr
    accepted(env, example(env), "shop-to-replica")


def test_example_uses_every_field(env):
    """The example shows every field a spec can hold."""
    spec = example(env)
    assert set(spec) == {"name", "source", "destination", "mode", "start",
                         "start_at", "objects", "schema_sync",
                         "existing_tables", "snapshot", "dml", "ddl",
                         "conflict", "apply", "flow_control"}
    assert set(spec["ddl"]) == {"sync", "filter_drop_database"}
    assert set(spec["apply"]) == {"workers", "batch_rows", "queue_bytes",
                                  "batch_txns"}
    assert set(spec["flow_control"]) == {"rows_per_sec", "bytes_per_sec",
                                         "windows"}
    windows = spec["flow_control"]["windows"]
    assert windows and all(set(w) == {"from", "to"} for w in windows)
    # One window runs past midnight, and start_at shows an offset.
    assert any(w["to"] < w["from"] for w in windows)
    assert re.search(r"[+-]\d\d:\d\d$", spec["start_at"])
    assert any("as" in o and "tables" not in o for o in spec["objects"])
    tables = [t for o in spec["objects"] for t in o.get("tables", [])]
    assert any(set(t) == {"name", "as", "columns", "exclude_columns",
                          "filter"} for t in tables)


def test_valid_variants(env):
    accepted(env, minimal(), "t1")
    for start in ({"gtid": "0-1-100"}, {"gtid": "0-1-100,1-2-5"},
                  {"gtid": "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"},
                  {"file": "bin.000001", "pos": 4},
                  {"file": "bin.000001", "pos": 4294967295}, "now"):
        accepted(env, edited(minimal(), lambda s: s.update(start=start)),
                 "t1")
    for conflict in ("ignore", "overwrite", "error"):
        accepted(env, edited(minimal(),
                             lambda s: s.update(conflict=conflict)), "t1")
    accepted(env, edited(minimal(), lambda s: s.update(
        dml=["delete"], ddl={"sync": False},
        apply={"workers": 64, "batch_rows": 100000,
               "queue_bytes": 64 << 30, "batch_txns": 10000})), "t1")
    # The same source table name in two databases, column names differing
    # only in case from other tables' columns, a rename swap.
    accepted(env, edited(minimal(), lambda s: s.update(objects=[
        {"db": "a", "tables": [{"name": "t", "columns": {"x": "y",
                                                        "y": "x"}}]},
        {"db": "b", "as": "b2", "tables": [{"name": "t"}]},
        {"db": "c", "as": "a", "tables": [{"name": "u"}]},
    ])), "t1")
    # Two whole databases swapped on the same server are fine.
    accepted(env, edited(minimal(), lambda s: s.update(
        destination=dict(s["source"]),
        objects=[{"db": "a", "as": "b"}, {"db": "b", "as": "a"}])), "t1")
    # A byte-order mark from an editor.
    accepted(env, "\ufeff" + json.dumps(minimal()), "t1")


def test_required_fields_missing(env):
    ex = example(env)
    for key in ("name", "source", "destination", "objects"):
        refused(env, edited(ex, lambda s: s.pop(key)),
                "$: missing field '%s'" % key)
    for end in ("source", "destination"):
        for key in ("type", "url"):
            refused(env, edited(ex, lambda s: s[end].pop(key)),
                    "$.%s: missing field '%s'" % (end, key))
    refused(env, edited(ex, lambda s: s["objects"][1].pop("db")),
            "$.objects[1]: missing field 'db'")
    refused(env, edited(ex, lambda s: s["objects"][1]["tables"][1].pop(
        "name")), "$.objects[1].tables[1]: missing field 'name'")
    refused(env, edited(ex, lambda s: s.update(start={"pos": 4})),
            "$.start: missing field 'file'")
    refused(env, edited(ex, lambda s: s.update(start={"file": "b.000001"})),
            "$.start: missing field 'pos'")
    refused(env, edited(ex, lambda s: s.update(start={})),
            "$.start: missing field 'gtid', or 'file' and 'pos'")
    refused(env, edited(ex, lambda s: s.update(objects=[])),
            "$.objects: must list at least one database")
    refused(env, edited(ex, lambda s: s["objects"][1].update(tables=[])),
            "$.objects[1].tables: must list at least one table")


def test_unknown_fields(env):
    ex = example(env)
    cases = [
        (lambda s: s.update(colour="red"), "$: unknown field 'colour'"),
        (lambda s: s["source"].update(password="x"),
         "$.source: unknown field 'password'"),
        (lambda s: s["destination"].update(tpye="mysql"),
         "$.destination: unknown field 'tpye' (did you mean 'type'?)"),
        (lambda s: s.update(start={"gtid": "0-1-1", "position": 4}),
         "$.start: unknown field 'position'"),
        (lambda s: s["objects"][0].update(tabels=[]),
         "$.objects[0]: unknown field 'tabels' (did you mean 'tables'?)"),
        (lambda s: s["objects"][1]["tables"][0].update(where="id > 1"),
         "$.objects[1].tables[0]: unknown field 'where'"),
        (lambda s: s["objects"][1]["tables"][1].update(exclude=["a"]),
         "$.objects[1].tables[1]: unknown field 'exclude'"),
        (lambda s: s["ddl"].update(drop=True), "$.ddl: unknown field 'drop'"),
        (lambda s: s["apply"].update(threads=2),
         "$.apply: unknown field 'threads'"),
        (lambda s: s["flow_control"].update(rows_per_second=10),
         "$.flow_control: unknown field 'rows_per_second'"),
        (lambda s: s["flow_control"].update(window=[]),
         "$.flow_control: unknown field 'window' (did you mean "
         "'windows'?)"),
        (lambda s: s["flow_control"]["windows"][1].update(days="mon"),
         "$.flow_control.windows[1]: unknown field 'days' (known fields: "
         "from, to)"),
        (lambda s: s.update(startat="2026-01-01T00:00:00Z"),
         "$: unknown field 'startat' (did you mean 'start_at'?)"),
    ]
    for fn, needle in cases:
        refused(env, edited(ex, fn), needle)


def test_bad_values(env):
    ex = example(env)
    cases = [
        (lambda s: s.update(mode="fast"), "$.mode: must be \"incremental\""),
        (lambda s: s.update(conflict="bogus"),
         "$.conflict: must be \"error\", \"ignore\" or \"overwrite\", not "
         "'bogus'"),
        (lambda s: s["apply"].update(workers=0),
         "$.apply.workers: must be from 1 to 64, not 0"),
        (lambda s: s["apply"].update(workers=65),
         "$.apply.workers: must be from 1 to 64, not 65"),
        (lambda s: s["apply"].update(batch_rows=10.5),
         "$.apply.batch_rows: expected an integer"),
        (lambda s: s["apply"].update(queue_bytes=1000),
         "$.apply.queue_bytes: must be from 1048576 to 68719476736"),
        (lambda s: s["apply"].update(batch_txns="100"),
         "$.apply.batch_txns: expected an integer, got a string"),
        (lambda s: s["ddl"].update(sync="yes"),
         "$.ddl.sync: expected true or false, got a string"),
        (lambda s: s.update(start={"pos": 4, "gtid": "0-1-1"}),
         "$.start: give either \"gtid\" or \"file\" and \"pos\""),
        (lambda s: s.update(start={"file": "bin.000001", "pos": 3}),
         "$.start.pos: must be from 4 to 4294967295, not 3"),
        (lambda s: s.update(start={"file": "bin.000001", "pos": 1 << 32}),
         "$.start.pos: must be from 4 to 4294967295"),
        (lambda s: s.update(start={"gtid": ""}),
         "$.start.gtid: must not be empty"),
        (lambda s: s.update(start={"gtid": "zebra"}),
         "$.start.gtid: 'zebra' is not a GTID set"),
        (lambda s: s.update(start="later"), "$.start: must be \"now\""),
        (lambda s: s.update(start=5), "$.start: expected \"now\" or an "
         "object, got an integer"),
        (lambda s: s.update(name="shop to replica"),
         "$.name: must be 1 to 64 characters of A-Z a-z 0-9 _ . -"),
        (lambda s: s.update(name="x" * 65), "$.name: must be 1 to 64"),
        (lambda s: s.update(name=""), "$.name: must be 1 to 64"),
        (lambda s: s.update(name=7), "$.name: expected a string, got an "
         "integer"),
        (lambda s: s["source"].update(type="postgres"),
         "$.source.type: 'postgres' is not supported yet"),
        (lambda s: s["destination"].update(type="oracle"),
         "$.destination.type: must be \"mysql\""),
        (lambda s: s["destination"].update(url="redis://127.0.0.1:6379"),
         "$.destination.url: must be a mysql:// URL"),
        (lambda s: s["source"].update(
            url="mysql://repl:%s@127.0.0.1:99999" % PASSWORD),
         "$.source.url: port must be a number from 1 to 65535"),
        (lambda s: s["objects"].append({"db": "shop", "as": "x"}),
         "$.objects[2].db: database 'shop' is listed twice (first at "
         "$.objects[0])"),
        (lambda s: s["objects"][1]["tables"].append({"name": "users",
                                                     "as": "u2"}),
         "$.objects[1].tables[2].name: table 'users' is listed twice"),
        (lambda s: s["objects"][1]["tables"][0].update(
            exclude_columns=["pw_hash", "EMAIL"]),
         "$.objects[1].tables[0].exclude_columns[1]: column 'EMAIL' is "
         "both renamed (in \"columns\") and excluded"),
        (lambda s: s["objects"][1]["tables"][0].update(
            exclude_columns=["pw_hash", "PW_Hash"]),
         "$.objects[1].tables[0].exclude_columns[1]: column 'PW_Hash' is "
         "listed twice"),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"email": "mail", "phone": "MAIL"}),
         "$.objects[1].tables[0].columns.phone: columns 'email' and "
         "'phone' are both renamed to 'MAIL'"),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"email": "mail", "Email": "m2"}),
         "$.objects[1].tables[0].columns.Email: column 'Email' is renamed "
         "twice"),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"email": 5}),
         "$.objects[1].tables[0].columns.email: expected a string"),
        (lambda s: s["objects"][1]["tables"][1].update(
            {"as": "customers"}),
         "$.objects[1].tables[1].as: destination table 'crm2.customers' is "
         "also that of $.objects[1].tables[0]"),
        (lambda s: s["objects"].append(
            {"db": "crm3", "as": "crm2", "tables": [{"name": "customers"}]}),
         "$.objects[2].tables[0].name: destination table 'crm2.customers' "
         "is also that of $.objects[1].tables[0]"),
        (lambda s: s["objects"].append({"db": "crm2"}),
         "$.objects[2].db: destination database 'crm2' is also that of "
         "$.objects[1]"),
        (lambda s: s["objects"][0].update(filter="id > 1"),
         "$.objects[0].filter: \"filter\" belongs to a table"),
        (lambda s: s["objects"][0].update(columns={"a": "b"}),
         "$.objects[0].columns: \"columns\" belongs to a table"),
        (lambda s: s["objects"][0].update(exclude_columns=["a"]),
         "$.objects[0].exclude_columns: \"exclude_columns\" belongs to a "
         "table"),
        (lambda s: s["objects"][1]["tables"][0].update(filter="  "),
         "$.objects[1].tables[0].filter: must not be empty"),
        (lambda s: s["objects"][1]["tables"][0].update(filter="id == 5"),
         "$.objects[1].tables[0].filter: offset "),
        (lambda s: s["objects"][1]["tables"][1].update(filter=7),
         "$.objects[1].tables[1].filter: expected a string, got an "
         "integer"),
        (lambda s: s["objects"][0].update({"as": "shop "}),
         "$.objects[0].as: 'shop ' is not a valid MySQL name: it ends with "
         "a space"),
        (lambda s: s["objects"][0].update({"as": "x" * 65}),
         "$.objects[0].as: 'xxxx"),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"email": ""}),
         "$.objects[1].tables[0].columns.email: '' is not a valid MySQL "
         "name: it is empty"),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"e-mail": "mail"}),
         None),
        (lambda s: s["objects"][1]["tables"][0].update(
            columns={"e mail ": "mail"}),
         "$.objects[1].tables[0].columns[\"e mail \"]: 'e mail ' is not a "
         "valid MySQL name"),
        (lambda s: s["objects"][1]["tables"][0].update(name="\U0001F600"),
         "$.objects[1].tables[0].name: "),
        (lambda s: s["objects"][1].update(tables="users"),
         "$.objects[1].tables: expected an array, got a string"),
        (lambda s: s["objects"].__setitem__(0, "shop"),
         "$.objects[0]: expected an object"),
        (lambda s: s.update(dml=[]), "$.dml: must list at least one of"),
        (lambda s: s.update(dml=["insert", "upsert"]),
         "$.dml[1]: must be \"insert\", \"update\" or \"delete\", not "
         "'upsert'"),
        (lambda s: s.update(dml=["insert", "delete", "insert"]),
         "$.dml[2]: 'insert' is listed twice"),
        (lambda s: s.update(dml="insert"),
         "$.dml: expected an array, got a string"),
    ]
    for fn, needle in cases:
        if needle is None:
            accepted(env, edited(ex, fn), "shop-to-replica")
        else:
            refused(env, edited(ex, fn), needle)


def test_full_sync_fields_valid(env):
    """The full-sync fields are checked now and accepted in an incremental
    spec; their defaults need none of them."""
    for schema_sync in (True, False):
        accepted(env, edited(minimal(), lambda s: s.update(
            schema_sync=schema_sync)), "t1")
    for existing in ("intercept", "ignore", "clear"):
        accepted(env, edited(minimal(), lambda s: s.update(
            existing_tables=existing)), "t1")
    for snapshot in ("auto", "lock"):
        accepted(env, edited(minimal(), lambda s: s.update(
            snapshot=snapshot)), "t1")
    for fc in (
            {"rows_per_sec": 1},
            {"rows_per_sec": 10 ** 12},
            {"bytes_per_sec": 1},
            {"bytes_per_sec": 9999 * 1024 * 1024},
            {"rows_per_sec": 1000, "bytes_per_sec": 1 << 20},
            # Past midnight.
            {"rows_per_sec": 5, "windows": [{"from": "22:00",
                                             "to": "02:00"}]},
            {"rows_per_sec": 5, "windows": [{"from": "23:59",
                                             "to": "00:00"}]},
            # "to" is not inside: windows may touch, here the whole day.
            {"bytes_per_sec": 5, "windows": [
                {"from": "00:00", "to": "08:00"},
                {"from": "08:00", "to": "16:00"},
                {"from": "16:00", "to": "00:00"}]},
            {"bytes_per_sec": 5, "windows": [
                {"from": "22:00", "to": "02:00"},
                {"from": "02:00", "to": "22:00"}]},
            {"rows_per_sec": 5, "windows": [
                {"from": "12:00", "to": "13:00"},
                {"from": "20:30", "to": "06:15"},
                {"from": "06:15", "to": "07:00"}]}):
        accepted(env, edited(minimal(), lambda s: s.update(
            flow_control=fc)), "t1")
    for start_at in ("2026-05-01T02:00:00Z", "2026-05-01t02:00:00z",
                     "2026-05-01T02:00:00.5Z",
                     "2026-05-01T02:00:00.123456789Z",
                     "2026-05-01T10:00:00+08:00", "2026-04-30T20:30:00-05:30",
                     "2026-05-01T02:00:00+00:00", "2026-05-01T02:00:00-00:00",
                     "2026-05-01T23:59:59.999+23:59",
                     "2028-02-29T00:00:00Z", "2000-02-29T12:00:00Z",
                     # Past times mean "at once": never compared with now.
                     "1999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00",
                     "9999-12-31T23:59:59-23:59"):
        accepted(env, edited(minimal(), lambda s: s.update(
            start_at=start_at)), "t1")


def test_full_sync_fields_bad(env):
    ex = example(env)
    time_fmt = ("must be a 24-hour time of day \"HH:MM\" from \"00:00\" to "
                "\"23:59\", not ")
    rfc = ("must be an RFC 3339 time such as \"2026-05-01T02:00:00Z\" (UTC) "
           "or \"2026-05-01T10:00:00+08:00\", not ")

    def win(*pairs):
        return lambda s: s["flow_control"].update(windows=[
            {"from": a, "to": b} for a, b in pairs])

    cases = [
        (lambda s: s.update(schema_sync="yes"),
         "$.schema_sync: expected true or false, got a string"),
        (lambda s: s.update(schema_sync=None),
         "$.schema_sync: expected true or false, got null"),
        (lambda s: s.update(existing_tables="drop"),
         "$.existing_tables: must be \"intercept\" (refuse to start), "
         "\"ignore\" (write into the table) or \"clear\" (truncate it "
         "first), not 'drop'"),
        (lambda s: s.update(existing_tables="Clear"),
         "$.existing_tables: must be \"intercept\""),
        (lambda s: s.update(existing_tables=True),
         "$.existing_tables: expected a string, got a boolean"),
        (lambda s: s.update(snapshot="ftwrl"),
         "$.snapshot: must be \"auto\" (MariaDB: no lock; MySQL: a brief "
         "global read lock) or \"lock\" (the brief lock everywhere), not "
         "'ftwrl'"),
        (lambda s: s.update(snapshot=1),
         "$.snapshot: expected a string, got an integer"),
        (lambda s: s.update(flow_control=[]),
         "$.flow_control: expected an object, got an array"),
        (lambda s: s.update(flow_control={}),
         "$.flow_control: limits nothing: give \"rows_per_sec\", "
         "\"bytes_per_sec\" or both (or leave \"flow_control\" out for no "
         "limit)"),
        (lambda s: s.update(flow_control={"windows": [
            {"from": "22:00", "to": "02:00"}]}),
         "$.flow_control: limits nothing: give \"rows_per_sec\""),
        (lambda s: s["flow_control"].update(rows_per_sec=0),
         "$.flow_control.rows_per_sec: must be from 1 to 1000000000000, "
         "not 0"),
        (lambda s: s["flow_control"].update(rows_per_sec=10 ** 12 + 1),
         "$.flow_control.rows_per_sec: must be from 1 to 1000000000000, "
         "not 1000000000001"),
        (lambda s: s["flow_control"].update(rows_per_sec=-5),
         "$.flow_control.rows_per_sec: must be from 1 to 1000000000000, "
         "not -5"),
        (lambda s: s["flow_control"].update(rows_per_sec=1.5),
         "$.flow_control.rows_per_sec: expected an integer, got a number "
         "with a fraction"),
        (lambda s: s["flow_control"].update(
            bytes_per_sec=9999 * 1024 * 1024 + 1),
         "$.flow_control.bytes_per_sec: must be from 1 to 10484711424 "
         "(9999 MiB/s, the most allowed), not 10484711425"),
        (lambda s: s["flow_control"].update(bytes_per_sec=10 ** 15),
         "$.flow_control.bytes_per_sec: must be from 1 to 10484711424 "
         "(9999 MiB/s"),
        (lambda s: s["flow_control"].update(bytes_per_sec=0),
         "$.flow_control.bytes_per_sec: must be from 1 to 10484711424 "
         "(9999 MiB/s, the most allowed), not 0"),
        (lambda s: s["flow_control"].update(bytes_per_sec="50MB"),
         "$.flow_control.bytes_per_sec: expected an integer, got a string"),
        (lambda s: s["flow_control"].update(windows={"from": "01:00",
                                                     "to": "02:00"}),
         "$.flow_control.windows: expected an array"),
        (lambda s: s["flow_control"].update(windows=[]),
         "$.flow_control.windows: must list at least one window (leave "
         "\"windows\" out to limit all day)"),
        (win(("00:00", "01:00"), ("02:00", "03:00"), ("04:00", "05:00"),
             ("06:00", "07:00")),
         "$.flow_control.windows: lists 4 windows, more than the 3 "
         "allowed: merge or drop some"),
        (lambda s: s["flow_control"]["windows"].__setitem__(
            1, "22:00-02:00"),
         "$.flow_control.windows[1]: expected an object ({\"from\": "
         "\"HH:MM\", \"to\": \"HH:MM\"}), got a string"),
        (lambda s: s["flow_control"]["windows"][0].pop("to"),
         "$.flow_control.windows[0]: missing field 'to'"),
        (lambda s: s["flow_control"]["windows"][1].pop("from"),
         "$.flow_control.windows[1]: missing field 'from'"),
        (win(("24:00", "02:00")),
         "$.flow_control.windows[0].from: " + time_fmt + "'24:00'"),
        (win(("08:00", "08:60")),
         "$.flow_control.windows[0].to: " + time_fmt + "'08:60'"),
        (win(("8:00", "09:00")),
         "$.flow_control.windows[0].from: " + time_fmt + "'8:00'"),
        (win(("08:00:00", "09:00")),
         "$.flow_control.windows[0].from: " + time_fmt + "'08:00:00'"),
        (win(("0800", "0900")),
         "$.flow_control.windows[0].from: " + time_fmt + "'0800'"),
        (win(("08:00", "9pm")),
         "$.flow_control.windows[0].to: " + time_fmt + "'9pm'"),
        (win(("08:00", 900)),
         "$.flow_control.windows[0].to: expected a string, got an integer"),
        (win(("01:00", "02:00"), ("08:00", "08:00")),
         "$.flow_control.windows[1].to: equals \"from\" (08:00): a window "
         "needs \"to\" other than \"from\" (leave \"windows\" out to limit "
         "all day)"),
        (win(("08:00", "12:00"), ("22:00", "02:00"), ("01:00", "03:00")),
         "$.flow_control.windows[2]: overlaps windows[1] (22:00-02:00 and "
         "01:00-03:00): merge the two into one window"),
        (win(("08:00", "12:00"), ("11:59", "13:00")),
         "$.flow_control.windows[1]: overlaps windows[0] (08:00-12:00 and "
         "11:59-13:00)"),
        (win(("10:00", "11:00"), ("09:00", "12:00")),
         "$.flow_control.windows[1]: overlaps windows[0] (10:00-11:00 and "
         "09:00-12:00)"),
        (win(("22:00", "02:00"), ("23:00", "01:00")),
         "$.flow_control.windows[1]: overlaps windows[0] (22:00-02:00 and "
         "23:00-01:00)"),
        (win(("20:00", "06:00"), ("12:00", "13:00"), ("05:59", "07:00")),
         "$.flow_control.windows[2]: overlaps windows[0] (20:00-06:00 and "
         "05:59-07:00)"),
        (win(("16:00", "00:00"), ("23:59", "00:01")),
         "$.flow_control.windows[1]: overlaps windows[0] (16:00-00:00 and "
         "23:59-00:01)"),
        (lambda s: s.update(start_at="2026-13-01T00:00:00Z"),
         "$.start_at: '2026-13-01T00:00:00Z' is not a valid time: month "
         "must be 01 to 12, not 13"),
        (lambda s: s.update(start_at="2026-00-01T00:00:00Z"),
         "$.start_at: '2026-00-01T00:00:00Z' is not a valid time: month "
         "must be 01 to 12, not 00"),
        (lambda s: s.update(start_at="2026-02-30T00:00:00Z"),
         "$.start_at: '2026-02-30T00:00:00Z' is not a valid time: day must "
         "be 01 to 28 in 2026-02, not 30"),
        (lambda s: s.update(start_at="2100-02-29T00:00:00Z"),
         "$.start_at: '2100-02-29T00:00:00Z' is not a valid time: day must "
         "be 01 to 28 in 2100-02, not 29"),
        (lambda s: s.update(start_at="2026-04-31T00:00:00+08:00"),
         "$.start_at: '2026-04-31T00:00:00+08:00' is not a valid time: day "
         "must be 01 to 30 in 2026-04, not 31"),
        (lambda s: s.update(start_at="2026-05-00T00:00:00Z"),
         "day must be 01 to 31 in 2026-05, not 00"),
        (lambda s: s.update(start_at="2026-05-01T24:00:00Z"),
         "$.start_at: '2026-05-01T24:00:00Z' is not a valid time: hour "
         "must be 00 to 23, not 24"),
        (lambda s: s.update(start_at="2026-05-01T23:60:00Z"),
         "$.start_at: '2026-05-01T23:60:00Z' is not a valid time: minute "
         "must be 00 to 59, not 60"),
        (lambda s: s.update(start_at="2026-06-30T23:59:60Z"),
         "$.start_at: '2026-06-30T23:59:60Z' is not a valid time: second "
         "must be 00 to 59, not 60"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00+24:00"),
         "$.start_at: '2026-05-01T02:00:00+24:00' is not a valid time: "
         "offset hour must be 00 to 23, not 24"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00-05:60"),
         "offset minute must be 00 to 59, not 60"),
        (lambda s: s.update(start_at="0000-01-01T00:00:00Z"),
         "$.start_at: '0000-01-01T00:00:00Z' is not a valid time: year "
         "must be 0001 to 9999, not 0000"),
        (lambda s: s.update(start_at="2026-05-01"),
         "$.start_at: " + rfc + "'2026-05-01'"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00"),
         "$.start_at: " + rfc + "'2026-05-01T02:00:00'"),
        (lambda s: s.update(start_at="2026-05-01 02:00:00Z"),
         "$.start_at: " + rfc + "'2026-05-01 02:00:00Z'"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00+0800"),
         "$.start_at: " + rfc + "'2026-05-01T02:00:00+0800'"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00.Z"),
         "$.start_at: " + rfc + "'2026-05-01T02:00:00.Z'"),
        (lambda s: s.update(start_at="2026-5-1T02:00:00Z"),
         "$.start_at: " + rfc + "'2026-5-1T02:00:00Z'"),
        (lambda s: s.update(start_at="2026-05-01T02:00:00Z "),
         "$.start_at: " + rfc + "'2026-05-01T02:00:00Z '"),
        (lambda s: s.update(start_at="now"),
         "$.start_at: " + rfc + "'now'"),
        (lambda s: s.update(start_at=""), "$.start_at: " + rfc + "''"),
        (lambda s: s.update(start_at=1767204000),
         "$.start_at: expected a string, got an integer"),
    ]
    for fn, needle in cases:
        refused(env, edited(ex, fn), needle)


def test_copy_onto_itself(env):
    """Source and destination on one server: a table must not be its own
    destination."""
    same = edited(minimal(), lambda s: s.update(
        destination=dict(s["source"])))
    refused(env, same, "$.objects[0]: source and destination are the same "
            "server (127.0.0.1:3306) and database 'shop' would be copied "
            "onto itself")
    refused(env, edited(same, lambda s: s.update(objects=[
        {"db": "a", "tables": [{"name": "t", "as": "t2"}, {"name": "u"}]}])),
        "$.objects[0].tables[1]: source and destination are the same "
        "server (127.0.0.1:3306) and table 'a.u' would be copied")


def test_json_syntax_error(env):
    text = ('{\n  "name": "t1",\n  "source": {"type": "mysql"\n'
            '              "url": "mysql://u:%s@h:1"},\n}\n' % PASSWORD)
    msg = refused(env, text)
    assert re.search(r"spec-\d+\.json:4:\d+: ", msg), msg
    # A broken string right after a URL with a password.
    text = '{"name": "t1", "source": {"url": "mysql://u:%s@h:1\x01"}}' % (
        PASSWORD)
    refused(env, text, ":1:")
    text = '{"source" "mysql://u:%s@h:1"}' % PASSWORD
    refused(env, text, ":1:")
    refused(env, '{"name": "a", "name": "b"}', ":1:", "duplicate")
    refused(env, "", ":1:")
    refused(env, "[]", "$: expected an object, got an array")
    refused(env, '{"name": "t1"} x', ":1:")


def test_no_password_in_any_output(env):
    """Every case above already checks its output; these put the URL where
    a message would most likely echo it."""
    url = "mysql://repl:%s@127.0.0.1:3306" % PASSWORD
    for fn in (lambda s: s.update(name=url),
               lambda s: s.update(mode=url),
               lambda s: s.update(conflict=url),
               lambda s: s.update(start={"gtid": url}),
               lambda s: s.update(start=url),
               lambda s: s.update(dml=[url]),
               lambda s: s["source"].update(type=url),
               lambda s: s["source"].update({url: 1}),
               lambda s: s["source"].update(url=url + "?tls=maybe"),
               lambda s: s["source"].update(url=url + "/a/b"),
               lambda s: s["source"].update(url="postgres://u:%s@h"
                                            % PASSWORD),
               lambda s: s.update(start_at=url),
               lambda s: s.update(existing_tables=url),
               lambda s: s.update(flow_control={"rows_per_sec": 1,
                                                "windows": [{"from": url,
                                                             "to": "01:00"}]}),
               lambda s: s["objects"][0].update({"as": url + " "}),
               lambda s: s["objects"].append({"db": url + " "}),
               lambda s: s["objects"][0].update(tables=[
                   {"name": "t", "columns": {url + " ": "a"}}]),
               lambda s: s["objects"][0].update(tables=[
                   {"name": "t", "exclude_columns": [url + " "]}]),
               # URLs are valid MySQL names: repeat them to be refused.
               lambda s: s.update(objects=[{"db": url}, {"db": url}]),
               lambda s: s.update(objects=[{"db": "a", "tables": [
                   {"name": url}, {"name": url}]}]),
               lambda s: s.update(objects=[{"db": "a", "tables": [
                   {"name": "t", "columns": {url: "x", "y": "x"}}]}])):
        refused(env, edited(minimal(), fn))
    r, _ = check(env, minimal())
    assert r.returncode == 0
