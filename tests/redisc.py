"""A small blocking Redis client for the tests: RESP2 over a socket, with
pipelining.  Replies come back as bytes (bulk and simple strings), int,
list or None; an error reply raises ReplyError."""

import socket


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
