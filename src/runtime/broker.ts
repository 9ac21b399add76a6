// Embedded MQTT broker (aedes, MQTT 3.1.1) for "embedded defaults" (docs/architecture.md §9): with no broker
// configured, a node or the demo starts one in-process on a free loopback port chosen by the OS
// (listen on port 0), so it can never take the port of a system broker such as Mosquitto on 1883.

import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { ERR } from './errors.js';

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `port` 0 (default) lets the OS pick a free port; a fixed port is for restarting on the same one. */
export async function startEmbeddedBroker(host = '127.0.0.1', port = 0): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer((socket: Socket) => aedes.handle(socket));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(ERR.transportFailed(`embedded broker could not listen on ${host}`, e)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw ERR.transportFailed('embedded broker has no TCP address');
  return {
    url: `mqtt://${host}:${addr.port}?mqtt=4`,
    port: addr.port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
