/**
 * The optional Milvus standalone server: PyPI `milvus` (2.3.x) ships the `milvus` binary and its
 * shared libraries xz-compressed inside the wheel, plus a milvus.yaml template. Its own launcher
 * (`milvus-server`) unpacks ~250 MB into every data folder and leaves a hardcoded etcd peer port
 * (2380), so two cannot run side by side; memflow unpacks the binary once per venv and runs it
 * itself (devstack/milvus-standalone-server.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { REPO_ROOT } from '../config/config';
import { MemflowError } from '../contracts/errors';
import {
  ensureStackInstalled,
  installMarkerMatches,
  runInstallStep,
  stackBinaries,
  writeInstallMarker,
} from './install';

const REQUIREMENTS = path.join(REPO_ROOT, 'devstack', 'requirements-milvus-standalone.txt');

export interface MilvusStandaloneFiles {
  /** The server binary (`milvus run standalone`). */
  binary: string;
  /** Its bundled shared libraries, for LD_LIBRARY_PATH. */
  libDir: string;
  /** The wheel's milvus.yaml template (`{{ name(type): default }}` placeholders) and glog.conf. */
  configTemplate: string;
  glogConf: string;
}

function unpackDir(config: MemflowConfig): string {
  return path.join(config.paths.venv, 'milvus-standalone');
}

export function milvusStandaloneFiles(config: MemflowConfig): MilvusStandaloneFiles {
  const libDir = path.join(unpackDir(config), 'bin');
  const data = path.join(stackBinaries(config).sitePackages, 'milvus', 'data');
  return {
    binary: path.join(libDir, 'milvus'),
    libDir,
    configTemplate: path.join(data, 'config.yaml.template'),
    glogConf: path.join(data, 'glog.conf'),
  };
}

/** True when the wheel named in devstack/requirements-milvus-standalone.txt is installed and unpacked. */
export function isMilvusStandaloneInstalled(config: MemflowConfig): boolean {
  const files = milvusStandaloneFiles(config);
  return (
    installMarkerMatches(unpackDir(config), [REQUIREMENTS]) &&
    fs.existsSync(files.binary) &&
    fs.existsSync(files.configTemplate)
  );
}

/** Decompresses every `<name>.lzma` of the wheel's data/bin into the target folder, executable. */
const UNPACK = `
import lzma, os, shutil, sys
source, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
for name in sorted(os.listdir(source)):
    if name.endswith('.lzma'):
        out = os.path.join(target, name[:-5])
        with lzma.open(os.path.join(source, name)) as packed, open(out, 'wb') as plain:
            shutil.copyfileobj(packed, plain, 1 << 20)
        os.chmod(out, 0o755)
`;

/**
 * Installs the Milvus standalone wheel into the stack venv (installing the stack first if needed)
 * and unpacks its binary next to it, once; a no-op when already done. Safe against a concurrent
 * install: each unpacks into its own folder and the first rename wins.
 */
export function ensureMilvusStandaloneInstalled(
  config: MemflowConfig,
  log: (line: string) => void,
): MilvusStandaloneFiles {
  const files = milvusStandaloneFiles(config);
  if (isMilvusStandaloneInstalled(config)) return files;
  const { python, sitePackages } = ensureStackInstalled(config, log);
  log(`Installing Milvus standalone into ${config.paths.venv} (first use only, ~60 MB download, ~250 MB unpacked)…`);
  runInstallStep(
    python,
    ['-m', 'pip', '--disable-pip-version-check', 'install', '--quiet', '--no-deps', '-r', REQUIREMENTS],
    'Installing Milvus standalone',
    log,
  );
  const target = unpackDir(config);
  const staging = `${target}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  const packed = path.join(sitePackages, 'milvus', 'data', 'bin');
  runInstallStep(
    python,
    ['-c', UNPACK, packed, path.join(staging, 'bin')],
    'Unpacking the Milvus binary',
    log,
    `unpack ${packed}/*.lzma → ${target}/bin`,
  );
  writeInstallMarker(staging, [REQUIREMENTS]);
  if (!isMilvusStandaloneInstalled(config)) {
    fs.rmSync(target, { recursive: true, force: true });
    try {
      fs.renameSync(staging, target);
    } catch (err) {
      if (!isMilvusStandaloneInstalled(config)) throw err; // else another process just finished the same install
    }
  }
  fs.rmSync(staging, { recursive: true, force: true });
  if (!isMilvusStandaloneInstalled(config)) {
    throw new MemflowError(
      'STACK_INSTALL_FAILED',
      `${files.binary} or ${files.configTemplate} is missing after install; remove ${target} and retry.`,
    );
  }
  return files;
}
