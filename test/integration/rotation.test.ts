// A key rotation retires the previous key on every peer that sees the new binding, with no grace period, even
// while the old key is still in use (the case rotation exists for: a lost or stolen device keeps running).
// bob runs with a self-operated identity (v1, key K1); his operator rotates to K2 with bob's operator key
// (v2: same baid, prev = hash of v1) and starts the new key on a fresh data directory, the old process still
// running. alice, who follows the topic, must then report K1 at tier 0, list only K2's capability, and refuse
// what K1 signs from now on, while K1's earlier entries stay in her store.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { makeCryptoPort, randomSecret } from '../../src/runtime/crypto-port.js';
import { bind, readSecret } from '../../src/runtime/identity.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { defaultVerifier } from '../../src/runtime/verifier.js';
import { api, until } from './node-kit.js';

const TOPIC = 'data_analysis';
const CAP = { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL', ttlMs: 3_600_000 };

describe('key rotation between real nodes', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-rotation-'));
  const network = `rotation-${process.pid}-${Date.now() % 1e6}`;
  const nodes: AgentNode[] = [];
  const start = async (name: string, extra: Record<string, unknown> = {}) => {
    const n = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, name), network, broker: broker.url, ...extra } }),
      { logger: createLogger({ level: 'error' }) },
    );
    nodes.push(n);
    return n;
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close().catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('peers retire the old key at once: tier 0, out of discover, its new signatures refused', async () => {
    const alice = await start('alice');
    await api(alice, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    const old = await start('bob', { declarations: [CAP] });
    const k1 = old.core.agentHex;
    await until(() => alice.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 1);
    expect((await api(alice, `/verify/${k1}`)).json).toMatchObject({ known: true, tier: 2 });

    // The operator's rotation, as `agentnet rotate` makes it, installed in a new data directory.
    const c = makeCryptoPort(defaultVerifier());
    const v1 = new Uint8Array(readFileSync(join(dir, 'bob', 'identity', 'binding.cbor')));
    const k2Secret = randomSecret();
    const v2 = bind(c, {
      operatorSecret: readSecret(join(dir, 'bob', 'identity', 'operator.key')),
      agentSecret: k2Secret,
      now: Date.now(),
      previous: v1,
    });
    const [b1, b2] = [v1, v2].map((b) => decodeBinding(b, DEFAULT_LIMITS).binding);
    expect([b2!.version, toHex(b2!.baid)]).toEqual([2, toHex(b1!.baid)]);
    mkdirSync(join(dir, 'bob2', 'identity'), { recursive: true });
    writeFileSync(join(dir, 'bob2', 'identity', 'agent.key'), `${toHex(k2Secret)}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'bob2', 'identity', 'binding.cbor'), v2);
    const rotated = await start('bob2', { declarations: [CAP] });
    const k2 = rotated.core.agentHex;
    expect(k2).toBe(toHex(b2!.agentKey));

    await until(async () => (await api(alice, `/verify/${k2}`)).json.tier === 2);
    // The old key: still running and still a known binding, but retired.
    expect((await api(alice, `/verify/${k1}`)).json).toMatchObject({ known: true, tier: 0, meets: false });
    const peers = (await api(alice, '/peers')).json.peers as Array<{ agent: string; tier: number; version: number }>;
    expect(peers.find((p) => p.agent === k1)).toMatchObject({ tier: 0, version: 1 });
    expect(peers.find((p) => p.agent === k2)).toMatchObject({ tier: 2, version: 2 });
    const { candidates } = (await api(alice, `/discover?tags=data.analysis&topic=${TOPIC}`)).json as {
      candidates: Array<{ author: string }>;
    };
    expect(candidates.map((x) => x.author)).toEqual([k2]);
    // What K1 signs from now on is refused (the entry it signed before the rotation stays stored).
    const before = alice.logs().find((l) => l.author === k1 && l.topic === TOPIC)!.seq;
    const refused = () => (alice.status()['rejected'] as Record<string, number>)['binding_expired'] ?? 0;
    const r0 = refused();
    await api(old, '/announce', { ...CAP, text: 'SQL, signed by the retired key' });
    await until(() => refused() > r0);
    expect(alice.logs().find((l) => l.author === k1 && l.topic === TOPIC)!.seq).toBe(before);
  }, 90_000);
});
