"""SQL literals of decoded binlog values (proto/mysql/sqlenc.c) against a
real server: rows of every column type are written on the source, read
back from its binlog by tests/integration/sqlenc_probe.c (built here
against build/libproto.a), turned into INSERT/UPDATE/DELETE statements
whose values are sqlenc literals, and applied to the destination.  Every
statement checks itself (the inserted row is found again by comparing
every column with its literal; UPDATE and DELETE, whose WHERE compares
every column of the before image, touch exactly one row), and at the end
the destination table reads back byte for byte like the source one.

The statements are applied twice: with SQLENC_SQL_MODE, and with
NO_BACKSLASH_ESCAPES and ANSI_QUOTES added, which must not change a
thing."""

import os
import subprocess

SQL_MODE = ("STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,"
            "ALLOW_INVALID_DATES")
LENIENT = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES"
ODD = ",NO_BACKSLASH_ESCAPES,ANSI_QUOTES"

SRC = "sqlenc_src"

# name, type, how to read it back exactly
COLUMNS = [
    ("id", "INT PRIMARY KEY", "{}"),
    ("ti", "TINYINT", "{}"),
    ("tu", "TINYINT UNSIGNED", "{}"),
    ("si", "SMALLINT", "{}"),
    ("mi", "MEDIUMINT", "{}"),
    ("mu", "MEDIUMINT UNSIGNED", "{}"),
    ("i", "INT", "{}"),
    ("iu", "INT UNSIGNED", "{}"),
    ("bi", "BIGINT", "{}"),
    ("bu", "BIGINT UNSIGNED", "{}"),
    ("f", "FLOAT", "CAST({} AS DOUBLE)"),
    ("f2", "FLOAT(7,4)", "CAST({} AS DOUBLE)"),
    ("d", "DOUBLE", "{}"),
    ("dc", "DECIMAL(65,30)", "{}"),
    ("dc2", "DECIMAL(10,2) UNSIGNED", "{}"),
    ("dt", "DATE", "{}"),
    ("tm", "TIME", "{}"),
    ("tm6", "TIME(6)", "{}"),
    ("dtm", "DATETIME", "{}"),
    ("dtm3", "DATETIME(3)", "{}"),
    ("ts", "TIMESTAMP(6) NULL DEFAULT NULL", "{}"),
    ("ts0", "TIMESTAMP NULL DEFAULT NULL", "{}"),
    ("y", "YEAR", "{}"),
    ("b1", "BIT(1)", "{}+0"),
    ("b10", "BIT(10)", "{}+0"),
    ("b64", "BIT(64)", "{}+0"),
    ("e", "ENUM('a','b','it''s','\\\\','')", "CONCAT(HEX({0}),'/',{0}+0)"),
    ("s", "SET('x','y','z','\\\\')", "CONCAT(HEX({0}),'/',{0}+0)"),
    ("eu", "ENUM('\u00e9','\u00fc') CHARACTER SET ucs2",
     "CONCAT(HEX({0}),'/',{0}+0)"),
    ("sl", "SET('\u00e4','\u00f6') CHARACTER SET latin1",
     "CONCAT(HEX({0}),'/',{0}+0)"),
    ("c", "CHAR(10)", "HEX({})"),
    ("vc", "VARCHAR(100)", "HEX({})"),
    ("vc3", "VARCHAR(50) CHARACTER SET utf8mb3", "HEX({})"),
    ("l1", "VARCHAR(50) CHARACTER SET latin1", "HEX({})"),
    ("u2", "VARCHAR(20) CHARACTER SET ucs2", "HEX({})"),
    ("u16", "VARCHAR(20) CHARACTER SET utf16", "HEX({})"),
    ("u32", "VARCHAR(20) CHARACTER SET utf32", "HEX({})"),
    ("gb", "VARCHAR(20) CHARACTER SET gbk", "HEX({})"),
    ("b5", "VARCHAR(20) CHARACTER SET big5", "HEX({})"),
    ("sj", "VARCHAR(20) CHARACTER SET sjis", "HEX({})"),
    ("sw", "VARCHAR(20) CHARACTER SET swe7", "HEX({})"),
    ("c8", "CHAR(5) CHARACTER SET latin1", "HEX({})"),
    ("tx", "TEXT", "HEX({})"),
    ("lt", "LONGTEXT CHARACTER SET latin1", "HEX({})"),
    ("bn", "BINARY(4)", "HEX({})"),
    ("vb", "VARBINARY(20)", "HEX({})"),
    ("bl", "BLOB", "HEX({})"),
    ("lb", "LONGBLOB", "HEX({})"),
    ("j", "JSON", "HEX({})"),
    ("g", "GEOMETRY", "HEX({})"),
    ("pt", "POINT", "HEX({})"),
]

