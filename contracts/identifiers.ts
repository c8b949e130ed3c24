import { z } from 'zod';
import { MemflowError, failure } from './errors';
import { checkInput } from './input-issues';

/**
 * Identifiers that reach workflow ids, search attributes and store filters: never free text.
 * Every boundary (client, CLI, workflow start, update validator, the vector-store adapter) checks
 * them with these schemas.
 */
/** Letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 128: safe in ids and filters. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const tenantSchema = z
  .string({ required_error: 'tenant is required', invalid_type_error: 'tenant must be a string' })
  .regex(IDENTIFIER, 'a tenant is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const sessionIdSchema = z
  .string({ required_error: 'sessionId is required', invalid_type_error: 'sessionId must be a string' })
  .regex(IDENTIFIER, 'a session id is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const requestIdSchema = z
  .string({ required_error: 'requestId is required', invalid_type_error: 'requestId must be a string' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
    'a requestId is 1-128 letters, digits, ".", "_", ":" or "-" (use a UUID)',
  );

/** Who decided something (an approver, an admin): shown in history, so bounded and single-line. */
export const actorSchema = z
  .string({ required_error: 'the approver is required' })
  .trim()
  .min(1, 'the approver is required')
  .max(200)
  .regex(/^[^\r\n]*$/, 'one line');

/**
 * Parses untrusted input with a schema: the value, or `INVALID_INPUT` naming what is wrong.
 * `what` says which input ("chatSession input", "sendMessage", …).
 */
export function parseInput<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.output<S> {
  const checked = checkInput<z.output<S>>(schema, value, what);
  if (!checked.ok) throw new MemflowError('INVALID_INPUT', checked.message);
  return checked.value;
}

/**
 * The same inside a workflow: the failure fails the workflow (or rejects the update) at once with
 * `INVALID_INPUT`, instead of failing its task over and over as a plain error would.
 */
export function parseWorkflowInput<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string): z.output<S> {
  const checked = checkInput<z.output<S>>(schema, value, what);
  if (!checked.ok) throw failure('INVALID_INPUT', checked.message);
  return checked.value;
}

/** A tenant as it reaches a store filter: a valid identifier, or `INVALID_INPUT` (never a dropped clause). */
export function assertTenant(tenant: unknown): asserts tenant is string {
  parseInput(tenantSchema, tenant, 'tenant');
}
