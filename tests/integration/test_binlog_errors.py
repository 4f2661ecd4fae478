"""Bad input to `tandem binlog`: each case must end with a non-zero exit and
exactly one error line on stderr naming the cause and the fix, quickly,
without a crash or a hang; and faults a stream can hit (a lost connection)
must be survived without losing or repeating a row."""

import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultproxy import FaultProxy  # noqa: E402


def binlog(env, url, *args, timeout=30):
    t0 = time.monotonic()
    r = env.run(["binlog", "--source", url] + list(args), timeout=timeout)
    return r, time.monotonic() - t0


def one_error_line(r, *needles):
    """The run failed with exactly one error line containing every needle
    (case-insensitive); returns that line."""
    assert r.returncode == 1, "exit %d, want 1; stderr: %s" % (
        r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "level=error" in ln]
    assert len(errors) == 1, "want one error line, got: %r" % lines
    for n in needles:
        assert n.lower() in errors[0].lower(), "%r not in %r" % (n, errors[0])
    return errors[0]


def master_status(env, server=None):
    f, p = env.sql("SHOW MASTER STATUS", server=server)[0][:2]
    return f, int(p)


def test_wrong_password(env):
    r, _ = binlog(env, env.url("repl", "nope"), "--until-now")
    one_error_line(r, "authentication failed", "1045", "password")


def test_unreachable_host(env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]    # closed once the block ends
    r, dt = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % port,
                   "--until-now")
    one_error_line(r, "connection refused", "check")
    assert dt < 10, "took %.1fs to give up" % dt


def test_bad_url(env):
    r, _ = binlog(env, "postgres://x@127.0.0.1:1/db", "--until-now")
    one_error_line(r, "mysql://")


def test_binlog_disabled(env):
    r, _ = binlog(env, env.url("repl", "replpw", server=env.nobin),
                  "--until-now")
    one_error_line(r, "binary logging is disabled", "log_bin")


def test_missing_replication_client(env):
    r, _ = binlog(env, env.url("norepl", "noreplpw"), "--until-now")
    one_error_line(r, "GRANT", "REPLICATION CLIENT")


def test_missing_replication_slave(env):
    env.sql("CREATE USER IF NOT EXISTS 'noslave'@'%' IDENTIFIED BY 'pw';"
            "GRANT BINLOG MONITOR, SELECT ON *.* TO 'noslave'@'%';")
    r, _ = binlog(env, env.url("noslave", "pw"), "--until-now")
    one_error_line(r, "GRANT REPLICATION SLAVE")


def test_start_file_missing(env):
    r, _ = binlog(env, env.url("repl", "replpw"), "--from-file",
                  "bin.999999", "--until-now")
    one_error_line(r, "purged", "SHOW BINARY LOGS", "1236")


def test_start_position_purged(env):
    env.sql("CREATE DATABASE IF NOT EXISTS purget; "
            "CREATE TABLE purget.t (id INT PRIMARY KEY); "
            "INSERT INTO purget.t VALUES (1);")
    old = master_status(env)
    env.sql("FLUSH BINARY LOGS")
    now = master_status(env)[0]
    # A file a dump thread still reads is kept: the threads of earlier
    # tests end at their next heartbeat.
    deadline = time.monotonic() + 15
    while True:
        env.sql("PURGE BINARY LOGS TO '%s'" % now)
        logs = [r[0] for r in env.sql("SHOW BINARY LOGS")]
        if old[0] not in logs or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert old[0] not in logs, "the server kept %s: %s" % (old[0], logs)
    r, _ = binlog(env, env.url("repl", "replpw"), "--from-file", old[0],
                  "--from-pos", str(old[1]), "--until-now")
    one_error_line(r, "purged", old[0])


def test_bad_gtid(env):
    r, _ = binlog(env, env.url("repl", "replpw"), "--from-gtid", "0-1")
    one_error_line(r, "bad GTID set")
    # A MySQL GTID set given to a MariaDB source.
    r, _ = binlog(env, env.url("repl", "replpw"), "--from-gtid",
                  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "--until-now")
    one_error_line(r, "MariaDB")


