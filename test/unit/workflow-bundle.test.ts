import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { workflowSourceDigest } from '../../workers/workflow-bundle';

describe('workflow bundle digest', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bundle-digest-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };

  it('changes with workflows/, contracts/, the lock file and the builder only: activities and adapters are never bundled', () => {
    write('workflows/index.ts', "export * from './chat';\n");
    write('contracts/chat.ts', 'export const a = 1;\n');
    write('activities/chat/pin-index.ts', 'export const c = 1;\n');
    const first = workflowSourceDigest(root);
    assert.match(first, /^[0-9a-f]{16}$/);
    assert.equal(workflowSourceDigest(root), first, 'stable for the same sources');

    write('README.md', 'docs are not bundled');
    write('test/unit/x.test.ts', 'tests are not bundled');
    write('contracts/notes.txt', 'not a source file');
    write('activities/chat/pin-index.ts', 'export const c = 2;\n');
    write('adapters/milvus/milvus-store.ts', 'export const d = 1;\n');
    assert.equal(workflowSourceDigest(root), first, 'docs, tests, activities and adapters do not change it');

    const seen = new Set([first]);
    for (const [file, text] of [
      ['workflows/index.ts', "export * from './chat';\nexport * from './ingest';\n"],
      ['contracts/chat.ts', 'export const a = 2;\n'],
      ['contracts/new-module.ts', 'export {};\n'],
      ['workflows/data.json', '{}'],
      ['package-lock.json', '{"lockfileVersion":3}'],
      ['package-lock.json', '{"lockfileVersion":3,"packages":{}}'],
      ['workers/build-workflow-bundle.ts', 'bundleWorkflowCode({ failureConverterPath });\n'],
    ] as const) {
      write(file, text);
      const digest = workflowSourceDigest(root);
      assert.ok(!seen.has(digest), `${file} changed the digest`);
      seen.add(digest);
    }
    fs.renameSync(path.join(root, 'contracts/new-module.ts'), path.join(root, 'contracts/renamed-module.ts'));
    assert.ok(!seen.has(workflowSourceDigest(root)), 'a renamed file changes the digest');
  });
});
