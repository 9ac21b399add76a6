// src/core/index.ts is the core's one public surface (docs/architecture.md §2): every name it exports is defined,
// and the main classes a node is built from are the ones the folders define.
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index.js';
import { AgentCore } from '../../src/core/agent.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { TaskEngine } from '../../src/core/task/task-engine.js';
import { NodeTrust } from '../../src/core/trust/node-trust.js';

describe('core/index.ts', () => {
  it('exports no undefined name', () => {
    const missing = Object.entries(core)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    expect(missing).toEqual([]);
  });

  it('re-exports the classes a node is built from', () => {
    expect(core.AgentCore).toBe(AgentCore);
    expect(core.IdentityTiers).toBe(IdentityTiers);
    expect(core.TaskEngine).toBe(TaskEngine);
    expect(core.NodeTrust).toBe(NodeTrust);
    expect(typeof core.encodeEntry).toBe('function');
    expect(core.CORE_ERROR_CODES).toContain('LOG_CONFLICT');
  });
});
