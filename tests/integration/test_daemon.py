"""`tandem serve` hosting tasks through its HTTP API, against real MariaDB
servers: a task's whole lifecycle (create, precheck, start, pause, resume,
stop, reset, delete), requests refused with a reason, a daemon restarted
mid-stream resuming its task without a row lost or repeated, and no
password in the store, the logs or any answer."""

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from test_serve import free_port
from test_task import assert_same_tables, fresh_db

SRC_PW = "Src-pw-4d1e"     # the source account's password
DST_PW = "Dst-pw-9b7c"     # the destination account's password


class Daemon:
    """One `tandem serve` process with its own data dir, restartable."""

    def __init__(self, env, name):
        self.env = env
        self.port = free_port()
        self.data = os.path.join(env.tmp, name + "-data")
        self.conf = os.path.join(env.tmp, name + ".conf")
        self.errpath = os.path.join(env.tmp, name + ".err")
        with open(self.conf, "w") as f:
            f.write("listen = 127.0.0.1:%d\ndata_dir = %s\n"
                    % (self.port, self.data))
        self.proc = None
        self.token = None

    def start(self):
        with open(self.errpath, "a") as err:
            self.proc = subprocess.Popen(
                [self.env.tandem, "serve", "-c", self.conf],
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while True:
            try:
                self.call("GET", "/health")
                break
            except (ConnectionError, urllib.error.URLError):
                assert self.proc.poll() is None, self.stderr()[-3000:]
                assert time.monotonic() < deadline, self.stderr()[-3000:]
                time.sleep(0.05)
        with open(os.path.join(self.data, "token")) as f:
            self.token = f.read().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(60)
        assert rc == 0, "tandem serve exited %d on SIGTERM: %s" % (
            rc, self.stderr()[-3000:])

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port,
                                                                 path),
                                     data=data, method=method)
        if self.token is not None:
            req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def ok(self, method, path, body=None, want=200):
        code, answer = self.call(method, path, body)
        assert code == want, (method, path, code, answer,
                              self.stderr()[-2000:])
        return answer

    def wait_status(self, name, statuses, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            t = self.ok("GET", "/v1/tasks/" + name)
            if t["status"] in statuses:
                return t
            assert time.monotonic() < deadline, (
                "task %s is %s, not %s: %s" % (name, t["status"], statuses,
                                                self.stderr()[-3000:]))
            time.sleep(0.1)


def make_users(env):
    env.sql("CREATE USER IF NOT EXISTS 'dsrc'@'%%' IDENTIFIED BY '%s'; "
            "GRANT SELECT, SHOW VIEW, REPLICATION SLAVE, REPLICATION CLIENT "
            "ON *.* TO 'dsrc'@'%%'" % SRC_PW)
    env.dest.sql("CREATE USER IF NOT EXISTS 'ddst'@'%%' IDENTIFIED BY '%s'; "
                 "GRANT ALL ON *.* TO 'ddst'@'%%'" % DST_PW)


def spec(env, name, db, **extra):
    s = {
        "name": name,
        "source": {"type": "mysql", "url": env.url("dsrc", SRC_PW)},
        "destination": {"type": "mysql",
                        "url": env.url("ddst", DST_PW, server=env.dest)},
        "mode": "full+incremental",
        "objects": [{"db": db}],
    }
    s.update(extra)
    return s


def writer(env, db, stop, counter):
    """Inserts rows one transaction at a time until stop is set."""
    while not stop.is_set():
        n = counter[0]
        env.mysql.sql("INSERT INTO `%s`.t (id, v) VALUES (%d, 'w%d')"
                      % (db, n, n))
        counter[0] = n + 1
        time.sleep(0.005)


def wait_rows(env, db, n, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        got = int(env.dest.sql("SELECT COUNT(*) FROM `%s`.t" % db)[0][0])
        if got == n:
            return
        assert time.monotonic() < deadline, "%d rows of %d at the " \
            "destination" % (got, n)
        time.sleep(0.1)


def no_password_in(d, texts):
    for where, text in texts:
        for pw in (SRC_PW, DST_PW):
            assert pw not in text, "the password %s appears in %s" % (pw,
                                                                     where)
    # the store's files, whole
    for fn in os.listdir(d.data):
        with open(os.path.join(d.data, fn), "rb") as f:
            raw = f.read()
        for pw in (SRC_PW, DST_PW):
            assert pw.encode() not in raw, "the password %s is in %s" % (
                pw, fn)


def test_lifecycle_through_the_api(env):
    make_users(env)
    fresh_db(env, "dlife")
    env.sql("CREATE TABLE dlife.t (id INT PRIMARY KEY, v VARCHAR(20)); "
            "INSERT INTO dlife.t VALUES (1, 'a'), (2, 'b')")
    env.dest.sql("DROP DATABASE IF EXISTS dlife")
    d = Daemon(env, "dlife")
    d.start()
    answers = []
    try:
        # refused with the reason
        for bad, want in [
            (dict(spec(env, "ab", "dlife")), "name: 4 to 50"),
            (dict(spec(env, "9life", "dlife")), "a letter first"),
            (dict(spec(env, "life-task", "dlife"), description="x" * 257),
             "description"),
            (dict(spec(env, "life-task", "dlife"),
                  tags=["t%d" % i for i in range(21)]), "tags"),
            (dict(spec(env, "life-task", "dlife"), mode="sometimes"),
             "mode"),
        ]:
            code, a = d.call("POST", "/v1/tasks", bad)
            assert code == 400 and want in a["error"], (bad["name"], code, a)
            answers.append(json.dumps(a))
        a = d.ok("POST", "/v1/tasks", dict(
            spec(env, "life-task", "dlife"), description="shop copy",
            tags=["shop", "eu"]), want=201)
        assert a == {"name": "life-task", "status": "created"}, a
        code, a = d.call("POST", "/v1/tasks", spec(env, "life-task", "x"))
        assert code == 409 and "exists" in a["error"], a
        code, a = d.call("GET", "/v1/tasks/nothing")
        assert code == 404 and "no task named 'nothing'" in a["error"], a
        code, a = d.call("POST", "/v1/tasks/life-task/pause")
        assert code == 409 and "only a running task" in a["error"], a
        lst = d.ok("GET", "/v1/tasks")
        assert [t["name"] for t in lst["tasks"]] == ["life-task"], lst
        t = d.ok("GET", "/v1/tasks/life-task")
        answers += [json.dumps(lst), json.dumps(t)]
        assert t["status"] == "created" and t["description"] == \
            "shop copy" and t["tags"] == ["shop", "eu"], t
        assert t["spec"]["source"]["url"].startswith("mysql://dsrc:***@"), t

        # prechecks, then start
        a = d.ok("POST", "/v1/tasks/life-task/precheck")
        answers.append(json.dumps(a))
        assert a["status"] == "ready", a
        items = {i["item"]: i["status"] for i in a["report"]}
        assert "failed" not in items.values() and "binlog_format" in \
            items, a
        a = d.ok("POST", "/v1/tasks/life-task/start")
        assert a["status"] in ("full_sync", "incremental"), a
        d.wait_status("life-task", ["incremental"])
        env.sql("INSERT INTO dlife.t VALUES (3, 'c')")
        wait_rows(env, "dlife", 3)

        # metrics: without the token, Prometheus text, the task labelled
        deadline = time.monotonic() + 10
        while True:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics"
                                        % d.port, timeout=5) as r:
                assert r.headers["Content-Type"].startswith("text/plain")
                text = r.read().decode()
            samples = dict(line.rsplit(" ", 1) for line in
                           text.splitlines() if not line.startswith("#"))
            key = 'tandem_task_delay_seconds{task="life-task"}'
            if key in samples and int(float(samples[
                    'tandem_task_rows_total{task="life-task"}'])) >= 1:
                break
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        assert samples['tandem_task_status{task="life-task",status='
                       '"incremental"}'] == "1", text
        assert 0 <= float(samples[key]) < 5, text
        assert "# TYPE tandem_task_read_bytes_total counter" in text
        assert float(samples['tandem_task_read_bytes_total'
                             '{task="life-task"}']) > 0, text
        t = d.ok("GET", "/v1/tasks/life-task")
        m = t["metrics"]
        assert m["delay_ms"]["last"] is not None and \
            0 <= m["delay_ms"]["last"] < 5000, m
        assert m["rows"] >= 1 and m["errors"] == 0, (m, d.stderr()[-3000:])
        assert t["position"]["file"].startswith("bin."), t

        # pause: nothing applied until resumed
        a = d.ok("POST", "/v1/tasks/life-task/pause")
        assert a["status"] == "paused", a
        env.sql("INSERT INTO dlife.t VALUES (4, 'd')")
        time.sleep(1)
        assert int(env.dest.sql("SELECT COUNT(*) FROM dlife.t")[0][0]) == 3
        a = d.ok("POST", "/v1/tasks/life-task/resume")
        d.wait_status("life-task", ["incremental"])
        wait_rows(env, "dlife", 4)
        assert_same_tables(env, "dlife", "dlife")

        # a changed password is taken (the task restarts with it)
        env.dest.sql("ALTER USER 'ddst'@'%%' IDENTIFIED BY '%s'" % (
            DST_PW + "x"))
        t = d.ok("PATCH", "/v1/tasks/life-task",
                 {"destination": {"password": DST_PW + "x"}})
        answers.append(json.dumps(t))
        env.sql("INSERT INTO dlife.t VALUES (5, 'e')")
        wait_rows(env, "dlife", 5)
        env.dest.sql("ALTER USER 'ddst'@'%%' IDENTIFIED BY '%s'" % DST_PW)
        d.ok("PATCH", "/v1/tasks/life-task",
             {"destination": {"password": DST_PW}})

        # stop: completed; reset: created, position forgotten
        a = d.ok("POST", "/v1/tasks/life-task/stop")
        assert a["status"] == "completed", a
        code, a = d.call("POST", "/v1/tasks/life-task/resume")
        assert code == 409, a
        a = d.ok("POST", "/v1/tasks/life-task/reset")
        assert a["status"] == "created", a
        assert not env.dest.sql("SELECT * FROM tandem.checkpoint WHERE "
                                "task = 'life-task'")

        # the log tells every change of status
        logs = d.ok("GET", "/v1/tasks/life-task/logs")["logs"]
        answers.append(json.dumps(logs))
        msgs = [entry["message"] for entry in logs]
        for change in ["created -> prechecking", "prechecking -> ready",
                       "full_sync -> incremental", "incremental -> paused",
                       "paused -> incremental", "incremental -> completed",
                       "completed -> created"]:
            assert "status " + change in msgs, (change, msgs)
        last = logs[-1]["ts_ms"]
        assert d.ok("GET", "/v1/tasks/life-task/logs?since=%d" %
                    last)["logs"] == []
        errs = d.ok("GET", "/v1/tasks/life-task/logs?level=error")["logs"]
        assert all(e["level"] == "error" for e in errs), errs

        no_password_in(d, [("answer", a) for a in answers] +
                       [("daemon log", d.stderr())])

        a = d.ok("DELETE", "/v1/tasks/life-task")
        assert a == {"name": "life-task", "deleted": True}, a
        code, a = d.call("GET", "/v1/tasks/life-task")
        assert code == 404, a
    finally:
        d.stop()


def test_restart_mid_stream_resumes(env):
    make_users(env)
    fresh_db(env, "drest")
    env.sql("CREATE TABLE drest.t (id INT PRIMARY KEY, v VARCHAR(20))")
    env.dest.sql("DROP DATABASE IF EXISTS drest")
    d = Daemon(env, "drest")
    d.start()
    stop = threading.Event()
    counter = [1]
    th = threading.Thread(target=writer, args=(env, "drest", stop,
                                                counter))
    try:
        d.ok("POST", "/v1/tasks", spec(env, "rest-task", "drest"),
             want=201)
        d.ok("POST", "/v1/tasks/rest-task/start")
        d.wait_status("rest-task", ["incremental"])
        th.start()
        time.sleep(1.5)
        d.stop()                   # mid-stream, while the writer writes
        assert "stopping every task at a checkpoint" in d.stderr()
        time.sleep(0.5)
        d.start()
        t = d.wait_status("rest-task", ["incremental"])
        assert "resuming (incremental when the daemon stopped)" in \
            d.stderr(), d.stderr()[-2000:]
        time.sleep(1)
        stop.set()
        th.join()
        wait_rows(env, "drest", counter[0] - 1)
        assert_same_tables(env, "drest", "drest")
        t = d.ok("GET", "/v1/tasks/rest-task")
        assert t["position"] is not None and t["position"]["pos"] > 0, t
    finally:
        stop.set()
        if th.is_alive():
            th.join()
        d.stop()


def test_precheck_matrix_through_the_api(env):
    """Each bad set-up fails exactly its own precheck item, the task's
    status follows the report, and start refuses to run it."""
    import servers
    from test_precheck import SCHEMA, drop_dbs, make_db

    own = servers.MariaDB(env.tmp, "mariadb-daemon-stmt")
    own.start()
    d = Daemon(env, "dmatrix")
    d.start()
    try:
        own.sql("SET GLOBAL binlog_format = STATEMENT")
        for server in (env.mysql, env.nobin, own):
            make_db(server, "dm_src")
        make_db(env.mysql, "dm_fk", SCHEMA)
        drop_dbs(env.dest, "dm_dst")
        make_db(env.dest, "dm_taken", SCHEMA)
        objs = [{"db": "dm_src", "as": "dm_dst"}]
        cases = [
            ("good", {}, None),
            ("wrong-password", {"source": env.url("root", "Wr0ng-pw")},
             "source_auth"),
            ("binlog-off", {"source": env.url(server=env.nobin)},
             "binlog_enabled"),
            ("statement", {"source": env.url(server=own)}, "binlog_format"),
            ("no-privilege", {"source": env.url("norepl", "noreplpw")},
             "source_privileges"),
            ("purged-start", {"mode": "incremental",
                              "objects": [{"db": "dm_src",
                                           "as": "dm_taken"}],
                              "start": {"file": "bin.999999", "pos": 4}},
             "start_position"),
            ("existing-tables", {"objects": [{"db": "dm_src",
                                              "as": "dm_taken"}]},
             "schema_conflicts"),
            ("parent-not-selected", {"objects": [{"db": "dm_fk", "as":
                                                  "dm_dst", "tables": [
                                                      {"name": "orders"}]}]},
             "foreign_keys"),
        ]
        for name, change, item in cases:
            s = {
                "name": "pm-" + name,
                "source": {"type": "mysql", "url": change.get(
                    "source", env.url())},
                "destination": {"type": "mysql",
                                "url": env.url(server=env.dest)},
                "mode": change.get("mode", "full+incremental"),
                "objects": change.get("objects", objs),
            }
            if "start" in change:
                s["start"] = change["start"]
            d.ok("POST", "/v1/tasks", s, want=201)
            a = d.ok("POST", "/v1/tasks/pm-%s/precheck" % name)
            failed = [i["item"] for i in a["report"]
                      if i["status"] == "failed"]
            for i in a["report"]:
                assert set(i) == {"item", "status", "cause", "fix"}, i
            if item is None:
                assert a["status"] == "ready" and failed == [], a
                continue
            assert a["status"] == "precheck_failed" and failed == [item], (
                name, failed, a)
            bad = [i for i in a["report"] if i["item"] == item][0]
            assert bad["cause"] and bad["fix"], bad
            t = d.ok("GET", "/v1/tasks/pm-" + name)
            assert t["status"] == "precheck_failed", t
            assert [i["item"] for i in t["precheck"]
                    if i["status"] == "failed"] == [item], t
        # a start file the source has purged
        own.sql("SET GLOBAL binlog_format = ROW")
        first = own.sql("SHOW BINARY LOGS")[0][0]
        # a write after the flush moves the binlog checkpoint on, so
        # that the first file can go
        own.sql("FLUSH BINARY LOGS; INSERT INTO dm_src.customers VALUES "
                "(2, 'b')")
        last = own.sql("SHOW BINARY LOGS")[-1][0]
        deadline = time.monotonic() + 10
        while first in [r[0] for r in own.sql("SHOW BINARY LOGS")]:
            assert time.monotonic() < deadline, "%s not purged" % first
            own.sql("PURGE BINARY LOGS TO '%s'" % last)
            time.sleep(0.1)
        make_db(env.dest, "dm_own", SCHEMA)
        d.ok("POST", "/v1/tasks", {
            "name": "pm-purged-file",
            "source": {"type": "mysql", "url": env.url(server=own)},
            "destination": {"type": "mysql",
                            "url": env.url(server=env.dest)},
            "mode": "incremental",
            "objects": [{"db": "dm_src", "as": "dm_own"}],
            "start": {"file": first, "pos": 4}}, want=201)
        a = d.ok("POST", "/v1/tasks/pm-purged-file/precheck")
        failed = [i for i in a["report"] if i["status"] == "failed"]
        assert [i["item"] for i in failed] == ["start_position"], a
        assert first in failed[0]["cause"], failed
        own.sql("SET GLOBAL binlog_format = STATEMENT")

        # start runs the prechecks again and does not start a failing task
        d.ok("POST", "/v1/tasks/pm-statement/start")
        t = d.wait_status("pm-statement", ["precheck_failed"])
        assert t["position"] is None, t
        assert "Wr0ng-pw" not in d.stderr()
    finally:
        d.stop()
        own.stop()
        drop_dbs(env.mysql, "dm_src", "dm_fk")
        drop_dbs(env.nobin, "dm_src")
        drop_dbs(env.dest, "dm_dst", "dm_taken", "dm_own")


def test_objects_added_to_a_running_task_get_their_copy(env):
    """PATCH adds a database to a task past its full copy: its tables are
    copied in their own snapshot while the source keeps writing to them,
    then the stream goes on from the checkpoint; a removed database stops
    being replicated."""
    make_users(env)
    fresh_db(env, "dadd1")
    fresh_db(env, "dadd2")
    env.sql("CREATE TABLE dadd1.t (id INT PRIMARY KEY, v VARCHAR(20)); "
            "CREATE TABLE dadd2.t (id INT PRIMARY KEY, v VARCHAR(20)); "
            "CREATE TABLE dadd2.nokey (a INT, b VARCHAR(10))")
    env.sql("INSERT INTO dadd2.t SELECT seq, CONCAT('p', seq) FROM "
            "seq_1_to_3000; INSERT INTO dadd2.nokey SELECT seq % 7, 'x' "
            "FROM seq_1_to_500", db="dadd2")
    env.dest.sql("DROP DATABASE IF EXISTS dadd1; DROP DATABASE IF EXISTS "
                 "dadd2")
    d = Daemon(env, "dadd")
    d.start()
    stop = threading.Event()
    counter = [5000]

    def busy():
        while not stop.is_set():
            n = counter[0]
            env.mysql.sql("INSERT INTO dadd2.t VALUES (%d, 'n'); UPDATE "
                          "dadd2.t SET v = 'u%d' WHERE id = %d; INSERT "
                          "INTO dadd2.nokey VALUES (%d, 'y'); INSERT INTO "
                          "dadd1.t VALUES (%d, 'a')" % (
                              n, n, n % 3000 + 1, n, n))
            counter[0] = n + 1
    th = threading.Thread(target=busy)
    try:
        d.ok("POST", "/v1/tasks", spec(env, "add-task", "dadd1"), want=201)
        d.ok("POST", "/v1/tasks/add-task/start")
        d.wait_status("add-task", ["incremental"])
        th.start()
        time.sleep(0.5)
        t = d.ok("PATCH", "/v1/tasks/add-task",
                 {"objects": {"add": [{"db": "dadd2"}]}})
        assert t["objects_to_copy"] == [{"db": "dadd2"}], t
        assert [o["db"] for o in t["spec"]["objects"]] == ["dadd1",
                                                            "dadd2"], t
        deadline = time.monotonic() + 60
        while d.ok("GET", "/v1/tasks/add-task")["objects_to_copy"]:
            assert time.monotonic() < deadline, d.stderr()[-3000:]
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        th.join()
        d.wait_status("add-task", ["incremental"])
        logs = [e["message"] for e in
                d.ok("GET", "/v1/tasks/add-task/logs")["logs"]]
        assert "copying the tables added to the task" in logs, logs
        assert "the added objects are copied" in logs, logs
        # caught up: both databases equal the source
        end = counter[0] - 1
        deadline = time.monotonic() + 60
        while int(env.dest.sql("SELECT COUNT(*) FROM dadd1.t WHERE id = %d"
                               % end)[0][0]) == 0:
            assert time.monotonic() < deadline, d.stderr()[-3000:]
            time.sleep(0.2)
        time.sleep(1)
        assert_same_tables(env, "dadd1", "dadd1")
        assert_same_tables(env, "dadd2", "dadd2")

        # removed: no longer replicated
        d.ok("PATCH", "/v1/tasks/add-task",
             {"objects": {"remove": ["dadd2"]}})
        d.wait_status("add-task", ["incremental"])
        env.sql("INSERT INTO dadd2.t VALUES (999999, 'gone'); INSERT INTO "
                "dadd1.t VALUES (999999, 'kept')")
        wait = time.monotonic() + 30
        while not env.dest.sql("SELECT 1 FROM dadd1.t WHERE id = 999999"):
            assert time.monotonic() < wait, d.stderr()[-3000:]
            time.sleep(0.2)
        assert not env.dest.sql("SELECT 1 FROM dadd2.t WHERE id = 999999")
        code, a = d.call("PATCH", "/v1/tasks/add-task",
                         {"objects": {"remove": ["nothing"]}})
        assert code == 400 and "not among the task's objects" in \
            a["error"], a
    finally:
        stop.set()
        if th.is_alive():
            th.join()
        d.stop()


def test_daemon_delay_agrees_with_pt_heartbeat(env):
    """A task of the daemon replicates pt-heartbeat's database through a
    proxy holding the stream 300 ms: the delay the API shows and what
    pt-heartbeat --check reads on the destination agree within 20 ms."""
    import shutil
    import statistics
    from test_delay import (PT_TABLE, DelayProxy, pt_check,
                            writer_account)
    from test_delay import fresh_db as fresh_both

    if shutil.which("pt-heartbeat") is None:
        raise env.Skip("pt-heartbeat is not installed (tests/deps.sh "
                       "installs percona-toolkit)")
    writer_account(env, "hbdaemon")
    fresh_both(env, "percona", PT_TABLE)
    update = subprocess.Popen(
        ["pt-heartbeat", "--update", "-D", "percona", "--create-table",
         "--interval", "0.01", "-u", "root", "-S", env.mysql.sock],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proxy = DelayProxy(env.mysql.port, delay=0.3)
    d = Daemon(env, "dpt")
    d.start()
    try:
        d.ok("POST", "/v1/tasks", {
            "name": "pt-delay",
            "source": {"type": "mysql", "url": "mysql://hbdaemon:pw@"
                       "127.0.0.1:%d" % proxy.port},
            "destination": {"type": "mysql",
                            "url": env.url("root", "", server=env.dest)},
            "objects": [{"db": "percona"}],
            "conflict": "overwrite"}, want=201)
        d.ok("POST", "/v1/tasks/pt-delay/start")
        deadline = time.monotonic() + 60
        while True:
            t = d.ok("GET", "/v1/tasks/pt-delay")
            if t["status"] == "incremental" and t["metrics"]["rows"] > 50 \
                    and t["metrics"]["delay_ms"]["last"] is not None:
                break
            assert time.monotonic() < deadline, (t, d.stderr()[-2000:])
            time.sleep(0.1)
        pairs = []
        for _ in range(5):
            pt_ms, _ = pt_check(env)
            ours = d.ok("GET", "/v1/tasks/pt-delay")["metrics"]["delay_ms"]
            pairs.append((pt_ms, ours["last"]))
        assert update.poll() is None, update.stderr.read()
        pt = statistics.median(p for p, _ in pairs)
        ours = statistics.median(o for _, o in pairs)
        print("daemon delay: pt-heartbeat %.1f ms, tandem %d ms (pairs %s)"
              % (pt, ours, [(round(p, 1), o) for p, o in pairs]))
        assert 290 <= ours <= 400 and 290 <= pt <= 400, pairs
        assert abs(pt - ours) <= 20, pairs
    finally:
        d.stop()
        update.kill()
        update.wait(10)
        proxy.close()
