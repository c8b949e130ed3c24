import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorMessage } from '../../contracts/errors';

test('errorMessage reads the plain objects gRPC clients reject with', () => {
  assert.equal(errorMessage(new Error('boom')), 'boom');
  assert.equal(errorMessage({ code: 14, details: 'No connection established' }), 'No connection established (code 14)');
  assert.equal(errorMessage({ reason: 'collection already exists' }), 'collection already exists');
  assert.equal(errorMessage({ weird: true }), '{"weird":true}');
  assert.equal(errorMessage('text'), 'text');
});
