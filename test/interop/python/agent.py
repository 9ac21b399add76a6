"""An agentnet agent written from docs/spec/ alone (protocol.md: "What an independent implementation needs
to be discovered", the announce half, answering direct requests, and the checking half of "receive").

It makes an operator key and an agent key, binds them (binding, tier 2), publishes its birth, announces
declarations in one topic (body retained on b/, entry on h/, frontier retained on f/), answers getEntries
and getBody on its inbox, and decodes and verifies every birth, death, entry, frontier and body other
agents publish in that topic. It reports on stdout, one JSON object a line ("event": ready, appended,
verified, rejected, answered, stopped), and takes commands on stdin, one JSON object a line:

  {"cmd": "announce", "kind": "capability", "tags": [...], "text": "...", "key": "k" (optional)}
  {"cmd": "withdraw", "key": "k" (optional: without it every declaration in the topic)}
  {"cmd": "stop"}   publishes its death retained on n/{agent}, disconnects and exits

usage: /usr/bin/python3 agent.py --port P --network N --topic T [--host 127.0.0.1]
"""

import argparse
import hashlib
import json
import os
import queue
import sys
import threading
import time

import agentnet_spec as s
import mqtt311

HOUR = 3_600_000
SKEW_MS = 5 * 60_000  # a request's ts may be this far from our clock (protocol.md "Direct requests")


def now_ms():
    return int(time.time() * 1000)


def emit(**event):
    print(json.dumps(event, sort_keys=True), flush=True)


