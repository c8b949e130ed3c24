import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildFilter, literal } from '../../adapters/milvus/milvus-filter';
import { MemflowError } from '../../contracts/errors';

test('the tenant clause is always first and values are quoted', () => {
  assert.equal(buildFilter('acme', { docIds: ['a', 'b"c'] }), 'tenant == "acme" and doc_id in ["a", "b\\"c"]');
  assert.equal(literal('x\\"y'), '"x\\\\\\"y"');
});

test('tenants that could inject an expression are refused', () => {
  for (const tenant of ['', 'a" or 1==1 or "', 'a b', '../x', 'x'.repeat(200)]) {
    assert.throws(
      () => buildFilter(tenant),
      (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT',
    );
  }
});

test('a missing tenant is refused, never a dropped clause (the string "undefined" is no loophole)', () => {
  for (const tenant of [undefined, null, 42, ['acme'], { toString: () => 'acme' }]) {
    assert.throws(
      () => buildFilter(tenant as unknown as string),
      (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT',
      String(tenant),
    );
  }
});

test('an empty id list matches nothing instead of everything', () => {
  assert.equal(buildFilter('acme', { docIds: [] }), 'id == ""');
});
