#!/usr/bin/env python3
"""make demo: a throwaway MariaDB on loopback, a few rows of several types,
and `tandem binlog` printing them live as they are written; then a second
MariaDB kept in step by `tandem run`, with the database renamed, a column
renamed, one left out and a row filter, shown after each change."""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

STEPS = [
    ("create a table with several column types", """
        CREATE DATABASE shop;
        CREATE TABLE shop.orders (
            id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
            customer VARCHAR(40) CHARACTER SET utf8mb4,
            total DECIMAL(10,2),
            placed DATETIME(3),
            status ENUM('new','paid','shipped'),
            tags SET('gift','express','fragile'),
            weight DOUBLE,
            note BLOB);"""),
    ("insert two rows", """
        INSERT INTO shop.orders (customer, total, placed, status, tags,
                                 weight, note) VALUES
          ('Zoë', 12.34, '2026-01-31 12:00:00.125', 'new', 'gift,express',
           1.5, x'00ff10'),
          ('Chen 陈', 99.99, NOW(3), 'paid', '', 0.25, NULL);"""),
    ("update one", "UPDATE shop.orders SET status = 'shipped', "
                   "tags = 'fragile' WHERE id = 1;"),
    ("add a column, then write with it", """
        ALTER TABLE shop.orders ADD COLUMN coupon CHAR(8) AFTER total;
        INSERT INTO shop.orders (customer, total, coupon, status)
          VALUES ('Ana', 5.00, 'WELCOME', 'new');"""),
    ("delete one", "DELETE FROM shop.orders WHERE id = 2;"),
]


TASK_STEPS = [
    ("a new order and a paid one", """
        INSERT INTO shop.orders (customer, total, status, note)
          VALUES ('Ines', 20.00, 'new', 'private'),
                 ('Omar', 75.50, 'paid', 'private');"""),
    ("the new order is paid: it enters the filter", """
        UPDATE shop.orders SET status = 'paid' WHERE customer = 'Ines';"""),
    ("a column is added at the source", """
        ALTER TABLE shop.orders ADD COLUMN channel VARCHAR(10) DEFAULT 'web';
        UPDATE shop.orders SET channel = 'phone' WHERE customer = 'Omar';"""),
    ("a paid order is refunded: it leaves the filter", """
        UPDATE shop.orders SET status = 'new' WHERE customer = 'Omar';"""),
]


def show(dest):
    rows = dest.sql("SELECT * FROM shop_copy.paid_orders ORDER BY id")
    cols = [r[0] for r in dest.sql(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = 'shop_copy' AND TABLE_NAME = 'paid_orders' "
        "ORDER BY ORDINAL_POSITION")]
    print("demo: destination shop_copy.paid_orders (%s):" % ", ".join(cols))
    for r in rows:
        print("        %s" % " | ".join("NULL" if v is None else v
                                        for v in r))


def replication(tandem, tmp, db):
    """`tandem run`: shop.orders to shop_copy.paid_orders on another
    server, paid orders only, `customer` as `buyer`, `note` left out."""
    dest = servers.MariaDB(tmp, "destination", log_bin=False)
    print("\ndemo: starting a second MariaDB as the destination")
    dest.start()
    proc = None
    try:
        dest.sql("""CREATE DATABASE shop_copy;
            CREATE TABLE shop_copy.paid_orders (
                id INT UNSIGNED PRIMARY KEY, buyer VARCHAR(40)
                CHARACTER SET utf8mb4, total DECIMAL(10,2), coupon CHAR(8),
                placed DATETIME(3), status ENUM('new','paid','shipped'),
                tags SET('gift','express','fragile'), weight DOUBLE);""")
        spec = {"name": "demo",
                "source": {"type": "mysql", "url":
                           "mysql://repl:replpw@127.0.0.1:%d" % db.port},
                "destination": {"type": "mysql", "url":
                                "mysql://root@127.0.0.1:%d" % dest.port},
                "objects": [{"db": "shop", "as": "shop_copy", "tables": [
                    {"name": "orders", "as": "paid_orders",
                     "columns": {"customer": "buyer"},
                     "exclude_columns": ["note"],
                     "filter": "status IN ('paid', 'shipped')"}]}],
                "conflict": "overwrite"}
        path = os.path.join(tmp, "demo-task.json")
        with open(path, "w") as f:
            json.dump(spec, f, indent=2)
        print("demo: task spec %s:\n%s" % (path, json.dumps(spec, indent=2)))
        print("demo: $ %s run %s" % (tandem, path))
        proc = subprocess.Popen([tandem, "run", path, "--data-dir",
                                 os.path.join(tmp, "data")])
        time.sleep(1.5)
        for what, sql in TASK_STEPS:
            print("\ndemo: -- %s" % what, flush=True)
            db.sql(sql)
            time.sleep(1.5)
            show(dest)
        print("\ndemo: stopping the task (SIGTERM)")
        proc.terminate()
        rc = proc.wait(30)
        proc = None
        if rc != 0:
            print("demo: tandem run exited with status %d" % rc)
            return 1
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        dest.stop()


def main():
    build = sys.argv[sys.argv.index("--build") + 1] if "--build" in \
        sys.argv else "build"
    tandem = os.path.join(build, "tandem")
    tmp = tempfile.mkdtemp(prefix="tandem-demo-")
    db = servers.MariaDB(tmp, "mariadb")
    print("demo: starting MariaDB on 127.0.0.1 (temp datadir %s)" % tmp)
    db.start()
    url = "mysql://repl:replpw@127.0.0.1:%d" % db.port
    print("demo: $ %s binlog --source %s" % (tandem, url))
    proc = subprocess.Popen([tandem, "binlog", "--source", url])
    try:
        time.sleep(1.0)
        for what, sql in STEPS:
            print("\ndemo: -- %s" % what, flush=True)
            db.sql(sql)
            time.sleep(1.0)
        print("\ndemo: stopping tandem binlog (SIGTERM)")
        proc.terminate()
        rc = proc.wait(10)
        if rc not in (0, -15):
            print("demo: tandem exited with status %d" % rc)
            return 1
        rc = replication(tandem, tmp, db)
        print("\ndemo: done; stopping MariaDB")
        return rc
    finally:
        if proc.poll() is None:
            proc.kill()
        db.stop()
        servers.cleanup(tmp)


if __name__ == "__main__":
    sys.exit(main())
