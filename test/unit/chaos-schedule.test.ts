import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PlannedFault, ScheduleOptions } from '../../bench/support/chaos-schedule';
import { FAULT_KINDS, ScheduleError, downtimeRange, planFaults } from '../../bench/support/chaos-schedule';

const TEN_MINUTES: ScheduleOptions = {
  seed: 42,
  durationMs: 10 * 60_000,
  faults: 20,
  warmupMs: 60_000,
  recoveryMs: 10_000,
  maxDowntimeMs: 30_000,
  workers: 1,
};

/** Everything a schedule promises, whatever the options it was made from. */
function assertWellFormed(schedule: PlannedFault[], options: ScheduleOptions): void {
  assert.equal(schedule.length, options.faults, 'exactly the faults asked for');
  let freeFrom = options.warmupMs;
  for (const [i, fault] of schedule.entries()) {
    assert.equal(fault.index, i + 1);
    assert.ok(fault.atMs >= freeFrom, `fault ${fault.index} starts after the warm-up and the previous recovery`);
    const { min, max } = downtimeRange(fault.kind, options.maxDowntimeMs);
    assert.ok(fault.downtimeMs >= min && fault.downtimeMs <= max, `fault ${fault.index}: downtime within its bounds`);
    assert.ok(fault.victim >= 0 && fault.victim < options.workers, 'a worker that exists');
    freeFrom = fault.atMs + fault.downtimeMs + options.recoveryMs;
  }
  assert.ok(freeFrom <= options.durationMs, 'the last fault has recovered by the end of the run');
  const kinds = new Set(schedule.map((f) => f.kind));
  assert.equal(kinds.size, Math.min(options.faults, FAULT_KINDS.length), 'every kind, or as many as there are faults');
}

test('the same seed gives the same schedule; another seed another one', () => {
  assert.deepEqual(planFaults(TEN_MINUTES), planFaults({ ...TEN_MINUTES }));
  assert.notDeepEqual(planFaults(TEN_MINUTES), planFaults({ ...TEN_MINUTES, seed: 43 }));
});

test('ten minutes with twenty faults: all within the run, spread out, each kind at least once', () => {
  const schedule = planFaults(TEN_MINUTES);
  assertWellFormed(schedule, TEN_MINUTES);
  // Spread over the run, not bunched at its start: some fault in each half of it.
  assert.ok(schedule.some((f) => f.atMs < TEN_MINUTES.durationMs / 2));
  assert.ok(schedule.some((f) => f.atMs > TEN_MINUTES.durationMs / 2));
  // Milvus may stay away past the chat turns' store retry budget (~16 s) at its longest.
  assert.equal(downtimeRange('milvus-stop', TEN_MINUTES.maxDowntimeMs).max, 30_000);
});

test('downtimes that do not fit shrink toward their minimums, and faults that cannot fit are refused', () => {
  const tight = { ...TEN_MINUTES, durationMs: 2 * 60_000, warmupMs: 12_000, faults: 8, recoveryMs: 10_000 };
  assertWellFormed(planFaults(tight), tight);
  assert.throws(() => planFaults({ ...tight, faults: 12 }), ScheduleError); // 12 × 10 s of recovery > 108 s
  assert.throws(() => planFaults({ ...TEN_MINUTES, faults: 0 }), ScheduleError);
});

test('a worker kill picks one of the running workers', () => {
  const options = { ...TEN_MINUTES, faults: 60, recoveryMs: 1_000, workers: 3 };
  const victims = new Set(planFaults(options).flatMap((f) => (f.kind === 'worker-kill' ? [f.victim] : [])));
  assert.deepEqual([...victims].sort(), [0, 1, 2]);
});

test('any seed, length and number of faults that fit give a well-formed schedule', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        minutes: fc.integer({ min: 1, max: 60 }),
        faults: fc.integer({ min: 1, max: 80 }),
        recoveryMs: fc.integer({ min: 0, max: 20_000 }),
        maxDowntimeMs: fc.integer({ min: 1_000, max: 60_000 }),
        workers: fc.integer({ min: 1, max: 4 }),
      }),
      ({ minutes, ...rest }) => {
        const options: ScheduleOptions = {
          ...rest,
          durationMs: minutes * 60_000,
          warmupMs: Math.min(60_000, minutes * 6_000),
        };
        let schedule: PlannedFault[];
        try {
          schedule = planFaults(options);
        } catch (err) {
          assert.ok(err instanceof ScheduleError);
          // Refused only when even the shortest downtimes would not fit.
          assert.ok(options.faults * (options.recoveryMs + 1_000) > options.durationMs - options.warmupMs);
          return;
        }
        assertWellFormed(schedule, options);
      },
    ),
    { numRuns: 300 },
  );
});
