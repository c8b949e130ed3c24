/**
 * The ONNX Runtime reference of bench/ingest.ts: bench/reference/onnx_embed.py embeds the run's
 * chunk texts with the same model file straight through onnxruntime in Python (no memflow code),
 * with all cores and length-sorted batches. It runs in a venv of its own under
 * `<MEMFLOW_HOME>/cache/onnx-reference-venv`, created on first use from
 * bench/reference/requirements.txt: the stack's venv holds what the services run, and its install
 * marker covers devstack/ only, so a benchmark-only package there would be reinstalled by nobody and
 * shipped to every `stack up`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { getEmbeddingModel } from '../../adapters/embed/embedding-models';
import type { MemflowConfig } from '../../config/config';
import { REPO_ROOT } from '../../config/config';
import { installMarkerMatches, runInstallStep, stackBinaries, writeInstallMarker } from '../../devstack/install';
import type { CpuUse } from './cpu-meter';
import { startCpuMeter } from './cpu-meter';

const SCRIPT = path.join(REPO_ROOT, 'bench', 'reference', 'onnx_embed.py');
const REQUIREMENTS = path.join(REPO_ROOT, 'bench', 'reference', 'requirements.txt');

export interface ReferenceSettings {
  /** The venv onnx_embed.py runs in (created when missing or out of date). */
  venv: string;
  threads: number;
  batchSize: number;
  /** ONNX Runtime's intra-op threads spin between parallel sections (its default; memflow turns it off). */
  spinning: boolean;
}

/** What onnx_embed.py prints. */
export interface ReferenceResult {
  texts: number;
  seconds: number;
  chunksPerSecond: number;
  cpuMsPerChunk: number;
  tokens: number;
  paddedTokens: number;
  threads: number;
  batchSize: number;
  sortByLength: boolean;
  optimization: string;
  spinning: boolean;
  onnxruntime: string;
  processCpuSeconds: number;
}

export function defaultReferenceVenv(base: MemflowConfig): string {
  return path.join(path.dirname(base.paths.workflowBundles), 'onnx-reference-venv');
}

/** Creates or updates the reference's venv with the stack venv's Python; returns its python. */
export function ensureReferenceVenv(base: MemflowConfig, venv: string, log: (line: string) => void): string {
  const python = path.join(venv, 'bin', 'python');
  if (installMarkerMatches(venv, [REQUIREMENTS]) && fs.existsSync(python)) return python;
  log(`installing the ONNX Runtime reference into ${venv} (first run only)…`);
  if (!fs.existsSync(python)) {
    runInstallStep(stackBinaries(base).python, ['-m', 'venv', venv], 'Creating the reference venv', log);
  }
  const pip = ['-m', 'pip', '--disable-pip-version-check', 'install', '--quiet', '-r', REQUIREMENTS];
  runInstallStep(python, pip, 'Installing onnxruntime and tokenizers', log);
  writeInstallMarker(venv, [REQUIREMENTS]);
  return python;
}

/** The model file and tokenizer memflow's local embedder loads for `model` (transformers.js layout). */
export function referenceModelFiles(modelsDir: string, model: string) {
  const spec = getEmbeddingModel(model);
  const dir = path.join(modelsDir, spec.model);
  return {
    onnx: path.join(dir, 'onnx', spec.dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx'),
    tokenizer: path.join(dir, 'tokenizer.json'),
    outputName: spec.tokenOutput,
    maxTokens: spec.maxTokens,
  };
}

/**
 * One timed reference run over the texts in `textsFile` (JSON Lines). Its chunks/s and CPU
 * ms/chunk are the script's own (tokenizing and forward passes, after loading and one warm-up
 * batch); the CPU meter spans the whole child process, whose CPU counts as the benchmark's own.
 */
export async function runReference(
  python: string,
  files: ReturnType<typeof referenceModelFiles>,
  textsFile: string,
  settings: Omit<ReferenceSettings, 'venv'>,
  pids: number[],
  signal: AbortSignal,
): Promise<{ result: ReferenceResult; cpu?: CpuUse }> {
  const args = [
    SCRIPT,
    ['--model', files.onnx],
    ['--tokenizer', files.tokenizer],
    ['--output-name', files.outputName],
    ['--max-tokens', String(files.maxTokens)],
    ['--texts', textsFile],
    ['--threads', String(settings.threads)],
    ['--batch-size', String(settings.batchSize)],
    '--sort-by-length',
    settings.spinning ? [] : ['--no-spinning'],
  ].flat();
  const meter = startCpuMeter(pids);
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
    (resolve, reject) => {
      const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ stdout: out, stderr: err, code: exit }));
    },
  );
  if (code !== 0)
    throw new Error(`onnx_embed.py exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ReferenceResult;
  return { result, cpu: meter.stop(result.processCpuSeconds) };
}
