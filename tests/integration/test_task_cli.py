"""`tandem task`, the command line of the daemon's HTTP API, against a
real `tandem serve` replicating between two real MariaDB servers: one-line
errors when the token file is missing or the daemon is down, usage errors,
a refused token, and a task's whole life (create, list, show, precheck,
start, logs, logs -f, top, pause, stop, delete) with the API's own error
messages passed through and the source password in no output."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

# The source user's password: no output of the command line may hold it.
SECRET = "Cli-S3cret-pw-7q"

STATUSES = ("created", "prechecking", "precheck_failed", "ready",
            "full_sync", "incremental", "paused", "failed", "completed")

DELAY_RE = re.compile(r"^(-|\d+ms|\d+\.\ds|\d+m\d\ds|\d+h\d\dm)$")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def one_line_error(r, rc=1):
    """The stderr of a failed run: exactly one line, exit status rc."""
    err = r.stderr
    assert r.returncode == rc, (r.returncode, r.stdout, err)
    assert err.startswith("tandem task: ") and err.endswith("\n") and \
        err.count("\n") == 1, repr(err)
    return err.strip()


class Daemon:
    """`tandem serve -c CONF` on a free port, with its own data_dir."""

    def __init__(self, env, name):
        self.env = env
        self.port = free_port()
        self.data = os.path.join(env.tmp, name + "-data")
        self.conf = write(os.path.join(env.tmp, name + ".conf"),
                          "listen = 127.0.0.1:%d\ndata_dir = %s\n"
                          % (self.port, self.data))
        self.errpath = os.path.join(env.tmp, name + ".err")
        with open(self.errpath, "w") as err:
            self.proc = subprocess.Popen([env.tandem, "serve", "-c",
                                          self.conf],
                                         stdout=subprocess.DEVNULL,
                                         stderr=err)
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/health"
                                            % self.port, timeout=5) as r:
                    assert r.status == 200
                break
            except (ConnectionError, urllib.error.URLError):
                assert self.proc.poll() is None and \
                    time.monotonic() < deadline, self.log()
                time.sleep(0.05)
        with open(os.path.join(self.data, "token")) as f:
            self.token = f.read().strip()

    def log(self):
        with open(self.errpath) as f:
            return f.read()[-4000:]

    def api(self, method, path, body=None):
        """A request straight to the API: (status, JSON answer)."""
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.port, path), method=method,
            data=None if body is None else body.encode())
        req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Cli:
    """Runs `tandem task -c CONF ...` and keeps every output it saw."""

    def __init__(self, env, daemon):
        self.env = env
        self.daemon = daemon
        self.seen = []

    def __call__(self, *args, rc=0, timeout=120):
        r = self.env.run(["task", "-c", self.daemon.conf] + list(args),
                         timeout=timeout)
        self.seen += [r.stdout, r.stderr]
        if rc is not None:
            assert r.returncode == rc, (args, r.returncode, r.stdout,
                                        r.stderr, self.daemon.log())
        return r

    def show(self, name):
        return json.loads(self("show", name).stdout)

    def wait_status(self, name, want, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            t = self.show(name)
            if t["status"] in want:
                return t
            assert t["status"] != "failed", t
            assert time.monotonic() < deadline, (want, t,
                                                 self.daemon.log())
            time.sleep(0.2)


def test_task_cli_token_missing(env):
    port = free_port()
    data = os.path.join(env.tmp, "cli-notoken")
    conf = write(os.path.join(env.tmp, "cli-notoken.conf"),
                 "listen = 127.0.0.1:%d\ndata_dir = %s\n" % (port, data))
    path = os.path.join(data, "token")
    for args in (["-c", conf, "list"], ["-d", data, "show", "x"],
                 ["-d", data, "top", "-n", "1"]):
        err = one_line_error(env.run(["task"] + args))
        assert "cannot read the API token " + path in err and \
            "pass -c CONF or -d DATA_DIR" in err, err
    # $TANDEM_CONF when no -c is given
    r = subprocess.run([env.tandem, "task", "logs", "x"],
                       env=dict(os.environ, TANDEM_CONF=conf),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert path in one_line_error(r), r.stderr
    # an empty token file
    os.makedirs(data)
    write(path, "\n")
    err = one_line_error(env.run(["task", "-c", conf, "list"]))
    assert path + " holds no API token" in err, err
    # a config that does not load: its own error
    err = one_line_error(env.run(["task", "-c", os.path.join(
        env.tmp, "none.conf"), "list"]))
    assert "none.conf: cannot open" in err, err


def test_task_cli_daemon_down(env):
    port = free_port()
    data = os.path.join(env.tmp, "cli-down")
    os.makedirs(data)
    write(os.path.join(data, "token"), "ab" * 32 + "\n")
    conf = write(os.path.join(env.tmp, "cli-down.conf"),
                 "listen = 127.0.0.1:%d\ndata_dir = %s\n" % (port, data))
    for verb in (["list"], ["show", "x"], ["start", "x"], ["top", "-n", "1"],
                 ["logs", "-f", "x"]):
        err = one_line_error(env.run(["task", "-c", conf] + verb))
        assert "cannot reach the daemon at 127.0.0.1:%d" % port in err and \
            "is `tandem serve` running? check listen in " + conf in err, err
    # -s overrides listen; the hint then names the options
    port2 = free_port()
    err = one_line_error(env.run(["task", "-d", data, "-s",
                                  "127.0.0.1:%d" % port2, "list"]))
    assert "127.0.0.1:%d" % port2 in err and "-s HOST:PORT" in err, err


def test_task_cli_usage(env):
    cases = [
        ([], "no verb"),
        (["frobnicate"], "unknown verb 'frobnicate'"),
        (["show"], "show needs a task NAME"),
        (["delete", "a", "b"], "unexpected argument 'b'"),
        (["create"], "create needs the spec: -f SPEC.json"),
        (["list", "extra"], "unexpected argument 'extra'"),
        (["logs", "x", "--level", "loud"], "--level 'loud' is not error"),
        (["logs", "x", "--since", "yesterday"], "--since 'yesterday'"),
        (["top", "-n", "0"], "-n '0' is not a number of frames"),
        (["top", "-i", "0"], "-i '0' is not 0.1 to 3600 seconds"),
        (["-s", "localhost", "list"], "-s 'localhost' is not HOST:PORT"),
    ]
    for args, want in cases:
        r = env.run(["task"] + args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        first = r.stderr.splitlines()[0]
        assert first.startswith("tandem task: ") and want in first, \
            (args, first)
        assert "usage: tandem task" in r.stderr, r.stderr
    r = env.run(["task", "--help"])
    assert r.returncode == 0 and r.stdout.startswith("usage: tandem task")
    # a spec that is not JSON is named with its line, before any request
    data = os.path.join(env.tmp, "cli-usage-data")
    os.makedirs(data)
    write(os.path.join(data, "token"), "cd" * 32 + "\n")
    bad = write(os.path.join(env.tmp, "cli-bad.json"), '{"name": "x",\n')
    err = one_line_error(env.run(["task", "-s", "127.0.0.1:%d" % free_port(),
                                  "-d", data, "create", "-f", bad]))
    assert err.startswith("tandem task: " + bad + ":2:") and \
        "fix the JSON" in err, err
    err = one_line_error(env.run(["task", "-d", data, "create", "-f",
                                  os.path.join(env.tmp, "none.json")]))
    assert "cannot open " + os.path.join(env.tmp, "none.json") in err, err


def task_spec(env, name):
    return {
        "name": name,
        "description": "tandem task test",
        "source": {"type": "mysql", "url": "mysql://clisrc:%s@127.0.0.1:%d"
                   % (SECRET, env.mysql.port)},
        "destination": {"type": "mysql",
                        "url": env.url("root", "", server=env.dest)},
        "mode": "incremental",
        "objects": [{"db": "clitask"}],
    }


def table(out):
    """Rows of a table the command printed, cells split on blanks (the
    last column may hold blanks: it is kept whole)."""
    lines = out.splitlines()
    ncols = len(lines[0].split())
    return [ln.split(None, ncols - 1) for ln in lines]


def log_lines(body):
    """The lines `tandem task logs` prints for an API answer."""
    return ["%s %-5s %s" % (e["ts"], e["level"],
                            re.sub(r"[\x00-\x1f\x7f]", " ", e["message"]))
            for e in body["logs"]]


def logs_agree(cli, d, name, args, query):
    """`logs NAME ARGS` prints what GET /v1/tasks/NAME/logs QUERY answers
    (asked before and after, until the log stays the same meanwhile)."""
    for _ in range(10):
        _, before = d.api("GET", "/v1/tasks/%s/logs%s" % (name, query))
        r = cli("logs", name, *args)
        _, after = d.api("GET", "/v1/tasks/%s/logs%s" % (name, query))
        if before == after:
            assert r.stdout.splitlines() == log_lines(after), (
                r.stdout, after)
            return r.stdout.splitlines()
    raise AssertionError("the log of %s kept changing" % name)


def test_task_cli_task_life(env):
    """Needs the daemon's /v1/tasks API (src/admin/api.c)."""
    env.sql("CREATE USER IF NOT EXISTS 'clisrc'@'%%' IDENTIFIED BY '%s'; "
            "GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO "
            "'clisrc'@'%%'" % SECRET)
    for server in (env.mysql, env.dest):
        server.sql("DROP DATABASE IF EXISTS clitask; CREATE DATABASE "
                   "clitask; CREATE TABLE clitask.t (id INT PRIMARY KEY, "
                   "v VARCHAR(20))")
    d = Daemon(env, "cli-daemon")
    cli = Cli(env, d)
    follower = None
    try:
        # a token of another daemon: refused, in one line
        other = os.path.join(env.tmp, "cli-other-data")
        os.makedirs(other)
        write(os.path.join(other, "token"), "0" * 64 + "\n")
        err = one_line_error(env.run(["task", "-c", d.conf, "-d", other,
                                      "list"]))
        assert "refused the token of " + os.path.join(other, "token") in \
            err, err

        name = "cli-life"
        spec = json.dumps(task_spec(env, name))
        path = write(os.path.join(env.tmp, "cli-life.json"), spec)
        r = cli("create", "-f", path)
        assert r.stdout == "created %s\n" % name, r.stdout

        # the API's error message, passed through as it is
        r = cli("create", "-f", path, rc=1)
        code, body = d.api("POST", "/v1/tasks", spec)
        assert code == 409, (code, body)
        assert r.stderr == "tandem task: %s\n" % body["error"], r.stderr
        # the spec from standard input
        r = env.run(["task", "-c", d.conf, "create", "-f", "-"],
                    input=spec)
        cli.seen += [r.stdout, r.stderr]
        assert r.returncode == 1 and \
            r.stderr == "tandem task: %s\n" % body["error"], r.stderr

        r = cli("list")
        rows = table(r.stdout)
        assert rows[0] == ["NAME", "STATUS", "PHASE", "DELAY", "TPS",
                           "ERROR"], rows
        mine = [row for row in rows[1:] if row[0] == name]
        assert len(mine) == 1 and mine[0][1] == "created", rows
        assert DELAY_RE.match(mine[0][3]), mine

        t = cli.show(name)
        assert t["name"] == name and t["status"] == "created", t
        assert "***" in t["spec"]["source"]["url"], t["spec"]
        # indented by two spaces, as jansson's JSON_INDENT(2)
        assert cli("show", name).stdout.startswith('{\n  "'), t

        r = cli("precheck", name, rc=None, timeout=300)
        lines = r.stdout.splitlines()
        assert lines[0].split() == ["ITEM", "STATUS", "CAUSE/FIX"], lines
        assert len(lines) >= 3, lines
        for row in table(r.stdout)[1:-1]:
            assert row[1] in ("passed", "warning", "failed"), row
        assert lines[-1] == name + ": ready", (lines, r.stderr)
        assert r.returncode == 0, r.stderr

        r = cli("start", name)
        m = re.match(r"^%s: (\w+)\n$" % re.escape(name), r.stdout)
        assert m and m.group(1) in STATUSES, r.stdout
        cli.wait_status(name, ("incremental",))
        env.sql("INSERT INTO clitask.t VALUES (1, 'one'), (2, 'two')")
        deadline = time.monotonic() + 60
        while env.dest.sql("SELECT COUNT(*) FROM clitask.t")[0][0] != "2":
            assert time.monotonic() < deadline, d.log()
            time.sleep(0.1)

        # logs: "TS LEVEL message", oldest first, as the API answers
        logs = logs_agree(cli, d, name, [], "")
        assert logs, "no log lines after create and start: " + d.log()
        for ln in logs:
            assert re.match(r"^\S+ (error|warn|info) +\S", ln), ln
        for ln in logs_agree(cli, d, name, ["--level", "error"],
                             "?level=error"):
            assert re.match(r"^\S+ error +\S", ln), ln
        logs_agree(cli, d, name, ["--level", "warn"], "?level=warn")
        # --since: the entries after the given millisecond only
        _, body = d.api("GET", "/v1/tasks/%s/logs" % name)
        first, last = body["logs"][0]["ts_ms"], body["logs"][-1]["ts_ms"]
        assert logs_agree(cli, d, name, ["--since", str(first - 1)],
                          "?since=%d" % (first - 1))[:len(logs)] == logs
        logs_agree(cli, d, name, ["--since", str(last)], "?since=%d" % last)

        # logs -f: what was there, then what comes
        follower = subprocess.Popen(
            [env.tandem, "task", "-c", d.conf, "logs", "-f", name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        got = []

        def reader():
            for ln in follower.stdout:
                got.append(ln)
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        deadline = time.monotonic() + 20
        while len(got) < len(logs):
            assert time.monotonic() < deadline and follower.poll() is None, \
                (got, follower.poll())
            time.sleep(0.05)
        r = cli("pause", name)
        assert r.stdout == name + ": paused\n", r.stdout
        deadline = time.monotonic() + 20
        while len(got) <= len(logs):
            assert time.monotonic() < deadline and follower.poll() is None, \
                ("logs -f showed nothing after pause", got, d.log())
            time.sleep(0.05)
        follower.send_signal(signal.SIGTERM)
        follower.wait(10)
        th.join(10)
        cli.seen += ["".join(got), follower.stderr.read()]
        got = [ln.rstrip("\n") for ln in got]
        assert got[:len(logs)] == logs, (got, logs)
        # every entry once and none lost, though the polls overlap on the
        # last millisecond seen
        full = cli("logs", name).stdout.splitlines()
        assert got == full[:len(got)], (got, full)

        r = cli("resume", name)
        assert re.match(r"^%s: \w+\n$" % re.escape(name), r.stdout)

        # top -n 2, not a terminal: two frames, a blank line between
        r = cli("top", "-n", "2", "-i", "0.3")
        frames = r.stdout.split("\n\n")
        assert len(frames) == 2, r.stdout
        for fr in frames:
            rows = table(fr)
            assert rows[0] == ["NAME", "STATUS", "DELAY", "TPS", "ROWS/S"], \
                rows
            mine = [row for row in rows[1:] if row[0] == name]
            assert len(mine) == 1 and mine[0][1] in STATUSES, rows
            assert DELAY_RE.match(mine[0][2]), mine
            assert re.match(r"^(-|\d+(\.\d)?)$", mine[0][3]), mine
        assert "\033[" not in r.stdout, r.stdout

        r = cli("stop", name)
        m = re.match(r"^%s: (\w+)\n$" % re.escape(name), r.stdout)
        assert m and m.group(1) in STATUSES, r.stdout

        r = cli("delete", name)
        assert r.stdout == "deleted %s\n" % name, r.stdout
        assert name not in [row[0] for row in table(cli("list").stdout)]
        # an unknown task: the API's 404 message, passed through
        r = cli("show", name, rc=1)
        code, body = d.api("GET", "/v1/tasks/" + name)
        assert code == 404 and r.stderr == "tandem task: %s\n" % \
            body["error"], (code, body, r.stderr)
        r = cli("delete", name, rc=1)
        assert r.stderr.startswith("tandem task: ") and \
            r.stderr.count("\n") == 1, r.stderr

        # the password, in no output of any command
        for out in cli.seen:
            assert SECRET not in out, out
    finally:
        if follower is not None and follower.poll() is None:
            follower.kill()
            follower.wait(10)
        d.stop()
        env.sql("DROP DATABASE IF EXISTS clitask")
        env.dest.sql("DROP DATABASE IF EXISTS clitask")
