"""`tandem precheck TASK.json` against real MariaDB servers: a good set-up
passes every item; each bad set-up fails exactly its own item, and what
it leaves uncheckable is a "not checked" warning, never a failure of its
own.  The shared servers' global settings are left alone: binlog formats,
row images, purged binlogs and read-only are tried on a server this file
starts for itself."""

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import servers  # noqa: E402

ITEMS = [
    "source_connect", "source_auth", "source_version", "source_privileges",
    "dest_connect", "dest_auth", "dest_version", "dest_privileges",
    "binlog_enabled", "binlog_format", "binlog_row_image", "server_id",
    "start_position", "source_objects", "storage_engines", "charsets",
    "schema_conflicts", "foreign_keys", "primary_keys", "dest_databases",
    "dest_read_only",
]

SOURCE_SIDE = [
    "source_version", "source_privileges", "binlog_enabled",
    "binlog_format", "binlog_row_image", "server_id", "start_position",
    "source_objects", "storage_engines", "charsets", "foreign_keys",
    "primary_keys",
]

SCHEMA = """
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50))
    ENGINE=InnoDB;
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT,
    note VARCHAR(20) CHARACTER SET latin1,
    FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
CREATE TABLE codes (code CHAR(3) NOT NULL, label VARCHAR(20),
    UNIQUE KEY (code)) ENGINE=InnoDB;
INSERT INTO customers VALUES (1, 'a');
INSERT INTO orders VALUES (1, 1, 'x');
"""


