import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMilvusConfig } from '../../devstack/milvus-standalone-server';

const TEMPLATE = [
  'etcd:',
  '  endpoints: localhost:{{ etcd_port(int): 2379 }}',
  '  data:',
  '    dir: {{ etcd_data_dir }}',
  'proxy:',
  '  port: {{ proxy_port(int): 19530 }} # the API',
  '  internalPort: {{ proxy_internal_port(int): 19529 }}',
  'tls:',
  '  serverPemPath: {{ server_pem_path: server.pem }}',
].join('\n');

test('placeholders take the given value, else their default', () => {
  const yaml = renderMilvusConfig(TEMPLATE, { etcd_port: 41000, etcd_data_dir: '/tmp/x/etcd', proxy_port: 41002 });
  assert.match(yaml, /endpoints: localhost:41000\n/);
  assert.match(yaml, /dir: \/tmp\/x\/etcd\n/);
  assert.match(yaml, /port: 41002 # the API\n/);
  assert.match(yaml, /internalPort: 19529\n/);
  assert.match(yaml, /serverPemPath: server.pem$/);
  assert.doesNotMatch(yaml, /\{\{/);
});

test('a placeholder without a default must be given', () => {
  assert.throws(() => renderMilvusConfig(TEMPLATE, {}), /no value for etcd_data_dir/);
});
