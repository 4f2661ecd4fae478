"""LOAD DATA LOCAL INFILE from memory (myconn_load() in
src/source/myconn.c) against a real MariaDB, through
tests/integration/loaddata_probe.c (built here): rows with escapes, NULLs
and binary bytes read back value by value; over 40 MiB in hundreds of
packets (sequence ids wrap) without holding a second copy; a file of
exactly N packets; the server refusing the statement (missing table,
local_infile=OFF) or failing on a row in the middle of the file, after
which the same connection goes on; a plain query asking for
'/etc/passwd' gets an empty file; TLS; a packet over the server's
max_allowed_packet ends the connection with a reason instead of hanging."""

import os
import subprocess
import zlib

PACKET = 64 * 1024          # MYCONN_INFILE_PACKET in src/source/myconn.h

_built = {}


def build_probe(env):
    """Compiles loaddata_probe.c with myconn.c, conn.c and log.c against
    build/libproto.a (plain cc first; clang with sanitizers for the
    libproto.a of `make asan`).  Returns (path, sanitized)."""
    if env.tmp in _built:
        return _built[env.tmp]
    lib = os.path.join(env.build, "libproto.a")
    if not os.path.exists(lib):
        raise env.Skip("no %s (run make first)" % lib)
    out = os.path.join(env.tmp, "loaddata_probe")
    srcs = [os.path.join(env.root, p) for p in (
        "tests/integration/loaddata_probe.c", "src/source/myconn.c",
        "src/net/conn.c", "src/core/log.c")]
    pc = subprocess.run(["pkg-config", "--libs", "libevent",
                         "libevent_openssl", "openssl"],
                        stdout=subprocess.PIPE, text=True)
    libs = (pc.stdout.split() if pc.returncode == 0 else
            ["-levent", "-levent_openssl", "-lssl", "-lcrypto"])
    base = ["-std=c11", "-D_GNU_SOURCE", "-g", "-O1", "-I" + env.root] + \
        srcs + [lib] + libs + ["-lzstd", "-lz", "-lcrypto", "-lm", "-o", out]
    errs = []
    for cmd, sanitized in ((["cc"] + base, False),
                           (["clang", "-fsanitize=address,undefined"] + base,
                            True)):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        except FileNotFoundError as e:
            errs.append(str(e))
            continue
        if r.returncode == 0:
            _built[env.tmp] = (out, sanitized)
            return _built[env.tmp]
        errs.append(r.stdout[-2000:])
    raise AssertionError("cannot build loaddata_probe:\n" + "\n".join(errs))


class Run:
    """One probe run: exit code, stderr, and stdout lines by command."""

    def __init__(self, r):
        self.rc = r.returncode
        self.stderr = r.stderr.decode(errors="replace")
        self.out = {}
        self.maxrss_kb = None
        for ln in r.stdout.decode("utf-8", errors="replace").splitlines():
            if ln.startswith("maxrss_kb="):
                self.maxrss_kb = int(ln.split("=", 1)[1])
                continue
            i, rest = ln.split(" ", 1)
            self.out.setdefault(int(i), []).append(rest)

    def ok(self):
        assert self.rc == 0, "probe exit %d: %s" % (self.rc, self.stderr)
        return self

    def lines(self, i):
        return self.out.get(i, [])

    def fields(self, i, kind):
        """key=value pairs of the first '<kind> ...' line of command i."""
        for ln in self.lines(i):
            if ln.startswith(kind + " "):
                return dict(kv.split("=", 1) for kv in ln.split()[1:])
        raise AssertionError("no %r line for command %d: %r" % (
            kind, i, self.lines(i)))

    def okline(self, i):
        return {k: int(v) for k, v in self.fields(i, "ok").items()}

    def data(self, i):
        return {k: int(v) for k, v in self.fields(i, "data").items()}

    def err(self, i):
        errs = [ln[4:] for ln in self.lines(i) if ln.startswith("err ")]
        assert errs, "command %d did not fail: %r" % (i, self.lines(i))
        return errs[0]

    def rows(self, i):
        return [tuple(ln[4:].split("\t")) for ln in self.lines(i)
                if ln.startswith("row ")]


def probe(env, server, db, *cmds, tls=False, timeout=180):
    path, _ = build_probe(env)
    args = [path] + (["-t"] if tls else []) + [
        "127.0.0.1", str(server.port), "root", "", db] + list(cmds)
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return Run(r)


def target(env):
    """The server without binlog: these loads need not grow the binlog
    other tests read."""
    return env.nobin if env.nobin is not None else env.mysql


def fresh_db(server, db, ddl):
    server.sql("DROP DATABASE IF EXISTS %s; CREATE DATABASE %s; USE %s; %s"
               % (db, db, db, ddl))


ROWS_DDL = ("CREATE TABLE t (id INT PRIMARY KEY, "
            "txt VARCHAR(200) CHARACTER SET utf8mb4, bin VARBINARY(64), "
            "opt INT NULL);")
BIG_DDL = "CREATE TABLE big (id INT PRIMARY KEY, payload LONGBLOB);"


