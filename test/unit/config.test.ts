import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config.js';

const dir = mkdtempSync(join(tmpdir(), 'agentnet-cfg-'));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

describe('node configuration', () => {
  it('layers defaults < file < environment < flags', () => {
    const f = file('a.json', JSON.stringify({ network: 'file-net', apiPort: 7000, profile: 'rpi-zero2w' }));
    const c = loadConfig({
      file: f,
      env: { AGENTNET_NETWORK: 'env-net', AGENTNET_API_PORT: '7001' },
      flags: { apiPort: '7002' },
    });
    expect(c).toMatchObject({ network: 'env-net', apiPort: 7002, profile: 'rpi-zero2w', apiHost: '127.0.0.1' });
  });

  it.each([
    ['{"network": "Has Spaces"}', /network/],
    ['{"apiPort": 70000}', /apiPort/],
    ['{"broker": "not a url"}', /broker/],
    ['{"surprise": 1}', /surprise.*not a known setting/],
    ['{"declarations": [{"kind": "gift", "topic": "t", "tags": [], "text": ""}]}', /declarations\[0\]\.kind/],
    ['[1,2]', /must be a JSON object/],
    ['{not json', /cannot read JSON/],
  ])('a broken config %s fails with CONFIG_INVALID naming the field', (body, re) => {
    const f = file('bad.json', body);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/CONFIG_INVALID/);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(re);
  });

  it('a bad environment value names its source', () => {
    expect(() => loadConfig({ env: { AGENTNET_LOG_LEVEL: 'loud' } })).toThrow(/environment: "logLevel"/);
  });
});
