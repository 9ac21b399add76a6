// Fuzzing (docs/reliability.md item 1): every decoder and the node's receive path (AgentCore.handleMessage with
// arbitrary bytes on every channel) under generated and mutated inputs. Promises checked:
//   - decoders throw nothing but DecodeError; handleMessage throws nothing at all;
//   - nothing invalid is accepted: every entry in the victim's store decodes, verifies and chains;
//   - bounded state: the victim's pending tables stay within their limits.
// AGENTNET_FUZZ_N sets the number of inputs (CI: 10,000; `npm run test:reliability`: 1,000,000).
// Inputs that ever failed are kept in test/fixtures/fuzz-regressions/*.hex and replayed first, always.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import {
  checkpointToBeSigned,
  credentialToBeSigned,
  decodeCheckpoint,
  decodeCredential,
  decodeInclusion,
  decodeRevocation,
  encodeCheckpoint,
  encodeCredential,
  encodeInclusion,
  encodeRevocation,
  revocationToBeSigned,
} from '../../src/core/codec/attest.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { decodeBody, encodeBody } from '../../src/core/codec/body.js';
import { decodeCbor } from '../../src/core/codec/cbor.js';
import { decodeEntry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import {
  decodeBirth,
  decodeDirect,
  decodeFrontier,
  decodeRequest,
  encodeDirect,
} from '../../src/core/codec/messages.js';
import {
  decodeTaskMsg,
  decodeTerms,
  encodeTaskMsg,
  encodeTerms,
  taskMsgToBeSigned,
  type TaskMsg,
} from '../../src/core/codec/task.js';
import { decodeContinuation, decodeForkProof } from '../../src/core/codec/fork-proof.js';
import { decodeReceipt } from '../../src/core/codec/receipt.js';
import { decodeComplaint } from '../../src/core/task/complaint.js';
import { decodeDisputeProof } from '../../src/core/identity/dispute.js';
import { decodeBadDeliveryProof, encodeBadDeliveryProof } from '../../src/core/identity/bad-delivery.js';
import { DecodeError } from '../../src/core/base/errors.js';
import type { Channel } from '../../src/core/types.js';
import { CHANNELS } from '../../src/core/channels.js';
import { crypto, identity, seed, signedDelivery, T0, taskAnnounce } from '../helpers.js';
import { TestNet } from '../harness.js';
import { record } from './record.js';

const N = Number(process.env['AGENTNET_FUZZ_N'] ?? 10_000);
const REGRESSIONS = join(import.meta.dirname, '../fixtures/fuzz-regressions');
const GOLDEN = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden.json'), 'utf8')) as Record<
  string,
  string
>;

/** xorshift32: a tiny seeded PRNG so every run is reproducible from its seed. */
function rng(s: number) {
  let x = s >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]!,
  };
}

/** Valid traffic from a real network (bob announces, alice pulls), recorded off the wire. */
function corpus() {
  const net = new TestNet(T0);
  const seen: Array<{ channel: Channel; key: string; bytes: Uint8Array }> = [];
  net.intercept = (m) => {
    seen.push(m);
    return m.bytes;
  };
  const alice = net.add(identity('alice'));
  const bob = net.add(identity('bob'));
  alice.announce(net.now, { kind: 'intent', topic: 'data_analysis', tags: ['data'], text: 'need data' });
  for (let i = 0; i < 3; i++)
    bob.announce(net.now, {
      kind: 'capability',
      topic: 'data_analysis',
      tags: ['data.sql', `data.t${i}`],
      text: `v${i}`,
      price: i,
    });
  net.run();
  const op = seed('bob/operator');
  const cp = { registryId: 'r', treeSize: 3, rootHash: seed('root'), ts: T0 };
  const kid = crypto.signer.publicKey(op);
  const extra = [
    encodeCheckpoint(cp, [{ kid, signature: crypto.signer.sign(op, checkpointToBeSigned(cp, kid)) }]),
    encodeInclusion({ leafIndex: 1, treeSize: 3, auditPath: [seed('a'), seed('b')] }),
    (() => {
      const c = { issuerKey: kid, operatorKey: kid, level: 2, expires: T0 + 1 };
      return encodeCredential(c, crypto.signer.sign(op, credentialToBeSigned(c)));
    })(),
    (() => {
      const r = { operatorKey: kid, baid: seed('baid'), agentKey: bob.agentKey, reason: 'x', ts: T0 };
      return encodeRevocation(r, crypto.signer.sign(op, revocationToBeSigned(r)));
    })(),
    encodeDirect({ type: 'getBody', from: bob.agentKey, bodyHash: seed('h') }),
    // task protocol: a signed bid, a rate, a task announce body, a task direct message
    (() => {
      const m: TaskMsg = {
        type: 'bid',
        task: seed('t'),
        signer: bob.agentKey,
        ts: T0,
        price: 5,
        binding: identity('bob').binding,
      };
      return encodeTaskMsg(m, crypto.signer.sign(seed('bob/agent'), taskMsgToBeSigned(m)));
    })(),
    encodeTaskMsg(
      { type: 'rate', task: seed('t'), signer: bob.agentKey, ts: T0, outcome: 900, amount: 5, sig: new Uint8Array(64) },
      new Uint8Array(64),
    ),
    encodeBody({
      kind: 'intent',
      tags: ['x'],
      text: 't',
      price: 5,
      deadline: T0 + 1,
      requiredTier: 2,
      constraints: encodeTerms({ mechanism: new Uint8Array([0xd2]), deliverBy: T0 + 2, settleBy: T0 + 3 }),
    }),
    encodeDirect({ type: 'task', from: bob.agentKey, msg: new Uint8Array([0xd2, 0x84]) }),
    // a bad-delivery proof whose task names an acceptance check (the announce body carries the terms)
    (() => {
      const a = taskAnnounce({ requester: identity('alice'), accept: { kind: 'json', members: [['rows', 'number']] } });
      const artefact = new TextEncoder().encode('{"rows": "3"}');
      const delivery = signedDelivery(a.task, artefact, bob.agentKey, seed('bob/agent'));
      return encodeBadDeliveryProof({ announce: a.entry, body: a.body, delivery, artefact });
    })(),
    // receipts, fork and dispute proofs, complaints, continuation records, births carrying one, deaths
    ...[
      'receipt',
      'forkProof',
      'disputeProof',
      'complaint',
      'continuation',
      'birthEpoch1',
      'death',
      'request',
      'directRequest',
    ].map((k) => new Uint8Array(Buffer.from(GOLDEN[k]!, 'hex'))),
  ];
  return { wire: seen, extra };
}

