import { Context } from '@temporalio/activity';
import { MemflowError } from '../../contracts/errors';
import type { ReindexStep } from '../../contracts/reindex';

/** Steps after the cutover: they are retried until they succeed, so their drill fails only at first. */
const RETRIED_STEPS: readonly ReindexStep[] = ['finish', 'drop'];
const FAILED_ATTEMPTS_AFTER_CUTOVER = 2;

/**
 * Chaos drills and tests: a saga started with `failAt: <step>` fails that step for real, through
 * the same failure path a broken dependency takes, so its compensations (or, after the cutover,
 * its retries) can be seen working.
 */
export function injectFault(step: ReindexStep, failAt: ReindexStep | undefined): void {
  if (failAt !== step) return;
  if (!RETRIED_STEPS.includes(step)) throw new MemflowError('INJECTED_FAULT', `Fault injected at step ${step}.`);
  const attempt = Context.current().info.attempt;
  if (attempt <= FAILED_ATTEMPTS_AFTER_CUTOVER) {
    throw new MemflowError('INJECTED_TRANSIENT_FAULT', `Fault injected at step ${step} (attempt ${attempt}).`);
  }
}

/** Chaos drills and tests: the compensation of `step` fails for good, so the others can be seen running. */
export function injectCompensationFault(step: ReindexStep, failCompensationOf: ReindexStep | undefined): void {
  if (failCompensationOf === step) {
    throw new MemflowError('INJECTED_FAULT', `Fault injected in the compensation of step ${step}.`);
  }
}