def expected_rows(n):
    """What loaddata_probe's rows=N stores, as (id, HEX(txt), HEX(bin),
    opt) the way Server.sql() returns them."""
    utf8 = "\u00e9\u20ac\U0001F600".encode()
    out = []
    for i in range(1, n + 1):
        txt = b"r%d tab\there nl\nthere bs\\ " % i + utf8
        if i % 5 == 0:
            txt += b"\0z"
        binv = bytes(((i * 31 + j * 7) & 0xff) for j in range(i % 40))
        out.append((str(i), txt.hex().upper(), binv.hex().upper(),
                    None if i % 3 == 0 else str(i * 10)))
    return out


def big_crc_sum(rows):
    """SUM(CRC32(payload)) of loaddata_probe's big=M rows 1..rows."""
    return sum(zlib.crc32(bytes([ord("a") + i % 26]) * ((i * 7919) % 150001))
               for i in range(1, rows + 1))


def load_sql(table, extra=""):
    return ("load:%%s:LOAD DATA LOCAL INFILE 'mem.tsv' INTO TABLE %s%s"
            % (table, extra))


# ---- loading rows ----

def test_load_rows_values(env):
    srv, db = target(env), "ld_rows"
    fresh_db(srv, db, ROWS_DDL + BIG_DDL)
    try:
        rows = load_sql("t", " CHARACTER SET binary") % "rows=2000"
        r = probe(env, srv, db, rows,
                  load_sql("big") % "empty",
                  load_sql("big") % "exact=3",
                  "q:SELECT COUNT(*), SUM(LENGTH(payload)) FROM big").ok()
        assert r.lines(0) == ["login local_files=1"], r.lines(0)
        assert r.data(1)["rows"] == 2000
        ok = r.okline(1)
        assert (ok["affected"], ok["warnings"]) == (2000, 0), ok
        # Every value, escapes, NULLs and binary bytes included.
        got = srv.sql("SELECT id, HEX(txt), HEX(bin), opt FROM t "
                      "ORDER BY id", db=db)
        want = expected_rows(2000)
        assert got == want, [(g, w) for g, w in zip(got, want)
                             if g != w][:3]
        # An empty file loads nothing.
        assert r.data(2)["bytes"] == 0
        assert r.okline(2)["affected"] == 0
        # A file of exactly 3 full packets, then the empty one.
        d = r.data(3)
        assert (d["bytes"], d["packets"]) == (3 * PACKET, 3), d
        assert r.okline(3)["affected"] == d["rows"]
        assert r.rows(4) == [(str(d["rows"]), str(d["sumlen"]))]
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)


def test_load_multi_packet(env):
    srv, db = target(env), "ld_big"
    fresh_db(srv, db, BIG_DDL)
    try:
        r = probe(env, srv, db, load_sql("big") % "big=41",
                  "q:SELECT COUNT(*), SUM(LENGTH(payload)), "
                  "SUM(CRC32(payload)) FROM big").ok()
        d = r.data(1)
        assert d["bytes"] > 40 * 1024 * 1024, d
        # Hundreds of packets: the sequence id wraps past 255.
        assert d["packets"] > 256, d
        ok = r.okline(1)
        assert (ok["affected"], ok["warnings"]) == (d["rows"], 0), ok
        assert r.rows(2) == [(str(d["rows"]), str(d["sumlen"]),
                              str(big_crc_sum(d["rows"])))], r.rows(2)
        # The loop kept running while the file went out...
        assert ok["infile_ticks"] > 0, ok
        # ...and was not copied whole: sending it grew the peak resident
        # size by about the 1 MiB queued at a time, far from its 41 MiB.
        if not build_probe(env)[1]:
            assert r.maxrss_kb - d["rss_kb"] < 12 * 1024, (
                r.maxrss_kb, d["rss_kb"], d["bytes"])
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)


def test_load_over_tls(env):
    srv, db = env.mysql, "ld_tls"
    fresh_db(srv, db, ROWS_DDL + BIG_DDL)
    try:
        r = probe(env, srv, db,
                  load_sql("t", " CHARACTER SET binary") % "rows=3000",
                  load_sql("big") % "big=6",
                  "q:SELECT COUNT(*), SUM(LENGTH(payload)), "
                  "SUM(CRC32(payload)) FROM big", tls=True).ok()
        assert r.okline(1)["affected"] == 3000
        got = srv.sql("SELECT id, HEX(txt), HEX(bin), opt FROM t "
                      "ORDER BY id", db=db)
        assert got == expected_rows(3000)
        d = r.data(2)
        assert r.okline(2)["affected"] == d["rows"]
        assert r.rows(3) == [(str(d["rows"]), str(d["sumlen"]),
                              str(big_crc_sum(d["rows"])))], r.rows(3)
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)


# ---- server errors ----

