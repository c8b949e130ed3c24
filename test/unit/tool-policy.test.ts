import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_OVERRIDES, parseToolPolicies, toolPolicyFor } from '../../contracts/tool-policy';

test('MEMFLOW_TOOL_POLICY: per-tenant entries win over entries for all, which win over the defaults', () => {
  const parsed = parseToolPolicies('forget_memories=deny, acme:forget_memories=approve, acme:calculator=deny');
  assert.ok('overrides' in parsed);
  const { overrides } = parsed;
  assert.equal(toolPolicyFor(overrides, 'acme', 'forget_memories'), 'approve');
  assert.equal(toolPolicyFor(overrides, 'globex', 'forget_memories'), 'deny');
  assert.equal(toolPolicyFor(overrides, 'acme', 'calculator'), 'deny');
  assert.equal(toolPolicyFor(overrides, 'globex', 'calculator'), 'auto');
  assert.equal(toolPolicyFor(NO_OVERRIDES, 'acme', 'forget_memories'), 'approve', 'the default needs approval');
});

test('MEMFLOW_TOOL_POLICY: unknown tools, policies and invalid tenants are problems, not silent defaults', () => {
  for (const text of ['shell=auto', 'calculator=maybe', 'a b:calculator=auto', '"x":calculator=auto', 'calculator']) {
    const parsed = parseToolPolicies(text);
    assert.ok('problems' in parsed && parsed.problems.length === 1, text);
  }
});
