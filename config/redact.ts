/**
 * Redaction at the boundary: where an error message or a log line is built from a URL or a
 * dependency's own message, secrets are replaced by `***` before the text can reach Temporal's
 * history (failure messages are recorded, and replayed to every reader of the history) or a log.
 */

const MASK = '***';

/** Query-string keys whose values are credentials (`?api_key=…`, `&sig=…`, `?sslpassword=…`). */
const SECRET_QUERY_KEY = /(?:key|token|secret|password|passwd|pwd|sig|signature|credential|auth)/i;

/**
 * A URL without its credentials: the password of its userinfo and the values of query-string
 * keys that look like credentials become `***`; the user name, host, path and other parameters
 * stay, so the message still says where the call went. A string that does not parse as a URL gets
 * the same treatment by pattern.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url, []);
  }
  if (parsed.password) parsed.password = MASK;
  for (const key of [...new Set(parsed.searchParams.keys())]) {
    if (SECRET_QUERY_KEY.test(key)) parsed.searchParams.set(key, MASK);
  }
  return parsed.toString();
}

/** The credentials a URL carries (its password and secret query values), decoded and as written. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = parsed.password ? [parsed.password, decodeURIComponent(parsed.password)] : [];
  for (const [key, value] of parsed.searchParams) if (SECRET_QUERY_KEY.test(key) && value) secrets.push(value);
  return secrets;
}

/**
 * Shorter values are not replaced: masking every one- to three-character substring would garble
 * the message, and a secret that short protects nothing anyway.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * `text` with every occurrence of each secret (as written and URL-encoded) replaced by `***`, and,
 * whatever the list, the password of any URL in it and the values of credential-like query keys.
 * Dependencies echo what they were given (a fetch error quotes the whole URL, an API may quote the
 * key it refused), so the boundary redacts the text it records, not only the parts memflow wrote.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    values.add(secret);
    values.add(encodeURIComponent(secret));
  }
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...values].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]+@/gi, `$1${MASK}@`);
  out = out.replace(/([?&]([A-Za-z0-9_.-]+)=)([^&#\s"'<>]+)/g, (match: string, head: string, key: string) =>
    SECRET_QUERY_KEY.test(key) ? `${head}${MASK}` : match,
  );
  return out;
}

/**
 * A copy of an error (and its causes) with `redactSecrets` applied to each message and stack, for
 * errors a failure keeps as its cause: Temporal records the whole cause chain in history. The
 * copy keeps the name and the `code` of each error; other properties, which may hold request
 * details, are left behind.
 */
export function redactError(err: unknown, secrets: readonly (string | undefined)[], depth = 0): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const copy = new Error(redactSecrets(source.message, secrets));
  copy.name = source.name;
  copy.stack = redactSecrets(source.stack ?? `${source.name}: ${source.message}`, secrets);
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  if (source.cause !== undefined && depth < 8) copy.cause = redactError(source.cause, secrets, depth + 1);
  return copy;
}
