"""A TCP proxy between tandem and a real MariaDB that injects faults into
the binlog stream, which a real server will not produce on demand.

It forwards bytes both ways unchanged until the client sends a
COM_BINLOG_DUMP; from then on it parses server packets and, at the n-th
binlog event of at least min_len bytes, applies one fault:

  crc        flip a byte inside the event (its CRC32 no longer matches)
  truncate   cut the event short (the packet length is fixed up, so the
             framing stays valid and only the event is incomplete)
  type=N     rewrite the event type to N and recompute the CRC32;
             with ignorable=True the LOG_EVENT_IGNORABLE_F flag is set
  cut        close both connections right after forwarding it

Each fault fires once; later connections pass through untouched.
"""

import socket
import struct
import threading
import zlib


class FaultProxy:
    def __init__(self, target_port, fault, at=3, min_len=0, ignorable=False):
        self.target = ("127.0.0.1", target_port)
        self.fault = fault
        self.at = at
        self.min_len = min_len
        self.ignorable = ignorable
        self.fired = False
        self.connections = 0
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stopping = True
        try:
            self.lsock.close()
        except OSError:
            pass

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.connections += 1
            s = socket.create_connection(self.target)
            state = {"dump": False}
            threading.Thread(target=self._up, args=(c, s, state),
                             daemon=True).start()
            threading.Thread(target=self._down, args=(s, c, state),
                             daemon=True).start()

    def _up(self, c, s, state):
        """Client to server: watch for the dump command."""
        buf = b""
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= 4:
                    n = int.from_bytes(buf[:3], "little")
                    if len(buf) < 4 + n:
                        break
                    if n > 0 and buf[4] in (0x12, 0x1e):
                        state["dump"] = True
                    buf = buf[4 + n:]
                s.sendall(data)
        except OSError:
            pass
        _close(c, s)

    def _down(self, s, c, state):
        """Server to client: count events after the dump, inject."""
        buf = b""
        events = 0
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                if not state["dump"] or self.fired:
                    if buf:
                        data, buf = buf + data, b""
                    c.sendall(data)
                    continue
                buf += data
                out = b""
                while len(buf) >= 4:
                    n = int.from_bytes(buf[:3], "little")
                    if len(buf) < 4 + n:
                        break
                    pkt, buf = buf[:4 + n], buf[4 + n:]
                    if n > 20 and pkt[4] == 0 and n - 1 >= self.min_len:
                        events += 1
                        if events == self.at and not self.fired:
                            self.fired = True
                            if self.fault == "cut":
                                c.sendall(out + pkt)
                                _close(c, s)
                                return
                            pkt = self._inject(pkt)
                    out += pkt
                c.sendall(out)
        except OSError:
            pass
        _close(c, s)

    def _inject(self, pkt):
        seq = pkt[3:4]
        ev = bytearray(pkt[5:])
        if self.fault == "crc":
            ev[len(ev) // 2] ^= 0x5a
        elif self.fault == "truncate":
            ev = ev[:len(ev) // 2]
        elif self.fault.startswith("type="):
            ev[4] = int(self.fault[5:])
            flags = struct.unpack_from("<H", ev, 17)[0]
            if self.ignorable:
                flags |= 0x80
            struct.pack_into("<H", ev, 17, flags)
            struct.pack_into("<I", ev, len(ev) - 4,
                             zlib.crc32(bytes(ev[:-4])) & 0xffffffff)
        body = b"\x00" + bytes(ev)
        return len(body).to_bytes(3, "little") + seq + body


def _close(*socks):
    for x in socks:
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            x.close()
        except OSError:
            pass
