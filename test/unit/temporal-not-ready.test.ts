import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { isTemporalUnreachable, isWorkflowNotReady } from '../../client/wait-for-result';

const ANY = 'type.googleapis.com/temporal.api.errordetails.v1.';
const notReady = {
  type_url: `${ANY}WorkflowNotReadyFailure`,
  value: temporal.api.errordetails.v1.WorkflowNotReadyFailure.encode({}).finish(),
};

/** A gRPC error as @grpc/grpc-js raises it, with its status details in the trailing metadata, wrapped as the SDK does. */
function serviceError(code: number, details: { type_url: string; value: Uint8Array }[]): ServiceError {
  const bin = Buffer.from(google.rpc.Status.encode({ code, message: 'refused', details }).finish());
  const grpc = Object.assign(new Error(`${code} refused`), {
    code,
    details: 'refused',
    metadata: { get: (key: string) => (key === 'grpc-status-details-bin' ? [bin] : []) },
  });
  return new ServiceError('Failed to update workflow', { cause: grpc });
}

describe('reading why Temporal refused a call', () => {
  it('an update refused while the workflow task is retried is "not ready", alone or inside an update-with-start', () => {
    assert.equal(isWorkflowNotReady(serviceError(9, [notReady])), true);
    const multi = temporal.api.errordetails.v1.MultiOperationExecutionFailure.encode({
      statuses: [
        {
          code: 10,
          message: 'aborted',
          details: [{ type_url: `${ANY}MultiOperationExecutionAborted`, value: new Uint8Array() }],
        },
        { code: 9, message: 'Workflow Task in failed state', details: [notReady] },
      ],
    }).finish();
    assert.equal(
      isWorkflowNotReady(serviceError(9, [{ type_url: `${ANY}MultiOperationExecutionFailure`, value: multi }])),
      true,
    );
  });

  it('other refusals are not', () => {
    assert.equal(isWorkflowNotReady(serviceError(9, [])), false, 'FAILED_PRECONDITION without the detail');
    const other = { type_url: `${ANY}NamespaceNotActiveFailure`, value: new Uint8Array() };
    assert.equal(isWorkflowNotReady(serviceError(9, [other])), false);
    assert.equal(isWorkflowNotReady(serviceError(14, [notReady])), false, 'only with FAILED_PRECONDITION');
    assert.equal(isWorkflowNotReady(new Error('Workflow Task in failed state')), false, 'never by the message');
  });

  it('an unreachable server is told apart from a refusal', () => {
    assert.equal(isTemporalUnreachable(serviceError(14, [])), true);
    assert.equal(isTemporalUnreachable(serviceError(9, [notReady])), false);
  });
});
