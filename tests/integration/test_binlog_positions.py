"""Start points and position reporting of `tandem binlog`: a MariaDB GTID
start, file+position resume points, and streaming on across binlog file
rotation."""

import json


def master_status(env):
    f, p = env.sql("SHOW MASTER STATUS")[0][:2]
    return f, int(p)


def binlog(env, *args):
    r = env.run(["binlog", "--source", env.url("repl", "replpw")] +
                list(args), timeout=60)
    assert r.returncode == 0, r.stderr
    return [json.loads(ln) for ln in r.stdout.splitlines()]


def test_start_from_mariadb_gtid(env):
    env.sql("CREATE DATABASE IF NOT EXISTS gtidt; "
            "CREATE TABLE gtidt.t (id INT PRIMARY KEY);")
    env.sql("INSERT INTO gtidt.t VALUES (1)")
    gtid = env.sql("SELECT @@gtid_binlog_pos")[0][0]
    env.sql("INSERT INTO gtidt.t VALUES (2)")
    env.sql("INSERT INTO gtidt.t VALUES (3)")
    rows = [e for e in binlog(env, "--from-gtid", gtid, "--until-now")
            if e.get("db") == "gtidt"]
    assert [e["after"]["id"] for e in rows] == [2, 3], rows
    # Each row carries its own transaction's GTID, after the start one.
    dom, srv, seq = (int(x) for x in gtid.split(",")[0].split("-"))
    assert [e["gtid"] for e in rows] == ["%d-%d-%d" % (dom, srv, seq + 1),
                                         "%d-%d-%d" % (dom, srv, seq + 2)]


def test_resume_from_reported_position(env):
    """The file/pos printed with a row is where a resume continues: start
    there and the next transaction comes first, nothing repeated."""
    start = master_status(env)
    env.sql("CREATE DATABASE IF NOT EXISTS post; "
            "CREATE TABLE post.t (id INT PRIMARY KEY);")
    for i in range(5):
        env.sql("INSERT INTO post.t VALUES (%d)" % i)
    first = [e for e in binlog(env, "--from-file", start[0], "--from-pos",
                               str(start[1]), "--until-now")
             if e.get("db") == "post" and e["op"] == "insert"]
    assert [e["after"]["id"] for e in first] == list(range(5))
    # The commit of row 2 ends right after its rows event (XID follows):
    # resuming from a row's pos replays at most that transaction's tail,
    # and resuming from the XID end (the next GTID) replays nothing.
    third = first[2]
    again = [e for e in binlog(env, "--from-file", third["file"],
                               "--from-pos", str(third["pos"]),
                               "--until-now")
             if e.get("db") == "post" and e["op"] == "insert"]
    assert [e["after"]["id"] for e in again] == [3, 4], again


def test_streams_across_rotate(env):
    start = master_status(env)
    env.sql("CREATE DATABASE IF NOT EXISTS rott; "
            "CREATE TABLE rott.t (id INT PRIMARY KEY);")
    env.sql("INSERT INTO rott.t VALUES (1)")
    env.sql("FLUSH BINARY LOGS")
    env.sql("INSERT INTO rott.t VALUES (2)")
    env.sql("FLUSH BINARY LOGS")
    env.sql("INSERT INTO rott.t VALUES (3)")
    rows = [e for e in binlog(env, "--from-file", start[0], "--from-pos",
                              str(start[1]), "--until-now")
            if e.get("db") == "rott" and e["op"] == "insert"]
    assert [e["after"]["id"] for e in rows] == [1, 2, 3]
    files = [e["file"] for e in rows]
    assert files[0] == start[0] and len(set(files)) == 3, files
    assert files == sorted(files), files
