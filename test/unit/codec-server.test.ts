import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseCodecKeys } from '../../config/codec-keys';
import type { CodecServer } from '../../adapters/temporal/codec-server';
import { startCodecServer } from '../../adapters/temporal/codec-server';
import { AesGcmPayloadCodec } from '../../adapters/temporal/payload-codec';

const UI = 'http://127.0.0.1:8233';
const codecOf = (id: string) =>
  new AesGcmPayloadCodec(parseCodecKeys(`${id}:${crypto.randomBytes(32).toString('base64')}`, 'test'));

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, not fetch: the tests set Host and Origin themselves. */
function request(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const json = { 'content-type': 'application/json' };
const wire = (value: unknown) => {
  const p = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
};
const valueOf = (p: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  });

describe('the remote codec endpoint', () => {
  let server: CodecServer;
  before(async () => {
    server = await startCodecServer({ codec: codecOf('dev'), namespace: 'default', origins: [UI], port: 0 });
  });
  after(() => server.close());

  it('listens on 127.0.0.1 and round-trips {payloads} through /encode and /decode', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const encoded = await request(
      `${server.url}/encode`,
      'POST',
      { ...json, 'x-namespace': 'default' },
      {
        payloads: [wire({ text: 'hello' }), wire('two')],
      },
    );
    assert.equal(encoded.status, 200, encoded.body);
    const sealed = JSON.parse(encoded.body) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.doesNotMatch(Buffer.from(sealed.payloads[0]!.data, 'base64').toString(), /hello/);
    const decoded = await request(`${server.url}/decode`, 'POST', json, sealed);
    assert.equal(decoded.status, 200, decoded.body);
    const plain = JSON.parse(decoded.body) as typeof sealed;
    assert.deepEqual(plain.payloads.map(valueOf), [{ text: 'hello' }, 'two']);
  });

  it('answers the UI origin preflight with CORS headers; refuses other origins before decoding', async () => {
    const preflight = await request(`${server.url}/decode`, 'OPTIONS', {
      origin: UI,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace',
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], UI);
    assert.match(String(preflight.headers['access-control-allow-headers']), /X-Namespace/i);
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

    const post = await request(`${server.url}/decode`, 'POST', { ...json, origin: UI }, { payloads: [wire(1)] });
    assert.equal(post.status, 200);
    assert.equal(post.headers['access-control-allow-origin'], UI);

    for (const method of ['OPTIONS', 'POST']) {
      const evil = await request(
        `${server.url}/decode`,
        method,
        { ...json, origin: 'https://evil.example' },
        method === 'POST' ? { payloads: [wire(1)] } : undefined,
      );
      assert.equal(evil.status, 403, method);
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      assert.doesNotMatch(evil.body, /payloads/);
    }
  });

  it('refuses a Host that is not loopback (DNS rebinding) and another namespace', async () => {
    const rebound = await request(
      `${server.url}/decode`,
      'POST',
      { ...json, host: `evil.example:${server.port}` },
      { payloads: [] },
    );
    assert.equal(rebound.status, 403);
    const localhost = await request(
      `${server.url}/decode`,
      'POST',
      { ...json, host: `localhost:${server.port}` },
      { payloads: [] },
    );
    assert.equal(localhost.status, 200);
    const other = await request(`${server.url}/decode`, 'POST', { ...json, 'x-namespace': 'prod' }, { payloads: [] });
    assert.equal(other.status, 403);
    assert.match(other.body, /namespace default, not prod/);
  });

  it('a payload under a key it lacks is a typed 400; malformed bodies are 400; other paths 404', async () => {
    const [foreign] = await codecOf('other').encode([defaultPayloadConverter.toPayload('x')]);
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(foreign!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
          data: Buffer.from(foreign!.data!).toString('base64'),
        },
      ],
    };
    const unknown = await request(`${server.url}/decode`, 'POST', json, body);
    assert.equal(unknown.status, 400);
    assert.equal((JSON.parse(unknown.body) as { error: { code: string } }).error.code, 'CODEC_KEY_UNKNOWN');
    assert.equal((await request(`${server.url}/decode`, 'POST', json, 'not json')).status, 400);
    assert.equal((await request(`${server.url}/decode`, 'POST', json, { payloads: [{ data: 5 }] })).status, 400);
    assert.equal((await request(`${server.url}/other`, 'POST', json, { payloads: [] })).status, 404);
    assert.equal((await request(`${server.url}/decode`, 'GET', {})).status, 405);
  });
});
