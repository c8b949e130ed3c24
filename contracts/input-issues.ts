import type { ZodError, ZodIssue, ZodType, ZodTypeDef } from 'zod';

/** A value checked against a schema: the parsed value, or one message naming every problem. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The issues of the union branch that came closest: the one with the fewest problems. */
function closestBranch(issue: ZodIssue & { code: 'invalid_union' }): ZodIssue[] {
  const branches = issue.unionErrors.map((e) => flatten(e.issues));
  return branches.reduce((best, b) => (b.length < best.length ? b : best), branches[0] ?? [issue]);
}

function flatten(issues: ZodIssue[]): ZodIssue[] {
  return issues.flatMap((i) => (i.code === 'invalid_union' && i.unionErrors.length > 0 ? closestBranch(i) : [i]));
}

/** `source.paths.0: … ; batchSize: …` — each problem with where it is, at most `max` of them. */
export function describeIssues(error: ZodError, max = 8): string {
  const issues = flatten(error.issues);
  const lines = issues.slice(0, max).map((i) => {
    const message = i.message.replace(/\.$/, '');
    return i.path.length > 0 ? `${i.path.join('.')}: ${message}` : message;
  });
  if (issues.length > max) lines.push(`… and ${issues.length - max} more`);
  return lines.join('; ');
}

/** Checks `value` against `schema`; `what` names the input in the message (`ingestDocuments input`). */
export function checkInput<T>(schema: ZodType<T, ZodTypeDef, unknown>, value: unknown, what: string): Checked<T> {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: `Invalid ${what}: ${describeIssues(parsed.error)}.` };
}
