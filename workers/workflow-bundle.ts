import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../config/config';
import { MemflowError } from '../contracts/errors';

/**
 * What the workflow bundle is built from: the workflow code and the contracts it imports. Lint
 * (eslint.config.mjs) keeps workflows from importing anything else but types, so nothing else can
 * reach the bundle.
 */
const SOURCE_DIRS = ['workflows', 'contracts'];
/** How the bundle is built (its options, e.g. the failure converter) is part of what it is. */
const BUILDER_FILE = path.join('workers', 'build-workflow-bundle.ts');
/** The exact versions of every package the bundle may pull in. */
const LOCK_FILE = 'package-lock.json';
const SDK_PACKAGES = ['@temporalio/workflow', '@temporalio/worker', '@temporalio/common'];
const BUILDER = path.join(__dirname, 'build-workflow-bundle.ts');
/** Bundles of other sources are removed once they are this old (another checkout may still use a newer one). */
const STALE_MS = 24 * 60 * 60_000;

/**
 * The workflow code as one prebuilt file for `Worker.create({ workflowBundle })`, cached under
 * `cacheDir` by a digest of its sources and SDK versions, and built (when missing) by webpack in a
 * child process. Bundling inside the worker (`workflowsPath`) leaves webpack and its garbage in
 * the long-lived process and slows every start (bench/README.md, memory); the
 * Temporal docs recommend prebuilt bundles for production for the same reasons. The digest covers
 * every file under workflows/ and contracts/, package-lock.json and the builder (its bundling
 * options), so an edit anywhere the workflows could import from, another version of a package or
 * another way of bundling gives a new bundle; two processes building the same one write it
 * atomically.
 */
export async function workflowBundle(cacheDir: string): Promise<{ codePath: string }> {
  const codePath = path.join(cacheDir, `workflow-bundle-${workflowSourceDigest()}.js`);
  if (fs.existsSync(codePath)) return { codePath };
  fs.mkdirSync(cacheDir, { recursive: true });
  await buildInChild(codePath);
  removeStaleBundles(cacheDir, codePath);
  return { codePath };
}

/** sha256 over the workflow sources (paths and contents), the lock file, the builder and the SDK versions; 16 hex digits. */
export function workflowSourceDigest(root = REPO_ROOT): string {
  const hash = crypto.createHash('sha256');
  for (const pkg of SDK_PACKAGES) {
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string };
    hash.update(`${pkg}@${manifest.version}\0`);
  }
  const lockFile = path.join(root, LOCK_FILE);
  const builder = path.join(root, BUILDER_FILE);
  const files = [
    ...(fs.existsSync(lockFile) ? [lockFile] : []),
    ...(fs.existsSync(builder) ? [builder] : []),
    ...SOURCE_DIRS.flatMap((d) => listFiles(path.join(root, d))),
  ];
  for (const file of files) {
    hash.update(`${path.relative(root, file)}\0`);
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(full);
      return /\.(ts|js|json)$/.test(entry.name) ? [full] : [];
    });
}

async function buildInChild(codePath: string): Promise<void> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', BUILDER, codePath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4_000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0 || !fs.existsSync(codePath)) {
    throw new MemflowError('WORKFLOW_BUNDLE_FAILED', `Bundling the workflow code failed (exit ${code}):\n${stderr}`);
  }
}

function removeStaleBundles(cacheDir: string, keep: string): void {
  for (const name of fs.readdirSync(cacheDir)) {
    const file = path.join(cacheDir, name);
    if (file === keep || !/^workflow-bundle-[0-9a-f]{16}\.js$/.test(name)) continue;
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > STALE_MS) fs.rmSync(file, { force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
