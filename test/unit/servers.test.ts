// Server lists (src/runtime/transport/servers.ts): parsing `scheme://[userinfo@]h1:p1,h2:p2[/path][?query]`,
// and the MQTT failover rule (next broker at once on loss, backoff per full round, back to a preferred
// broker after two answered probes). Probes are injected; timers are vitest's fake timers.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Failover, parseServerList, type ServerAddr } from '../../src/runtime/transport/servers.js';
import { loadConfig } from '../../src/runtime/config.js';

describe('parseServerList', () => {
  it('splits hosts, keeps credentials, path and query per server, fills default ports', () => {
    const l = parseServerList('mqtts://u:p@a.example:8884,b.example,[::1]:9000/x?mqtt=4');
    expect(l.scheme).toBe('mqtts:');
    expect(l.servers).toEqual([
      { host: 'a.example', port: 8884 },
      { host: 'b.example', port: 8883 },
      { host: '::1', port: 9000 },
    ]);
    expect(l.urlFor(1)).toBe('mqtts://u:p@b.example/x?mqtt=4');
    expect(parseServerList('nats://h').servers).toEqual([{ host: 'h', port: 4222 }]);
    expect(parseServerList('udp://127.0.0.1:0?peers=1.2.3.4:5,6.7.8.9:10').servers).toEqual([
      { host: '127.0.0.1', port: 0 },
    ]);
    expect(parseServerList('memory://x').scheme).toBe('memory:');
  });

  it('refuses malformed lists with a TypeError', () => {
    for (const bad of ['mqtt://a:1,', 'mqtt://a:1,:2', 'mqtt://a:99999', 'mqtt://a:1,b:x', 'nonsense'])
      expect(() => parseServerList(bad), bad).toThrow(TypeError);
  });

  it('config accepts broker lists and bridges of lists, and names the bad URL', () => {
    const c = loadConfig({ env: {}, flags: { broker: 'mqtt://a:1883,b:1883 nats://c:4222,d:4222' } });
    expect(c.broker).toBe('mqtt://a:1883,b:1883 nats://c:4222,d:4222');
    expect(() => loadConfig({ env: {}, flags: { broker: 'mqtt://a:1883,:1' } })).toThrow(/not a URL/);
  });
});

describe('Failover', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const three: ServerAddr[] = [
    { host: 'a', port: 1 },
    { host: 'b', port: 2 },
    { host: 'c', port: 3 },
  ];

  it('moves to the next broker at once, and backs off per full round without success', () => {
    const f = new Failover(three, { failbackS: 0 });
    expect([f.failed(), f.current]).toEqual([0, 1]);
    expect([f.failed(), f.current]).toEqual([0, 2]);
    expect([f.failed(), f.current]).toEqual([1, 0]); // the third failure in a row closes the first round
    expect([f.failed(), f.current]).toEqual([1, 1]);
    expect([f.failed(), f.current]).toEqual([1, 2]);
    expect([f.failed(), f.current]).toEqual([2, 0]);
    f.connected(() => undefined);
    expect([f.failed(), f.current]).toEqual([0, 1]);
  });

  it('a single broker waits one backoff step more after each failure', () => {
    const f = new Failover([three[0]!], { failbackS: 30 });
    expect([f.failed(), f.failed(), f.failed()]).toEqual([1, 2, 3]);
    expect(f.current).toBe(0);
  });

  it('goes back to the most preferred broker after two answered probes in a row; never with failback 0', async () => {
    const up = new Set(['b']);
    const probe = vi.fn(async (s: ServerAddr) => up.has(s.host));
    const f = new Failover(three, { failbackS: 10, probe });
    f.failed();
    f.failed(); // on c now
    expect(f.current).toBe(2);
    const back: number[] = [];
    f.connected((to) => back.push(to));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(back).toEqual([]); // b answered once
    up.add('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(back).toEqual([1]); // b answered twice in a row (a only once): b, the most preferred that qualifies
    expect(f.current).toBe(1);
    expect(f.failbacks).toBe(1);

    const g = new Failover(three, { failbackS: 0, probe });
    g.failed();
    g.connected(() => back.push(99));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(back).toEqual([1]);
    expect(probe).toHaveBeenCalledTimes(4); // 2 ticks x (a, b) for f; none for g
  });

  it('a probe that fails resets the count; a new loss stops the probing', async () => {
    let answers = [true, false, true, true];
    const probe = vi.fn(async () => answers.shift() ?? false);
    const f = new Failover(three.slice(0, 2), { failbackS: 1, probe });
    f.failed();
    const back: number[] = [];
    f.connected((to) => back.push(to));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(back).toEqual([]); // true, false, true: never two in a row yet
    await vi.advanceTimersByTimeAsync(1_000);
    expect(back).toEqual([0]);
    answers = [true, true, true];
    f.failed(); // lost b... (current was 0 after going back: a lost, to b)
    f.connected((to) => back.push(to));
    f.failed(); // and b lost before any probe: probing stops
    await vi.advanceTimersByTimeAsync(5_000);
    expect(back).toEqual([0]);
  });
});