const DECODERS: Array<[string, (b: Uint8Array) => unknown]> = [
  ['cbor', (b) => decodeCbor(b, { maxBytes: DEFAULT_LIMITS.messageBytes, tags: [18, 98] })],
  ['entry', (b) => decodeEntry(b, DEFAULT_LIMITS)],
  ['body', (b) => decodeBody(b, DEFAULT_LIMITS)],
  ['binding', (b) => decodeBinding(b, DEFAULT_LIMITS)],
  ['birth', (b) => decodeBirth(b, DEFAULT_LIMITS)],
  ['frontier', (b) => decodeFrontier(b, DEFAULT_LIMITS)],
  ['direct', (b) => decodeDirect(b, DEFAULT_LIMITS)],
  ['request', (b) => decodeRequest(b, DEFAULT_LIMITS)],
  ['checkpoint', (b) => decodeCheckpoint(b)],
  ['inclusion', (b) => decodeInclusion(b)],
  ['credential', (b) => decodeCredential(b)],
  ['revocation', (b) => decodeRevocation(b)],
  ['task', (b) => decodeTaskMsg(b, DEFAULT_LIMITS)],
  ['taskTerms', (b) => decodeTerms(decodeBody(b, DEFAULT_LIMITS))],
  ['receipt', (b) => decodeReceipt(b)],
  ['forkProof', (b) => decodeForkProof(b, DEFAULT_LIMITS)],
  ['disputeProof', (b) => decodeDisputeProof(b, DEFAULT_LIMITS)],
  ['badDeliveryProof', (b) => decodeBadDeliveryProof(b, DEFAULT_LIMITS)],
  ['complaint', (b) => decodeComplaint(b)],
  ['continuation', (b) => decodeContinuation(b)],
];

function mutate(r: ReturnType<typeof rng>, inputs: readonly Uint8Array[]): Uint8Array {
  const src = r.pick(inputs);
  const b = Array.from(src);
  const rounds = 1 + r.int(4);
  for (let k = 0; k < rounds; k++) {
    const at = r.int(Math.max(1, b.length));
    switch (r.int(9)) {
      case 0:
        b[at] = (b[at] ?? 0) ^ (1 << r.int(8));
        break; // bit flip
      case 1:
        b[at] = r.int(256);
        break; // byte set
      case 2:
        b.splice(at, 0, r.int(256));
        break; // insert
      case 3:
        b.splice(at, 1 + r.int(4));
        break; // delete
      case 4:
        b.length = at;
        break; // truncate
      case 5:
        b.splice(at, 0, ...b.slice(r.int(b.length), r.int(b.length) + 16));
        break; // duplicate a chunk
      case 6: {
        const o = r.pick(inputs);
        b.splice(at, b.length - at, ...Array.from(o.subarray(r.int(o.length))));
        break;
      } // splice
      case 7:
        b[at] = r.pick([0x18, 0x19, 0x1a, 0x1b, 0x5f, 0x9f, 0xbf, 0xff, 0xf9, 0xfb, 0xc1, 0xd8]);
        break; // CBOR heads
      default:
        b[at] = r.pick([0, 0xff, 0x7f, 0x80]);
    }
  }
  return new Uint8Array(b);
}

function randomBytes(r: ReturnType<typeof rng>): Uint8Array {
  return new Uint8Array(r.int(300)).map(() => r.int(256));
}

