"""An independent implementation of the agentnet wire format, written from docs/spec/ alone.

Objects are plain dicts with small integer keys (the field tables of docs/spec/objects.md); this module
encodes them in core deterministic CBOR (docs/spec/README.md), signs them as COSE_Sign1 or COSE_Sign
(docs/spec/cose.md), and decodes and verifies what other nodes send, refusing anything the spec refuses
with a SpecError naming the reason. It uses only Debian's python3-cbor2 and python3-cryptography.
"""

import hashlib
import re

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class SpecError(Exception):
    """An object the specification refuses; `reason` is the spec's name for it (malformed, bad_signature...)."""

    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# ---- conventions (README.md) ------------------------------------------------------------------------

MAX_INT = 2**53 - 1
LIMITS = {
    "headerBytes": 512,
    "bodyBytes": 65536,
    "messageBytes": 131072,
    "topicBytes": 64,
    "maxTags": 32,
    "tagBytes": 48,
    "textBytes": 16384,
    "bindingBytes": 2048,
}
TOPIC_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")
TAG_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
KEY_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")
NETWORK_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")

KINDS = ["capability", "intent", "state", "constraint", "withdraw"]
KIND = {name: i for i, name in enumerate(KINDS)}


def sha256(data):
    return hashlib.sha256(data).digest()


def encode(obj):
    """Core deterministic CBOR: cbor2's canonical mode sorts map keys by their encodings' length, then
    bytewise, which for the small unsigned integer keys of every agentnet object is the bytewise order
    RFC 8949 §4.2.1 asks for; integers and lengths are always in the shortest form."""
    for k in _keys(obj):
        if not (isinstance(k, int) and 0 <= k <= 23):
            raise ValueError(f"map key {k!r}: only small unsigned integer keys are encoded here")
    return cbor2.dumps(obj, canonical=True)


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _keys(v)
    elif isinstance(obj, cbor2.CBORTag):
        yield from _keys(obj.value)


def decode(data, allowed_tags=()):
    """One CBOR item in deterministic encoding, nothing after it: the bytes must be exactly what
    encoding the decoded item gives back (shortest forms, definite lengths, sorted keys, no trailing)."""
    if not isinstance(data, (bytes, bytearray)):
        raise SpecError("malformed", "not a byte string")
    data = bytes(data)
    try:
        item = cbor2.loads(data)
    except Exception as e:  # cbor2 raises several types for truncated or invalid input
        raise SpecError("malformed", f"undecodable CBOR ({e})") from None
    _check_types(item, allowed_tags)
    if cbor2.dumps(item, canonical=True) != data:
        raise SpecError("malformed", "not the deterministic encoding (or trailing bytes)")
    return item


def _check_types(item, allowed_tags, depth=0):
    if depth > 16:
        raise SpecError("malformed", "nested too deeply")
    if isinstance(item, bool) or item is None:
        return
    if isinstance(item, int):
        if abs(item) > MAX_INT:
            raise SpecError("malformed", "integer beyond 2^53 - 1")
        return
    if isinstance(item, (bytes, str)):
        return
    if isinstance(item, list):
        for v in item:
            _check_types(v, allowed_tags, depth + 1)
        return
    if isinstance(item, dict):
        for k, v in item.items():
            if not isinstance(k, (int, str)) or isinstance(k, bool):
                raise SpecError("malformed", "map key neither integer nor text")
            _check_types(v, allowed_tags, depth + 1)
        return
    if isinstance(item, cbor2.CBORTag) and item.tag in allowed_tags:
        _check_types(item.value, (), depth + 1)
        return
    raise SpecError("malformed", f"unsupported CBOR item {type(item).__name__}")


# ---- field tables (objects.md) ----------------------------------------------------------------------
# A type is a tuple: ("uint", lo, hi) | ("text", min, max, pattern) | ("bstr", min, max) | ("bool",)
# | ("array", max, item type) | ("map", table). A table maps key -> (name, type, required).


def U(lo=0, hi=MAX_INT):
    return ("uint", lo, hi)


def T(maxb, pattern=None, minb=0):
    return ("text", minb, maxb, pattern)


def B(n=None, maxb=None, minb=0):
    return ("bstr", n, n) if n is not None else ("bstr", minb, maxb)