NAMES = [c[0] for c in COLUMNS]


def row(**kw):
    """An INSERT of the given columns (SQL text values); NULL elsewhere."""
    cols = list(kw)
    return "INSERT INTO t (%s) VALUES (%s);" % (
        ", ".join(cols), ", ".join(kw[c] for c in cols))


# The source rows, written in the source's default (strict) sql_mode but
# for row 3, which holds what only a non-strict server stores.
ROWS = [
    row(id="1", ti="-5", tu="200", si="-300", mi="-40000", mu="16000000",
        i="-2000000000", iu="4000000000", bi="-5000000000000",
        bu="15000000000000000000", f="3.14", f2="999.9999", d="0.1",
        dc="'12345678901234567890123456789012345.1234567890123456789012"
           "34567890'",
        dc2="12345678.99", dt="'2024-01-31'", tm="'-12:34:56'",
        tm6="'838:59:59.999999'", dtm="'2024-01-31 12:00:00'",
        dtm3="'2024-01-31 12:00:00.123'", ts="'2024-01-31 12:00:00.654321'",
        ts0="'2001-02-03 04:05:06'", y="2024", b1="b'1'",
        b10="b'1010101010'", b64="0xffffffffffffffff", e="'it''s'",
        s="'x,z'", eu="'\u00fc'", sl="'\u00e4,\u00f6'", c="'ab'",
        vc="'h\u00e9llo \"w\u00f6rld\" \U0001F600'",
        vc3="'r\u00e9sum\u00e9'", l1="'caf\u00e9 \u00ff'",
        u2="'\u0100\u0112'", u16="'\U0001F600x'", u32="'\U0001D11E'",
        gb="'\u4e2d\u6587'", b5="'\u8a31\u529f\u84cb'",
        sj="'\u30bd\u8868'", sw="'\u00d6\u00c4'", c8="'\u00e9  '",
        tx="'text\nline'", lt="REPEAT('\u00e9', 1000)", bn="X'61'",
        vb="X'00FF27'", bl="X'DEADBEEF'", lb="REPEAT(X'AB5C27', 30000)",
        j="'{\"a\": [1, 2.5, \"x\"], \"b\": null}'",
        g="ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326)",
        pt="ST_GeomFromText('POINT(1.5 -2.25)')"),
    row(id="2", ti="-128", tu="255", si="-32768", mi="-8388608",
        mu="16777215", i="-2147483648", iu="4294967295",
        bi="-9223372036854775808", bu="18446744073709551615",
        f="3.4028234663852886e38", f2="-999.9999",
        d="1.7976931348623157e308",
        dc="'-99999999999999999999999999999999999.99999999999999999999"
           "9999999999'",
        dc2="0", dt="'9999-12-31'", tm="'-838:59:59'",
        tm6="'-838:59:59.000000'", dtm="'9999-12-31 23:59:59'",
        dtm3="'9999-12-31 23:59:59.999'", ts="'2038-01-19 03:14:07.999999'",
        ts0="'1970-01-01 00:00:01'", y="2155", b1="b'0'",
        b10="b'1111111111'", b64="b'0'", e="'\\\\'", s="'x,y,z,\\\\'",
        eu="'\u00e9'", sl="''", c="'a''b\\\\c'", vc="'\\\\'",
        vc3="'\\\\'''", l1="_latin1 X'815C27'", u2="_ucs2 X'005C'",
        u16="'\\\\'", u32="''", gb="'\\\\'", b5="'\\\\'", sj="'\\\\'",
        sw="'\u00d6'", c8="'x'", tx="CONCAT('a', CHAR(0), 'b')",
        lt="'\\\\'", bn="X'00000001'", vb="X'5C'", bl="X''", lb="X'00'",
        j="'\"\\\\\\\\\"'", g="ST_GeomFromText('POINT(0 0)')",
        pt="ST_GeomFromText('POINT(-1e300 1e-300)', 3857)"),
    "SET SESSION sql_mode='ALLOW_INVALID_DATES';",
    row(id="3", ti="0", tu="0", si="0", mi="0", mu="0", i="0", iu="0",
        bi="0", bu="0", f="0", f2="0", d="0", dc="0", dc2="0",
        dt="'0000-00-00'", tm="'00:00:00'", tm6="'00:00:00'",
        dtm="'0000-00-00 00:00:00'", dtm3="'2024-00-15 00:00:00'",
        ts="'0000-00-00 00:00:00'", ts0="'0000-00-00 00:00:00'", y="0",
        b1="0", b10="0", b64="0", e="0", s="''", eu="''", sl="''",
        c="''", vc="''", vc3="''", l1="''", u2="''", u16="''", u32="''",
        gb="''", b5="''", sj="''", sw="''", c8="''", tx="''", lt="''",
        bn="''", vb="''", bl="''", lb="''", j="'[]'",
        g="ST_GeomFromText('LINESTRING(0 0,0 0)')", pt="NULL"),
    row(id="4", dt="'2024-02-30'", dtm="'2023-02-29 10:00:00'"),
    "SET SESSION sql_mode=DEFAULT;",
    row(id="5", f="1.401298464324817e-45", f2="0.0001", d="5e-324",
        vc="'''; DROP TABLE t; --'", vc3="'\\\\'''",
        c="'\\r\\n\\t'", tx="'\\Z\\0'", e="''", s="'\\\\'",
        j="'{\"k\\\\\"\": \"\\\\u0000\"}'", b64="1", gb="'\u4e00'"),
    row(id="6", i="6"),
    # every column of row 1 changes, and some of others
    "UPDATE t SET ti=ti+1, tu=tu-1, si=si+1, mi=mi+1, mu=mu-1, i=i+1, "
    "iu=iu-1, bi=bi+1, bu=bu-1, f=-f, f2=f2/3, d=d*3, dc=-dc, dc2=dc2+1, "
    "dt=dt+INTERVAL 1 DAY, tm='01:02:03', tm6=NULL, dtm=NOW(), "
    "dtm3=dtm3+INTERVAL 1 SECOND, ts=ts-INTERVAL 1 HOUR, ts0=NULL, y=1901, "
    "b1=0, b10=b10>>1, b64=b64>>1, e='a', s='y', eu=NULL, sl='\u00f6', "
    "c=CONCAT(c,'\\''), vc=UPPER(vc), vc3=CONCAT(vc3,'\\\\'), l1='\\\\', "
    "u2=CONCAT(u2,'x'), u16=NULL, u32='a', gb=CONCAT(gb,'x'), "
    "b5=CONCAT(b5,'x'), sj=CONCAT(sj,'x'), sw='x', c8='y', tx='', "
    "lt=CONCAT(lt,'\u00e8'), bn=X'FF', vb=X'', bl=NULL, lb=X'01', "
    "j='{\"a\": 2}', g=ST_GeomFromText('POINT(3 4)', 4326), pt=NULL "
    "WHERE id=1;",
    "UPDATE t SET vc='z' WHERE id IN (3, 4, 5);",
    "UPDATE t SET i=60 WHERE id=6;",
    "DELETE FROM t WHERE id IN (2, 6);",
]

