// Shared by the integration tests that drive real nodes (startNode) through their local API.
import type { AgentNode } from '../../src/runtime/node.js';
import { createUdpTransport } from '../../src/runtime/transport/udp.js';

/** Polls `cond` every 50 ms until it holds; throws after `ms` (a deadline, not a timing assertion). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET (no body) or POST (JSON body) on a node's local API; the reply's status and parsed JSON. */
export const api = (n: AgentNode, path: string, body?: unknown) =>
  fetch(
    `http://127.0.0.1:${n.apiPort}${path}`,
    body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {},
  ).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

/** A free UDP port on loopback (bound and released). */
export async function freeUdpPort(): Promise<number> {
  const t = createUdpTransport('udp://127.0.0.1:0', { network: 'x', clientId: 'x' });
  await t.ready();
  const p = Number(t.localAddress().split(':')[1]);
  await t.close();
  return p;
}
