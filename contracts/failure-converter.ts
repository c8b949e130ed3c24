import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The failure converter of every memflow worker, client and workflow bundle (`failureConverterPath`
 * in adapters/temporal/data-converter.ts and workers/build-workflow-bundle.ts). With
 * `encodeCommonAttributes`, a failure's message and stack trace travel as a payload
 * (`encodedAttributes`), which the payload codec encrypts; history keeps `Encoded failure` in their
 * place. Failure messages quote user text and dependencies' replies, so they deserve the same
 * protection as inputs and results. A failure's `type` (memflow's error code) stays readable, so
 * Temporal's retry policy and any reader without the key still see what kind of failure it was.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