def traffic(env, db, n=5):
    env.sql("CREATE DATABASE IF NOT EXISTS %s; CREATE TABLE IF NOT EXISTS "
            "%s.t (id INT PRIMARY KEY, v VARCHAR(200));" % (db, db))
    env.sql("".join("INSERT INTO %s.t VALUES (%d, REPEAT('x', 150));"
                    % (db, i) for i in range(n)))


def test_corrupted_event_bad_crc(env):
    start = master_status(env)
    traffic(env, "crct")
    proxy = FaultProxy(env.mysql.port, "crc", at=4, min_len=100)
    try:
        r, _ = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % proxy.port,
                      "--from-file", start[0], "--from-pos", str(start[1]),
                      "--until-now")
    finally:
        proxy.close()
    assert proxy.fired
    one_error_line(r, "CRC32", start[0])


def test_truncated_event(env):
    start = master_status(env)
    traffic(env, "trunct")
    proxy = FaultProxy(env.mysql.port, "truncate", at=4, min_len=100)
    try:
        r, _ = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % proxy.port,
                      "--from-file", start[0], "--from-pos", str(start[1]),
                      "--until-now")
    finally:
        proxy.close()
    assert proxy.fired
    one_error_line(r, "truncated")


def test_unknown_event_type_fails_closed(env):
    start = master_status(env)
    traffic(env, "unkt")
    proxy = FaultProxy(env.mysql.port, "type=100", at=4, min_len=100)
    try:
        r, _ = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % proxy.port,
                      "--from-file", start[0], "--from-pos", str(start[1]),
                      "--until-now")
    finally:
        proxy.close()
    assert proxy.fired
    one_error_line(r, "100", start[0])


def test_unknown_ignorable_event_is_skipped(env):
    """An unknown event the server marks ignorable is skipped; here it
    replaces a rows event, so exactly one row goes missing: proof that it
    was really skipped and the stream went on."""
    start = master_status(env)
    traffic(env, "ignt")
    proxy = FaultProxy(env.mysql.port, "type=100", at=4, min_len=100,
                       ignorable=True)
    try:
        r, _ = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % proxy.port,
                      "--from-file", start[0], "--from-pos", str(start[1]),
                      "--until-now")
    finally:
        proxy.close()
    assert proxy.fired
    assert r.returncode == 0, r.stderr
    rows = [json.loads(ln) for ln in r.stdout.splitlines()]
    ids = [e["after"]["id"] for e in rows if e["op"] == "insert"]
    assert len(ids) == 4 and len(set(ids)) == 4, ids


def test_ddl_after_old_start_without_row_metadata(env):
    """Decoding from before a DDL with only today's definitions: the table
    whose TABLE_MAP disagrees stops with an error that says what to do, and
    no row of it is printed with shifted columns."""
    env.sql("CREATE DATABASE IF NOT EXISTS oldt; "
            "CREATE TABLE oldt.t (id INT PRIMARY KEY, a INT, b INT); "
            "CREATE TABLE oldt.ok (id INT PRIMARY KEY);")
    start = master_status(env)
    env.sql("INSERT INTO oldt.t VALUES (1, 2, 3); "
            "INSERT INTO oldt.ok VALUES (1);")
    env.sql("ALTER TABLE oldt.t DROP COLUMN b")
    env.sql("INSERT INTO oldt.t VALUES (2, 20); "
            "INSERT INTO oldt.ok VALUES (2);")
    env.sql("DROP TABLE oldt.t")
    env.sql("CREATE TABLE oldt.t (id INT PRIMARY KEY, a INT)")
    r, _ = binlog(env, env.url("repl", "replpw"), "--from-file", start[0],
                  "--from-pos", str(start[1]), "--until-now")
    one_error_line(r, "oldt.t", "binlog_row_metadata=FULL", "start after")
    rows = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert not [e for e in rows if e.get("table") == "t" and
                e["op"] == "insert" and e["after"]["id"] == 1], rows
    ok = [e["after"]["id"] for e in rows if e.get("table") == "ok"]
    assert ok == [1, 2], "other tables go on: %s" % ok


