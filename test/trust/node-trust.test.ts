// NodeTrust in a network of real AgentCores (in-memory TestNet): co-signed receipts published as `state`
// declarations in a topic's logs, pulled through the `receipt` watch, verified (both signatures), mapped to
// NodeIndex and fed to the TrustModel; forged and one-sided receipts rejected; discover re-ranked by trust;
// a fork proof slashes.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { CONTENT_TYPES, encodeSign } from '../../src/core/codec/cose.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import {
  encodeReceipt,
  receiptBody,
  receiptPayload,
  receiptToBeSigned,
  type Receipt,
} from '../../src/core/codec/receipt.js';
import { makeBinding } from '../../src/core/identity/binding.js';
import type { AgentCore } from '../../src/core/agent.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { NodeTrust } from '../../src/core/trust/node-trust.js';
import { reputationBody, reputationFromBody } from '../../src/core/trust/gossip.js';
import { DecodeError } from '../../src/core/base/errors.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, DAY, seed, T0, type TestIdentity } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'data_analysis';
const EPOCH = 60_000;

function bonded(label: string, bond: number): TestIdentity {
  const agentSecret = seed(`${label}/agent`);
  const operatorSecret = seed(`${label}/operator`);
  const { bytes } = makeBinding(crypto, {
    operatorSecret,
    agentSecret,
    codeHash: seed('code'),
    config: { model: seed('model'), promptTemplate: seed('prompt'), toolPolicy: seed('tools') },
    salt: seed(`${label}/salt`).slice(0, 16),
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    scope: [],
    bond,
  });
  return { agentSecret, operatorSecret, agentKey: crypto.signer.publicKey(agentSecret), binding: bytes };
}

let task = 0;
function receipt(
  req: TestIdentity,
  wk: TestIdentity,
  outcome: number,
  ts: number,
  o: { signer?: TestIdentity; topic?: string } = {},
): Uint8Array {
  const r: Receipt = {
    taskId: crypto.sha256(new Uint8Array([task >> 8, task++ & 255])),
    topic: o.topic ?? TOPIC,
    requester: req.agentKey,
    worker: wk.agentKey,
    outcome,
    ts,
  };
  const wSig = crypto.signer.sign((o.signer ?? wk).agentSecret, receiptToBeSigned(r, r.worker));
  return encodeReceipt(r, crypto.signer.sign(req.agentSecret, receiptToBeSigned(r, r.requester)), wSig);
}

const publish = (net: TestNet, core: AgentCore, bytes: Uint8Array, topic = TOPIC) => {
  core.announce(net.now, { ...receiptBody(bytes, topic), topic } as Declaration);
  net.run();
};

function world() {
  const net = new TestNet(T0);
  const ids = {
    alice: bonded('alice', 10),
    bob: bonded('bob', 40),
    dave: bonded('dave', 10),
    carol: bonded('carol', 0),
  };
  const alice = net.add(ids.alice);
  const bob = net.add(ids.bob);
  const dave = net.add(ids.dave);
  const carol = net.add(ids.carol);
  for (const c of [alice, bob, dave, carol]) c.follow(TOPIC);
  net.run();
  carol.watch(net.now, 'receipt');
  const trust = new NodeTrust({ verifier: carol.verifier, recomputeMs: EPOCH, decayEpochMs: EPOCH, requiredTier: 2 });
  trust.setTopics([{ name: TOPIC, tags: ['data.analysis'] }]);
  let read = 0;
  /** Feeds carol's new `declared` events to NodeTrust, as the node does. */
  const pump = () => {
    for (;;) {
      const evs = net.events[3]!;
      for (; read < evs.length; read++) {
        const e = evs[read]!;
        if (e.type === 'declared') trust.handleDeclared(net.now, e);
      }
      const want = trust.pollBindingRequest();
      if (!want) break;
      carol.requestBinding(want);
      for (let x = trust.pollBindingRequest(); x; x = trust.pollBindingRequest()) carol.requestBinding(x);
      net.run();
      trust.retryHeld(net.now);
    }
  };
  return { net, ids, alice, bob, dave, carol, trust, pump };
}

