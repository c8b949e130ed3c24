/**
 * The environment a child process (`memflow worker`) needs to see a private stack's configuration:
 * `loadConfig` reads only variables, so the stack's `MemflowConfig` is written back as them.
 */
import type { MemflowConfig } from '../../config/config';

export function stackEnv(config: MemflowConfig, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEMFLOW_HOME: config.home,
    MEMFLOW_VENV: config.paths.venv,
    MEMFLOW_MODELS_DIR: config.embedding.modelsDir,
    MEMFLOW_STACK_MODE: config.stackMode,
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    TEMPORAL_UI_PORT: String(config.temporal.uiPort),
    MILVUS_ADDRESS: config.milvus.address,
    MILVUS_FLAVOR: config.milvus.flavor,
    MEMFLOW_COLLECTION_PREFIX: config.milvus.collectionPrefix,
    DATABASE_URL: config.postgres.url,
    EMBEDDING_PROVIDER: config.embedding.provider,
    EMBEDDING_MODEL: config.embedding.model,
    EMBEDDING_THREADS: config.embedding.threads === undefined ? '' : String(config.embedding.threads),
    OPENAI_BASE_URL: config.llm.baseUrl ?? '',
    OPENAI_API_KEY: config.llm.apiKey ?? '',
    LLM_MODEL: config.llm.model,
    LLM_TIMEOUT_MS: String(config.llm.timeoutMs),
    MEMFLOW_LOG_LEVEL: config.logLevel,
    ...extra,
  };
  return env;
}