def test_load_refused_then_usable(env):
    srv, db = target(env), "ld_refused"
    fresh_db(srv, db, ROWS_DDL)
    try:
        r = probe(env, srv, db,
                  load_sql("nosuch") % "rows=10",
                  "q:SELECT 7",
                  load_sql("t", " CHARACTER SET binary") % "rows=10",
                  "q:SELECT COUNT(*) FROM t").ok()
        assert r.err(1).startswith("1146 (42S02): "), r.err(1)
        assert "nosuch" in r.err(1)
        assert r.rows(2) == [("7",)]
        assert r.okline(3)["affected"] == 10
        assert r.rows(4) == [("10",)]

        # local_infile=OFF: the capability is still offered, the
        # statement is refused, the connection goes on.
        srv.sql("SET GLOBAL local_infile = OFF")
        try:
            r = probe(env, srv, db, load_sql("t") % "rows=5",
                      "q:SELECT 8").ok()
        finally:
            srv.sql("SET GLOBAL local_infile = ON")
        assert r.err(1).startswith("4166 ") or r.err(1).startswith("1148 "), \
            r.err(1)
        assert r.rows(2) == [("8",)]
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)


def test_load_error_mid_file(env):
    srv, db = target(env), "ld_midfile"
    fresh_db(srv, db, ROWS_DDL + "CREATE TABLE trg LIKE t;")
    trigger = ("q:CREATE TRIGGER trg_bi BEFORE INSERT ON trg FOR EACH ROW "
               "IF NEW.id = 30 THEN SIGNAL SQLSTATE '45000' SET "
               "MESSAGE_TEXT = 'row 30 refused'; END IF")
    try:
        r = probe(env, srv, db, trigger,
                  # ~4 MiB: the server refuses row 30 and reads the rest
                  load_sql("trg", " CHARACTER SET binary") % "rows=60000",
                  "q:SELECT COUNT(*) FROM trg",
                  load_sql("t", " CHARACTER SET binary") % "rows=100",
                  # LOCAL acts as IGNORE: duplicates are warnings
                  load_sql("t", " CHARACTER SET binary") % "rows=100",
                  "q:SELECT COUNT(*) FROM t").ok()
        assert r.data(2)["packets"] > 50, r.data(2)
        assert r.err(2) == "1644 (45000): row 30 refused", r.err(2)
        assert r.rows(3) == [("0",)]
        assert r.okline(4)["affected"] == 100
        ok = r.okline(5)
        assert (ok["affected"], ok["warnings"]) == (0, 100), ok
        assert r.rows(6) == [("100",)]
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)


def test_packet_over_server_limit(env):
    """A server that cannot take a 64 KiB packet drops the connection:
    the probe reports it as fatal, once, and does not hang."""
    srv, db = target(env), "ld_limit"
    fresh_db(srv, db, ROWS_DDL)
    srv.sql("SET GLOBAL max_allowed_packet = 16384")
    try:
        r = probe(env, srv, db,
                  load_sql("t", " CHARACTER SET binary") % "rows=3000",
                  "q:SELECT 1", timeout=60)
    finally:
        srv.sql("SET GLOBAL max_allowed_packet = 67108864")
        srv.sql("DROP DATABASE IF EXISTS %s" % db)
    assert r.rc == 1, (r.rc, r.out, r.stderr)
    fatal = [ln for ln in r.stderr.splitlines() if ln.startswith("fatal ")]
    assert len(fatal) == 1, r.stderr
    assert any(w in fatal[0] for w in (
        "max_allowed_packet", "closed the connection", "reset by peer",
        "broken pipe", "cannot send")), fatal[0]
    assert r.rows(2) == []


# ---- never a local file ----

def test_plain_query_sends_no_file(env):
    srv, db = target(env), "ld_plain"
    fresh_db(srv, db, ROWS_DDL + "CREATE TABLE p (line TEXT);")
    try:
        r = probe(env, srv, db,
                  "q:LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE p",
                  "q:SELECT COUNT(*) FROM p",
                  # the data answers the first request only
                  load_sql("t", " CHARACTER SET binary; LOAD DATA LOCAL "
                           "INFILE '/etc/passwd' INTO TABLE p") % "rows=5",
                  "q:SELECT (SELECT COUNT(*) FROM t), "
                  "(SELECT COUNT(*) FROM p)",
                  # rows whose first byte is 0xfb (NULL) are rows
                  "q:SELECT NULL, 1 UNION ALL SELECT 'x', 2",
                  "q:SELECT NULL").ok()
        assert r.okline(1)["affected"] == 0
        assert r.rows(2) == [("0",)]
        assert r.okline(3)["affected"] == 0     # the last statement's OK
        assert r.rows(4) == [("5", "0")]
        assert r.rows(5) == [("\\N", "1"), ("x", "2")]
        assert r.rows(6) == [("\\N",)]
        assert srv.sql("SELECT COUNT(*) FROM p", db=db) == [("0",)]
        warned = [ln for ln in r.stderr.splitlines()
                  if "asked for the local file '/etc/passwd'" in ln]
        assert len(warned) == 2, r.stderr
    finally:
        srv.sql("DROP DATABASE IF EXISTS %s" % db)