describe('NodeTrust: receipts from real logs', () => {
  it('pulls receipt bodies from a followed topic, verifies both signatures and feeds local trust', () => {
    const w = world();
    for (let k = 0; k < 4; k++) {
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 950, w.net.now));
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.dave, 100, w.net.now));
    }
    w.pump();
    expect(w.trust.status().receipts.accepted).toBe(8);
    expect(w.trust.status().rejected).toEqual({});
    w.net.now += EPOCH;
    w.trust.recompute(w.net.now, powerIterate);
    const bob = w.trust.trustOf(TOPIC, w.bob.agentHex);
    const dave = w.trust.trustOf(TOPIC, w.dave.agentHex);
    expect(bob).toBeGreaterThan(dave);
    const v = w.trust.view(TOPIC);
    expect(v[0]!.agent).toBe(w.bob.agentHex);
    expect(v.find((x) => x.agent === w.bob.agentHex)!.stake).toBe(40); // the binding's bond
    expect(v.find((x) => x.agent === w.dave.agentHex)!.gate).toBeLessThan(0.5); // complaints shut dave's gate
    expect(w.trust.status().epochs).toBe(1);
    expect(w.trust.status().last!.iterations[0]).toBeGreaterThan(0);
  });

  it('bodyless gossip still skips unrelated state bodies; a receipt republished is counted once', () => {
    const w = world();
    const pulls = w.carol.status().pulls.requested;
    w.alice.announce(w.net.now, { kind: 'state', topic: TOPIC, tags: ['load.cpu'], text: 'busy' });
    w.net.run();
    expect(w.carol.status().pulls.requested).toBe(pulls);
    const r = receipt(w.ids.alice, w.ids.bob, 900, w.net.now);
    publish(w.net, w.alice, r);
    publish(w.net, w.bob, r); // the worker publishes the same receipt in its log
    w.pump();
    // The same body hashes the same: carol pulls it once and reads the second copy from her store.
    expect(w.carol.status().pulls.requested).toBe(pulls + 1);
    expect(w.net.events[3]!.filter((e) => e.type === 'declared')).toHaveLength(2);
    expect(w.trust.status().receipts).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('a watch set after receipts arrived reads them from the stored logs', () => {
    const net = new TestNet(T0);
    const a = bonded('alice', 1);
    const b = bonded('bob', 1);
    const alice = net.add(a);
    net.add(b);
    const carol = net.add(bonded('carol', 0));
    carol.follow(TOPIC);
    net.run();
    publish(net, alice, receipt(a, b, 800, net.now));
    expect(net.events[2]!.some((e) => e.type === 'declared')).toBe(false);
    carol.watch(net.now, 'receipt');
    net.run();
    expect(net.events[2]!.filter((e) => e.type === 'declared')).toHaveLength(1);
  });

  it('rejects forged, one-sided, misplaced and future receipts with a RejectReason, and never ingests them', () => {
    const w = world();
    const mallory = bonded('mallory', 0);
    publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 1000, w.net.now, { signer: w.ids.dave })); // bob never signed
    const r: Receipt = {
      taskId: crypto.sha256(new Uint8Array([9])),
      topic: TOPIC,
      requester: w.ids.alice.agentKey,
      worker: w.ids.bob.agentKey,
      outcome: 1000,
      ts: w.net.now,
    };
    const oneSided = encodeSign(CONTENT_TYPES.receipt, receiptPayload(r), [
      { kid: r.requester, signature: crypto.signer.sign(w.ids.alice.agentSecret, receiptToBeSigned(r, r.requester)) },
    ]);
    publish(w.net, w.alice, oneSided);
    publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 1000, w.net.now, { topic: 'code_generation' }), TOPIC);
    publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 1000, w.net.now + 3_600_000));
    w.alice.announce(w.net.now, {
      kind: 'state',
      topic: TOPIC,
      tags: ['receipt'],
      text: 'not really',
      constraints: 'agentnet/receipt/1:00',
    });
    w.net.run();
    publish(w.net, w.alice, receipt(w.ids.alice, mallory, 1000, w.net.now)); // mallory's binding never arrives
    w.pump();
    expect(w.trust.status().rejected).toEqual({ bad_signature: 1, malformed: 2, wrong_topic: 1, future: 1 });
    expect(w.trust.status().receipts).toMatchObject({ accepted: 0, held: 1 });
    const evs: string[] = [];
    for (let e = w.trust.pollEvent(); e; e = w.trust.pollEvent()) if (e.type === 'rejected') evs.push(e.reason);
    expect(evs.sort()).toEqual(['bad_signature', 'future', 'malformed', 'malformed', 'wrong_topic']);
    w.net.now += 3 * EPOCH;
    w.trust.recompute(w.net.now, powerIterate);
    expect(w.trust.status().rejected['unknown_author']).toBe(1);
    expect(w.trust.status().receipts).toMatchObject({ accepted: 0, held: 0 });
    expect(w.trust.view(TOPIC).every((x) => x.receipts === 0)).toBe(true);
  });

  it('a receipt waiting for a signer binding is ingested once the binding is verified', () => {
    const w = world();
    const eve = bonded('eve', 5);
    publish(w.net, w.alice, receipt(w.ids.alice, eve, 900, w.net.now));
    w.pump();
    expect(w.trust.status().receipts).toMatchObject({ accepted: 0, held: 1 });
    expect(w.carol.verifier.bindingOf(toHex(eve.agentKey))).toBeUndefined(); // asked for, not yet born
    w.net.add(eve); // eve's retained birth carries its binding; carol is subscribed and verifies it at T2
    expect(w.carol.verifier.bindingOf(toHex(eve.agentKey))).toBeDefined();
    w.trust.recompute(w.net.now + EPOCH, powerIterate);
    expect(w.trust.status().receipts).toMatchObject({ accepted: 1, held: 0 });
  });
});

