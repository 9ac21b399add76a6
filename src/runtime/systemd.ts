// systemd service notifications (sd_notify(3)) for `Type=notify` units, sent through a spawned
// `systemd-notify`: Node has no API for AF_UNIX datagram sockets, so it cannot write to
// $NOTIFY_SOCKET itself. The unit therefore sets `NotifyAccess=all` (the message comes from a child
// process); each message carries MAINPID=<our pid> (`--pid`) so systemd attributes it to this process.
//
//   READY=1 + STATUS=  once the node is ready (after transports, store and API are up)
//   WATCHDOG=1         every WATCHDOG_USEC / 2 (sd_watchdog_enabled(3) advice), only while healthy()
//   STOPPING=1         when a graceful shutdown begins
//
// With NOTIFY_SOCKET unset (not under systemd) every call is a no-op and nothing is spawned. When
// WATCHDOG_PID is set and names another process, the watchdog is not ours and is not pinged.

import { spawn as nodeSpawn } from 'node:child_process';

export type Spawn = (cmd: string, args: readonly string[]) => { on(ev: 'error', cb: (e: Error) => void): unknown };

export interface NotifierOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly pid?: number;
  /** Starts systemd-notify; injected by tests. */
  readonly spawn?: Spawn;
  /** Interval timer; injected by tests. Returns a cancel function. */
  readonly every?: (ms: number, fn: () => void) => () => void;
  /** Watchdog pings are sent only while this holds (e.g. the store is writable). */
  readonly healthy?: () => boolean;
  readonly onError?: (e: Error) => void;
}

export interface Notifier {
  /** Whether NOTIFY_SOCKET is set, i.e. messages are actually sent. */
  readonly enabled: boolean;
  /** Watchdog ping interval in ms, or 0 when the watchdog is off. */
  readonly watchdogMs: number;
  ready(status: string): void;
  status(status: string): void;
  stopping(status?: string): void;
  close(): void;
}

/** WATCHDOG_USEC in microseconds -> ping interval in ms (half), 0 if unset, invalid or not ours. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isSafeInteger(usec) || usec <= 0) return 0;
  if (env['WATCHDOG_PID'] && Number(env['WATCHDOG_PID']) !== pid) return 0;
  return Math.max(1, Math.floor(usec / 2000));
}

const defaultSpawn: Spawn = (cmd, args) => nodeSpawn(cmd, args, { stdio: 'ignore', detached: false });
const defaultEvery = (ms: number, fn: () => void) => {
  const t = setInterval(fn, ms);
  t.unref(); // the watchdog must never keep a stopping process alive
  return () => clearInterval(t);
};

export function createNotifier(o: NotifierOptions = {}): Notifier {
  const env = o.env ?? process.env;
  const pid = o.pid ?? process.pid;
  const enabled = !!env['NOTIFY_SOCKET'];
  const watchdogMs = enabled ? watchdogIntervalMs(env, pid) : 0;
  const spawn = o.spawn ?? defaultSpawn;
  let broken = false; // systemd-notify missing: report once, then stay quiet
  let cancel: (() => void) | undefined;

  const send = (...fields: string[]) => {
    if (!enabled || broken) return;
    // Status text is one argument; newlines would split it into separate assignments.
    const args = [`--pid=${pid}`, ...fields.map((f) => f.replace(/[\r\n]+/g, ' '))];
    try {
      spawn('systemd-notify', args).on('error', (e) => {
        broken = true;
        o.onError?.(e);
      });
    } catch (e) {
      broken = true;
      o.onError?.(e as Error);
    }
  };

  return {
    enabled,
    watchdogMs,
    ready(status) {
      send('READY=1', `STATUS=${status}`);
      if (watchdogMs && !cancel) {
        cancel = (o.every ?? defaultEvery)(watchdogMs, () => {
          if (!o.healthy || o.healthy()) send('WATCHDOG=1');
        });
      }
    },
    status: (s) => send(`STATUS=${s}`),
    stopping(status = 'stopping') {
      cancel?.();
      cancel = undefined;
      send('STOPPING=1', `STATUS=${status}`);
    },
    close() {
      cancel?.();
      cancel = undefined;
    },
  };
}
