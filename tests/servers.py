"""Real database servers for the tests, on 127.0.0.1 under a temp dir.

Each server gets an ephemeral port, its own datadir and socket, and is
stopped by stop().  MariaDB servers are initialized one at a time:
parallel mariadb-install-db runs collide on shared temp files.
"""

import os
import shutil
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out after %ss waiting for %s" % (timeout, what))


def make_tls(dirname):
    """A throwaway CA and a server certificate for localhost/127.0.0.1."""
    os.makedirs(dirname, exist_ok=True)

    def ossl(*args):
        subprocess.run(("openssl",) + args, cwd=dirname, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=tandem test CA", "-keyout", "ca-key.pem",
         "-out", "ca.pem")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", "server-key.pem", "-out", "server.csr")
    with open(os.path.join(dirname, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
         "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2",
         "-extfile", "ext.cnf", "-out", "server.pem")
    return {k: os.path.join(dirname, v) for k, v in
            (("ca", "ca.pem"), ("cert", "server.pem"),
             ("key", "server-key.pem"))}


class MariaDB:
    """One mariadbd with its own datadir, socket and port."""

    def __init__(self, root, name, log_bin=True, tls=None, extra=()):
        self.dir = os.path.join(root, name)
        self.datadir = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "mysqld.sock")
        self.port = free_port()
        self.log_bin = log_bin
        self.tls = tls
        self.extra = list(extra)
        self.proc = None
        self.errlog = os.path.join(self.dir, "error.log")

    def args(self):
        a = ["mariadbd", "--no-defaults", "--datadir=" + self.datadir,
             "--socket=" + self.sock, "--port=%d" % self.port,
             "--bind-address=127.0.0.1", "--skip-name-resolve",
             "--pid-file=" + os.path.join(self.dir, "mysqld.pid"),
             "--log-error=" + self.errlog, "--server-id=1",
             "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M",
             "--max-allowed-packet=64M", "--skip-log-bin"]
        if self.log_bin:
            a[-1] = "--log-bin=" + os.path.join(self.dir, "binlog", "bin")
            a += ["--binlog-format=ROW", "--binlog-row-image=FULL"]
            os.makedirs(os.path.join(self.dir, "binlog"), exist_ok=True)
        if self.tls:
            a += ["--ssl-ca=" + self.tls["ca"], "--ssl-cert=" +
                  self.tls["cert"], "--ssl-key=" + self.tls["key"]]
        if os.geteuid() == 0:
            a.append("--user=root")
        return a + self.extra

    def restart(self):
        """Stops the server and starts it again on the same datadir and
        port (no re-initialization)."""
        self.stop()
        self._launch()

    def _launch(self):
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited; see " + self.errlog +
                                   ":\n" + open(self.errlog).read()[-2000:])
            return subprocess.run(
                ["mariadb-admin", "--no-defaults", "-S", self.sock, "-uroot",
                 "ping"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0
        wait_until(up, 60, "mariadbd on port %d" % self.port)

    def start(self):
        os.makedirs(self.datadir, exist_ok=True)
        cmd = ["mariadb-install-db", "--no-defaults", "--datadir=" +
               self.datadir, "--auth-root-authentication-method=normal",
               "--skip-test-db"]
        if os.geteuid() == 0:
            cmd.append("--user=root")
        for attempt in range(3):
            # Another mariadb-install-db on the machine can collide with
            # this one on shared temp files: start over after a pause.
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                break
            shutil.rmtree(self.datadir, ignore_errors=True)
            os.makedirs(self.datadir)
            time.sleep(1 + attempt)
        else:
            raise RuntimeError("mariadb-install-db failed:\n" + r.stdout)
        self._launch()
        self.sql("""
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
            ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '';
            GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
            CREATE USER 'repl'@'%' IDENTIFIED BY 'replpw';
            GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.*
                TO 'repl'@'%';
            CREATE USER 'norepl'@'%' IDENTIFIED BY 'noreplpw';
            GRANT SELECT ON *.* TO 'norepl'@'%';
        """)

    def sql(self, query, db=None):
        """Runs SQL as root over the socket; returns rows as tuples of str
        (None for NULL)."""
        cmd = ["mariadb", "--no-defaults", "-S", self.sock, "-uroot",
               "--batch", "--skip-column-names", "--raw"]
        if db:
            cmd.append(db)
        r = subprocess.run(cmd, input=query, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("SQL failed: %s\n%s" % (r.stderr.strip(),
                                                        query[:500]))
        rows = []
        for line in r.stdout.splitlines():
            rows.append(tuple(None if c == "NULL" else c
                              for c in line.split("\t")))
        return rows

    def binlog_files(self):
        d = os.path.join(self.dir, "binlog")
        return sorted(os.path.join(d, f) for f in os.listdir(d)
                      if f.startswith("bin.") and f[4:].isdigit())

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def cleanup(root):
    shutil.rmtree(root, ignore_errors=True)


class Redis:
    """One redis-server on its own port and dir, without persistence.

    `extra` are more config directives as (name, value) pairs, e.g.
    ("requirepass", "pw") or ("cluster-enabled", "yes")."""

    def __init__(self, root, name, extra=()):
        self.dir = os.path.join(root, name)
        self.port = free_port()
        self.extra = list(extra)
        self.proc = None
        self.log = os.path.join(self.dir, "redis.log")
        self.password = dict(self.extra).get("requirepass")

    def args(self):
        a = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--logfile", self.log, "--save", "",
             "--appendonly", "no", "--daemonize", "no",
             "--dbfilename", "dump.rdb", "--protected-mode", "no",
             "--repl-diskless-sync-delay", "0",
             "--enable-debug-command", "yes"]
        for k, v in self.extra:
            a += ["--" + k, str(v)]
        return a

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        self._launch()
        return self

    def _launch(self):
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited; see " + self.log +
                                   ":\n" + open(self.log).read()[-2000:])
            try:
                return self.client().call("PING") in ("PONG", b"PONG")
            except OSError:
                return False
            except Exception as e:  # LOADING: the dataset is being read
                if "LOADING" in str(e):
                    return False
                raise
        wait_until(up, 60, "redis-server on port %d" % self.port)

    def restart(self):
        self.stop()
        self._launch()

    def client(self):
        import redisc
        return redisc.Client("127.0.0.1", self.port, password=self.password)

    def info(self, section=None):
        with self.client() as c:
            return c.info(section)

    def url(self, user=None, password=None):
        pw = password if password is not None else self.password
        auth = ""
        if user is not None or pw is not None:
            auth = "%s:%s@" % (user or "", pw or "")
        return "redis://%s127.0.0.1:%d" % (auth, self.port)

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class RedisCluster:
    """A Redis Cluster of `masters` masters and `replicas` replicas per
    master, each a Redis server above, created with redis-cli --cluster."""

    def __init__(self, root, name, masters=3, replicas=0, extra=()):
        # The bus port is set: port + 10000 may not exist.
        self.nodes = [Redis(root, "%s-%d" % (name, i), extra=[
            ("cluster-enabled", "yes"),
            ("cluster-config-file", "nodes.conf"),
            ("cluster-port", free_port()),
            ("cluster-node-timeout", "2000")] + list(extra))
            for i in range(masters * (1 + replicas))]
        self.masters = masters
        self.replicas = replicas

    def start(self):
        for n in self.nodes:
            n.start()
        subprocess.run(
            ["redis-cli", "--cluster", "create"] +
            ["127.0.0.1:%d" % n.port for n in self.nodes] +
            ["--cluster-replicas", str(self.replicas), "--cluster-yes"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            timeout=60)

        def ok():
            for n in self.nodes:
                info = n.client().call("CLUSTER", "INFO").decode()
                if "cluster_state:ok" not in info:
                    return False
            return len(self.master_nodes()) == self.masters
        wait_until(ok, 60, "cluster state ok")
        return self

    def master_nodes(self):
        """The Redis objects that are masters now."""
        out = []
        for n in self.nodes:
            if n.info("replication").get("role") == "master":
                out.append(n)
        return out

    def url(self):
        return self.nodes[0].url()

    def client(self):
        import redisc
        return redisc.ClusterClient([("127.0.0.1", n.port)
                                     for n in self.nodes])

    def stop(self):
        for n in self.nodes:
            n.stop()