H32 = B(32)

TABLES = {
    "entry": {
        0: ("v", U(1, 2), True),
        1: ("author", H32, True),
        2: ("topic", T(LIMITS["topicBytes"], TOPIC_RE), True),
        3: ("epoch", U(), True),
        4: ("seq", U(1), True),
        5: ("prev", H32, False),
        6: ("kind", U(0, 4), True),
        7: ("ts", U(), True),
        8: ("expires", U(), True),
        9: ("bodyHash", H32, True),
        10: ("bodyLen", U(0, LIMITS["bodyBytes"]), True),
        11: ("sketch", H32, True),
        12: ("tier", U(0, 4), True),
        13: ("key", T(64, KEY_RE), False),
    },
    "body": {
        0: ("v", U(1, 1), True),
        1: ("kind", U(0, 4), True),
        2: ("tags", ("array", LIMITS["maxTags"], T(LIMITS["tagBytes"], TAG_RE)), True),
        3: ("text", T(LIMITS["textBytes"]), True),
        4: ("skills", ("array", 64, T(128)), False),
        5: ("tools", ("array", 64, T(128)), False),
        6: ("price", U(), False),
        7: ("deadline", U(), False),
        8: ("sla", T(1024), False),
        9: ("requiredTier", U(0, 4), False),
        10: ("constraints", T(4096), False),
    },
    "binding": {
        0: ("v", U(1, 1), True),
        1: ("baid", H32, True),
        2: ("agentKey", H32, True),
        3: ("operatorKey", H32, True),
        4: ("codeHash", H32, True),
        5: ("configDigest", H32, True),
        6: ("config", ("map", "binding.config"), True),
        7: ("version", U(1), True),
        8: ("prev", H32, False),
        9: ("notBefore", U(), True),
        10: ("notAfter", U(), True),
        11: ("nextKeyHash", H32, False),
        12: ("scope", ("array", 64, T(LIMITS["topicBytes"], TOPIC_RE)), True),
        13: ("salt", B(minb=16, maxb=32), True),
        14: ("bond", U(), False),
    },
    "binding.config": {
        0: ("model", H32, False),
        1: ("promptTemplate", H32, False),
        2: ("toolPolicy", H32, False),
    },
    "birth": {
        0: ("v", U(1, 1), True),
        1: ("author", H32, True),
        2: ("epoch", U(), True),
        3: ("ts", U(), True),
        4: ("binding", B(maxb=LIMITS["bindingBytes"]), True),
        5: ("alive", ("bool",), True),
        6: ("continuation", B(maxb=256), False),
    },
    "death": {
        0: ("v", U(1, 1), True),
        1: ("author", H32, True),
        2: ("epoch", U(), True),
        3: ("ts", U(), True),
        5: ("alive", ("bool",), True),
        6: ("continuation", B(maxb=256), False),
        7: ("bindingHash", H32, True),
    },
    "frontier": {
        0: ("v", U(1, 1), True),
        1: ("author", H32, True),
        2: ("topic", T(LIMITS["topicBytes"], TOPIC_RE), True),
        3: ("epoch", U(), True),
        4: ("seq", U(1), True),
        5: ("id", H32, True),
        6: ("ts", U(), True),
    },
}
_DIRECT_HEAD = {0: ("v", U(1, 1), True), 1: ("type", U(1, 6), True), 2: ("from", H32, True)}
DIRECT_TYPES = {1: "getEntries", 2: "entries", 3: "getBody", 4: "body", 5: "task", 6: "request"}
TABLES["direct getEntries"] = {
    **_DIRECT_HEAD,
    3: ("author", H32, True),
    4: ("topic", T(LIMITS["topicBytes"], TOPIC_RE), True),
    5: ("epoch", U(), True),
    6: ("fromSeq", U(1), True),
    7: ("toSeq", U(1), True),
}
TABLES["direct entries"] = {**_DIRECT_HEAD, 3: ("entries", ("array", 64, B(maxb=LIMITS["headerBytes"])), True)}
TABLES["direct getBody"] = {**_DIRECT_HEAD, 3: ("bodyHash", H32, True)}
TABLES["direct body"] = {**_DIRECT_HEAD, 3: ("body", B(maxb=LIMITS["bodyBytes"]), True)}
TABLES["direct task"] = {**_DIRECT_HEAD, 3: ("msg", B(maxb=LIMITS["messageBytes"] - 64), True)}
TABLES["direct request"] = {**_DIRECT_HEAD, 3: ("req", B(maxb=LIMITS["headerBytes"]), True)}
# The signed request (objects.md "signed request"): the payload of a COSE_Sign1 agentnet/request/1.
_REQUEST_HEAD = {
    0: ("v", U(1, 1), True),
    1: ("type", U(1, 2), True),
    2: ("from", H32, True),
    3: ("to", H32, True),
    4: ("ts", U(), True),
}
REQUEST_TYPES = {1: "getEntries", 2: "getBody"}
TABLES["request getEntries"] = {
    **_REQUEST_HEAD,
    5: ("author", H32, True),
    6: ("topic", T(LIMITS["topicBytes"], TOPIC_RE), True),
    7: ("epoch", U(), True),
    8: ("fromSeq", U(1), True),
    9: ("toSeq", U(1), True),
}
TABLES["request getBody"] = {**_REQUEST_HEAD, 5: ("bodyHash", H32, True)}


