import type { ParseArgsConfig } from 'node:util';
import { parseArgs } from 'node:util';
import { MemflowError, errorMessage } from '../contracts/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A flag that takes a value: `--name value`. */
export const VALUE = { type: 'string' } as const;

/**
 * A subcommand's flags and positionals, with `--json` always accepted. An unknown flag or a flag
 * without its value is a usage error (exit 2) that shows the command's usage.
 */
export function parseCommand<const O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...options, json: { type: 'boolean', default: false } } as O & {
        json: { type: 'boolean'; default: false };
      },
    });
  } catch (err) {
    throw usageError(usage, errorMessage(err));
  }
}

/** A usage error: the CLI prints it with the usage and exits 2. */
export function usageError(usage: string, problem?: string): MemflowError {
  return new MemflowError('USAGE', problem ? `${problem}\n${usage}` : usage);
}

/** A flag's integer value; anything but digits is NaN, which the schema refuses. */
export function integerFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
}
