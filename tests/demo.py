#!/usr/bin/env python3
"""make demo: a throwaway MariaDB on loopback, a few rows of several types,
and `tandem binlog` printing them live as they are written."""

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
        print("\ndemo: done; stopping tandem (SIGTERM) and MariaDB")
        proc.terminate()
        rc = proc.wait(10)
        if rc not in (0, -15):
            print("demo: tandem exited with status %d" % rc)
            return 1
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()
        db.stop()
        servers.cleanup(tmp)


if __name__ == "__main__":
    sys.exit(main())
