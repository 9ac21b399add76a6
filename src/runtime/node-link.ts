// A node's link to the network (src/runtime/node.ts, docs/architecture.md §9): the broker (embedded when the config
// names none), the transport with this node's Will, and the link's state as the status shows it. Assembly only.

import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import type { NodeConfig } from './config.js';
import type { Logger } from './logger.js';
import type { Profile } from './profile.js';
import { createTransport } from './transport/index.js';
import type { Transport, TransportState } from './transport/types.js';
import type { AgentCore } from '../core/agent.js';

export interface NodeLink {
  readonly transport: Transport;
  readonly brokerUrl: string;
  /** The embedded broker, when the config names none. */
  readonly broker: EmbeddedBroker | undefined;
  /** This incarnation's birth time: the first Will and birth carry it. */
  readonly bornAt: number;
  /** The current connection's life: its Will and the birth republished on reconnect carry it. */
  life(): number;
  /** The link now; reconnects since the first connection. */
  state(): { readonly state: TransportState; readonly reconnects: number };
  /** What to do on a reconnect (set once the node can republish its retained messages). */
  onReconnect(fn: () => void): void;
  /** Stops the embedded broker, if any (after the transport or driver closed: they may be connected to it). */
  closeBroker(): Promise<void>;
}

/** Starts the embedded broker if needed and creates the transport; the connection is awaited by the caller. */
export async function openLink(
  config: NodeConfig,
  profile: Profile,
  core: AgentCore,
  logger: Logger,
): Promise<NodeLink> {
  let broker: EmbeddedBroker | undefined;
  let brokerUrl = config.broker;
  if (!brokerUrl) {
    broker = await startEmbeddedBroker();
    brokerUrl = broker.url;
    logger.log('info', 'embedded broker started', { url: brokerUrl });
  }
  const bornAt = Date.now();
  // Each broker connection is a life of its own: a broker going down may publish the Will of the
  // connection it loses, so the next connection's Will and birth carry a later time (`life`), and the
  // birth republished on reconnect outranks that death (found by the broker-outage test).
  let life = bornAt;
  const transport = createTransport(brokerUrl, {
    network: config.network,
    clientId: core.agentHex.slice(0, 16),
    degree: profile.gossipDegree, // the UDP mesh's fan-out (MQTT ignores it)
    maxMessageBytes: profile.limits.messageBytes, // MQTT Maximum Packet Size, the mesh's reassembly bound
    will: { channel: 'birth', key: core.agentHex, bytes: () => core.willMessage(life), delayS: 30 },
  });
  let link: TransportState = 'down';
  let ups = 0;
  let reconnected = (): void => undefined;
  const url = brokerUrl;
  transport.onState((s) => {
    if (s === 'up' && link === 'down' && ups++ > 0) {
      logger.log('info', 'broker reconnected', { url });
      reconnected();
    }
    if (s === 'down' && link === 'up') {
      logger.log('warn', 'broker link down', { url });
      life = Math.max(Date.now(), life + 1); // before the reconnect builds its Will
    }
    link = s;
  });
  return {
    transport,
    brokerUrl,
    broker,
    bornAt,
    life: () => life,
    state: () => ({ state: link, reconnects: Math.max(0, ups - 1) }),
    onReconnect: (fn) => {
      reconnected = fn;
    },
    closeBroker: async () => {
      await broker?.close();
    },
  };
}