JSON_CASES = {
    1: '{"a": 1}',
    2: '{"k": [1, "x"], "s": "it\'s \\"q\\" \\\\ \u00e9\\n"}',
    3: "0.1",
    4: "1.50",
    5: '""',
    6: "null",
    7: '{"a": 2, "b": "new"}',
}


def mysql(server, text, db=None):
    """Runs SQL through the client in binary mode (no client-side
    backslash commands); rows as lists of str."""
    cmd = ["mariadb", "--no-defaults", "-S", server.sock, "-uroot",
           "--binary-mode", "--default-character-set=utf8mb4", "--batch", "--skip-column-names", "--raw"]
    if db:
        cmd.append(db)
    r = subprocess.run(cmd, input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise AssertionError("SQL failed: %s" % r.stderr.decode(
            errors="replace"))
    return [ln.split("\t") for ln in
            r.stdout.decode("utf-8", errors="replace").splitlines()]


def build_probe(env):
    lib = os.path.join(env.build, "libproto.a")
    if not os.path.exists(lib):
        raise env.Skip("no %s (run make first)" % lib)
    out = os.path.join(env.tmp, "sqlenc_probe")
    src = os.path.join(env.root, "tests", "integration", "sqlenc_probe.c")
    base = ["-std=c11", "-D_GNU_SOURCE", "-I" + env.root, src, lib,
            "-lzstd", "-lz", "-lcrypto", "-lm", "-o", out]
    errs = []
    # a sanitizer build's library needs the sanitizer runtime
    for cmd in (["cc"] + base,
                ["clang", "-fsanitize=address,undefined"] + base):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        except FileNotFoundError as e:
            errs.append(str(e))
            continue
        if r.returncode == 0:
            return out
        errs.append(r.stdout[-2000:])
    raise AssertionError("cannot build sqlenc_probe:\n" + "\n".join(errs))


def probe(path, *args):
    r = subprocess.run([path] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout.decode("utf-8")


def session(mode):
    return ("SET NAMES utf8mb4; SET time_zone='+00:00'; "
            "SET sql_mode='%s';\n" % mode)


def readback(server, db):
    exprs = ", ".join(e.format("`%s`" % n) for n, _, e in COLUMNS)
    return mysql(server, "SET time_zone='+00:00'; SELECT %s FROM `%s`.t "
                 "ORDER BY id" % (exprs, db))


def apply_checked(server, stmts, mode):
    out = mysql(server, session(mode) + stmts)
    counts = {}
    for r in out:
        assert r[0] in ("ins", "upd", "del") and r[1] == "1", (r, out)
        counts[r[0]] = counts.get(r[0], 0) + 1
    return counts


def test_roundtrip_every_type(env):
    src = env.mysql
    dst = getattr(env, "dest", None) or env.mysql
    path = build_probe(env)
    ddl = "CREATE TABLE t (%s) DEFAULT CHARSET=utf8mb4" % ", ".join(
        "`%s` %s" % (n, t) for n, t, _ in COLUMNS)
    old = mysql(src, "SELECT @@global.binlog_row_metadata")[0][0]
    mysql(src, "SET GLOBAL binlog_row_metadata=FULL")
    try:
        f0, p0 = mysql(src, "SHOW MASTER STATUS")[0][:2]
        mysql(src, "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s; "
              "USE %s; %s;" % (SRC, SRC, SRC, ddl))
        mysql(src, "SET NAMES utf8mb4; " + "\n".join(ROWS), db=SRC)
        mysql(src, "FLUSH BINARY LOGS")
    finally:
        mysql(src, "SET GLOBAL binlog_row_metadata=%s" % old)
    files = [f for f in src.binlog_files()
             if os.path.basename(f) >= f0]
    want = readback(src, SRC)
    assert [r[0] for r in want] == ["1", "3", "4", "5"], want

    for dst_db, mode in (("sqlenc_dst", SQL_MODE),
                         ("sqlenc_dst_odd", SQL_MODE + ODD)):
        stmts = probe(path, "binlog", dst_db, SRC, p0, *files)
        # row 3 holds ENUM index 0: its statements run non-strict
        assert "SET STATEMENT sql_mode='%s' FOR" % LENIENT in stmts
        stmts = stmts.replace("sql_mode='%s'" % LENIENT,
                              "sql_mode='%s'" % (LENIENT + (
                                  ODD if mode != SQL_MODE else "")))
        mysql(dst, "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s; "
              "USE %s; %s;" % (dst_db, dst_db, dst_db, ddl))
        counts = apply_checked(dst, stmts, mode)
        assert counts == {"ins": 6, "upd": 5, "del": 2}, counts
        got = readback(dst, dst_db)
        for w, g in zip(want, got):
            diff = [(NAMES[i], a, b) for i, (a, b) in enumerate(zip(w, g))
                    if a != b]
            assert not diff, "row %s (%s): %s" % (w[0], mode, diff)
        assert len(got) == len(want), (got, want)


def test_mysql_json_cases(env):
    """MySQL binary JSON (which no MariaDB binlog has) as text into a
    MariaDB JSON column: the text MySQL's SELECT prints."""
    dst = getattr(env, "dest", None) or env.mysql
    path = build_probe(env)
    stmts = probe(path, "cases", "sqlenc_json")
    mysql(dst, "DROP DATABASE IF EXISTS sqlenc_json; CREATE DATABASE "
          "sqlenc_json; CREATE TABLE sqlenc_json.jc (id INT PRIMARY KEY, "
          "j JSON)")
    for mode in (SQL_MODE, SQL_MODE + ODD):
        mysql(dst, session(mode) + "DELETE FROM sqlenc_json.jc;\n" + stmts)
        got = mysql(dst, "SELECT id, HEX(j), JSON_VALID(j) FROM "
                    "sqlenc_json.jc ORDER BY id")
        assert [int(r[0]) for r in got] == sorted(JSON_CASES), got
        for r in got:
            text = bytes.fromhex(r[1]).decode("utf-8")
            assert text == JSON_CASES[int(r[0])], (mode, r[0], text)
            assert r[2] == "1", r
