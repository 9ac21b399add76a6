// The channel table (docs/architecture.md §5 "Channels", docs/spec/channels.md): every logical channel the core
// speaks, one row each, with everything a transport, the bridge, the simulator or the node's queues need to know
// about it. The `Channel` type is derived from the rows, and every place that maps channels reads this table, so
// adding a channel is one row here plus its handler in the core; test/unit/channels.test.ts fails when a
// transport's mapping does not cover a row.
//
// Columns:
//   name      the core's name (Outgoing.channel, handleMessage's argument; hub names `{name}/{key}`)
//   letter    the one-letter topic level on MQTT (`agentnet/v1/{network}/{letter}/{key}`) and the NATS subject
//             token (`agentnet.v1.{network}.{letter}.{key}`); unique
//   wire      the channel byte of the UDP mesh's message payload (docs/spec/channels.md "UDP LAN mesh"):
//             append-only, a published number never changes or moves to another channel
//   retained  a broker keeps the latest message per key and hands it to later subscribers
//   pushed    a publish is pushed to subscribers; false for bodies, which are stored by their publisher and
//             pulled by hash only (bodyless gossip, docs/architecture.md §5), and so never forwarded by a bridge
//   addressed the key names the one recipient (an inbox): the mesh stops relaying a copy once it reached it
//   priority  0 is handled first, before everything else in the same burst (fork proofs and revocations, so an
//             author is refused before its other messages, docs/architecture.md §4); 1 is the normal order
//   key       the shape of the key (documentation; the number of `/` levels is what `all` must match)
//   all       the filter that matches every key of the channel (one `+` per key level)

export interface ChannelRow {
  readonly name: string;
  readonly letter: string;
  readonly wire: number;
  readonly retained: boolean;
  readonly pushed: boolean;
  readonly addressed: boolean;
  readonly priority: 0 | 1;
  readonly key: string;
  readonly all: string;
}

export const CHANNEL_TABLE = [
  {
    name: 'header',
    letter: 'h',
    wire: 0,
    retained: false,
    pushed: true,
    addressed: false,
    priority: 1,
    key: '{topic}',
    all: '+',
  },
  {
    name: 'body',
    letter: 'b',
    wire: 1,
    retained: true,
    pushed: false,
    addressed: false,
    priority: 1,
    key: '{bodyHash}',
    all: '+',
  },
  {
    name: 'birth',
    letter: 'n',
    wire: 2,
    retained: true,
    pushed: true,
    addressed: false,
    priority: 1,
    key: '{agent}',
    all: '+',
  },
  {
    name: 'frontier',
    letter: 'f',
    wire: 3,
    retained: true,
    pushed: true,
    addressed: false,
    priority: 1,
    key: '{topic}/{author}',
    all: '+/+',
  },
  {
    name: 'direct',
    letter: 'd',
    wire: 4,
    retained: false,
    pushed: true,
    addressed: true,
    priority: 1,
    key: '{agent}',
    all: '+',
  },
  {
    name: 'fraud',
    letter: 'x',
    wire: 5,
    retained: true,
    pushed: true,
    addressed: false,
    priority: 0,
    key: '{author} | {requester}.award | {worker}.delivery',
    all: '+',
  },
  {
    name: 'revocation',
    letter: 'r',
    wire: 6,
    retained: true,
    pushed: true,
    addressed: false,
    priority: 0,
    key: '{agent}',
    all: '+',
  },
] as const satisfies readonly ChannelRow[];

/**
 * Logical channels. Keys: header -> topic; body -> bodyHash hex; birth -> author hex;
 * frontier -> `${topic}/${author hex}` (subscribe with `${topic}/+`); direct -> recipient key hex;
 * fraud -> author hex of a fork proof, `{requester hex}.award` of a dispute proof (identity/dispute.ts),
 *          `{worker hex}.delivery` of a bad-delivery proof (identity/bad-delivery.ts)
 *          (retained; every node subscribes `+`);
 * revocation -> agent key hex of an operator-signed revocation (retained; every node subscribes `+`).
 */
