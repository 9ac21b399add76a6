"""A minimal MQTT 3.1.1 client over a TCP socket (OASIS MQTT Version 3.1.1): CONNECT with clean session
and an optional retained Will, SUBSCRIBE, PUBLISH at QoS 1 (waiting for PUBACK) with the retain flag, and
incoming PUBLISH at QoS 0 or 1 (acknowledged), delivered to a callback from a reader thread. Keep-alive
by PINGREQ. Nothing else of the protocol is needed by the agent."""

import socket
import sys
import struct
import threading
import time

CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 1, 2, 3, 4, 8, 9, 12, 13, 14


def _varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack(">H", len(b)) + b


class MqttError(Exception):
    pass


class Client:
    def __init__(self, host, port, client_id, on_message, keepalive=30, will=None, timeout=30.0):
        """will: (topic, payload bytes) published retained at QoS 1 by the broker if the link drops."""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(None)
        self.on_message = on_message
        self.keepalive = keepalive
        self.timeout = timeout
        self._lock = threading.Lock()
        self._acks = {}
        self._cond = threading.Condition()
        self._next_id = 0
        self._closed = False
        flags = 0x02  # clean session
        payload = _str(client_id)
        if will is not None:
            flags |= 0x04 | (1 << 3) | 0x20  # will flag, will QoS 1, will retain
            payload += _str(will[0]) + _str(will[1])
        var = _str("MQTT") + bytes([4, flags]) + struct.pack(">H", keepalive)
        self._send(CONNECT << 4, var + payload)
        ptype, _, body = self._read_packet()
        if ptype != CONNACK or len(body) != 2 or body[1] != 0:
            raise MqttError(f"connection refused: packet {ptype}, {body.hex()}")
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._pinger = threading.Thread(target=self._ping_loop, daemon=True)
        self._pinger.start()

    # -- wire
    def _send(self, first, body):
        with self._lock:
            self.sock.sendall(bytes([first]) + _varint(len(body)) + body)

    def _read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise MqttError("connection closed by the broker")
            buf += chunk
        return bytes(buf)

    def _read_packet(self):
        first = self._read_exact(1)[0]
        mult, length = 1, 0
        for _ in range(4):
            b = self._read_exact(1)[0]
            length += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                break
        return first >> 4, first & 0x0F, self._read_exact(length)

    def _pid(self):
        with self._lock:
            self._next_id = self._next_id % 65535 + 1
            return self._next_id

    def _wait_ack(self, pid, kind):
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while (kind, pid) not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise MqttError(f"no {kind} for packet {pid}")
                self._cond.wait(left)
            return self._acks.pop((kind, pid))

    def _read_loop(self):
        try:
            while True:
                ptype, flags, body = self._read_packet()
                if ptype == PUBLISH:
                    qos = (flags >> 1) & 3
                    tlen = struct.unpack(">H", body[:2])[0]
                    topic = body[2 : 2 + tlen].decode("utf-8")
                    rest = body[2 + tlen :]
                    if qos > 0:
                        pid = struct.unpack(">H", rest[:2])[0]
                        rest = rest[2:]
                        self._send(PUBACK << 4, struct.pack(">H", pid))
                    try:
                        self.on_message(topic, rest, bool(flags & 1))
                    except Exception as e:  # a handler's failure must not end the link
                        print(f"mqtt handler failed on {topic}: {e!r}", flush=True, file=sys.stderr)
                elif ptype in (PUBACK, SUBACK):
                    pid = struct.unpack(">H", body[:2])[0]
                    with self._cond:
                        self._acks[(ptype, pid)] = body[2:]
                        self._cond.notify_all()
        except (MqttError, OSError):
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _ping_loop(self):
        while not self._closed:
            time.sleep(self.keepalive / 2)
            try:
                self._send(PINGREQ << 4, b"")
            except OSError:
                return

    # -- API
    def subscribe(self, *filters):
        pid = self._pid()
        body = struct.pack(">H", pid) + b"".join(_str(f) + b"\x01" for f in filters)
        self._send((SUBSCRIBE << 4) | 0x02, body)
        granted = self._wait_ack(pid, SUBACK)
        if any(g == 0x80 for g in granted):
            raise MqttError(f"subscription refused: {filters}")

    def publish(self, topic, payload, retain=False):
        pid = self._pid()
        self._send((PUBLISH << 4) | 0x02 | (1 if retain else 0), _str(topic) + struct.pack(">H", pid) + payload)
        self._wait_ack(pid, PUBACK)

    def disconnect(self):
        try:
            self._send(DISCONNECT << 4, b"")
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._closed = True