describe('NodeTrust: discover ranking and provider selection', () => {
  it('ranks semantically equal candidates by topic trust, and selection follows it', () => {
    const w = world();
    const cap: Declaration = { kind: 'capability', topic: TOPIC, tags: ['data.analysis'], text: 'analysis' };
    w.bob.announce(w.net.now, cap);
    w.dave.announce(w.net.now, cap);
    w.carol.announce(w.net.now, { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need analysis' });
    w.net.run();
    const plain = w.carol.discover({ tags: ['data.analysis'], topic: TOPIC });
    expect(plain.map((c) => c.author).sort()).toEqual([w.bob.agentHex, w.dave.agentHex].sort());
    // Before any receipt, trust says nothing: the semantic order stands.
    expect(w.trust.rank(plain).map((c) => c.author)).toEqual(plain.map((c) => c.author));
    for (let k = 0; k < 3; k++) {
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.dave, 1000, w.net.now));
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 50, w.net.now));
    }
    w.pump();
    w.net.now += EPOCH;
    w.trust.recompute(w.net.now, powerIterate);
    const ranked = w.trust.rank(w.carol.discover({ tags: ['data.analysis'], topic: TOPIC }));
    expect(ranked.map((c) => c.author)).toEqual([w.dave.agentHex, w.bob.agentHex]);
    expect(ranked[0]!.trust).toBeGreaterThan(ranked[1]!.trust);
    expect(w.trust.select(ranked, 'argmax', 0.5, 0.5)!.author).toBe(w.dave.agentHex);
    let dave = 0;
    for (let k = 0; k < 200; k++)
      if (w.trust.select(ranked, 'proportional', (k * 0.618) % 1, (k * 0.377) % 1)!.author === w.dave.agentHex) dave++;
    expect(dave).toBeGreaterThan(150);
    expect(w.trust.rank(ranked, ranked[0]!.trust).map((c) => c.author)).toEqual([w.dave.agentHex]); // minTrust
  });
});