def make_db(server, db, schema=SCHEMA):
    server.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`; USE `%s`;"
               "%s" % (db, db, db, schema))


def drop_dbs(server, *dbs):
    server.sql("".join("DROP DATABASE IF EXISTS `%s`;" % d for d in dbs))


def write_spec(env, name, objects, src=None, dst=None, **extra):
    spec = {
        "name": name,
        "source": {"type": "mysql", "url": src or env.url()},
        "destination": {"type": "mysql",
                        "url": dst or env.url(server=env.dest)},
        "objects": objects,
    }
    spec.update(extra)
    path = os.path.join(env.tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


class Report:
    """The parsed output of one `tandem precheck` run."""

    def __init__(self, rc, doc, raw):
        self.rc = rc
        self.doc = doc
        self.raw = raw
        self.items = {i["item"]: i for i in doc["items"]}

    def status(self, item):
        return self.items[item]["status"]

    def cause(self, item):
        return self.items[item]["cause"]

    def fix(self, item):
        return self.items[item]["fix"]

    def failed(self):
        return [i for i in ITEMS if self.status(i) == "failed"]

    def warnings(self):
        return [i for i in ITEMS if self.status(i) == "warning"]

    def show(self):
        return "\n".join("%s %s: %s | %s" % (i["item"], i["status"],
                                             i["cause"], i["fix"])
                         for i in self.doc["items"]
                         if i["status"] != "passed")


def precheck(env, path, timeout=60):
    r = env.run(["precheck", path], timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise AssertionError("precheck printed no JSON (exit %d): %s %s" % (
            r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    rep = Report(r.returncode, doc, r.stdout)
    assert [i["item"] for i in doc["items"]] == ITEMS, doc["items"]
    for i in doc["items"]:
        assert i["status"] in ("passed", "warning", "failed"), i
        if i["status"] == "passed":
            assert i["cause"] == "" and i["fix"] == "", i
        else:
            assert i["cause"] and i["fix"], i
            assert "\n" not in i["cause"] and "\n" not in i["fix"], i
    assert doc["passed"] == (not rep.failed()), doc
    assert rep.rc == (1 if rep.failed() else 0), (rep.rc, rep.show())
    return rep


def assert_passes(rep, warnings=()):
    assert rep.failed() == [], rep.show()
    assert sorted(rep.warnings()) == sorted(warnings), rep.show()


def assert_fails(rep, item, *words):
    """Exactly <item> failed, its cause or fix naming each of <words>."""
    assert rep.failed() == [item], "expected only %s to fail:\n%s" % (
        item, rep.show())
    text = rep.cause(item) + " " + rep.fix(item)
    for w in words:
        assert w in text, "%r not in %s: %s" % (w, item, text)


def assert_not_checked(rep, because, items):
    for i in items:
        assert rep.status(i) == "warning", (i, rep.show())
        assert rep.cause(i) == "not checked because %s failed" % because, (
            i, rep.show())


def master_status(server):
    f, p = server.sql("SHOW MASTER STATUS")[0][:2]
    return f, int(p)


def test_precheck_good_setups(env):
    make_db(env.mysql, "pc_src")
    drop_dbs(env.dest, "pc_dst", "pc_inc")
    try:
        # full+incremental into databases that do not exist yet: creatable
        rep = precheck(env, write_spec(env, "pc_good", [
            {"db": "pc_src", "as": "pc_dst"}], mode="full+incremental"))
        assert_passes(rep)

        # incremental needs the tables there already
        make_db(env.dest, "pc_inc", SCHEMA)
        f, pos = master_status(env.mysql)
        gtid = env.mysql.sql("SELECT @@gtid_binlog_pos")[0][0]
        for start in ("now", {"file": f, "pos": pos}, {"file": f, "pos": 4},
                      {"gtid": gtid}):
            rep = precheck(env, write_spec(env, "pc_good_inc", [
                {"db": "pc_src", "as": "pc_inc"}], start=start))
            assert_passes(rep)

        # over TLS, the server's certificate verified
        tls = env.url(query="?tls=verify&ca=" + env.tls_ca)
        rep = precheck(env, write_spec(env, "pc_good_tls", [
            {"db": "pc_src", "as": "pc_dst"}], src=tls,
            mode="full+incremental"))
        assert_passes(rep)

        # the account the test servers give replicas: enough for every mode
        repl = env.url("repl", "replpw")
        for mode in ("incremental", "full", "full+incremental"):
            rep = precheck(env, write_spec(
                env, "pc_good_repl", [{"db": "pc_src", "as": "pc_inc"}],
                src=repl, mode=mode, existing_tables="ignore"))
            assert_passes(rep)
    finally:
        drop_dbs(env.mysql, "pc_src")
        drop_dbs(env.dest, "pc_dst", "pc_inc")


def test_precheck_logins(env):
    make_db(env.mysql, "pc_src")
    try:
        objs = [{"db": "pc_src", "as": "pc_dst"}]
        # wrong password: one failure, the source's other items unchecked,
        # and the password nowhere in the report
        bad = env.url("root", "Wr0ng-s3cret")
        rep = precheck(env, write_spec(env, "pc_badpw", objs, src=bad,
                                       mode="full+incremental"))
        assert_fails(rep, "source_auth", "Access denied",
                     "user and password")
        assert rep.status("source_connect") == "passed"
        # the destination tables of a whole database come from the source
        assert_not_checked(rep, "source_auth",
                           SOURCE_SIDE + ["schema_conflicts"])
        assert "Wr0ng-s3cret" not in rep.raw
        for item in ("dest_connect", "dest_auth", "dest_privileges",
                     "dest_read_only", "dest_databases"):
            assert rep.status(item) == "passed", (item, rep.show())

        # nothing listens on the destination port
        port = servers.free_port()
        rep = precheck(env, write_spec(
            env, "pc_noport", objs, dst=env.url(server=_Port(port)),
            mode="full+incremental"))
        assert_fails(rep, "dest_connect", "127.0.0.1:%d" % port,
                     "connection refused")
        assert_not_checked(rep, "dest_connect", [
            "dest_auth", "dest_version", "dest_privileges",
            "schema_conflicts", "dest_databases", "dest_read_only"])
        for item in SOURCE_SIDE:
            assert rep.status(item) == "passed", (item, rep.show())

        # both sides down: each side's root cause, nothing else
        rep = precheck(env, write_spec(
            env, "pc_nothing", objs, src=env.url(server=_Port(port)),
            dst=env.url(server=_Port(port)), mode="full+incremental"))
        assert sorted(rep.failed()) == ["dest_connect", "source_connect"], \
            rep.show()
    finally:
        drop_dbs(env.mysql, "pc_src")


def test_precheck_silent_server(env):
    """A port that accepts connections and never greets: the wait for a
    session is bounded and names the step it stuck at."""
    make_db(env.mysql, "pc_src")
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(4)
    held = []
    stop = threading.Event()

    def accept():
        lsn.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsn.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        t0 = time.monotonic()
        rep = precheck(env, write_spec(
            env, "pc_silent", [{"db": "pc_src", "as": "pc_dst"}],
            dst=env.url(server=_Port(lsn.getsockname()[1])),
            mode="full+incremental"))
        took = time.monotonic() - t0
        assert_fails(rep, "dest_connect", "greeting")
        assert 5 < took < 15, took
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        lsn.close()
        drop_dbs(env.mysql, "pc_src")


class _Port:
    """A server object of env.url() for a port nothing listens on."""

    def __init__(self, port):
        self.port = port


def test_precheck_source_settings_and_objects(env):
    make_db(env.mysql, "pc_src")
    make_db(env.nobin, "pc_src")
    make_db(env.dest, "pc_inc", SCHEMA)
    env.mysql.sql("""
        DROP DATABASE IF EXISTS pc_eng; CREATE DATABASE pc_eng;
        CREATE TABLE pc_eng.plain (id INT PRIMARY KEY) ENGINE=InnoDB;
        CREATE TABLE pc_eng.mine (id INT PRIMARY KEY) ENGINE=MyISAM;
        CREATE TABLE pc_eng.merged (id INT NOT NULL, PRIMARY KEY (id))
            ENGINE=MRG_MyISAM UNION=(pc_eng.mine) INSERT_METHOD=LAST;
        CREATE TABLE pc_eng.nokey (a INT, b VARCHAR(5), UNIQUE KEY (a))
            ENGINE=InnoDB;
        CREATE VIEW pc_eng.v AS SELECT id FROM pc_eng.plain;
    """)
    drop_dbs(env.dest, "pc_dst", "pc_eng2")
    try:
        objs = [{"db": "pc_src", "as": "pc_dst"}]
        # binlog off: binlog_enabled, and what depends on it unchecked
        rep = precheck(env, write_spec(
            env, "pc_nobin", objs, src=env.url(server=env.nobin),
            mode="full+incremental"))
        assert_fails(rep, "binlog_enabled", "log_bin", "restart")
        assert_not_checked(rep, "binlog_enabled", [
            "binlog_format", "binlog_row_image", "start_position"])
        assert rep.status("server_id") == "passed"

        # an account with SELECT only
        rep = precheck(env, write_spec(
            env, "pc_norepl", [{"db": "pc_src", "as": "pc_inc"}],
            src=env.url("norepl", "noreplpw")))
        assert_fails(rep, "source_privileges", "REPLICATION SLAVE",
                     "BINLOG MONITOR", "GRANT REPLICATION SLAVE, BINLOG "
                     "MONITOR ON *.* TO 'norepl'@'%'")

        # a copy alone reads tables only; under a global read lock it needs
        # RELOAD and the binlog position too
        norepl = env.url("norepl", "noreplpw")
        assert_passes(precheck(env, write_spec(
            env, "pc_norepl_full", objs, src=norepl, mode="full")))
        rep = precheck(env, write_spec(env, "pc_norepl_lock", objs,
                                       src=norepl, mode="full",
                                       snapshot="lock"))
        assert_fails(rep, "source_privileges", "GRANT BINLOG MONITOR, "
                     "RELOAD ON *.* TO 'norepl'@'%'")

        # database grants through a LIKE pattern count; a database without
        # SELECT is named
        env.mysql.sql("""
            DROP USER IF EXISTS pc_user;
            CREATE USER pc_user IDENTIFIED BY 'pcpw';
            GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO pc_user;
            GRANT SELECT ON `pc\\_s%`.* TO pc_user;
            GRANT SELECT ON pc_eng.plain TO pc_user;
        """)
        user = env.url("pc_user", "pcpw")
        rep = precheck(env, write_spec(
            env, "pc_dbgrant", [{"db": "pc_src", "as": "pc_dst"},
                                {"db": "pc_eng", "as": "pc_eng2",
                                 "tables": [{"name": "plain"}]}],
            src=user, mode="full+incremental"))
        assert_passes(rep)
        rep = precheck(env, write_spec(
            env, "pc_dbgrant2", [{"db": "pc_src", "as": "pc_dst"},
                                 {"db": "pc_eng", "as": "pc_eng2"}],
            src=user, mode="full+incremental"))
        assert_fails(rep, "source_privileges", "SELECT on `pc_eng`.*",
                     "GRANT SELECT ON `pc_eng`.* TO 'pc_user'@'%'")
        # what the account cannot see is not reported missing on its own
        assert rep.status("source_objects") == "passed", rep.show()

        # a database and a table that are not there, and a view
        rep = precheck(env, write_spec(
            env, "pc_missing", [{"db": "pc_src", "as": "pc_dst"},
                                {"db": "pc_nope", "as": "pc_nope2"},
                                {"db": "pc_eng", "as": "pc_eng2",
                                 "tables": [{"name": "gone"},
                                            {"name": "v"}]}],
            mode="full+incremental"))
        assert_fails(rep, "source_objects", "database `pc_nope` does not "
                     "exist", "`pc_eng`.`gone` does not exist",
                     "`pc_eng`.`v` is a VIEW")

        # engines: MERGE fails, MyISAM warns; a table without a primary
        # key or NOT NULL unique key warns (a nullable unique key does not
        # count, a NOT NULL one does: `codes`)
        rep = precheck(env, write_spec(
            env, "pc_engines", [{"db": "pc_eng", "as": "pc_eng2"}],
            mode="full+incremental"))
        assert_fails(rep, "storage_engines", "`pc_eng`.`merged` "
                     "(MRG_MyISAM)")
        assert "`pc_eng`.`mine`" not in rep.cause("storage_engines")
        rep = precheck(env, write_spec(
            env, "pc_myisam", [{"db": "pc_eng", "as": "pc_eng2",
                                "tables": [{"name": "plain"},
                                           {"name": "mine"},
                                           {"name": "nokey"}]}],
            mode="full+incremental"))
        assert_passes(rep, warnings=["storage_engines", "primary_keys"])
        assert "`pc_eng`.`mine` (MyISAM)" in rep.cause("storage_engines")
        assert "`pc_eng`.`nokey`" in rep.cause("primary_keys")
        assert "`pc_eng`.`plain`" not in rep.cause("primary_keys")

        # a foreign key whose parent is not selected: failed for a copy,
        # a warning when only changes are streamed
        child = [{"db": "pc_src", "as": "pc_inc",
                  "tables": [{"name": "orders"}]}]
        rep = precheck(env, write_spec(env, "pc_fk_full", child,
                                       mode="full", existing_tables="ignore"))
        assert_fails(rep, "foreign_keys", "`pc_src`.`orders`",
                     "`pc_src`.`customers`")
        rep = precheck(env, write_spec(env, "pc_fk_inc", child))
        assert_passes(rep, warnings=["foreign_keys"])
    finally:
        env.mysql.sql("DROP USER IF EXISTS pc_user")
        drop_dbs(env.mysql, "pc_src", "pc_eng")
        drop_dbs(env.nobin, "pc_src")
        drop_dbs(env.dest, "pc_inc", "pc_dst", "pc_eng2")


def test_precheck_start_positions(env):
    make_db(env.mysql, "pc_src")
    make_db(env.dest, "pc_inc", SCHEMA)
    try:
        objs = [{"db": "pc_src", "as": "pc_inc"}]
        f, pos = master_status(env.mysql)
        size = pos

        def start(name, s):
            return precheck(env, write_spec(env, name, objs, start=s))

        rep = start("pc_pos_nofile", {"file": "bin.999999", "pos": 4})
        assert_fails(rep, "start_position", "bin.999999", "SHOW BINARY LOGS")
        rep = start("pc_pos_past", {"file": f, "pos": size + 1000})
        assert_fails(rep, "start_position", "past the end", f)
        rep = start("pc_pos_mid", {"file": f, "pos": 5})
        assert_fails(rep, "start_position", "not the start of an event")
        rep = start("pc_gtid_ahead", {"gtid": "0-1-999999999"})
        assert_fails(rep, "start_position", "ahead")
        rep = start("pc_gtid_mysql", {
            "gtid": "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"})
        assert_fails(rep, "start_position", "MySQL GTID", "MariaDB")
        # not checked without the privilege to list the binlogs
        rep = precheck(env, write_spec(
            env, "pc_pos_norepl", objs, src=env.url("norepl", "noreplpw"),
            start={"file": f, "pos": 4}))
        assert_fails(rep, "source_privileges")
        assert_not_checked(rep, "source_privileges", ["start_position"])
    finally:
        drop_dbs(env.mysql, "pc_src")
        drop_dbs(env.dest, "pc_inc")


def test_precheck_destination(env):
    make_db(env.mysql, "pc_src")
    drop_dbs(env.dest, "pc_dst", "pc_inc")
    try:
        objs = [{"db": "pc_src", "as": "pc_dst"}]
        # a table already there under "intercept"
        env.dest.sql("CREATE DATABASE pc_dst; CREATE TABLE pc_dst.orders "
                     "(id INT PRIMARY KEY)")
        rep = precheck(env, write_spec(env, "pc_conflict", objs,
                                       mode="full+incremental"))
        assert_fails(rep, "schema_conflicts", "`pc_dst`.`orders`",
                     "existing_tables")
        assert "`pc_dst`.`customers`" not in rep.cause("schema_conflicts")
        for mode in ("ignore", "clear"):
            rep = precheck(env, write_spec(env, "pc_conflict_" + mode, objs,
                                           mode="full+incremental",
                                           existing_tables=mode))
            assert_passes(rep)

        # incremental: the destination tables must exist
        rep = precheck(env, write_spec(env, "pc_inc_missing", objs))
        assert_fails(rep, "dest_databases", "`pc_dst`.`customers`",
                     "full+incremental")
        assert "`pc_dst`.`orders`" not in rep.cause("dest_databases")
        rep = precheck(env, write_spec(env, "pc_inc_nodb", [
            {"db": "pc_src", "as": "pc_inc"}]))
        assert_fails(rep, "dest_databases", "database `pc_inc` does not "
                     "exist")

        # an account that may only read the destination
        env.dest.sql("""
            DROP USER IF EXISTS pc_reader;
            CREATE USER pc_reader IDENTIFIED BY 'rdpw';
            GRANT SELECT ON *.* TO pc_reader;
            DROP USER IF EXISTS pc_writer;
            CREATE USER pc_writer IDENTIFIED BY 'wrpw';
            GRANT ALL ON `pc\\_d%`.* TO pc_writer;
            GRANT ALL ON tandem.* TO pc_writer;
        """)
        rep = precheck(env, write_spec(
            env, "pc_reader", [{"db": "pc_src", "as": "pc_new"}],
            dst=env.url("pc_reader", "rdpw", server=env.dest),
            mode="full+incremental"))
        assert_fails(rep, "dest_privileges", "INSERT", "`pc_new`.*",
                     "`tandem`.*", "GRANT")
        assert_not_checked(rep, "dest_privileges", ["dest_databases"])
        # grants on a pattern of databases and on the tandem database do
        rep = precheck(env, write_spec(
            env, "pc_writer", [{"db": "pc_src", "as": "pc_dst2"}],
            dst=env.url("pc_writer", "wrpw", server=env.dest),
            mode="full+incremental"))
        assert_passes(rep)
    finally:
        env.dest.sql("DROP USER IF EXISTS pc_reader; "
                     "DROP USER IF EXISTS pc_writer")
        drop_dbs(env.mysql, "pc_src")
        drop_dbs(env.dest, "pc_dst", "pc_inc", "pc_dst2")


def test_precheck_own_server(env):
    """Settings the shared servers must keep: tried on a server of this
    test's own, reconfigured between cases."""
    own = servers.MariaDB(env.tmp, "mariadb-precheck")
    own.start()
    try:
        make_db(own, "pc_src")
        make_db(env.mysql, "pc_src")
        drop_dbs(env.dest, "pc_dst")
        objs = [{"db": "pc_src", "as": "pc_dst"}]
        src = env.url(server=own)

        def run(name, mode="full+incremental", **kw):
            return precheck(env, write_spec(env, name, objs, src=src,
                                            mode=mode, **kw))

        assert_passes(run("pc_own_good"))

        own.sql("SET GLOBAL binlog_format = STATEMENT")
        rep = run("pc_statement")
        assert_fails(rep, "binlog_format", "STATEMENT", "127.0.0.1:%d" %
                     own.port, "SET GLOBAL binlog_format = ROW")
        # a copy alone does not read the binlog: a warning
        assert_passes(run("pc_statement_full", mode="full"),
                      warnings=["binlog_format"])

        own.sql("SET GLOBAL binlog_format = ROW; "
                "SET GLOBAL binlog_row_image = MINIMAL")
        rep = run("pc_minimal")
        assert_fails(rep, "binlog_row_image", "MINIMAL",
                     "SET GLOBAL binlog_row_image = FULL")
        own.sql("SET GLOBAL binlog_row_image = FULL")

        # purged binlogs: a GTID or file from before the oldest binlog
        make_db(env.dest, "pc_dst", SCHEMA)
        old_gtid = own.sql("SELECT @@gtid_binlog_pos")[0][0]
        old_file = master_status(own)[0]
        own.sql("INSERT INTO pc_src.customers VALUES (2, 'b'); "
                "FLUSH BINARY LOGS; "
                "INSERT INTO pc_src.customers VALUES (3, 'c')")
        new_file = master_status(own)[0]
        own.sql("PURGE BINARY LOGS TO '%s'" % new_file)
        rep = run("pc_purged_gtid", mode="incremental",
                  start={"gtid": old_gtid})
        assert_fails(rep, "start_position", "purged")
        rep = run("pc_purged_file", mode="incremental",
                  start={"file": old_file, "pos": 4})
        assert_fails(rep, "start_position", old_file, "purged")
        now_gtid = own.sql("SELECT @@gtid_binlog_pos")[0][0]
        assert_passes(run("pc_gtid_now", mode="incremental",
                          start={"gtid": now_gtid}))
        drop_dbs(env.dest, "pc_dst")

        # as the destination: read-only
        own.sql("SET GLOBAL read_only = 1")
        rep = precheck(env, write_spec(
            env, "pc_readonly", objs, dst=env.url(server=own),
            mode="full+incremental"))
        assert_fails(rep, "dest_read_only", "read_only",
                     "127.0.0.1:%d" % own.port)
        own.sql("SET GLOBAL read_only = 0")
    finally:
        own.stop()
        drop_dbs(env.mysql, "pc_src")
        drop_dbs(env.dest, "pc_dst")


def test_precheck_cli(env):
    r = env.run(["precheck"])
    assert r.returncode == 2 and "give one task spec file" in r.stderr, r
    bad = os.path.join(env.tmp, "pc_bad.json")
    with open(bad, "w") as f:
        f.write('{"name": "x"}')
    r = env.run(["precheck", bad])
    assert r.returncode == 2 and "pc_bad.json" in r.stderr, r
    assert r.stdout == "", r.stdout
    r = env.run(["precheck", os.path.join(env.tmp, "pc_none.json")])
    assert r.returncode == 2, r
