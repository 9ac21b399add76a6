// Transport factory by URL scheme (docs/conventions.md §7): mqtt:// mqtts:// ws:// -> MQTT, nats:// tls:// -> NATS with JetStream,
// udp:// -> LAN mesh, memory:// -> in-process hub. Spaces separate the networks of a bridge; commas separate
// the equivalent servers of one link (servers.ts).

import type { Transport, TransportOptions } from './types.js';
import { createMqttTransport } from './mqtt.js';
import { createMemoryTransport } from './memory.js';
import { createUdpTransport } from './udp.js';
import { createBridge } from './bridge.js';
import { createNatsTransport } from './nats.js';
import { parseServerList } from './servers.js';

export function createTransport(url: string, o: TransportOptions): Transport {
  // Several URLs separated by spaces: one transport to the core, bridging the networks (bridge.ts).
  const urls = url.trim().split(/\s+/);
  if (urls.length > 1) return createBridge(urls.map((u) => createTransport(u, o)));
  let scheme: string;
  try {
    scheme = parseServerList(url).scheme;
  } catch {
    throw new TypeError(`transport: not a URL: ${JSON.stringify(url)}`);
  }
  switch (scheme) {
    case 'mqtt:':
    case 'mqtts:':
    case 'ws:':
    case 'wss:':
      return createMqttTransport(url, o);
    case 'nats:':
    case 'tls:':
      return createNatsTransport(url, o);
    case 'memory:':
      return createMemoryTransport(url, o);
    case 'udp:':
      return createUdpTransport(url, o);
    default:
      throw new TypeError(
        `transport: unsupported scheme ${scheme} (mqtt://, mqtts://, ws://, wss://, nats://, tls://, udp://, memory://)`,
      );
  }
}
export type { Transport, TransportOptions } from './types.js';