def check_table(obj, table_name, depth=0):
    """Validates a decoded map against a field table: unknown keys, missing fields, types and limits."""
    table = TABLES[table_name]
    if not isinstance(obj, dict):
        raise SpecError("malformed", f"{table_name}: not a map")
    for k in obj:
        if k not in table:
            raise SpecError("malformed", f"{table_name}: unknown field {k!r}")
    for k, (name, typ, required) in table.items():
        if k not in obj:
            if required:
                raise SpecError("malformed", f"{table_name}: missing field {k} ({name})")
            continue
        _check_value(obj[k], typ, f"{table_name}.{name}")
    return obj


def _check_value(v, typ, where):
    t = typ[0]
    if t == "uint":
        if not isinstance(v, int) or isinstance(v, bool):
            raise SpecError("malformed", f"{where}: not an unsigned integer")
        if not (typ[1] <= v <= typ[2]):
            raise SpecError("malformed", f"{where}: {v} outside {typ[1]}..{typ[2]}")
    elif t == "text":
        if not isinstance(v, str):
            raise SpecError("malformed", f"{where}: not text")
        n = len(v.encode("utf-8"))
        if not (typ[1] <= n <= typ[2]):
            raise SpecError("malformed", f"{where}: {n} bytes outside {typ[1]}..{typ[2]}")
        if typ[3] is not None and not typ[3].match(v):
            raise SpecError("malformed", f"{where}: {v!r} does not match its pattern")
    elif t == "bstr":
        if not isinstance(v, bytes):
            raise SpecError("malformed", f"{where}: not a byte string")
        if not (typ[1] <= len(v) <= typ[2]):
            raise SpecError("malformed", f"{where}: {len(v)} bytes outside {typ[1]}..{typ[2]}")
    elif t == "bool":
        if not isinstance(v, bool):
            raise SpecError("malformed", f"{where}: not a bool")
    elif t == "array":
        if not isinstance(v, list) or len(v) > typ[1]:
            raise SpecError("malformed", f"{where}: not an array of at most {typ[1]}")
        for x in v:
            _check_value(x, typ[2], where)
    elif t == "map":
        check_table(v, typ[1])
    else:
        raise AssertionError(t)


# ---- keys and COSE (cose.md) ------------------------------------------------------------------------


class Key:
    """An Ed25519 key pair from a 32-byte seed (the secret key of RFC 8032)."""

    def __init__(self, seed):
        self.sk = Ed25519PrivateKey.from_private_bytes(seed)
        self.pub = self.sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, msg):
        return self.sk.sign(msg)


