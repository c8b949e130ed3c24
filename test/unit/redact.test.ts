import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIConnectionError, APIError } from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import { classifyLlmError } from '../../adapters/llm/classify-error';
import { postgresError } from '../../adapters/postgres/pool';
import { configSecrets, loadConfig } from '../../config/config';
import { redactError, redactSecrets, redactUrl, urlSecrets } from '../../config/redact';

describe('redactUrl', () => {
  it('drops the password and credential-like query values, keeping where the URL points', () => {
    assert.equal(redactUrl('http://user:s3cret-pass@127.0.0.1:8080/v1'), 'http://user:***@127.0.0.1:8080/v1');
    assert.equal(
      redactUrl('https://llm.example/v1?api_key=abc123&model=x&sig=zzz&token=t0k&X-Amz-Signature=ff'),
      'https://llm.example/v1?api_key=***&model=x&sig=***&token=***&X-Amz-Signature=***',
    );
    assert.equal(
      redactUrl('postgres://app:p%40ss@db:5432/memflow?sslpassword=x'),
      'postgres://app:***@db:5432/memflow?sslpassword=***',
    );
    assert.equal(redactUrl('http://127.0.0.1:9/v1'), 'http://127.0.0.1:9/v1');
    assert.equal(redactUrl('not a url user:pw'), 'not a url user:pw');
  });

  it('lists the secrets a URL carries, decoded and as written', () => {
    assert.deepEqual(urlSecrets('postgres://app:p%40ss@db/m?password=q'), ['p%40ss', 'p@ss', 'q']);
    assert.deepEqual(urlSecrets(undefined), []);
  });
});

describe('redactSecrets', () => {
  it('masks each secret as written and URL-encoded, and any URL password or credential query value', () => {
    const text =
      'Request cannot be constructed from a URL that includes credentials: http://bob:hunter2@h/v1/chat ' +
      '(key sk-test-SECRET123, encoded p%40ss, raw p@ss) https://x/y?token=abc&n=1';
    assert.equal(
      redactSecrets(text, ['sk-test-SECRET123', 'p@ss', 'pw']),
      'Request cannot be constructed from a URL that includes credentials: http://bob:***@h/v1/chat ' +
        '(key ***, encoded ***, raw ***) https://x/y?token=***&n=1',
    );
  });

  it('redacts copies of errors along the cause chain, keeping names and codes', () => {
    const inner = Object.assign(new Error('connect to http://u:pw12@h failed, key sk-1234'), { code: 'ECONNREFUSED' });
    const outer = new TypeError('fetch failed', { cause: inner });
    const copy = redactError(outer, ['sk-1234']);
    assert.equal(copy.name, 'TypeError');
    const cause = copy.cause as Error & { code?: string };
    assert.equal(cause.message, 'connect to http://u:***@h failed, key ***');
    assert.equal(cause.code, 'ECONNREFUSED');
    assert.doesNotMatch(cause.stack ?? '', /pw12|sk-1234/);
  });

  it('configSecrets lists every secret of a configuration', () => {
    const config = loadConfig({
      OPENAI_BASE_URL: 'http://user:s3cret-pass@127.0.0.1:1/v1',
      OPENAI_API_KEY: 'sk-test-SECRET123',
      DATABASE_URL: 'postgres://memflow:db-s3cret@127.0.0.1:5432/memflow',
      TEMPORAL_API_KEY: 'temporal-key',
      MILVUS_TOKEN: 'milvus-token',
      MEMFLOW_CODEC_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}`,
    });
    const secrets = configSecrets(config);
    for (const s of [
      'sk-test-SECRET123',
      's3cret-pass',
      'db-s3cret',
      'temporal-key',
      'milvus-token',
      Buffer.alloc(32, 1).toString('base64'),
    ])
      assert.ok(secrets.includes(s), s);
  });
});

describe('the boundaries that build messages from credentials', () => {
  const secrets = ['sk-test-SECRET123', 's3cret-pass'];
  const operation = 'chat completion (m at http://user:***@127.0.0.1:1/v1)';

  it('an LLM failure whose server or fetch quotes the key or the URL password keeps neither, in message or cause', () => {
    const refused = APIError.generate(
      401,
      { error: { message: 'Incorrect API key provided: sk-test-SECRET123' } },
      undefined,
      new Headers(),
    );
    const fetchRefused = new APIConnectionError({
      message: 'Connection error.',
      cause: new TypeError(
        'Request cannot be constructed from a URL that includes credentials: http://user:s3cret-pass@127.0.0.1:1/v1/chat/completions',
      ),
    });
    for (const err of [refused, fetchRefused]) {
      const failure = classifyLlmError(err, { operation, secrets });
      assert.ok(failure instanceof ApplicationFailure);
      let all = '';
      for (let e: unknown = failure; e instanceof Error; e = e.cause) all += `${e.message}\n${e.stack}\n`;
      assert.doesNotMatch(all, /SECRET123|s3cret-pass/);
      assert.match(failure.message, /user:\*\*\*@127\.0\.0\.1/);
    }
  });

  it('a PostgreSQL error keeps the URL password out of its message and cause', () => {
    const url = 'postgres://memflow:db-s3cret@127.0.0.1:1/memflow';
    const err = postgresError(url, Object.assign(new Error(`could not reach ${url}`), { code: 'ECONNREFUSED' }));
    assert.doesNotMatch(`${err.message} ${(err.cause as Error).message} ${(err.cause as Error).stack}`, /db-s3cret/);
    assert.match(err.message, /127\.0\.0\.1:1\/memflow is unreachable/);
  });
});