export type Channel = (typeof CHANNEL_TABLE)[number]['name'];
type RowOf<C extends Channel> = Extract<(typeof CHANNEL_TABLE)[number], { name: C }>;
/** Channels whose messages brokers keep (`retained: true`). */
export type RetainedChannel = {
  [C in Channel]: RowOf<C>['retained'] extends true ? C : never;
}[Channel];
/** Channels a publish is pushed on (`pushed: true`): what a bridge forwards between its networks. */
export type PushedChannel = { [C in Channel]: RowOf<C>['pushed'] extends true ? C : never }[Channel];

/** Every channel, in table order. */
export const CHANNELS: readonly Channel[] = CHANNEL_TABLE.map((r) => r.name);

/** The row of a channel. */
export const CHANNEL: { readonly [C in Channel]: RowOf<C> } = Object.fromEntries(
  CHANNEL_TABLE.map((r) => [r.name, r]),
) as { readonly [C in Channel]: RowOf<C> };

/** MQTT topic letter / NATS subject token of each channel. */
export const CHANNEL_LETTER: { readonly [C in Channel]: string } = Object.fromEntries(
  CHANNEL_TABLE.map((r) => [r.name, r.letter]),
) as { readonly [C in Channel]: string };

/** The channel of a letter (undefined for a letter of no channel). */
export const LETTER_CHANNEL: Readonly<Record<string, Channel>> = Object.fromEntries(
  CHANNEL_TABLE.map((r) => [r.letter, r.name]),
);

/** The UDP mesh's channel byte of each channel (append-only). */
export const CHANNEL_WIRE: { readonly [C in Channel]: number } = Object.fromEntries(
  CHANNEL_TABLE.map((r) => [r.name, r.wire]),
) as { readonly [C in Channel]: number };

const BY_WIRE: ReadonlyArray<Channel | undefined> = (() => {
  const a: Array<Channel | undefined> = [];
  for (const r of CHANNEL_TABLE) a[r.wire] = r.name;
  return a;
})();

/** The channel of a UDP channel byte, or undefined for a byte no row has. */
export const channelOfWire = (b: number): Channel | undefined => BY_WIRE[b];

/** Whether a string names a channel (a hub name's first level, an untrusted letter mapped back). */
export const isChannel = (s: string): s is Channel => Object.prototype.hasOwnProperty.call(CHANNEL, s);

/**
 * The order messages are handled and sent in, per channel: 0 first. The node's input queue (the driver's
 * enqueue) and the core's output queue (AgentCore.emit) put channels of priority 0 ahead of the rest.
 */
export const CHANNEL_PRIORITY: { readonly [C in Channel]: 0 | 1 } = Object.fromEntries(
  CHANNEL_TABLE.map((r) => [r.name, r.priority]),
) as { readonly [C in Channel]: 0 | 1 };

/** Whether a channel's messages go ahead of the others (priority 0). */
export const isPriority = (c: Channel): boolean => CHANNEL_PRIORITY[c] === 0;

/** The channels a bridge forwards (pushed ones), each with the filter covering all its keys, in table order. */
export const PUSHED_CHANNELS: ReadonlyArray<{ readonly channel: PushedChannel; readonly all: string }> =
  CHANNEL_TABLE.filter((r) => r.pushed).map((r) => ({ channel: r.name as PushedChannel, all: r.all }));

/** The name of a channel's key on a hub with full channel names (memory transport, simulator, test harness). */
export const hubName = (channel: Channel, key: string): string => `${channel}/${key}`;

/** The channel and key of a hub name, or undefined when its first level is not a channel. */
export function parseHubName(name: string): { channel: Channel; key: string } | undefined {
  const i = name.indexOf('/');
  if (i < 0) return undefined;
  const c = name.slice(0, i);
  return isChannel(c) ? { channel: c, key: name.slice(i + 1) } : undefined;
}

/** `{letter}/{key}`: the name below the MQTT root, and the mesh's retained-cache name. */
export const letterName = (channel: Channel, key: string): string => `${CHANNEL_LETTER[channel]}/${key}`;

/** The channel and key of a `{letter}/{key}` name, or undefined when it names no channel. */
export function parseLetterName(name: string): { channel: Channel; key: string } | undefined {
  const letter = name.slice(0, 1);
  if (name[1] !== '/' || !Object.prototype.hasOwnProperty.call(LETTER_CHANNEL, letter)) return undefined;
  return { channel: LETTER_CHANNEL[letter]!, key: name.slice(2) };
}
