import { ApplicationFailure } from '@temporalio/workflow';
import type { SendMessageInput } from '../../contracts/chat';
import { FILTER_FIELDS, MAX_FILTER_VALUES, MAX_MESSAGE_CHARS } from '../../contracts/chat';

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function reject(message: string): never {
  throw ApplicationFailure.create({ type: 'INVALID_INPUT', message, nonRetryable: true });
}

/**
 * The update validator: a rejected message never enters history, so nothing about it is recorded
 * and no turn runs.
 */
export function validateMessage(message: SendMessageInput): void {
  if (typeof message !== 'object' || message === null) reject('sendMessage takes { requestId, text, filters? }.');
  if (typeof message.requestId !== 'string' || !REQUEST_ID.test(message.requestId)) {
    reject('requestId must be 1-128 letters, digits, ".", "_", ":" or "-" (use a UUID).');
  }
  if (typeof message.text !== 'string' || message.text.trim() === '') reject('The message text is empty.');
  if (message.text.length > MAX_MESSAGE_CHARS) {
    reject(
      `The message is ${message.text.length} characters; the limit is ${MAX_MESSAGE_CHARS}. Shorten it or split it.`,
    );
  }
  if (message.filters !== undefined) {
    if (typeof message.filters !== 'object' || message.filters === null) reject('filters must be an object.');
    for (const [key, value] of Object.entries(message.filters)) {
      if (!(FILTER_FIELDS as string[]).includes(key)) {
        reject(`Unknown filter field "${key}"; allowed: ${FILTER_FIELDS.join(', ')}.`);
      }
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        value.length > MAX_FILTER_VALUES ||
        !value.every((v) => typeof v === 'string' && v.length > 0)
      ) {
        reject(`Filter ${key} must be a list of 1-${MAX_FILTER_VALUES} non-empty strings.`);
      }
    }
  }
}