describe('NodeTrust: flattened trust and proportional pick (experiment methods)', () => {
  it('a flattened node counts every topic in one, and pick follows its selection scores', () => {
    const w = world();
    const OTHER = 'code_generation';
    for (const c of [w.alice, w.carol]) c.follow(OTHER);
    w.net.run();
    for (let k = 0; k < 3; k++) {
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.dave, 1000, w.net.now, { topic: OTHER }), OTHER);
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 50, w.net.now));
    }
    w.pump();
    const flat = new NodeTrust({
      verifier: w.carol.verifier,
      recomputeMs: EPOCH,
      decayEpochMs: EPOCH,
      requiredTier: 2,
      flatten: 'all',
    });
    flat.setTopics([
      { name: TOPIC, tags: ['data.analysis'] },
      { name: OTHER, tags: ['software.code'] },
    ]);
    for (const e of w.net.events[3]!) if (e.type === 'declared') flat.handleDeclared(w.net.now, e);
    w.net.now += EPOCH;
    flat.recompute(w.net.now, powerIterate);
    expect(flat.status().receipts.accepted).toBe(6);
    expect(flat.status().topics).toEqual(['all']);
    // Flattened, dave's praise in code_generation is its standing in data_analysis too.
    expect(flat.trustOf(TOPIC, w.dave.agentHex)).toBeGreaterThan(flat.trustOf(TOPIC, w.bob.agentHex));
    expect(flat.trustOf(TOPIC, w.dave.agentHex)).toBe(flat.trustOf(OTHER, w.dave.agentHex));
    // pick: proportional to the selection score (trust x certainty), so mostly dave.
    const agents = [w.bob.agentHex, w.dave.agentHex];
    const share = (t: NodeTrust) => {
      let d = 0;
      for (let k = 0; k < 200; k++) if (t.pick(TOPIC, agents, (k * 0.618) % 1, (k * 0.377) % 1) === 1) d++;
      return d / 200;
    };
    expect(share(flat)).toBeGreaterThan(0.75);
    expect(flat.flagged(w.bob.agentHex)).toBe(true); // three complaints shut bob's gate
    expect(flat.flagged(w.dave.agentHex)).toBe(false);
    expect(flat.flagged('00'.repeat(32))).toBe(false); // unknown agents are not flagged
  });
});

describe('NodeTrust: slashing on a verified fork proof', () => {
  it('burns half the bond, freezes the rest, gates the culprit in every topic and ranks it last', () => {
    const w = world();
    for (let k = 0; k < 3; k++) {
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 1000, w.net.now));
      publish(w.net, w.alice, receipt(w.ids.alice, w.ids.dave, 700, w.net.now));
    }
    w.pump();
    w.net.now += EPOCH;
    w.trust.recompute(w.net.now, powerIterate);
    expect(w.trust.trustOf(TOPIC, w.bob.agentHex)).toBeGreaterThan(0);
    const fork = (text: number): Uint8Array => {
      const e: Entry = {
        author: w.ids.bob.agentKey,
        topic: 'code_generation',
        epoch: 0,
        seq: 1,
        kind: 'capability',
        ts: T0 + text,
        expires: T0 + DAY,
        bodyHash: new Uint8Array(32),
        bodyLen: 3,
        sketch: new Uint8Array(32),
        tier: 2,
      };
      return encodeEntry(e, crypto.signer.sign(w.ids.bob.agentSecret, entryToBeSigned(e)));
    };
    expect(w.carol.verifier.intakeForkProof(fork(1), fork(2)).ok).toBe(true);
    expect(w.trust.pollFraudFrom(w.net.now)).toBe(1);
    const bob = w.trust.view(TOPIC).find((x) => x.agent === w.bob.agentHex)!;
    expect(bob).toMatchObject({ slashed: true, stake: 0, burnt: 20, frozen: 20, gate: 0, trust: 0, flagged: true });
    // A later bond declaration cannot restore a slashed identity's stake; the recompute keeps it at 0.
    w.net.now += EPOCH;
    w.trust.recompute(w.net.now, powerIterate);
    expect(w.trust.view(TOPIC).find((x) => x.agent === w.bob.agentHex)).toMatchObject({ stake: 0, trust: 0 });
    expect(w.trust.trustOf(TOPIC, w.dave.agentHex)).toBeGreaterThan(0);
    expect(w.trust.status()).toMatchObject({ slashed: 1, fraudProofs: 1 });
  });

  it('a proof that does not verify is refused by the verifier and slashes nobody', () => {
    const w = world();
    const e: Entry = {
      author: w.ids.bob.agentKey,
      topic: TOPIC,
      epoch: 0,
      seq: 1,
      kind: 'capability',
      ts: T0,
      expires: T0 + DAY,
      bodyHash: new Uint8Array(32),
      bodyLen: 3,
      sketch: new Uint8Array(32),
      tier: 2,
    };
    const good = encodeEntry(e, crypto.signer.sign(w.ids.bob.agentSecret, entryToBeSigned(e)));
    const e2 = { ...e, ts: T0 + 1 };
    const forged = encodeEntry(e2, crypto.signer.sign(w.ids.dave.agentSecret, entryToBeSigned(e2)));
    expect(w.carol.verifier.intakeForkProof(good, forged).ok).toBe(false);
    expect(w.trust.pollFraudFrom(w.net.now)).toBe(0);
    expect(w.trust.status().slashed).toBe(0);
  });
});

