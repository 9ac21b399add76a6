// A private Mosquitto for reliability tests: started on a free port (never the system broker's 1883),
// stopped and restarted on the same port to simulate an outage. Without a config file Mosquitto 2
// listens on loopback only and keeps nothing across restarts (no persistence): a restart is empty.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export const mosquittoAvailable = (): boolean =>
  spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class PrivateMosquitto {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateMosquitto> {
    const m = new PrivateMosquitto(await freePort());
    await m.up();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.proc) return;
    const p = spawn('mosquitto', ['-p', String(this.port)], { stdio: 'ignore' });
    this.proc = p;
    p.once('exit', () => {
      if (this.proc === p) this.proc = undefined;
    });
    await listening(this.port, 15_000);
  }

  /** SIGTERM and wait for exit: every client connection drops, every retained message is gone. */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = undefined;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  }
}
