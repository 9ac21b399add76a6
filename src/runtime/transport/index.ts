// Transport factory by URL scheme (STYLE 7): mqtt:// mqtts:// ws:// -> MQTT, memory:// -> in-process hub.

import type { Transport, TransportOptions } from './types.js';
import { createMqttTransport } from './mqtt.js';
import { createMemoryTransport } from './memory.js';

export function createTransport(url: string, o: TransportOptions): Transport {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new TypeError(`transport: not a URL: ${JSON.stringify(url)}`);
  }
  switch (scheme) {
    case 'mqtt:':
    case 'mqtts:':
    case 'ws:':
    case 'wss:':
      return createMqttTransport(url, o);
    case 'memory:':
      return createMemoryTransport(url, o);
    default:
      throw new TypeError(`transport: unsupported scheme ${scheme} (mqtt://, mqtts://, ws://, wss://, memory://)`);
  }
}
export type { Transport, TransportOptions } from './types.js';
