import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriorityRunner } from '../../adapters/embed/priority-runner';

/** A step that records when it runs, and takes a few milliseconds like a forward pass. */
function recorder() {
  const log: string[] = [];
  let running = 0;
  const step = (name: string) => async () => {
    running += 1;
    assert.equal(running, 1, 'one step at a time');
    log.push(name);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
    return name;
  };
  return { log, step };
}

describe('PriorityRunner', () => {
  it('runs an interactive request after the bulk pass in flight, before the rest of the bulk request', async () => {
    const runner = new PriorityRunner();
    const { log, step } = recorder();
    const bulk = runner.run('bulk', ['b1', 'b2', 'b3', 'b4'].map(step));
    // Arrives while b1 runs (as a chat query arrives during an ingestion batch).
    await new Promise((resolve) => setTimeout(resolve, 2));
    const query = runner.run('interactive', [step('q1')]);
    assert.deepEqual(await query, ['q1']);
    assert.deepEqual(log, ['b1', 'q1'], 'the query waited for one bulk pass, not four');
    assert.deepEqual(await bulk, ['b1', 'b2', 'b3', 'b4']);
    assert.deepEqual(log, ['b1', 'q1', 'b2', 'b3', 'b4']);
  });

  it('runs requests of one priority in arrival order, each one whole', async () => {
    const runner = new PriorityRunner();
    const { log, step } = recorder();
    const results = await Promise.all([
      runner.run('bulk', [step('a1'), step('a2')]),
      runner.run('bulk', [step('b1')]),
      runner.run('interactive', [step('q1'), step('q2')]),
      runner.run('interactive', [step('r1')]),
    ]);
    assert.deepEqual(results, [['a1', 'a2'], ['b1'], ['q1', 'q2'], ['r1']]);
    // All four were queued before the first step: interactive first, then bulk in order.
    assert.deepEqual(log, ['q1', 'q2', 'r1', 'a1', 'a2', 'b1']);
  });

  it('a failing step rejects its own request only; the rest keep running', async () => {
    const runner = new PriorityRunner();
    const { log, step } = recorder();
    const failing = runner.run('bulk', [step('f1'), () => Promise.reject(new Error('bad pass')), step('never')]);
    const other = runner.run('bulk', [step('o1')]);
    await assert.rejects(failing, /bad pass/);
    assert.deepEqual(await other, ['o1']);
    assert.deepEqual(log, ['f1', 'o1']);
  });

  it('stop() rejects what is queued, lets the step in flight finish, and refuses later requests', async () => {
    const runner = new PriorityRunner();
    const { log, step } = recorder();
    const bulk = runner.run('bulk', [step('b1'), step('b2')]);
    const rejected = assert.rejects(bulk, /closed/);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await runner.stop(new Error('closed'));
    assert.deepEqual(log, ['b1'], 'b1 finished before stop() returned; b2 never ran');
    await rejected;
    await assert.rejects(runner.run('interactive', [step('late')]), /closed/);
    assert.deepEqual(await runner.run('bulk', []).catch((err: Error) => err.message), 'closed');
  });
});
