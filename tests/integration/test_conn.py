"""`tandem query` against a real MariaDB: login as root and as the
replication user, wrong passwords, unreachable ports, TLS with and without
certificate checks, unsupported auth plugins, server errors, multi-packet
rows, and fake servers for greetings that never come or are not MySQL."""

import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse


def query(env, url, sql, timeout=30, extra=()):
    return env.run(["query"] + list(extra) + [url, sql], timeout=timeout)


def assert_ok(r):
    assert r.returncode == 0, "exit %d, stderr: %s" % (r.returncode,
                                                       r.stderr.strip())


def assert_one_line_error(r, *needles):
    """Exit 1 and exactly one stderr line holding every needle."""
    assert r.returncode == 1, "exit %d, stdout %r, stderr %r" % (
        r.returncode, r.stdout[:200], r.stderr)
    err = r.stderr.strip()
    assert err and "\n" not in err, "expected one stderr line: %r" % err
    for n in needles:
        assert n in err, "%r not in %r" % (n, err)
    return err


def url_for(env, user, password, host="127.0.0.1", db=None, query_str=""):
    u = "mysql://%s:%s@%s:%d" % (urllib.parse.quote(user, safe=""),
                                 urllib.parse.quote(password, safe=""),
                                 host, env.mysql_port)
    if db:
        u += "/" + db
    return u + query_str


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FakeServer:
    """A loopback listener that accepts one connection and then either
    stays silent or sends <greeting> bytes, for <hold> seconds."""

    def __init__(self, greeting=None, hold=5.0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.hold = hold
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            c, _ = self.sock.accept()
        except OSError:
            return
        try:
            if self.greeting:
                c.sendall(self.greeting)
            deadline = time.monotonic() + self.hold
            c.settimeout(0.1)
            while time.monotonic() < deadline:
                try:
                    if c.recv(4096) == b"":
                        break
                except socket.timeout:
                    pass
                except OSError:
                    break
        finally:
            c.close()

    def close(self):
        self.sock.close()
        self.thread.join(10)


# ---- logging in and querying ----

def test_query_root(env):
    r = query(env, env.url(), "SELECT 1, NULL, 'a\tb', '', 'x\\\\y'")
    assert_ok(r)
    assert r.stdout == "1\t\\N\ta\\tb\t\tx\\\\y\n", repr(r.stdout)
    assert r.stderr == "", r.stderr


def test_query_repl(env):
    r = query(env, env.url("repl", "replpw"), "SELECT CURRENT_USER()")
    assert_ok(r)
    assert r.stdout == "repl@%\n", repr(r.stdout)


def test_query_matches_mariadb_client(env):
    sql = ("SELECT table_schema, table_name, table_rows IS NULL "
           "FROM information_schema.tables "
           "WHERE table_schema = 'mysql' ORDER BY table_name")
    r = query(env, env.url("repl", "replpw"), sql)
    assert_ok(r)
    want = env.sql(sql)
    got = [tuple(line.split("\t")) for line in r.stdout.splitlines()]
    assert got == want, (got[:5], want[:5])
    assert len(got) > 10


def test_statement_without_rows(env):
    r = query(env, env.url(), "CREATE DATABASE IF NOT EXISTS tq_conn")
    assert_ok(r)
    assert r.stdout == ""
    r = query(env, env.url(db="tq_conn"), "SELECT DATABASE()")
    assert_ok(r)
    assert r.stdout == "tq_conn\n"
    env.sql("DROP DATABASE tq_conn")


def test_many_rows(env):
    r = query(env, env.url(db="mysql"),
              "SELECT seq, REPEAT('x', seq % 97) FROM seq_1_to_50000")
    assert_ok(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 50000
    assert lines[0] == "1\t" + "x"
    assert lines[-1] == "50000\t" + "x" * (50000 % 97)


def test_multi_packet_rows(env):
    # A row payload of exactly 0xffffff bytes (4-byte length + 16777211)
    # is followed by an empty packet; 16777216 bytes split 0xffffff + 5.
    for n in (16777211, 16777216):
        r = query(env, env.url(), "SELECT REPEAT('a', %d), 'end'" % n,
                  timeout=60)
        assert_ok(r)
        assert len(r.stdout) == n + len("\tend\n"), len(r.stdout)
        assert r.stdout.endswith("a\tend\n")


def test_call_returns_rows(env):
    # CALL answers with a result set then an OK (CLIENT_MULTI_RESULTS);
    # the rows of the first result set are printed.
    env.sql("CREATE DATABASE IF NOT EXISTS tq_call")
    try:
        # One COM_QUERY: no client-side delimiter games needed.
        assert_ok(query(env, env.url(),
                        "CREATE OR REPLACE PROCEDURE tq_call.p() "
                        "BEGIN SELECT 'one', 1; SELECT 'two', 2; END"))
        r = query(env, env.url(), "CALL tq_call.p()")
        assert_ok(r)
        assert r.stdout == "one\t1\n", repr(r.stdout)
    finally:
        env.sql("DROP DATABASE tq_call")


def test_server_error(env):
    r = query(env, env.url(), "SELECT * FROM nosuch.t")
    assert_one_line_error(r, "1146 (42S02): Table 'nosuch.t' doesn't exist")


def test_unknown_database(env):
    r = query(env, env.url("repl", "replpw", db="nosuchdb"), "SELECT 1")
    assert_one_line_error(r, "1049", "Unknown database",
                          "check the database name in the URL")


# ---- failures users meet ----

def test_wrong_password(env):
    secret = "wrong-Secret-42"
    r = query(env, env.url("repl", secret), "SELECT 1", extra=["-v"])
    err = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 1
    assert "authentication failed for user 'repl'" in err, err
    assert "1045 (28000)" in err, err
    assert "check the user and password in the URL" in err, err
    # Without -v the error is the only line.
    r = query(env, env.url("repl", secret), "SELECT 1")
    assert_one_line_error(r, "authentication failed", "1045")
    assert secret not in r.stderr + r.stdout


def test_password_never_printed(env):
    secret = "Sekr1t-do-not-print"
    r = query(env, env.url("repl", secret) + "?tls=maybe", "SELECT 1",
              extra=["-v"])
    assert r.returncode == 1
    assert secret not in r.stderr + r.stdout
    r = query(env, env.url("repl", secret), "SELECT 1", extra=["-v"])
    assert r.returncode == 1
    assert secret not in r.stderr + r.stdout


def test_percent_encoded_password(env):
    pw = "p@ss:w/rd%?#"
    env.sql("CREATE USER 'tq_pct'@'%%' IDENTIFIED BY '%s';"
            "GRANT SELECT ON *.* TO 'tq_pct'@'%%';" % pw)
    try:
        r = query(env, url_for(env, "tq_pct", pw), "SELECT CURRENT_USER()")
        assert_ok(r)
        assert r.stdout == "tq_pct@%\n"
    finally:
        env.sql("DROP USER 'tq_pct'@'%'")


def test_unreachable_port(env):
    port = free_port()
    t0 = time.monotonic()
    r = query(env, "mysql://root@127.0.0.1:%d" % port, "SELECT 1",
              timeout=20)
    took = time.monotonic() - t0
    assert_one_line_error(r, "cannot connect to 127.0.0.1:%d" % port,
                          "connection refused",
                          "check that the server is running")
    assert took < 5, "took %.1fs" % took


def test_bad_url(env):
    r = query(env, "mysql://root@:3306", "SELECT 1")
    assert_one_line_error(r, "url: missing host")
    r = query(env, env.url() + "?tsl=verify", "SELECT 1")
    assert_one_line_error(r, "unknown parameter 'tsl'")
    r = query(env, env.url() + "?tls=maybe", "SELECT 1")
    assert_one_line_error(r, "tls must be disable, require or verify")


def test_no_greeting_times_out(env):
    fake = FakeServer(greeting=None, hold=10)
    try:
        t0 = time.monotonic()
        r = query(env, "mysql://root@127.0.0.1:%d?connect_timeout=1000"
                  % fake.port, "SELECT 1", timeout=20)
        took = time.monotonic() - t0
        assert_one_line_error(r, "no greeting from 127.0.0.1:%d after 1000 "
                              "ms" % fake.port)
        assert took < 5, "took %.1fs" % took
    finally:
        fake.close()


def test_not_a_mysql_server(env):
    fake = FakeServer(greeting=b"HTTP/1.1 400 Bad Request\r\n\r\n", hold=5)
    try:
        r = query(env, "mysql://root@127.0.0.1:%d" % fake.port, "SELECT 1",
                  timeout=20)
        assert_one_line_error(r, "bad packet from 127.0.0.1:%d" % fake.port,
                              "MySQL or MariaDB server")
    finally:
        fake.close()


def test_server_closes_before_greeting(env):
    fake = FakeServer(greeting=None, hold=0)
    try:
        r = query(env, "mysql://root@127.0.0.1:%d" % fake.port, "SELECT 1",
                  timeout=20)
        assert_one_line_error(r, "closed the connection before its greeting")
    finally:
        fake.close()


# ---- TLS ----

def ssl_status(stdout):
    return dict(line.split("\t", 1) for line in stdout.splitlines())


def test_tls_verify(env):
    if not env.tls_ca:
        raise env.Skip("the test server has no TLS")
    sql = "SHOW SESSION STATUS LIKE 'Ssl_version'"
    for host in ("127.0.0.1", "localhost"):
        r = query(env, url_for(env, "repl", "replpw", host=host,
                               query_str="?tls=verify&ca=" + env.tls_ca),
                  sql)
        assert_ok(r)
        assert ssl_status(r.stdout)["Ssl_version"].startswith("TLSv1"), (
            host, r.stdout)


def test_tls_require_without_ca(env):
    if not env.tls_ca:
        raise env.Skip("the test server has no TLS")
    r = query(env, env.url("repl", "replpw", query="?tls=require"),
              "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    assert_ok(r)
    assert ssl_status(r.stdout)["Ssl_cipher"] != "", r.stdout
    # Without tls= the connection stays plain.
    r = query(env, env.url("repl", "replpw"),
              "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    assert_ok(r)
    assert ssl_status(r.stdout)["Ssl_cipher"] == "", r.stdout


def test_tls_verify_wrong_ca(env):
    if not env.tls_ca:
        raise env.Skip("the test server has no TLS")
    with tempfile.TemporaryDirectory(prefix="tq-ca-") as d:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-days", "1", "-subj", "/CN=other CA",
                        "-keyout", os.path.join(d, "key.pem"),
                        "-out", os.path.join(d, "ca.pem")],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        r = query(env, env.url("repl", "replpw",
                               query="?tls=verify&ca=" +
                               os.path.join(d, "ca.pem")), "SELECT 1")
        assert_one_line_error(r, "TLS handshake", "certificate verify failed",
                              "check the ca= file or use tls=require")


def test_tls_missing_ca_file(env):
    r = query(env, env.url("repl", "replpw",
                           query="?tls=verify&ca=/nonexistent/ca.pem"),
              "SELECT 1")
    assert_one_line_error(r, "cannot read CA file '/nonexistent/ca.pem'",
                          "no such file")


def test_tls_refused_by_plain_server(env):
    if env.nobin is None:
        raise env.Skip("no second server")
    r = query(env, env.url(server=env.nobin, query="?tls=require"),
              "SELECT 1")
    assert_one_line_error(r, "does not offer TLS", "tls=disable")


# ---- auth plugins ----

def test_unsupported_auth_plugin(env):
    have = env.sql("SELECT COUNT(*) FROM information_schema.plugins "
                   "WHERE plugin_name = 'ed25519' AND "
                   "plugin_status = 'ACTIVE'")[0][0] == "1"
    if not have:
        try:
            env.sql("INSTALL SONAME 'auth_ed25519'")
        except RuntimeError as e:
            raise env.Skip("cannot load auth_ed25519: %s" % e)
    try:
        env.sql("CREATE USER 'tq_ed'@'%' IDENTIFIED VIA ed25519 "
                "USING PASSWORD('edpw')")
        r = query(env, env.url("tq_ed", "edpw"), "SELECT 1")
        assert_one_line_error(r, "authentication failed for user 'tq_ed'",
                              "auth plugin 'client_ed25519'",
                              "does not support", "mysql_native_password")
    finally:
        env.sql("DROP USER IF EXISTS 'tq_ed'@'%'")
        if not have:
            env.sql("UNINSTALL SONAME 'auth_ed25519'")