class Agent:
    def __init__(self, host, port, network, topic):
        if not s.NETWORK_RE.match(network) or not s.TOPIC_RE.match(topic):
            raise ValueError("network or topic does not match its pattern")
        self.topic = topic
        self.root = f"agentnet/v1/{network}/"
        self.operator = s.Key(os.urandom(32))
        self.agent = s.Key(os.urandom(32))
        self.me = self.agent.pub.hex()
        # codeHash: SHA-256 of this agent's own code (objects.md: nothing checks it below tier 3).
        here = os.path.dirname(os.path.abspath(__file__))
        code = hashlib.sha256()
        for f in ("agent.py", "agentnet_spec.py", "mqtt311.py"):
            code.update(open(os.path.join(here, f), "rb").read())
        t = now_ms()
        self.binding = s.make_binding(
            self.operator,
            self.agent,
            code.digest(),
            {2: s.sha256(b"tool policy: none")},
            os.urandom(16),
            t - 60_000,
            t + 24 * HOUR,
            scope=[topic],
        )
        self.born = t
        self.log = []  # own entries of (self, topic, epoch 0): [(entry bytes, id, map)]
        self.answered = {}  # requester key -> the last request ts answered (replays are refused)
        self.bodies = {}  # bodyHash -> body bytes, of own declarations
        # what others publish
        self.bindings = {}  # author hex -> binding map
        self.alive = {}  # author hex -> (epoch, ts, alive)
        self.logs = {}  # (author hex, topic) -> {seq: (id, entry map)}
        self.held = {}  # author hex -> [(channel, bytes)] waiting for the author's birth
        self.pulling = {}  # bodyHash -> entry map
        self.inbox = queue.Queue()
        will = (self._path("n", self.me), s.make_death(self.agent, self.binding, self.born))
        self.mqtt = mqtt311.Client(
            host, port, f"agentnet-{self.me[:16]}", lambda *m: self.inbox.put(("mqtt", m)), will=will
        )

    def _path(self, letter, *rest):
        return self.root + "/".join([letter, *rest])

    # ---- the announce half (protocol.md: Start, Announce)
    def start(self):
        self.mqtt.subscribe(
            self._path("d", self.me),
            self._path("x", "+"),
            self._path("r", "+"),
            self._path("n", "+"),
            self._path("h", self.topic),
            self._path("f", self.topic, "+"),
        )
        self.mqtt.publish(self._path("n", self.me), s.make_birth(self.agent, self.binding, self.born), retain=True)

    def append(self, kind, tags, text, key=None):
        body = s.make_body(kind, tags, text)
        t = now_ms()
        prev = self.log[-1] if self.log else None
        ts = max(t, prev[2][7]) if prev else t
        seq = len(self.log) + 1
        data = s.make_entry(self.agent, self.topic, seq, prev[1] if prev else None, kind, ts, ts + HOUR, body, key=key)
        eid = s.entry_id(data)
        entry, _, _ = s.open_entry(data)
        self.log.append((data, eid, entry))
        self.bodies[entry[9]] = body
        self.mqtt.publish(self._path("b", entry[9].hex()), body, retain=True)
        self.mqtt.publish(self._path("h", self.topic), data)
        emit(event="appended", seq=seq, id=eid.hex(), kind=kind, key=key, v=entry[0], bodyHash=entry[9].hex())
        return eid

    def publish_frontier(self):
        data, eid, entry = self.log[-1]
        f = s.make_frontier(self.agent, self.topic, entry[4], eid, now_ms())
        self.mqtt.publish(self._path("f", self.topic, self.me), f, retain=True)

    def stop(self):
        death = s.make_death(self.agent, self.binding, now_ms())
        self.mqtt.publish(self._path("n", self.me), death, retain=True)
        self.mqtt.disconnect()
        emit(event="stopped")

    # ---- direct requests (objects.md: direct messages; protocol.md: gap repair, body pulls)
    def on_direct(self, payload):
        name, d = s.open_direct(payload)
        if name in ("getEntries", "getBody"):  # unsigned: its `from` could be anybody's (protocol.md)
            raise s.SpecError("unsigned_request", f"unsigned {name}: not answered")
        if name != "request":
            emit(event="ignored", type=name, note="replies are not requested by this agent")
            return
        name, m, sig, tbs = s.open_request(d)
        # protocol.md "Direct requests", in its order: addressee, signature, time window, newer than the last.
        if m[3] != self.agent.pub:
            raise s.SpecError("misaddressed", "a request for another node")
        if not s.verify_sig(m[2], sig, tbs):
            raise s.SpecError("bad_signature", "request signature")
        now = now_ms()
        if m[4] > now + SKEW_MS:
            raise s.SpecError("future", "request ts ahead")
        if m[4] < now - SKEW_MS:
            raise s.SpecError("expired", "request ts too old")
        if m[4] <= self.answered.get(m[2], -1):
            raise s.SpecError("replayed_request", "not after the last answered")
        self.answered[m[2]] = m[4]
        reply_to = self._path("d", m[2].hex())
        if name == "getEntries":
            if m[5] != self.agent.pub or m[6] != self.topic or m[7] != 0:
                emit(event="answered", type=name, count=0, note="not a log of this agent")
                return
            found = [data for data, _, e in self.log if m[8] <= e[4] <= m[9]]
            if found:  # nothing is sent when none of the range is stored
                self.mqtt.publish(reply_to, s.make_direct("entries", self.agent.pub, {3: found}))
            emit(event="answered", type=name, count=len(found), fromSeq=m[8], toSeq=m[9], to=m[2].hex())
        else:
            body = self.bodies.get(m[5])
            if body is not None:
                self.mqtt.publish(reply_to, s.make_direct("body", self.agent.pub, {3: body}))
            emit(event="answered", type=name, count=1 if body else 0, to=m[2].hex())

    # ---- the checking half (protocol.md: receive, births; channels.md: what a receiver enforces)
    def on_message(self, path, payload, retained):
        if not path.startswith(self.root):
            return
        rel = path[len(self.root) :].split("/")
        letter = rel[0]
        try:
            if len(payload) > s.LIMITS["messageBytes"]:
                raise s.SpecError("oversized", "over messageBytes")
            if letter == "d":
                self.on_direct(payload)
            elif letter == "n":
                self.on_birth(rel[1], payload)
            elif letter == "h":
                self.on_entry(rel[1], payload)
            elif letter == "f":
                self.on_frontier(rel[1], rel[2], payload)
            elif letter == "b":
                self.on_body(rel[1], payload)
            elif letter in ("x", "r"):
                emit(event="seen", channel=letter, path="/".join(rel), bytes=len(payload))
        except s.SpecError as e:
            emit(event="rejected", channel=letter, path="/".join(rel), reason=e.reason, detail=e.detail)

    def on_birth(self, agent_hex, payload):
        m, binding = s.open_birth(payload, now_ms())
        author = m[1].hex()
        if author == self.me:
            return
        if author != agent_hex:
            raise s.SpecError("malformed", "birth under another agent's path")
        if not m[5]:
            held = self.bindings.get(author)
            if held is None:
                raise s.SpecError("unknown_author", "death without a known binding")
            if m[7] != held["hash"]:
                raise s.SpecError("death_mismatch", "death names another binding")
        else:
            self.bindings[author] = {"map": binding, "hash": s.sha256(m[4])}
        self.alive[author] = (m[2], m[3], m[5])
        emit(
            event="verified",
            object="birth" if m[5] else "death",
            author=author,
            epoch=m[2],
            baid=binding[1].hex() if binding else None,
            operator=binding[3].hex() if binding else None,
        )
        for args in self.held.pop(author, []):
            self.on_message(*args)

    def _signed_by_author(self, author, ts, sig, tbs, topic):
        """Tier 1: the author's binding valid at the object's own ts, the topic in scope, the signature."""
        b = self.bindings[author]["map"]
        if not (b[9] <= ts <= b[10]):
            raise s.SpecError("binding_expired", "signed outside the binding's window")
        if b[12] and topic not in b[12]:
            raise s.SpecError("out_of_scope", f"topic {topic} not in the binding's scope")
        if not s.verify_sig(b[2], sig, tbs):
            raise s.SpecError("bad_signature", "signature does not verify")

    def _hold(self, author, path, payload):
        if len(self.held.setdefault(author, [])) >= 64:  # protocol.md: at most 64 held per author
            raise s.SpecError("unknown_author", "too many objects held for an unknown author")
        self.held[author].append((self.root + path, payload, False))
        emit(event="held", author=author, path=path)

    def on_entry(self, topic, payload):
        e, sig, tbs = s.open_entry(payload)
        author = e[1].hex()
        if author == self.me:
            return
        if e[2] != topic:
            raise s.SpecError("wrong_topic", "entry topic differs from its path")
        if author not in self.bindings:
            return self._hold(author, f"h/{topic}", payload)
        if e[7] > now_ms() + 5 * 60_000:
            raise s.SpecError("future", "ts more than 5 minutes ahead")
        self._signed_by_author(author, e[7], sig, tbs, e[2])
        if e[3] != 0:
            raise s.SpecError("no_continuation", "this agent checks epoch 0 logs only")
        eid = s.entry_id(payload)
        log = self.logs.setdefault((author, e[2]), {})
        if e[4] in log and log[e[4]][0] != eid:
            raise s.SpecError("fork", f"two entries at seq {e[4]}")
        if e[4] > 1 and e[4] - 1 in log and log[e[4] - 1][0] != e[5]:
            raise s.SpecError("broken_chain", "prev is not the id of the entry at seq - 1")
        log[e[4]] = (eid, e)
        emit(
            event="verified",
            object="entry",
            author=author,
            topic=e[2],
            seq=e[4],
            v=e[0],
            kind=s.KINDS[e[6]],
            key=e.get(13),
            id=eid.hex(),
            chained=e[4] == 1 or e[4] - 1 in log,
        )
        if e[9] not in self.pulling:
            self.pulling[e[9]] = e
            self.mqtt.subscribe(self._path("b", e[9].hex()))

    def on_frontier(self, topic, agent_hex, payload):
        f, sig, tbs = s.open_frontier(payload)
        author = f[1].hex()
        if author == self.me:
            return
        if f[2] != topic or author != agent_hex:
            raise s.SpecError("malformed", "frontier under another topic's or agent's path")
        if author not in self.bindings:
            return self._hold(author, f"f/{topic}/{agent_hex}", payload)
        self._signed_by_author(author, f[6], sig, tbs, f[2])
        head = self.logs.get((author, f[2]), {}).get(f[4])
        if head is not None and head[0] != f[5]:
            raise s.SpecError("fork", "frontier names another entry at its seq")
        emit(
            event="verified",
            object="frontier",
            author=author,
            topic=f[2],
            seq=f[4],
            id=f[5].hex(),
            matched=head is not None,
        )

    def on_body(self, hash_hex, payload):
        entry = self.pulling.get(bytes.fromhex(hash_hex))
        if entry is None:
            return  # b/ is taken only while pulling that hash
        b = s.open_body(payload, entry)
        del self.pulling[entry[9]]
        emit(
            event="verified",
            object="body",
            author=entry[1].hex(),
            seq=entry[4],
            kind=s.KINDS[b[1]],
            tags=b[2],
            # sketch.md: the entry's field 11 is the Bloom filter of exactly these tags
            sketchMatches=s.sketch(b[2]) == entry[11],
        )

    # ---- the loop: MQTT messages and stdin commands, one at a time
    def run(self):
        def read_stdin():
            for line in sys.stdin:
                if line.strip():
                    self.inbox.put(("cmd", json.loads(line)))
            self.inbox.put(("cmd", {"cmd": "stop"}))

        threading.Thread(target=read_stdin, daemon=True).start()
        while True:
            what, item = self.inbox.get()
            if what == "mqtt":
                self.on_message(*item)
                continue
            cmd = item.get("cmd")
            if cmd == "announce":
                self.append(item.get("kind", "capability"), item["tags"], item["text"], item.get("key"))
                self.publish_frontier()
            elif cmd == "withdraw":
                self.append("withdraw", [], item.get("text", "withdrawn"), item.get("key"))
                self.publish_frontier()
            elif cmd == "stop":
                self.stop()
                return
            else:
                emit(event="error", detail=f"unknown command {cmd!r}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--network", required=True)
    p.add_argument("--topic", required=True)
    a = p.parse_args()
    agent = Agent(a.host, a.port, a.network, a.topic)
    agent.start()
    baid = s.decode(s.decode(agent.binding, (98,)).value[2])[1]
    emit(event="ready", agent=agent.me, operator=agent.operator.pub.hex(), baid=baid.hex())
    agent.run()


if __name__ == "__main__":
    main()
