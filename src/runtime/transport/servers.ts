// Server lists: one link to one of several equivalent servers, `scheme://[user[:pass]@]host[:port][,host[:port]...][/path][?query]`
// (commas inside one URL; spaces separate the URLs of a bridge, index.ts). `new URL` refuses a comma-separated
// authority, so the list is split here and each server gets a URL of its own that `new URL` accepts.
//
// The failover rule for an MQTT list (docs/transports.md "Broker lists"): the first broker that answers is used;
// on loss the next attempt goes to the next broker in list order (cyclic), at once, and the reconnect backoff
// grows per full round of the list without success. On a broker other than the first, the earlier
// (preferred) brokers are probed every `failback` seconds (TCP connect; default 30, `?failback=0` stays where it
// is); after two probes in a row that answered, the link moves back to the most preferred of them.

import { createConnection } from 'node:net';

export interface ServerAddr {
  readonly host: string;
  readonly port: number;
}

export interface ServerList {
  readonly scheme: string;
  readonly servers: readonly ServerAddr[];
  /** A single-server URL for server `i`: credentials, path and query kept. */
  urlFor(i: number): string;
}

const DEFAULT_PORTS: Record<string, number> = {
  'mqtt:': 1883,
  'tcp:': 1883,
  'mqtts:': 8883,
  'ws:': 80,
  'wss:': 443,
  'nats:': 4222,
  'tls:': 4222,
};

/**
 * Parses `scheme://[userinfo@]h1[:p1],h2[:p2]...[/path][?query]`. Throws TypeError on anything that is not
 * a URL once split (an empty host, a bad port, a host list on a scheme without hosts).
 */
export function parseServerList(url: string): ServerList {
  const m = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#]*)(.*)$/i.exec(url.trim());
  if (!m) {
    // Not authority-shaped (memory:x, or garbage): a single URL or an error, as `new URL` says.
    try {
      new URL(url);
    } catch {
      throw new TypeError(`not a URL: ${JSON.stringify(url)}`);
    }
    return { scheme: new URL(url).protocol, servers: [], urlFor: () => url };
  }
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const rest = m[3]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hosts = (at >= 0 ? authority.slice(at + 1) : authority).split(',');
  const servers = hosts.map((h): ServerAddr => {
    let u: URL;
    try {
      u = new URL(`${scheme}//${h}`);
    } catch {
      throw new TypeError(`not a URL: ${JSON.stringify(url)} (server ${JSON.stringify(h)})`);
    }
    if (!u.hostname || u.pathname.length > 1 || u.search)
      throw new TypeError(`not a URL: ${JSON.stringify(url)} (server ${JSON.stringify(h)})`);
    return {
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port ? Number(u.port) : (DEFAULT_PORTS[scheme] ?? 0),
    };
  });
  const urls = hosts.map((h) => `${scheme}//${userinfo}${h}${rest}`);
  for (const one of urls) {
    try {
      new URL(one);
    } catch {
      throw new TypeError(`not a URL: ${JSON.stringify(url)}`);
    }
  }
  return { scheme, servers, urlFor: (i) => urls[i]! };
}

/** True when the TCP port answers within `timeoutMs`. */
export function tcpAnswers(s: ServerAddr, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: s.host, port: s.port });
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(timeoutMs, () => done(false));
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

export interface FailoverOptions {
  /** Seconds between probes of the preferred brokers while on a later one; 0 never goes back. */
  readonly failbackS: number;
  /** Probes in a row that must answer before moving back. */
  readonly probesToReturn?: number;
  readonly probe?: (s: ServerAddr) => Promise<boolean>;
}

/**
 * Which broker of an ordered list the link uses (the rule in the file header). `attempt` counts failed
 * attempts since the last success and drives the backoff (a full round of the list is one backoff step).
 */
export class Failover {
  current = 0;
  /** Switches made: to a later broker on loss, back to an earlier one by the failback rule. */
  failovers = 0;
  failbacks = 0;
  private failedInRound = 0;
  private round = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private answered = new Map<number, number>();

  constructor(
    readonly servers: readonly ServerAddr[],
    private readonly o: FailoverOptions,
  ) {}

  /**
   * The connection to `current` failed or was lost: move on to the next broker. Returns how many full
   * rounds of the list failed since the last success: 0 (a list still being tried: retry at once), else
   * the backoff step (a single broker: 1 after each failure, so every retry waits).
   */
  failed(): number {
    this.stopProbing();
    if (this.servers.length > 1) {
      this.current = (this.current + 1) % this.servers.length;
      this.failovers++;
    }
    if (++this.failedInRound >= this.servers.length) {
      this.failedInRound = 0;
      this.round++;
    }
    return this.round;
  }

  /** Connected to `current`: reset the backoff, and probe the preferred brokers if this is not the first. */
  connected(goBack: (to: number) => void): void {
    this.failedInRound = 0;
    this.round = 0;
    this.stopProbing();
    if (this.current === 0 || this.o.failbackS <= 0) return;
    const need = this.o.probesToReturn ?? 2;
    const probe = this.o.probe ?? ((s: ServerAddr) => tcpAnswers(s));
    const tick = async () => {
      const on = this.current;
      const answers = await Promise.all(this.servers.slice(0, on).map((s) => probe(s)));
      if (this.probeTimer === undefined || this.current !== on) return; // stopped or moved meanwhile
      answers.forEach((ok, i) => this.answered.set(i, ok ? (this.answered.get(i) ?? 0) + 1 : 0));
      const back = answers.findIndex((_, i) => (this.answered.get(i) ?? 0) >= need);
      if (back >= 0) {
        this.stopProbing();
        this.current = back;
        this.failbacks++;
        goBack(back);
      } else this.probeTimer = setTimeout(tick, this.o.failbackS * 1000);
    };
    this.probeTimer = setTimeout(tick, this.o.failbackS * 1000);
  }

  stopProbing(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.answered.clear();
  }
}
