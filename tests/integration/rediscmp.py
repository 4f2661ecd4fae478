"""Comparing the data of two Redis servers, the server's own way.

Every key but tandem's (tandem:*) is compared with DEBUG DIGEST-VALUE,
which hashes a value whatever its encoding; TTLs must agree within a
tolerance; streams' consumer groups, which no digest covers, are compared
with XINFO GROUPS and XINFO CONSUMERS."""


def keys(c, db, pattern=b"*"):
    if hasattr(c, "scan_keys"):     # a cluster: database 0 of each master
        assert db == 0, "a cluster has database 0 only"
        return sorted(k for k in c.scan_keys(pattern)
                      if not k.startswith(b"tandem:"))
    c.call("SELECT", db)
    out, cursor = [], b"0"
    while True:
        cursor, batch = c.call("SCAN", cursor, "MATCH", pattern, "COUNT",
                               10000)
        out.extend(batch)
        if cursor == b"0":
            return sorted(set(k for k in out if not k.startswith(b"tandem:")))


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _strip_idle(info):
    """XINFO replies as a dict, without the fields that age."""
    d = dict(zip(info[::2], info[1::2]))
    for k in (b"idle", b"inactive", b"seen-time", b"active-time"):
        d.pop(k, None)
    return d


def stream_groups(c, key):
    out = []
    for g in c.call("XINFO", "GROUPS", key):
        gd = _strip_idle(g)
        cons = [_strip_idle(x) for x in
                c.call("XINFO", "CONSUMERS", key, gd[b"name"])]
        pend = c.call("XPENDING", key, gd[b"name"], "-", "+", 1000000)
        # XPENDING's idle time ages; keep id, consumer and count.
        pend = [(p[0], p[1], p[3]) for p in pend]
        out.append((gd, sorted(cons, key=lambda x: x[b"name"]), pend))
    return out


def differences(src, dst, dbs=(0,), mapping=None, ttl_slack_ms=5000,
                limit=10):
    """Lists (at most `limit`) differences between src and dst, as text.
    mapping: {source db: destination db}; default the same numbers."""
    diffs = []
    for db in dbs:
        ddb = (mapping or {}).get(db, db)
        ks = keys(src, db)
        kd = keys(dst, ddb)
        if ks != kd:
            only_s = sorted(set(ks) - set(kd))[:5]
            only_d = sorted(set(kd) - set(ks))[:5]
            diffs.append("db %d: %d keys at the source, %d at the "
                         "destination; only at the source: %r; only at the "
                         "destination: %r" % (db, len(ks), len(kd), only_s,
                                              only_d))
            ks = sorted(set(ks) & set(kd))
        src.call("SELECT", db)
        dst.call("SELECT", ddb)
        for part in _chunks(ks, 2000):
            ds = src.pipeline([("DEBUG", "DIGEST-VALUE", k) for k in part])
            dd = dst.pipeline([("DEBUG", "DIGEST-VALUE", k) for k in part])
            ts = src.pipeline([("PTTL", k) for k in part])
            td = dst.pipeline([("PTTL", k) for k in part])
            ty = src.pipeline([("TYPE", k) for k in part])
            for k, a, b, x, y, t in zip(part, ds, dd, ts, td, ty):
                for v in (a, b, x, y, t):
                    if isinstance(v, Exception):
                        raise v
                if a != b:
                    diffs.append("db %d key %r: digest %r != %r" %
                                 (db, k, a, b))
                elif (x < 0) != (y < 0) or abs(x - y) > ttl_slack_ms:
                    diffs.append("db %d key %r: TTL %r ms != %r ms" %
                                 (db, k, x, y))
                elif t == b"stream":
                    gs, gd = stream_groups(src, k), stream_groups(dst, k)
                    if gs != gd:
                        diffs.append("db %d stream %r: groups %r != %r" %
                                     (db, k, gs, gd))
                if len(diffs) >= limit:
                    return diffs
    return diffs


def assert_same(src, dst, dbs=(0,), mapping=None, what=""):
    d = differences(src, dst, dbs, mapping)
    assert not d, "%sdata differ:\n  %s" % (what + ": " if what else "",
                                           "\n  ".join(d))
