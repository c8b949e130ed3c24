import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

/**
 * The layering rules of eslint.config.mjs bite: each forbidden edge below, written into a real file
 * of its layer, is reported by the lint the project runs; the allowed edges are not.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? [])
    .filter(
      (m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === '@typescript-eslint/no-restricted-imports',
    )
    .map((m) => m.message);
}

const forbidden: [string, string, string][] = [
  [
    'a workflow importing an adapter',
    'workflows/health-check.ts',
    "import { MilvusVectorStore } from '../adapters/milvus/milvus-store';\nexport const x = MilvusVectorStore;\n",
  ],
  [
    'a workflow importing devstack',
    'workflows/health-check.ts',
    "import { stackUp } from '../devstack/stack';\nexport const x = stackUp;\n",
  ],
  [
    'a workflow importing activity code (not just its types)',
    'workflows/health-check.ts',
    "import { createActivities } from '../activities';\nexport const x = createActivities;\n",
  ],
  [
    'an adapter importing a workflow',
    'adapters/milvus/vector-store.ts',
    "import { chatSession } from '../../workflows/chat/chat-session';\nexport const x = chatSession;\n",
  ],
  [
    'an adapter importing an activity',
    'adapters/milvus/vector-store.ts',
    "import { ensureLiveIndex } from '../../activities/ingest/live-index';\nexport const x = ensureLiveIndex;\n",
  ],
  [
    'activities importing devstack',
    'activities/index.ts',
    "import { stackUp } from '../devstack/stack';\nexport const x = stackUp;\n",
  ],
  [
    'the client importing devstack',
    'client/ingest.ts',
    "import { stackUp } from '../devstack/stack';\nexport const x = stackUp;\n",
  ],
  [
    'the worker importing devstack',
    'workers/worker.ts',
    "import { stackUp } from '../devstack/stack';\nexport const x = stackUp;\n",
  ],
  [
    'evaluation importing activity code',
    'evaluation/evaluate-retrieval.ts',
    "import { retrieveChunks } from '../activities/chat/retrieve-chunks';\nexport const x = retrieveChunks;\n",
  ],
  [
    'evaluation importing a workflow',
    'evaluation/evaluate-retrieval.ts',
    "import { searchIndex } from '../workflows/search-index';\nexport const x = searchIndex;\n",
  ],
  [
    'the client importing evaluation',
    'client/search.ts',
    "import { evaluateRetrieval } from '../evaluation/evaluate-retrieval';\nexport const x = evaluateRetrieval;\n",
  ],
  [
    'a workflow importing evaluation',
    'workflows/search-index.ts',
    "import { evaluateRetrieval } from '../evaluation/evaluate-retrieval';\nexport const x = evaluateRetrieval;\n",
  ],
  [
    'contracts importing an adapter',
    'contracts/chat.ts',
    "import { createPool } from '../adapters/postgres/pool';\nexport const x = createPool;\n",
  ],
];

describe('layering lint', () => {
  for (const [what, file, code] of forbidden) {
    it(`rejects ${what}`, { timeout: 120_000 }, async () => {
      const errors = await layeringErrors(file, code);
      assert.equal(errors.length, 1, `${what}: ${JSON.stringify(errors)}`);
      assert.match(errors[0]!, /README\.md, Layout/);
    });
  }

  it('allows the edges the layout allows', { timeout: 120_000 }, async () => {
    assert.deepEqual(
      await layeringErrors(
        'workflows/health-check.ts',
        "import type { Activities } from '../activities';\nimport { MemflowState } from '../contracts/search-attributes';\nexport type A = Activities;\nexport const s = MemflowState;\n",
      ),
      [],
      'a workflow may import contracts and the types of its activities',
    );
    assert.deepEqual(
      await layeringErrors(
        'cli/start.ts',
        "import { stackUp } from '../devstack/stack';\nimport { MemflowClient } from '../client/memflow-client';\nexport const x = [stackUp, MemflowClient];\n",
      ),
      [],
      'the CLI may use devstack and the client',
    );
    assert.deepEqual(
      await layeringErrors(
        'cli/eval-command.ts',
        "import { evaluateRetrieval } from '../evaluation/evaluate-retrieval';\nexport const x = evaluateRetrieval;\n",
      ),
      [],
      'the CLI may use evaluation',
    );
    assert.deepEqual(
      await layeringErrors(
        'evaluation/client-engine.ts',
        "import { MemflowClient } from '../client/memflow-client';\nimport { liveDocumentTexts } from '../adapters/postgres/document-registry';\nexport const x = [MemflowClient, liveDocumentTexts];\n",
      ),
      [],
      'evaluation may use the client and adapters',
    );
  });
});