function saveRegression(name: string, b: Uint8Array): void {
  writeFileSync(join(REGRESSIONS, `${name}-${toHex(crypto.sha256(b)).slice(0, 16)}.hex`), toHex(b) + '\n');
}

describe(`fuzzing (${N} inputs; AGENTNET_FUZZ_N to change)`, () => {
  const { wire, extra } = corpus();
  const inputs = [...wire.map((w) => w.bytes), ...extra];
  const regressions = readdirSync(REGRESSIONS)
    .filter((f) => f.endsWith('.hex'))
    .map((f) => new Uint8Array(Buffer.from(readFileSync(join(REGRESSIONS, f), 'utf8').trim(), 'hex')));

  it(
    'decoders throw only DecodeError (regressions first, then mutations and random bytes)',
    () => {
      const r = rng(0xa6e7);
      const feed = (b: Uint8Array) => {
        for (const [name, dec] of DECODERS) {
          try {
            dec(b);
          } catch (e) {
            if (!(e instanceof DecodeError)) {
              saveRegression(`decode-${name}`, b);
              throw new Error(`${name} threw ${(e as Error).name}: ${(e as Error).message} on ${toHex(b)}`);
            }
          }
        }
      };
      regressions.forEach(feed);
      for (let i = 0; i < N; i++) feed(i % 10 === 9 ? randomBytes(r) : mutate(r, inputs));
      record(
        '1. fuzzing: decoders',
        `${N} inputs x ${DECODERS.length} decoders: 0 exceptions other than DecodeError`,
        true,
      );
    },
    Math.max(600_000, N * 3),
  ); // 1M inputs on a loaded 2-core machine took up to 335 s

  it(
    'the receive path never throws, accepts nothing invalid and stays bounded',
    () => {
      const r = rng(0x5eed);
      const net = new TestNet(T0);
      const victim = net.add(identity('alice'));
      const peer = net.add(identity('bob'));
      victim.announce(net.now, { kind: 'intent', topic: 'data_analysis', tags: ['data'], text: 'need data' });
      peer.announce(net.now, { kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql' });
      net.run();
      const channels = CHANNELS; // every row of the channel table
      const keys = [
        ...new Set(wire.map((w) => w.key)),
        'data_analysis',
        victim.agentHex,
        peer.agentHex,
        `${peer.agentHex}.award`,
        `${peer.agentHex}.delivery`,
        '+',
        '',
      ];
      const feed = (channel: Channel, key: string, b: Uint8Array) => {
        try {
          victim.handleMessage(net.now, channel, key, b);
        } catch (e) {
          saveRegression(`handle-${channel}`, b);
          throw new Error(`handleMessage(${channel}) threw ${(e as Error).message} on ${toHex(b)}`);
        }
      };
      for (const b of regressions) for (const c of channels) feed(c, 'data_analysis', b);
      for (let i = 0; i < N; i++) {
        const src = r.next() < 0.3 ? r.pick(wire) : undefined;
        const b = i % 10 === 9 ? randomBytes(r) : mutate(r, inputs);
        feed(src?.channel ?? r.pick(channels), src?.key ?? r.pick(keys), b);
        if (i % 1000 === 0) {
          net.now += 500;
          victim.handleTimeout(net.now);
          while (victim.pollTransmit()) {
            /* drain: the victim's requests go nowhere in this test */
          }
          while (victim.pollEvent()) {
            /* drain */
          }
        }
      }
      const st = victim.status();
      expect(st.pending.held).toBeLessThanOrEqual(4096);
      expect(st.pending.pulls).toBeLessThanOrEqual(1024);
      expect(st.pending.gaps).toBeLessThanOrEqual(1024);
      expect(st.pending.births).toBeLessThanOrEqual(1024);
      // Nothing invalid got in: every stored entry decodes, verifies under its author and chains.
      const store = net.stores[0]!;
      for (const log of store.logs()) {
        let prev: Uint8Array | undefined;
        for (const e of store.range(log.author, log.topic, log.head.epoch, 1, log.head.seq)) {
          const d = decodeEntry(e.bytes, DEFAULT_LIMITS);
          expect(crypto.verifier.verify(d.entry.author, d.toBeSigned, d.signature)).toBe(true);
          expect(toHex(crypto.sha256(e.bytes))).toBe(toHex(e.id));
          if (prev) expect(toHex(d.entry.prev!)).toBe(toHex(prev));
          prev = e.id;
        }
      }
      expect(Object.keys(st.rejected).length).toBeGreaterThan(3); // the fuzz really reached the checks
      record(
        '1. fuzzing: AgentCore.handle',
        `${N} inputs: 0 exceptions, 0 invalid entries accepted, pending state bounded; rejections ${JSON.stringify(st.rejected)}`,
        true,
      );
    },
    Math.max(600_000, N * 3),
  ); // 1M inputs on a loaded 2-core machine took up to 335 s
});
