// Agent Cards without processes: a card built and signed from an identity verifies offline; every way of forging
// one is refused by name (a changed field, a binding of another key, a signer that is neither the agent nor its
// directory node, a declaration by another key or for another skill, an expired declaration, no signature);
// the gateway's state mapping covers every requester state.

import { describe, expect, it } from 'vitest';
import { TaskState } from '@a2a-js/sdk';
import { encodeBody } from '../../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { TRANSITIONS } from '../../src/core/task/protocol.js';
import { BAID_EXTENSION_URI, buildCard, signCard, type SkillSource } from '../../src/runtime/a2a/card.js';
import { a2aState } from '../../src/runtime/a2a/gateway.js';
import { verifyCard } from '../../src/runtime/a2a/verify.js';
import { crypto, identity, T0 } from '../helpers.js';

const NOW = T0;
const alice = identity('a2a-alice');
const bob = identity('a2a-bob');

function capability(who: ReturnType<typeof identity>, tag: string, expires = NOW + 3_600_000): SkillSource {
  const body = encodeBody({ kind: 'capability', tags: [tag], text: `offers ${tag}` });
  const e: Entry = {
    author: who.agentKey,
    topic: 'topic_a',
    epoch: 0,
    seq: 1,
    kind: 'capability',
    ts: NOW - 1000,
    expires,
    bodyHash: crypto.sha256(body),
    bodyLen: body.length,
    sketch: new Uint8Array(32),
    tier: 2,
    key: tag,
  };
  const entry = encodeEntry(e, crypto.signer.sign(who.agentSecret, entryToBeSigned(e)));
  return { topic: 'topic_a', key: tag, tags: [tag], text: `offers ${tag}`, entry, body };
}

const OPTS = { endpoint: 'http://127.0.0.1:1/a2a', bearer: false, version: '0.1.0' };
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const check = (card: unknown) => verifyCard(card, crypto, NOW, DEFAULT_LIMITS);
const ext = (c: any) => c.capabilities.extensions.find((x: any) => x.uri === BAID_EXTENSION_URI);

async function ownCard(skills = [capability(alice, 'x.y')], who = alice) {
  const card = buildCard({ agent: hexOf(who.agentKey), binding: who.binding, skills }, OPTS);
  return (await signCard(card, who.agentSecret, who.agentKey)) as any;
}

describe('A2A cards', () => {
  it("an agent's own card verifies: signer, binding facts, skills", async () => {
    const r = await check(await ownCard());
    expect(r).toMatchObject({
      ok: true,
      agent: hexOf(alice.agentKey),
      signer: hexOf(alice.agentKey),
      skills: ['topic_a/x.y'],
    });
    expect(r.operator).toBe(hexOf(crypto.signer.publicKey(alice.operatorSecret)));
    expect(r.errors).toEqual([]);
  });

  it('a directory card verifies with the directory node as signer', async () => {
    const card = buildCard(
      { agent: hexOf(bob.agentKey), binding: bob.binding, skills: [capability(bob, 'x.y')] },
      { ...OPTS, directory: { agent: hexOf(alice.agentKey), binding: alice.binding } },
    );
    const r = await check(await signCard(card, alice.agentSecret, alice.agentKey));
    expect(r).toMatchObject({
      ok: true,
      agent: hexOf(bob.agentKey),
      signer: hexOf(alice.agentKey),
      directory: hexOf(alice.agentKey),
    });
    // Without the directory member, alice's signature on bob's card is refused.
    const bare = buildCard(
      { agent: hexOf(bob.agentKey), binding: bob.binding, skills: [capability(bob, 'x.y')] },
      OPTS,
    );
    const r2 = await check(await signCard(bare, alice.agentSecret, alice.agentKey));
    expect(r2.ok).toBe(false);
    expect(r2.errors.join('\n')).toMatch(/neither the card's agent nor its directory node/);
  });

  it('refuses forgeries by name', async () => {
    const tampered = await ownCard();
    tampered.skills[0].description = 'changed';
    expect((await check(tampered)).errors.join('\n')).toMatch(/signatures\[0\]/);

    // A binding of another key, re-signed by the agent: the signature holds, the binding does not.
    const swapped = buildCard(
      { agent: hexOf(alice.agentKey), binding: bob.binding, skills: [capability(alice, 'x.y')] },
      OPTS,
    );
    const s = await check(await signCard(swapped, alice.agentSecret, alice.agentKey));
    expect(s.errors.join('\n')).toMatch(/binding for another key/);

    const foreign = await ownCard([capability(bob, 'x.y')]);
    expect((await check(foreign)).errors.join('\n')).toMatch(/declarations\[0\]: entry by [0-9a-f]{64}, not the agent/);

    const stale = await ownCard([capability(alice, 'x.y', NOW - 1)]);
    expect((await check(stale)).errors.join('\n')).toMatch(/declaration expired/);

    const unsigned = await ownCard();
    delete unsigned.signatures;
    expect((await check(unsigned)).errors).toContain('card: no signatures');

    const noExt = await ownCard();
    noExt.capabilities.extensions = [];
    expect((await check(noExt)).errors.join('\n')).toMatch(/absent/);

    const badSkill = await ownCard();
    ext(badSkill).params.declarations[0].skill = 'topic_a/other';
    expect((await check(badSkill)).ok).toBe(false);
  });

  it('maps every requester state of the task protocol onto an A2A state', () => {
    const states = Object.keys(TRANSITIONS.requester);
    const mapped = Object.fromEntries(states.map((s) => [s, TaskState[a2aState(s)]]));
    expect(mapped).toEqual({
      open: 'TASK_STATE_SUBMITTED',
      awarded: 'TASK_STATE_WORKING',
      fetching: 'TASK_STATE_WORKING',
      delivered: 'TASK_STATE_WORKING',
      rated: 'TASK_STATE_WORKING',
      settled: 'TASK_STATE_COMPLETED',
      expired: 'TASK_STATE_REJECTED',
      canceled: 'TASK_STATE_CANCELED',
      defaulted: 'TASK_STATE_FAILED',
      unsigned: 'TASK_STATE_COMPLETED',
    });
  });
});
