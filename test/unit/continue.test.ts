// `agentnet continue` (runtime side of docs/architecture.md §4 epochs): the operator key in identity/ signs the next
// epoch's continuation record; the node's identity then starts in that epoch, and its core accepts it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { AgentnetError } from '../../src/runtime/errors.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { continueEpoch, ensureIdentity } from '../../src/runtime/identity.js';
import { crypto } from '../helpers.js';

describe('agentnet continue', () => {
  it('writes epoch 1, then 2; the identity starts in it and the core accepts the record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-continue-'));
    const now = Date.now();
    expect(ensureIdentity(crypto, dir, now)).toMatchObject({ epoch: 0, created: true });
    expect(continueEpoch(crypto, dir, undefined, now).epoch).toBe(1);
    expect(continueEpoch(crypto, dir, undefined, now + 1).epoch).toBe(2);
    const id = ensureIdentity(crypto, dir, now + 2);
    expect(id.epoch).toBe(2);
    const core = new AgentCore({
      crypto,
      store: new MemoryStore(),
      agentSecret: id.agentSecret,
      binding: id.binding,
      epoch: id.epoch,
      continuation: id.continuation!,
    });
    core.start(now + 2);
    expect(
      core.announce(now + 3, { kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'x' }).seq,
    ).toBe(1);
    expect(core.status().epoch).toBe(2);
  });

  it('refuses a key that is not the operator and a tampered record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-continue-'));
    ensureIdentity(crypto, dir, Date.now());
    expect(() => continueEpoch(crypto, dir, join(dir, 'identity', 'agent.key'), Date.now())).toThrow(AgentnetError);
    continueEpoch(crypto, dir, undefined, Date.now());
    writeFileSync(join(dir, 'identity', 'continuation.cbor'), new Uint8Array([0xd2, 0x84]));
    expect(() => ensureIdentity(crypto, dir, Date.now())).toThrow(/continuation\.cbor/);
    expect(() => continueEpoch(crypto, mkdtempSync(join(tmpdir(), 'agentnet-empty-')), undefined, Date.now())).toThrow(
      /nothing to continue/,
    );
  });
});
