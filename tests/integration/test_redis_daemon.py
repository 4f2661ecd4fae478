"""A Redis to Redis task driven through the daemon's API: created with a
password in both URLs, prechecked, started, streaming with its delay
measured, paused and resumed, restarted with the daemon, stopped, reset
(its checkpoint at the destination forgotten) and deleted; the data equal
along the way, and no password in any answer or in the store's files."""

import os
import time

import rediscmp
from test_daemon import Daemon

SRC_PW = "Rsrc-pw-71a2"
DST_PW = "Rdst-pw-0c3f"


def wait_equal(sc, dc, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        d = rediscmp.differences(sc, dc)
        if not d:
            return
        assert time.monotonic() < deadline, d
        time.sleep(0.2)


def test_redis_task_through_the_daemon(env):
    src = env.redis("d-src", extra=[("requirepass", SRC_PW)])
    dst = env.redis("d-dst", extra=[("requirepass", DST_PW)])
    sc, dc = src.client(), dst.client()
    sc.pipeline([("SET", "k%d" % i, i) for i in range(500)] +
                [("RPUSH", "l", i) for i in range(100)])
    d = Daemon(env, "rdaemon")
    d.start()
    answers = []
    try:
        spec = {"name": "redis-life",
                "source": {"type": "redis", "url": src.url()},
                "destination": {"type": "redis", "url": dst.url()}}
        a = d.ok("POST", "/v1/tasks", spec, want=201)
        answers.append(str(a))
        a = d.ok("POST", "/v1/tasks/redis-life/precheck")
        answers.append(str(a))
        items = {i["item"]: i["status"] for i in a["report"]}
        assert "source_psync" in items and "failed" not in items.values(), a
        d.ok("POST", "/v1/tasks/redis-life/start")
        d.wait_status("redis-life", ["incremental"])
        sc.call("INCR", "k1")
        sc.call("LPUSH", "l", "x")
        wait_equal(sc, dc)

        # the delay comes from the heartbeat, within a few seconds
        deadline = time.monotonic() + 10
        while True:
            t = d.ok("GET", "/v1/tasks/redis-life")
            last = t["metrics"]["delay_ms"]["last"]
            if last is not None:
                break
            assert time.monotonic() < deadline, t
            time.sleep(0.2)
        assert 0 <= last < 5000, t
        answers.append(str(t))

        # paused: nothing applied; resumed from the checkpoint
        d.ok("POST", "/v1/tasks/redis-life/pause")
        sc.call("SET", "while-paused", "1")
        time.sleep(1)
        assert dc.call("EXISTS", "while-paused") == 0
        d.ok("POST", "/v1/tasks/redis-life/resume")
        d.wait_status("redis-life", ["incremental"])
        wait_equal(sc, dc)

        # a daemon restart resumes the task from its checkpoint
        d.stop()
        sc.call("SET", "while-down", "1")
        d.start()
        d.wait_status("redis-life", ["incremental"])
        wait_equal(sc, dc)
        assert "partial resynchronisation" in d.stderr()

        # stop, reset: the checkpoint at the destination is forgotten
        a = d.ok("POST", "/v1/tasks/redis-life/stop")
        assert a["status"] == "completed", a
        assert dc.call("EXISTS", "tandem:checkpoint:redis-life") == 1
        a = d.ok("POST", "/v1/tasks/redis-life/reset")
        assert a["status"] == "created", a
        assert dc.call("EXISTS", "tandem:checkpoint:redis-life") == 0
        code, a = d.call("PATCH", "/v1/tasks/redis-life",
                         {"objects": {"add": [{"db": 1}]}})
        assert code == 409, a
        d.ok("DELETE", "/v1/tasks/redis-life")
        for text in answers + [d.stderr()]:
            assert SRC_PW not in text and DST_PW not in text
        for f in os.listdir(d.data):
            path = os.path.join(d.data, f)
            if os.path.isfile(path):
                with open(path, "rb") as fh:
                    blob = fh.read()
                assert SRC_PW.encode() not in blob, f
                assert DST_PW.encode() not in blob, f
    finally:
        if d.proc is not None and d.proc.poll() is None:
            d.stop()
        src.stop()
        dst.stop()
