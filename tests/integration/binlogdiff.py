"""Helpers to check `tandem binlog` output against independent decoders:
mysqlbinlog's verbose text, and SELECTs of the same rows.

mysqlbinlog prints each row event as

    #... end_log_pos 2592 CRC32 0x... \tWrite_rows: table id 18 ...
    ### INSERT INTO `db`.`t`
    ### SET
    ###   @1=1
    ###   @2=-128 (128)

Its text is lossy in known ways (4-byte UTF-8 as '?', YEAR 0 as 1900,
quotes unescaped, DATE with ':'); there a value is accepted when it matches
modulo that loss, and the SELECT comparison is the truth.
"""

import base64
import calendar
import json
import re
import struct


class Row:
    def __init__(self, op, db, table, end_pos):
        self.op = op
        self.db = db
        self.table = table
        self.end_pos = end_pos   # [end of each rows event of the group]
        self.before = []   # [(index, text)]
        self.after = []
        self.gtid = None


HEAD = re.compile(r"^#\d{6} +\d+:\d+:\d+ server id \d+\s+end_log_pos (\d+)"
                  r".*?\t(\w+)")
OPS = (("### INSERT INTO ", "insert"), ("### UPDATE ", "update"),
       ("### DELETE FROM ", "delete"))


def parse_mysqlbinlog(raw):
    """Rows from `mysqlbinlog -v --base64-output=DECODE-ROWS` output (bytes).
    Values stay bytes: text columns are printed in their own charset."""
    rows = []
    end_pos = []
    gtid = None
    cur = None
    target = None
    for line in raw.split(b"\n"):
        if line.startswith(b"#") and not line.startswith(b"###"):
            m = HEAD.match(line.decode("latin1"))
            if m:
                kind = m.group(2)
                # mysqlbinlog prints the rows of a statement's rows events
                # together after the last one: remember each event's end.
                if kind.endswith("_rows") or kind.endswith("_compressed"):
                    if rows and rows[-1].end_pos is end_pos:
                        end_pos = []
                    end_pos.append(int(m.group(1)))
                else:
                    end_pos = []
                if kind == "GTID":
                    gtid = line.decode("latin1").split("GTID ")[1].split()[0]
            continue
        if not line.startswith(b"###"):
            continue
        text = line.decode("latin1")
        for prefix, op in OPS:
            if text.startswith(prefix):
                name = text[len(prefix):]
                db, table = [p.strip("`") for p in name.split("`.`")]
                cur = Row(op, db, table, end_pos)
                cur.gtid = gtid
                rows.append(cur)
                target = cur.before if op != "insert" else cur.after
                break
        else:
            if text == "### SET":
                target = cur.after
            elif text == "### WHERE":
                target = cur.before
            else:
                m = re.match(rb"^###   @(\d+)=(.*)$", line)
                if m:
                    target.append((int(m.group(1)), m.group(2)))
    return rows


def unquote(b):
    """A mysqlbinlog string value: strip the quotes, undo \\xNN escapes."""
    assert b.startswith(b"'") and b.endswith(b"'"), b
    b = b[1:-1]
    return re.sub(rb"\\x([0-9a-f]{2})",
                  lambda m: bytes([int(m.group(1), 16)]), b)


def parse_column_type(coltype):
    """'enum('a','b''c')' -> ('enum', ['a', "b'c"]); others -> (base, [])"""
    m = re.match(r"^(\w+)(?:\((.*)\))?", coltype)
    base = m.group(1).lower()
    vals = []
    if base in ("enum", "set"):
        for v in re.findall(r"'((?:[^']|'')*)'", m.group(2)):
            vals.append(v.replace("''", "'"))
    return base, vals


class Column:
    def __init__(self, name, coltype, charset):
        self.name = name
        self.coltype = coltype
        self.base, self.values = parse_column_type(coltype)
        self.unsigned = "unsigned" in coltype
        self.charset = charset


PY_CHARSET = {"utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8",
              "latin1": "cp1252", None: None}

BINARY = ("binary", "varbinary", "blob", "tinyblob", "mediumblob",
          "longblob", "geometry", "point", "linestring", "polygon")


def ts_epoch(text):
    """'2024-01-31 12:00:00.5' (UTC) -> seconds as float."""
    main, _, frac = text.partition(".")
    t = calendar.timegm(tuple(int(x) for x in
                              re.split(r"[- :]", main)) + (0, 0, 0))
    return t + (float("0." + frac) if frac else 0.0)


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def same_value(col, ours, mb):
    """Whether our JSON value matches mysqlbinlog's text for the column.
    Returns True, False, or 'lossy' (mysqlbinlog cannot show it exactly)."""
    if mb == b"NULL":
        return ours is None
    if ours is None:
        return False
    t = mb.decode("latin1")
    b = col.base
    if b in ("tinyint", "smallint", "mediumint", "int", "bigint"):
        m = re.match(r"^(-?\d+)(?: \((\d+)\))?$", t)
        vals = {int(m.group(1))}
        if m.group(2):
            vals.add(int(m.group(2)))
        return isinstance(ours, int) and ours in vals
    if b == "float":
        if f32(float(t)) == f32(ours):
            return True
        # mysqlbinlog prints FLOAT with %g: six significant digits.
        return "lossy" if float("%g" % ours) == float(t) else False
    if b == "double":
        return float(t) == float(ours)
    if b == "decimal":
        return ours == t
    if b == "date":
        return ours == t.strip("'").replace(":", "-")
    if b in ("time", "datetime"):
        return ours == t.strip("'")
    if b == "timestamp":
        return abs(ts_epoch(ours) - float(t)) < 1e-7
    if b == "year":
        if ours == "0000" and t == "1900":
            return "lossy"
        return ours == t
    if b == "bit":
        return ours == int(t[2:-1], 2)
    if b == "enum":
        idx = int(t)
        return ours == ("" if idx == 0 else col.values[idx - 1])
    if b == "set":
        mask = int(t[2:-1], 2) if t.startswith("b'") else int(t)
        names = [v for i, v in enumerate(col.values) if mask >> i & 1]
        return ours == ",".join(names)
    raw = unquote(mb)
    if b in BINARY:
        got = base64.b64decode(ours)
        if b == "binary":
            return got.rstrip(b"\0") == raw.rstrip(b"\0")
        return got == raw
    enc = PY_CHARSET.get(col.charset, "utf-8")
    mine = ours.encode(enc)
    if mine == raw:
        return True
    # mysqlbinlog prints characters outside the BMP as '?'.
    shown = re.sub(r"[\U00010000-\U0010ffff]", "????", ours).encode(enc)
    return "lossy" if shown == raw else False


def load_columns(env, db):
    """Current column definitions of every table of db, in order."""
    rows = env.sql("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, "
                   "CHARACTER_SET_NAME FROM information_schema.COLUMNS "
                   "WHERE TABLE_SCHEMA = '%s' ORDER BY TABLE_NAME, "
                   "ORDINAL_POSITION" % db)
    out = {}
    for table, name, coltype, cs in rows:
        out.setdefault(table, []).append(Column(name, coltype, cs))
    return out


def read_json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]
