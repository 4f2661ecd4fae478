#!/usr/bin/env python3
"""tandem's test runner: unit tests (cmocka, TAP) then integration tests
against real servers it starts on 127.0.0.1 and stops at the end.

Integration tests are functions test_*(env) in tests/integration/test_*.py;
one fails by raising.  Raising Skip(reason) reports it skipped.  The last
line printed is always "N passed, N failed".
"""

import argparse
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import servers  # noqa: E402


class Skip(Exception):
    """Raised by a test that cannot run here, with the reason."""


class Env:
    """What an integration test gets: paths, servers and helpers."""

    def __init__(self, build, tmp):
        self.root = ROOT
        self.build = os.path.join(ROOT, build)
        self.tandem = os.path.join(self.build, "tandem")
        self.tmp = tmp
        self.corpora = os.environ.get(
            "TANDEM_CORPORA", os.path.join(ROOT, "..", "shared", "corpora"))
        self.soak = os.environ.get("TANDEM_SOAK") == "1"
        self.Skip = Skip
        self.mysql = None
        self.mysql_port = None
        self.nobin = None
        self.dest = None
        self.tls_ca = None
        self.started = []   # servers started on demand, stopped at the end
        self._nredis = 0

    def redis(self, name=None, extra=()):
        """Starts a fresh redis-server (stopped when the run ends)."""
        self._nredis += 1
        r = servers.Redis(self.tmp, "redis-%d%s" % (
            self._nredis, "-" + name if name else ""), extra=extra)
        self.started.append(r)
        return r.start()

    def redis_cluster(self, name, masters=3, replicas=0, extra=()):
        """Starts a fresh Redis Cluster (stopped when the run ends)."""
        self._nredis += 1
        c = servers.RedisCluster(self.tmp, "redis-%d-%s" % (self._nredis,
                                                           name),
                                 masters, replicas, extra)
        self.started.append(c)
        return c.start()

    def url(self, user="root", password="", db=None, server=None, query=""):
        port = (server or self.mysql).port
        u = "mysql://%s:%s@127.0.0.1:%d" % (user, password, port)
        if db:
            u += "/" + db
        return u + query

    def run(self, args, timeout=60, input=None):
        return subprocess.run([self.tandem] + list(args), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)

    def sql(self, query, db=None, server=None):
        return (server or self.mysql).sql(query, db=db)


def run_unit(build, results):
    tdir = os.path.join(ROOT, build, "tests")
    if not os.path.isdir(tdir):
        return
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    env.setdefault("TANDEM_CORPORA", os.path.join(ROOT, "..", "shared",
                                                  "corpora"))
    for name in sorted(os.listdir(tdir)):
        path = os.path.join(tdir, name)
        if not (name.startswith(("test_", "src_test_")) and
                os.access(path, os.X_OK)):
            continue
        t0 = time.monotonic()
        try:
            r = subprocess.run([path], cwd=ROOT, env=env, timeout=600,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               errors="replace")
            out, rc = r.stdout, r.returncode
        except subprocess.TimeoutExpired as e:
            out, rc = (e.stdout or b"").decode(errors="replace"), -1
            out += "\n(timed out)"
        npass = nfail = nskip = 0
        note = ""
        for line in out.splitlines():
            m = re.match(r"^(not ok|ok)\s+\d+\s*-?\s*(.*)$", line)
            if not m:
                # A test prints why it skips just before its SKIP line.
                if line.strip() and not line.startswith("#"):
                    note = line.strip()
                continue
            desc = m.group(2)
            if "# SKIP" in desc or "# skip" in desc:
                nskip += 1
                results.skip("unit/%s: %s%s" % (
                    name, desc.replace("# SKIP", "").strip(),
                    " (%s)" % note if note else ""))
            elif m.group(1) == "ok":
                npass += 1
            else:
                nfail += 1
            note = ""
        if rc != 0 and nfail == 0:
            nfail = 1
        if rc < 0 or rc >= 128:
            # A crash: every test that did not report is a failure.
            nfail = max(nfail, 1)
        results.passed += npass
        results.failed += nfail
        status = "ok" if nfail == 0 else "FAIL"
        print("unit %-28s %s (%d passed, %d failed, %d skipped, %.1fs)"
              % (name, status, npass, nfail, nskip, time.monotonic() - t0))
        if nfail:
            print(indent(out[-6000:]))
        sys.stdout.flush()


def indent(text):
    return "\n".join("    " + ln for ln in text.splitlines())


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = []

    def skip(self, what):
        self.skipped.append(what)


def load_integration(only_test):
    mods = []
    idir = os.path.join(HERE, "integration")
    for name in sorted(os.listdir(idir)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3],
                                                      os.path.join(idir,
                                                                   name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mod.Skip = Skip
        for fn in sorted(dir(mod)):
            if fn.startswith("test_") and callable(getattr(mod, fn)):
                full = "%s.%s" % (name[:-3], fn)
                if only_test and only_test not in full:
                    continue
                mods.append((full, getattr(mod, fn)))
    return mods


def run_integration(env, tests, results):
    for full, fn in tests:
        t0 = time.monotonic()
        try:
            fn(env)
        except Skip as e:
            results.skip("%s: %s" % (full, e))
            print("itest %-40s skipped: %s" % (full, e))
            continue
        except Exception:
            results.failed += 1
            print("itest %-40s FAIL (%.1fs)" % (full, time.monotonic() - t0))
            print(indent(traceback.format_exc()))
            sys.stdout.flush()
            continue
        results.passed += 1
        print("itest %-40s ok (%.1fs)" % (full, time.monotonic() - t0))
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=("unit", "integration"))
    ap.add_argument("-k", dest="test", help="run integration tests "
                    "whose name contains this")
    a = ap.parse_args()

    results = Results()
    if a.only != "integration" and not a.test:
        run_unit(a.build, results)

    servers_up = []
    if a.only != "unit":
        tests = load_integration(a.test)
        tmp = tempfile.mkdtemp(prefix="tandem-test-")
        env = Env(a.build, tmp)

        def stop_all(*_):
            for s in reversed(env.started + servers_up):
                s.stop()
            servers.cleanup(tmp)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        try:
            tls = servers.make_tls(os.path.join(tmp, "tls"))
            env.tls_ca = tls["ca"]
            env.mysql = servers.MariaDB(tmp, "mariadb", tls=tls)
            servers_up.append(env.mysql)
            env.mysql.start()
            env.mysql_port = env.mysql.port
            env.nobin = servers.MariaDB(tmp, "mariadb-nobin", log_bin=False)
            servers_up.append(env.nobin)
            env.nobin.start()
            env.dest = servers.MariaDB(tmp, "mariadb-dest")
            servers_up.append(env.dest)
            env.dest.start()
            run_integration(env, tests, results)
        except Exception:
            results.failed += 1
            print("integration setup FAIL")
            print(indent(traceback.format_exc()))
        finally:
            stop_all()

    for s in results.skipped:
        print("skipped: " + s)
    print("%d passed, %d failed" % (results.passed, results.failed))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