describe('NodeTrust: reputation exchange as gossip', () => {
  it('publishes the delta/top-k entries of an epoch as a signed declaration that peers receive and report', () => {
    const w = world();
    w.trust.recompute(w.net.now, powerIterate);
    expect(w.trust.pollPublish()).toBeUndefined(); // nothing to publish without evidence in the topic
    for (let k = 0; k < 3; k++) publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 1000, w.net.now));
    w.pump();
    w.net.now += EPOCH;
    const sent = w.trust.recompute(w.net.now, powerIterate);
    const out = w.trust.pollPublish()!;
    expect(out.topic).toBe(TOPIC);
    expect(out.entries.length).toBeGreaterThan(0);
    expect(out.entries.length).toBeLessThanOrEqual(sent);
    expect(w.trust.pollPublish()).toBeUndefined();
    // Alice's node receives carol's delta through its own watch on `reputation`.
    const aliceTrust = new NodeTrust({ verifier: w.alice.verifier, recomputeMs: EPOCH, decayEpochMs: EPOCH });
    w.alice.watch(w.net.now, 'reputation');
    w.carol.announce(w.net.now, { ...reputationBody(TOPIC, out.entries), topic: TOPIC });
    w.carol.announce(w.net.now, {
      kind: 'state',
      topic: TOPIC,
      tags: ['reputation'],
      text: 'bad',
      constraints: 'agentnet/reputation/1:a0',
    });
    w.net.run();
    for (const e of w.net.events[0]!)
      if (e.type === 'declared' && e.body.tags.includes('reputation')) aliceTrust.handlePeerView(e);
    expect(aliceTrust.status().exchange).toMatchObject({
      received: out.entries.length,
      receivedDeclarations: 1,
      publishers: 1,
    });
    expect(aliceTrust.status().rejected).toEqual({ malformed: 1 });
    const bobValue = out.entries.find((e) => e.agent === w.bob.agentHex)?.value;
    expect(bobValue).toBeDefined();
    expect(aliceTrust.peers.about(TOPIC, w.bob.agentHex)).toEqual({
      peers: 1,
      mean: Math.round(bobValue! * 1e6) / 1e6,
    });
    expect(w.trust.status().exchange).toMatchObject({ published: out.entries.length, declarations: 1 });
  });

  it('the reputation body round-trips and refuses bad input with typed errors', () => {
    const e = [
      { agent: 'ab'.repeat(32), value: 1.234567 },
      { agent: 'cd'.repeat(32), value: 0 },
    ];
    expect(reputationFromBody(reputationBody(TOPIC, e))).toEqual(e);
    expect(() => reputationBody(TOPIC, [])).toThrow(RangeError);
    expect(() => reputationBody(TOPIC, [{ agent: 'xyz', value: 1 }])).toThrow(TypeError);
    expect(() =>
      reputationFromBody({ kind: 'state', tags: [], text: '', constraints: 'agentnet/reputation/1:zz' }),
    ).toThrow(DecodeError);
    expect(() => reputationFromBody({ kind: 'capability', tags: [], text: '' })).toThrow(DecodeError);
  });
});

