import { ApplicationFailure } from '@temporalio/common';

import type { ReindexStep } from '../../contracts/reindex';

/**
 * Chaos drills and tests: a saga started with `failAt: <step>` fails that step for real, through
 * the same failure path a broken dependency takes, so its compensations can be seen working.
 */
export function injectFault(step: ReindexStep, failAt: ReindexStep | undefined): void {
  if (failAt === step) {
    throw ApplicationFailure.create({
      type: 'InjectedFault',
      message: `fault injected at step ${step}`,
      nonRetryable: true,
    });
  }
}
