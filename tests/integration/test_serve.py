"""`tandem serve`: the config is checked with -t (each refused line named
with its cause and fix); the daemon serves GET /health on its listen
address, creates its data directory and its API token (/v1 answers 401
without it), re-reads the config on SIGHUP and exits 0 on SIGTERM."""

import json
import os
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request


def conf(env, name, text):
    path = os.path.join(env.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_check_the_example_config(env):
    r = env.run(["serve", "-t", "-c", os.path.join(env.root, "conf",
                                                   "tandem.conf")])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("config ok: listen 127.0.0.1:8730, data_dir "
                                "tandem-data, log_level info, queue_bytes "
                                "67108864"), r.stdout


def test_check_refuses_naming_the_line(env):
    cases = [
        ("listen = 127.0.0.1:8731\ncolor = blue\n",
         "line 2: unknown key color — the keys are listen, data_dir"),
        ("listen = localhost\n", "line 1: listen = 'localhost' is not "
         "address:port"),
        ("listen = 127.0.0.1:70000\n", "the port must be 1 to 65535"),
        ("queue_bytes = 64X\n", "queue_bytes = '64X' must be 1048576 to"),
        ("queue_bytes = 512K\n", "must be 1048576 to"),
        ("log_level = loud\n", "log_level = 'loud' is not one of"),
        ("data_dir = a\ndata_dir = b\n", "line 2: data_dir is set a second "
         "time"),
        ("just words\n", "line 1: expected \"key = value\""),
    ]
    for i, (text, want) in enumerate(cases):
        path = conf(env, "bad%d.conf" % i, text)
        r = env.run(["serve", "-t", "-c", path])
        err = r.stderr.strip()
        assert r.returncode == 1 and "\n" not in err, (text, r.returncode,
                                                      err)
        assert err.startswith("tandem serve: " + path + ": "), err
        assert want in err, (want, err)
    r = env.run(["serve", "-t", "-c", os.path.join(env.tmp, "none.conf")])
    assert r.returncode == 1 and "cannot open" in r.stderr, r.stderr
    r = env.run(["serve"])
    assert r.returncode == 2 and "give the config with -c" in r.stderr
    path = conf(env, "ok.conf", "queue_bytes = 1G\nlog_level = debug\n"
                "listen = [::1]:9000\n")
    r = env.run(["serve", "-t", "-c", path])
    assert r.returncode == 0, r.stderr
    assert "listen ::1:9000" in r.stdout and "queue_bytes 1073741824" in \
        r.stdout and "log_level debug" in r.stdout, r.stdout


def get(port, path, token=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_serve_health_hup_and_term(env):
    port = free_port()
    data = os.path.join(env.tmp, "serve-data")
    path = conf(env, "serve.conf", "listen = 127.0.0.1:%d\ndata_dir = %s\n"
                % (port, data))
    errpath = os.path.join(env.tmp, "serve.err")
    with open(errpath, "w") as err:
        p = subprocess.Popen([env.tandem, "serve", "-c", path],
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body = get(port, "/health")
                break
            except (ConnectionError, urllib.error.URLError):
                assert p.poll() is None and time.monotonic() < deadline, \
                    open(errpath).read()
                time.sleep(0.05)
        assert (status, body) == (200, {"status": "ok"})
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        # /v1 needs the token of DATA_DIR/token (0600), /health does not
        tokfile = os.path.join(data, "token")
        assert stat.S_IMODE(os.stat(tokfile).st_mode) == 0o600
        token = open(tokfile).read().strip()
        assert len(token) == 64 and int(token, 16) >= 0, token
        status, body = get(port, "/v1/tasks")
        assert status == 401 and "Authorization: Bearer" in body["error"], \
            body
        status, body = get(port, "/v1/tasks", token="0" * 64)
        assert status == 401, body
        status, body = get(port, "/v1/tasks", token=token)
        assert (status, body) == (200, {"tasks": []}), body
        status, body = get(port, "/nothing")
        assert status == 404, body
        # a second daemon on the same port: refused in one line
        other = conf(env, "serve2.conf", "listen = 127.0.0.1:%d\n"
                     "data_dir = %s\n" % (port, data + "2"))
        r = env.run(["serve", "-c", other])
        assert r.returncode == 1 and "cannot listen on 127.0.0.1:%d" % port \
            in r.stderr and "\n" not in r.stderr.strip(), r.stderr
        # ... or on the same data_dir: refused, naming the other's pid
        other = conf(env, "serve3.conf", "listen = 127.0.0.1:%d\n"
                     "data_dir = %s\n" % (free_port(), data))
        r = env.run(["serve", "-c", other])
        assert r.returncode == 1 and "is in use by another tandem serve " \
            "(pid %d)" % p.pid in r.stderr and "\n" not in \
            r.stderr.strip(), r.stderr
        # SIGHUP re-reads the config
        with open(path, "a") as f:
            f.write("log_level = debug\n")
        p.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "re-read (log_level debug)" not in open(errpath).read():
            assert time.monotonic() < deadline, open(errpath).read()
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0, open(errpath).read()
        # started again: the same token
        with open(errpath, "a") as err:
            p = subprocess.Popen([env.tandem, "serve", "-c", path],
                                 stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body = get(port, "/v1/tasks", token=token)
                break
            except (ConnectionError, urllib.error.URLError):
                assert p.poll() is None and time.monotonic() < deadline, \
                    open(errpath).read()
                time.sleep(0.05)
        assert status == 200, body
        assert open(tokfile).read().strip() == token
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0, open(errpath).read()
    finally:
        if p.poll() is None:
            p.kill()