def test_resume_after_lost_connection_mid_transaction(env):
    """The connection drops in the middle of a 300-row transaction: tandem
    reconnects, resumes at the transaction's start and prints every row
    exactly once."""
    start = master_status(env)
    env.sql("CREATE DATABASE IF NOT EXISTS cutt; "
            "CREATE TABLE cutt.t (id INT PRIMARY KEY, v INT);")
    env.sql("BEGIN;" + "".join("INSERT INTO cutt.t VALUES (%d, %d);" % (i, i)
                               for i in range(300)) + "COMMIT;")
    env.sql("INSERT INTO cutt.t VALUES (1000, 1)")
    proxy = FaultProxy(env.mysql.port, "cut", at=150)
    try:
        r, _ = binlog(env, "mysql://repl:replpw@127.0.0.1:%d" % proxy.port,
                      "--from-file", start[0], "--from-pos", str(start[1]),
                      "--until-now", "--log-level", "warn", timeout=60)
    finally:
        proxy.close()
    assert proxy.fired and proxy.connections == 2, proxy.connections
    assert r.returncode == 0, r.stderr
    assert "reconnecting" in r.stderr, r.stderr
    ids = [json.loads(ln)["after"]["id"] for ln in r.stdout.splitlines()
           if '"op":"insert"' in ln]
    assert ids == list(range(300)) + [1000], "lost or repeated rows: %d " \
        "rows, %d distinct" % (len(ids), len(set(ids)))


def test_server_kills_dump_thread_while_tailing(env):
    """KILL of the dump thread on the server: tandem reconnects and goes on
    with no row lost or repeated."""
    env.sql("CREATE DATABASE IF NOT EXISTS killt; "
            "CREATE TABLE killt.t (id INT PRIMARY KEY);")
    out = open(os.path.join(env.tmp, "kill.json"), "w+")
    err = open(os.path.join(env.tmp, "kill.err"), "w+")
    p = subprocess.Popen([env.tandem, "binlog", "--source",
                          env.url("repl", "replpw"), "--log-level", "info"],
                         stdout=out, stderr=err)
    try:
        wait(lambda: "streaming from" in text(err), "streaming", err)
        for i in range(10):
            env.sql("INSERT INTO killt.t VALUES (%d)" % i)
        wait(lambda: text(out).count('"op":"insert"') >= 10, "10 rows", err)
        ids = [r[0] for r in env.sql(
            "SELECT ID FROM information_schema.PROCESSLIST "
            "WHERE COMMAND LIKE 'Binlog Dump%'")]
        assert ids, "no dump thread on the server"
        for i in ids:
            env.sql("KILL %s" % i)
        for i in range(10, 20):
            env.sql("INSERT INTO killt.t VALUES (%d)" % i)
        wait(lambda: text(out).count('"op":"insert"') >= 20, "20 rows", err)
        p.terminate()
        assert p.wait(20) == 0, text(err)
    finally:
        if p.poll() is None:
            p.kill()
    got = [json.loads(ln)["after"]["id"] for ln in text(out).splitlines()
           if '"table":"t"' in ln and '"db":"killt"' in ln]
    assert got == list(range(20)), got
    assert "reconnecting" in text(err)


def text(f):
    f.flush()
    f.seek(0)
    return f.read()


def wait(pred, what, errf, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s: %s" % (
        what, text(errf)[-2000:]))


def test_stream_over_tls_with_ca_verification(env):
    start = master_status(env)
    traffic(env, "tlst", n=3)
    url = env.url("repl", "replpw", query="?tls=verify&ca=" + env.tls_ca)
    r, _ = binlog(env, url, "--from-file", start[0], "--from-pos",
                  str(start[1]), "--until-now")
    assert r.returncode == 0, r.stderr
    ids = [json.loads(ln)["after"]["id"] for ln in r.stdout.splitlines()
           if '"db":"tlst"' in ln and '"op":"insert"' in ln]
    assert ids == [0, 1, 2], ids
    # The same stream against a CA that did not sign the server.
    other = os.path.join(env.tmp, "other-ca")
    os.makedirs(other, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "1", "-subj", "/CN=other",
                    "-keyout", os.path.join(other, "k.pem"),
                    "-out", os.path.join(other, "ca.pem")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = env.url("repl", "replpw", query="?tls=verify&ca=" +
                  os.path.join(other, "ca.pem"))
    r, _ = binlog(env, url, "--until-now")
    one_error_line(r, "certificate")