def verify_sig(pub, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
    except (InvalidSignature, ValueError):
        return False
    return True


def content_type(obj):
    return f"agentnet/{obj}/1"


def sign1_protected(obj):
    return encode({1: -8, 3: content_type(obj)})


def sign1(key, obj, payload_map):
    """COSE_Sign1: tag 18 over [protected, {}, payload, signature]; the signature covers
    ["Signature1", protected, h'', payload]."""
    prot = sign1_protected(obj)
    payload = encode(payload_map)
    sig = key.sign(encode(["Signature1", prot, b"", payload]))
    return cbor2.dumps(cbor2.CBORTag(18, [prot, {}, payload, sig]), canonical=True)


def open_sign1(data, obj):
    """Decodes a COSE_Sign1 of the content type `obj`; returns (payload bytes, signature, to-be-signed)."""
    item = decode(data, allowed_tags=(18,))
    if not isinstance(item, cbor2.CBORTag) or item.tag != 18:
        raise SpecError("malformed", "not a COSE_Sign1 (tag 18)")
    arr = item.value
    if not isinstance(arr, list) or len(arr) != 4:
        raise SpecError("malformed", "COSE_Sign1 is not an array of 4")
    prot, unprot, payload, sig = arr
    if prot != sign1_protected(obj):
        raise SpecError("malformed", f"protected header is not that of {content_type(obj)}")
    if unprot != {}:
        raise SpecError("malformed", "unprotected header not empty")
    if not isinstance(payload, bytes) or not isinstance(sig, bytes) or len(sig) != 64:
        raise SpecError("malformed", "payload or signature of the wrong type")
    return payload, sig, encode(["Signature1", prot, b"", payload])


def sign_multi(keys, obj, payload_map):
    """COSE_Sign: tag 98 over [{3: ct}, {}, payload, [[{1: -8, 4: kid}, {}, sig], ...]], in the order given."""
    prot = encode({3: content_type(obj)})
    payload = encode(payload_map)
    sigs = []
    for k in keys:
        sprot = encode({1: -8, 4: k.pub})
        sigs.append([sprot, {}, k.sign(encode(["Signature", prot, sprot, b"", payload]))])
    return cbor2.dumps(cbor2.CBORTag(98, [prot, {}, payload, sigs]), canonical=True)


def open_sign_multi(data, obj, kids):
    """Decodes a COSE_Sign of content type `obj` whose signers must be exactly `kids(payload)`, in order,
    and verifies every signature; returns the payload bytes."""
    item = decode(data, allowed_tags=(98,))
    if not isinstance(item, cbor2.CBORTag) or item.tag != 98:
        raise SpecError("malformed", "not a COSE_Sign (tag 98)")
    arr = item.value
    if not isinstance(arr, list) or len(arr) != 4:
        raise SpecError("malformed", "COSE_Sign is not an array of 4")
    prot, unprot, payload, sigs = arr
    if prot != encode({3: content_type(obj)}) or unprot != {}:
        raise SpecError("malformed", f"headers are not those of {content_type(obj)}")
    if not isinstance(payload, bytes) or not isinstance(sigs, list):
        raise SpecError("malformed", "payload or signatures of the wrong type")
    expected = kids(payload)
    if len(sigs) != len(expected):
        raise SpecError("malformed", f"{len(sigs)} signatures, {len(expected)} required")
    for s, kid in zip(sigs, expected):
        if not isinstance(s, list) or len(s) != 3:
            raise SpecError("malformed", "COSE_Signature is not an array of 3")
        sprot, sunprot, sig = s
        if sprot != encode({1: -8, 4: kid}) or sunprot != {}:
            raise SpecError("malformed", "signer header names another key or is not exact")
        if not isinstance(sig, bytes) or len(sig) != 64:
            raise SpecError("malformed", "signature of the wrong size")
        if not verify_sig(kid, sig, encode(["Signature", prot, sprot, b"", payload])):
            raise SpecError("binding_invalid" if obj == "binding" else "bad_signature", f"{obj}: signature")
    return payload


# ---- sketch (sketch.md) -----------------------------------------------------------------------------


def sketch_items(tags):
    items = []
    for t in tags:
        parts = t.split(".")
        for i in range(1, len(parts) + 1):
            items.append(".".join(parts[:i]))
    return items


def sketch_positions(item):
    return list(sha256(b"agentnet/sketch/1" + item.encode("utf-8"))[:4])


def sketch(tags):
    bits = bytearray(32)
    for item in sketch_items(tags):
        for p in sketch_positions(item):
            bits[p // 8] |= 1 << (p % 8)
    return bytes(bits)


def sketch_has(sk, tag):
    return all(sk[p // 8] & (1 << (p % 8)) for p in sketch_positions(tag))


def tag_matches(query, tag):
    """A query tag matches a declared tag when it is that tag or one of its dotted prefixes."""
    return tag == query or tag.startswith(query + ".")


# ---- objects ----------------------------------------------------------------------------------------


def make_binding(operator, agent, code_hash, config, salt, not_before, not_after, scope=()):
    config_digest = sha256(encode(config))
    baid = sha256(code_hash + config_digest + operator.pub + salt)
    payload = {
        0: 1,
        1: baid,
        2: agent.pub,
        3: operator.pub,
        4: code_hash,
        5: config_digest,
        6: config,
        7: 1,
        9: not_before,
        10: not_after,
        12: list(scope),
        13: salt,
    }
    return sign_multi([operator, agent], "binding", payload)


def open_binding(data, now):
    """Tier 2 (protocol.md, identity tiers): decodes, recomputes configDigest and baid, verifies both
    signatures (operator, then agent) and the validity window at `now`. Returns the binding map."""
    if len(data) > LIMITS["bindingBytes"]:
        raise SpecError("oversized", "binding over bindingBytes")

    def kids(payload):
        b = check_table(decode(payload), "binding")
        return [b[3], b[2]]

    b = decode(open_sign_multi(data, "binding", kids))
    if (8 in b) != (b[7] > 1):
        raise SpecError("malformed", "binding prev must be absent exactly at version 1")
    if b[10] <= b[9]:
        raise SpecError("malformed", "binding notAfter <= notBefore")
    if b[5] != sha256(encode(b[6])):
        raise SpecError("binding_invalid", "configDigest")
    if b[1] != sha256(b[4] + b[5] + b[3] + b[13]):
        raise SpecError("binding_invalid", "baid")
    if not (b[9] <= now <= b[10]):
        raise SpecError("binding_expired", "outside notBefore..notAfter")
    return b


def make_body(kind, tags, text, **optional):
    names = {v[0]: k for k, v in TABLES["body"].items()}
    body = {0: 1, 1: KIND[kind], 2: list(tags), 3: text}
    for name, value in optional.items():
        body[names[name]] = value
    check_table(body, "body")
    return encode(body)


def make_entry(author, topic, seq, prev, kind, ts, expires, body, key=None, epoch=0, tier=2):
    body_map = decode(body)
    payload = {
        0: 2 if key is not None else 1,
        1: author.pub,
        2: topic,
        3: epoch,
        4: seq,
        6: KIND[kind],
        7: ts,
        8: expires,
        9: sha256(body),
        10: len(body),
        11: sketch(body_map[2]),
        12: tier,
    }
    if prev is not None:
        payload[5] = prev
    if key is not None:
        payload[13] = key
    check_entry_rules(payload)
    data = sign1(author, "entry", payload)
    if len(data) > LIMITS["headerBytes"]:
        raise SpecError("oversized", "entry over headerBytes")
    return data


def check_entry_rules(e):
    check_table(e, "entry")
    if (e[0] == 2) != (13 in e):
        raise SpecError("malformed", "entry v must be 2 exactly when field 13 (key) is present")
    if (5 in e) != (e[4] > 1):
        raise SpecError("malformed", "entry prev must be absent exactly at seq 1")
    if e[8] <= e[7]:
        raise SpecError("malformed", "entry expires <= ts")


def open_entry(data):
    """Decodes an entry (without checking the signature: that needs the author's binding)."""
    if len(data) > LIMITS["headerBytes"]:
        raise SpecError("oversized", "entry over headerBytes")
    payload, sig, tbs = open_sign1(data, "entry")
    e = decode(payload)
    check_entry_rules(e)
    return e, sig, tbs


def entry_id(data):
    return sha256(data)


def open_body(data, entry=None):
    if len(data) > LIMITS["bodyBytes"]:
        raise SpecError("oversized", "body over bodyBytes")
    b = check_table(decode(data), "body")
    if entry is not None:
        if sha256(data) != entry[9] or len(data) != entry[10]:
            raise SpecError("body_hash_mismatch", "body does not match the entry's bodyHash/bodyLen")
        if b[1] != entry[6]:
            raise SpecError("malformed", "body kind differs from its entry's")
    return b


def make_birth(agent, binding, ts, epoch=0):
    return sign1(agent, "birth", {0: 1, 1: agent.pub, 2: epoch, 3: ts, 4: binding, 5: True})


def make_death(agent, binding, ts, epoch=0):
    return sign1(agent, "birth", {0: 1, 1: agent.pub, 2: epoch, 3: ts, 5: False, 7: sha256(binding)})


def open_birth(data, now):
    """A birth or death, signature verified under the author's key; a birth's binding is checked at
    tier 2 and must bind the author. Returns (map, binding map or None)."""
    if len(data) > LIMITS["bindingBytes"] + 512:
        raise SpecError("oversized", "birth over bindingBytes + 512")
    payload, sig, tbs = open_sign1(data, "birth")
    m = decode(payload)
    if not isinstance(m, dict) or not isinstance(m.get(5), bool):
        raise SpecError("malformed", "birth without a bool field 5")
    alive = m[5]
    check_table(m, "birth" if alive else "death")
    if (m[2] > 0) != (6 in m):
        raise SpecError("malformed", "continuation must be present exactly at epoch > 0")
    if not verify_sig(m[1], sig, tbs):
        raise SpecError("bad_signature", "birth signature")
    binding = None
    if alive:
        binding = open_binding(m[4], now)
        if binding[2] != m[1]:
            raise SpecError("binding_invalid", "binding is for another agent")
    return m, binding


def make_frontier(author, topic, seq, head_id, ts, epoch=0):
    return sign1(author, "frontier", {0: 1, 1: author.pub, 2: topic, 3: epoch, 4: seq, 5: head_id, 6: ts})


def open_frontier(data):
    if len(data) > LIMITS["headerBytes"]:
        raise SpecError("oversized", "frontier over headerBytes")
    payload, sig, tbs = open_sign1(data, "frontier")
    return check_table(decode(payload), "frontier"), sig, tbs


def make_direct(type_name, sender, fields):
    t = {v: k for k, v in DIRECT_TYPES.items()}[type_name]
    m = {0: 1, 1: t, 2: sender, **fields}
    check_table(m, f"direct {type_name}")
    return encode(m)


def open_direct(data):
    if len(data) > LIMITS["messageBytes"]:
        raise SpecError("oversized", "direct message over messageBytes")
    m = decode(data)
    if not isinstance(m, dict) or not isinstance(m.get(1), int) or m[1] not in DIRECT_TYPES:
        raise SpecError("malformed", "direct message of an unknown type")
    name = DIRECT_TYPES[m[1]]
    check_table(m, f"direct {name}")
    if name == "getEntries" and not (m[6] <= m[7] and m[7] - m[6] < 64):
        raise SpecError("malformed", "getEntries range")
    return name, m


def make_request(key, type_name, to, ts, fields):
    """A signed request (protocol.md "Direct requests") by `key` for the node `to`, in a direct message of type 6."""
    t = {v: k for k, v in REQUEST_TYPES.items()}[type_name]
    m = {0: 1, 1: t, 2: key.pub, 3: to, 4: ts, **fields}
    check_table(m, f"request {type_name}")
    return make_direct("request", key.pub, {3: sign1(key, "request", m)})


def open_request(direct):
    """The signed request in a decoded direct message of type 6: (name, payload map, signature, to-be-signed).
    The caller verifies the signature by field 2 (`from`), the addressee, and the time (protocol.md)."""
    data = direct[3]
    if len(data) > LIMITS["headerBytes"]:
        raise SpecError("oversized", "request over headerBytes")
    payload, sig, tbs = open_sign1(data, "request")
    m = decode(payload)
    if not isinstance(m, dict) or not isinstance(m.get(1), int) or m[1] not in REQUEST_TYPES:
        raise SpecError("malformed", "request of an unknown type")
    name = REQUEST_TYPES[m[1]]
    check_table(m, f"request {name}")
    if name == "getEntries" and not (m[8] <= m[9] and m[9] - m[8] < 64):
        raise SpecError("malformed", "getEntries range")
    if m[2] != direct[2]:
        raise SpecError("malformed", "the envelope names another sender than the request")
    return name, m, sig, tbs