describe('NodeTrust: local conduct (./conduct.ts)', () => {
  it("multiplies this node's trust in an author and its rank, is shown in view and status, and is never published", () => {
    const run = (violations: number) => {
      const w = world();
      for (let k = 0; k < 3; k++) {
        publish(w.net, w.alice, receipt(w.ids.alice, w.ids.bob, 950, w.net.now));
        publish(w.net, w.alice, receipt(w.ids.alice, w.ids.dave, 900, w.net.now));
      }
      w.pump();
      for (let i = 0; i < violations; i++) w.trust.conduct.handleViolation(w.net.now, w.bob.agentHex, 'entry_rate');
      w.net.now += EPOCH;
      w.trust.recompute(w.net.now, powerIterate);
      return {
        w,
        published: w.trust.pollPublish()!,
        bob: w.trust.trustOf(TOPIC, w.bob.agentHex),
        dave: w.trust.trustOf(TOPIC, w.dave.agentHex),
      };
    };
    const clean = run(0);
    const flooded = run(150); // D = 150 refused entries against D½ = 50 (decayed by one minute of a 1 h half-life)
    const factor = flooded.w.trust.conduct.factor(flooded.w.bob.agentHex, flooded.w.net.now);
    expect(factor).toBeCloseTo(1 / (1 + (150 * 2 ** (-EPOCH / 3_600_000)) / 50), 12);
    expect(flooded.bob).toBeCloseTo(clean.bob * factor, 12);
    expect(flooded.dave).toBeCloseTo(clean.dave, 12);
    const v = flooded.w.trust.view(TOPIC).find((x) => x.agent === flooded.w.bob.agentHex)!;
    expect(v.conduct).toBeCloseTo(factor, 12);
    expect(v.trust).toBeCloseTo(flooded.bob, 12);
    expect(v.computed).toBeCloseTo(
      clean.w.trust.view(TOPIC).find((x) => x.agent === clean.w.bob.agentHex)!.computed,
      12,
    );
    // The published reputation (what other nodes receive) is the same with and without the conduct record.
    expect(flooded.published.entries.map((e) => [e.agent, e.value])).toEqual(
      clean.published.entries.map((e) => [e.agent, e.value]),
    );
    // discover's ranking: the clean run ranks bob first, the conduct record puts dave ahead.
    const cands = (w: ReturnType<typeof world>) =>
      w.trust.rank(w.carol.discover({ tags: ['data.analysis'], topic: TOPIC }), 0, w.net.now).map((c) => c.author);
    for (const r of [clean, flooded]) {
      r.w.bob.announce(r.w.net.now, { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL' });
      r.w.dave.announce(r.w.net.now, { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL' });
      r.w.carol.announce(r.w.net.now, { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
      r.w.net.run();
    }
    expect(clean.bob).toBeGreaterThan(clean.dave);
    expect(cands(clean.w)[0]).toBe(clean.w.bob.agentHex);
    expect(cands(flooded.w)[0]).toBe(flooded.w.dave.agentHex);
    expect(flooded.w.trust.status(flooded.w.net.now).conduct).toMatchObject({
      violations: 150,
      tracked: 1,
      lowest: [{ agent: flooded.w.bob.agentHex, violations: { entry_rate: 150 } }],
    });
  });
});
