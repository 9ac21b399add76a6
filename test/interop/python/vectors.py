"""Checks agentnet_spec.py against the test vectors of docs/spec/vectors.md and the worked example of
docs/spec/sketch.md: decodes and verifies each object, and rebuilds the entries, body, binding, birth,
frontier, death and getEntries from the vectors' keys (seeds from the labels, as vectors.md says) to the
same bytes. Prints one JSON line {"ok": true, "checked": [...]} or exits 1 with the failure.

usage: /usr/bin/python3 vectors.py docs/spec/vectors.md docs/spec/sketch.md
"""

import json
import re
import sys

import agentnet_spec as s


def read_vectors(path):
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"^### (\w+)\n.*?```\n([0-9a-f\n]+)```", text, re.S | re.M):
        out[m.group(1)] = bytes.fromhex(m.group(2).replace("\n", ""))
    return out


def label_key(label):
    return s.Key(s.sha256(f"agentnet-test/{label}".encode()))


def main():
    v = read_vectors(sys.argv[1])
    checked = []

    def ok(name, cond, what):
        if not cond:
            raise AssertionError(f"{name}: {what}")
        checked.append(name)

    alice = label_key("alice/agent")
    alice_op = label_key("alice/operator")
    ok("agentKey", alice.pub == v["agentKey"], "alice's key from SHA-256 of the label")

    # body and entry1: decode, verify, rebuild
    body = s.open_body(v["body"])
    ok("body", s.encode(body) == v["body"], "re-encoding")
    e1, sig, tbs = s.open_entry(v["entry1"])
    ok("entry1ToBeSigned", tbs == v["entry1ToBeSigned"], "Sig_structure")
    ok("entry1", s.verify_sig(e1[1], sig, tbs), "signature")
    ok("entry1Id", s.entry_id(v["entry1"]) == v["entry1Id"], "id hashes the tag byte too")
    s.open_body(v["body"], e1)
    rebuilt = s.make_entry(alice, e1[2], e1[4], None, s.KINDS[e1[6]], e1[7], e1[8], v["body"])
    ok("entry1 rebuilt", rebuilt == v["entry1"], "same bytes from the same values and key")

    e2, sig, tbs = s.open_entry(v["entry2"])
    ok("entry2", s.verify_sig(e2[1], sig, tbs) and e2[5] == v["entry1Id"] and e2[4] == 2, "signature, prev")
    ek, sig, tbs = s.open_entry(v["entryKeyed"])
    ok("entryKeyed", s.verify_sig(ek[1], sig, tbs) and ek[0] == 2 and ek[13] == "code.review.security", "v2")
    ok("entryKeyed prev", ek[5] == s.sha256(v["entry2"]), "prev = id of entry2")

    # binding: tier 2 at the start of its window, and rebuilt from the labels' seeds
    T0 = 1767225600000
    b = s.open_binding(v["binding"], T0)
    ok("binding", b[2] == alice.pub and b[3] == alice_op.pub, "kids: operator then agent")
    seed = lambda label: s.sha256(f"agentnet-test/{label}".encode())  # noqa: E731
    config = {0: seed("model"), 1: seed("prompt"), 2: seed("tools")}
    salt = s.sha256(b"agentnet-test/alice/salt")[:16]
    code = s.sha256(b"agentnet-test/code")
    rb = s.make_binding(alice_op, alice, code, config, salt, T0 - 86400000, T0 + 365 * 86400000)
    ok("binding rebuilt", rb == v["binding"], "same bytes from the labels' seeds")

    birth, bb = s.open_birth(v["birth"], T0)
    ok("birth", birth[5] is True and birth[4] == v["binding"], "carries the binding")
    ok("birth rebuilt", s.make_birth(alice, v["binding"], birth[3]) == v["birth"], "same bytes")
    death, _ = s.open_birth(v["death"], T0)
    ok("death", death[5] is False and death[7] == s.sha256(v["binding"]), "bindingHash")
    ok("death rebuilt", s.make_death(alice, v["binding"], death[3]) == v["death"], "same bytes")

    f, sig, tbs = s.open_frontier(v["frontier"])
    ok("frontier", s.verify_sig(f[1], sig, tbs) and f[4] == 2 and f[5] == s.sha256(v["entry2"]), "head")
    ok("frontier rebuilt", s.make_frontier(alice, f[2], f[4], f[5], f[6]) == v["frontier"], "same bytes")

    name, g = s.open_direct(v["getEntries"])
    ok("getEntries", name == "getEntries" and g[6] == 1 and g[7] == 2, "range")
    rg = s.make_direct("getEntries", alice.pub, {3: alice.pub, 4: g[4], 5: 0, 6: 1, 7: 2})
    ok("getEntries rebuilt", rg == v["getEntries"], "same bytes")

    # the signed request of bob to alice, in its direct message of type 6 (protocol.md "Direct requests")
    bob = label_key("bob/agent")
    dname, d = s.open_direct(v["directRequest"])
    ok("directRequest", dname == "request" and d[3] == v["request"] and d[2] == bob.pub, "type 6 carrying `request`")
    rname, r, rsig, rtbs = s.open_request(d)
    ok("requestToBeSigned", rtbs == v["requestToBeSigned"], "Sig_structure")
    ok("request", rname == "getEntries" and r[3] == alice.pub and s.verify_sig(r[2], rsig, rtbs), "signed by bob for alice")
    rr = s.make_request(bob, "getEntries", alice.pub, r[4], {5: alice.pub, 6: r[6], 7: 0, 8: 1, 9: 2})
    ok("request rebuilt", rr == v["directRequest"], "same bytes")

    # sketch.md's worked example
    sk_text = open(sys.argv[2], encoding="utf-8").read()
    m = re.search(r"Sketch \(32 bytes, hex\): `([0-9a-f]{64})`", sk_text)
    ok("sketch example", s.sketch(body[2]).hex() == m.group(1) == e1[11].hex(), "sketch of the body's tags")

    # refusals: a non-canonical re-encoding and a flipped signature bit
    try:
        s.decode(v["body"] + b"\x00")
        ok("trailing refused", False, "trailing byte accepted")
    except s.SpecError:
        checked.append("trailing refused")
    bad = bytearray(v["entry1"])
    bad[-1] ^= 1
    e, sig, tbs = s.open_entry(bytes(bad))
    ok("bad signature refused", not s.verify_sig(e[1], sig, tbs), "flipped bit verified")

    print(json.dumps({"ok": True, "checked": checked}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report any failure as one line and a non-zero exit
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
