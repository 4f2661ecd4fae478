"""A small blocking Redis client for the tests: RESP2 over a socket, with
pipelining.  Replies come back as bytes (bulk and simple strings), int,
list or None; an error reply raises ReplyError."""

import socket
import time


class ReplyError(Exception):
    """An error reply from the server (-ERR ...)."""


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, host, port, password=None, user=None, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        if password is not None:
            if user:
                self.call("AUTH", user, password)
            else:
                self.call("AUTH", password)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise ConnectionError("redis closed the connection")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _reply(self, raise_errors=True):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            e = ReplyError(rest.decode(errors="replace"))
            if raise_errors:
                raise e
            return e
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self._reply(raise_errors=False) for _ in range(n)]
        raise ConnectionError("bad reply line %r" % line[:80])

    def call(self, *args):
        """One command; returns its reply, str for simple strings."""
        self.sock.sendall(encode(*args))
        r = self._reply()
        return r.decode() if isinstance(r, bytes) and args and \
            args[0].upper() in ("PING", "INFO") else r

    def pipeline(self, cmds, chunk=1000):
        """Sends many commands (tuples) in chunks; returns their replies
        (errors as ReplyError objects, not raised)."""
        out = []
        for i in range(0, len(cmds), chunk):
            part = cmds[i:i + chunk]
            self.sock.sendall(b"".join(encode(*c) for c in part))
            out.extend(self._reply(raise_errors=False) for _ in part)
        return out

    def info(self, section=None):
        text = self.call("INFO", *( [section] if section else []))
        d = {}
        for ln in text.splitlines():
            if ":" in ln and not ln.startswith("#"):
                k, v = ln.split(":", 1)
                d[k] = v
        return d


def crc16(data):
    """CRC16-XMODEM, the Redis Cluster key hash."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc


def key_slot(key):
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    return crc16(key) % 16384


class ClusterClient:
    """Routes each command by the slot of its first key (args[1]) to the
    master serving it; keyless commands go to every master.  MOVED makes
    it read the slot map again."""

    def __init__(self, addrs):
        self.addrs = list(addrs)
        self.conns = {}
        self.refresh()

    def conn(self, addr):
        if addr not in self.conns:
            self.conns[addr] = Client(*addr)
        return self.conns[addr]

    def refresh(self):
        for addr in self.addrs:
            try:
                slots = self.conn(addr).call("CLUSTER", "SLOTS")
                break
            except (OSError, ConnectionError):
                self.conns.pop(addr, None)
        self.owner = [None] * 16384
        self.masters = []
        for s in slots:
            a = ((s[2][0] or b"127.0.0.1").decode(), int(s[2][1]))
            if a not in self.masters:
                self.masters.append(a)
            for i in range(s[0], s[1] + 1):
                self.owner[i] = a

    def node_for(self, key):
        return self.conn(self.owner[key_slot(key)])

    @staticmethod
    def key_of(args):
        """The key a command is routed by (its subcommand's for DEBUG,
        XINFO, OBJECT and MEMORY)."""
        if str(args[0]).upper() in ("DEBUG", "XINFO", "OBJECT", "MEMORY"):
            return args[2]
        return args[1]

    def scan_keys(self, match=b"*"):
        out = set()
        for m in self.masters:
            c, cursor = self.conn(m), b"0"
            while True:
                cursor, batch = c.call("SCAN", cursor, "MATCH", match,
                                       "COUNT", 10000)
                out.update(batch)
                if cursor == b"0":
                    break
        return out

    def call(self, *args):
        if len(args) < 2 or args[0].upper() in ("SELECT", "INFO",
                                                "FLUSHALL", "DBSIZE"):
            return [self.conn(m).call(*args) for m in self.masters]
        for _ in range(5):
            try:
                return self.node_for(self.key_of(args)).call(*args)
            except ReplyError as e:
                if not str(e).startswith(("MOVED", "TRYAGAIN", "CLUSTERDOWN")):
                    raise
                time.sleep(0.2)
                self.refresh()
        return self.node_for(self.key_of(args)).call(*args)

    def pipeline(self, cmds, chunk=1000):
        """Commands by node, each node's in order; replies in the order
        of cmds."""
        out = [None] * len(cmds)
        by = {}
        for i, c in enumerate(cmds):
            by.setdefault(self.owner[key_slot(self.key_of(c))],
                          []).append(i)
        for addr, idx in by.items():
            rs = self.conn(addr).pipeline([cmds[i] for i in idx], chunk)
            for i, r in zip(idx, rs):
                out[i] = r
        return out

    def close(self):
        for c in self.conns.values():
            c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
