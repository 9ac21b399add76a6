import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { createTransport } from '../../src/runtime/transport/index.js';
import { MemoryHub, createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { transportContract } from './transport.contract.js';
import { natsServerAvailable, startNatsCluster, type NatsCluster } from '../multiprocess/nats-cluster.js';

const hub = new MemoryHub();
transportContract('memory', (network, clientId) =>
  createMemoryTransport('memory://contract', { network, clientId }, hub),
);

let broker: EmbeddedBroker | undefined;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker?.close();
});
transportContract('mqtt (embedded aedes, MQTT 3.1.1)', (network, clientId) =>
  createTransport(broker!.url, { network, clientId }),
);

const MQTT_URL = process.env['MQTT_URL'];
if (!MQTT_URL) console.warn('transport contract: MQTT_URL not set; the Mosquitto run is skipped (.ci/run sets it)');
transportContract(
  `mqtt (Mosquitto at ${MQTT_URL ?? 'unset'}, MQTT 5)`,
  (network, clientId) => createTransport(MQTT_URL!, { network, clientId }),
  !MQTT_URL,
);

// UDP mesh on loopback: each pair's second node is seeded with the first one's address.
let lastUdp: string | undefined;
transportContract('udp mesh (loopback)', async () => {
  const { createUdpTransport } = await import('../../src/runtime/transport/udp.js');
  const seed = lastUdp;
  const t = createUdpTransport(`udp://127.0.0.1:0${seed ? `?peers=${seed}` : ''}`, { network: 'n', clientId: 'c' });
  await t.ready();
  lastUdp = seed ? undefined : t.localAddress();
  return t;
});

// A bridge node (docs/architecture.md §5: one transport to the core over two networks), memory hub + UDP mesh, as the
// subscriber; the publisher is a plain transport on one of its networks (each side in turn). A retained
// message the bridge already forwarded must still reach a core that subscribes to it later, once.
for (const side of ['memory hub', 'udp mesh'] as const) {
  const bridgeHub = new MemoryHub();
  let publisherUdp: string | undefined;
  transportContract(`bridge (memory hub + udp mesh), publisher on the ${side}`, async (network, clientId) => {
    const { createUdpTransport } = await import('../../src/runtime/transport/udp.js');
    const { createBridge } = await import('../../src/runtime/transport/bridge.js');
    const memory = () => createMemoryTransport('memory://bridge', { network, clientId }, bridgeHub);
    if (clientId.startsWith('a')) {
      if (side === 'memory hub') return memory();
      const t = createUdpTransport('udp://127.0.0.1:0', { network, clientId });
      await t.ready();
      publisherUdp = t.localAddress();
      return t;
    }
    const seed = side === 'udp mesh' ? `?peers=${publisherUdp}` : '';
    const udp = createUdpTransport(`udp://127.0.0.1:0${seed}`, { network, clientId });
    await udp.ready();
    return createBridge([memory(), udp]);
  });
}

// NATS with JetStream on a private three-server cluster (test/multiprocess/nats-cluster.ts): each transport
// of a pair is attached to a different server, the buckets are replicated on all three.
const NATS = natsServerAvailable();
if (!NATS) console.warn('transport contract: no nats-server binary; the NATS run is skipped (.ci/run installs it)');
let natsDir: string | undefined;
let nats: NatsCluster | undefined;
let natsTurn = 0;
beforeAll(async () => {
  if (!NATS) return;
  natsDir = mkdtempSync(join(tmpdir(), 'agentnet-nats-contract-'));
  nats = await startNatsCluster(natsDir);
}, 60_000);
afterAll(async () => {
  await nats?.stop();
  if (natsDir) rmSync(natsDir, { recursive: true, force: true });
});
transportContract(
  'nats (three-server cluster, JetStream KV for retained state)',
  (network, clientId) => createTransport(nats!.servers[natsTurn++ % 3]!.url, { network, clientId }),
  !NATS,
);
