import type { Pool } from 'pg';
import type { ChatDeps } from './chat/chat-deps';
import { storeMemories } from './chat/memory-store';
import { pinIndex } from './chat/pin-index';
import { planTurn } from './chat/plan-turn';
import type { PlanTurnInput } from './chat/plan-turn';
import { retrieveChunks } from './chat/retrieve-chunks';
import type { RetrieveInput } from './chat/retrieve-chunks';
import { resolveToolPolicy, runTool } from './chat/run-tool';
import type { RunToolInput } from './chat/run-tool';
import { summarizeSession } from './chat/summarize-session';
import { writeAnswer } from './chat/write-answer';
import type { WriteAnswerInput } from './chat/write-answer';
import type { EmbedderRegistry } from '../adapters/embed/embedder-registry';
import { classified } from './failures';
import { checkDependencies } from './health/check-dependencies';
import { activateDocuments } from './ingest/activate-documents';
import type { ActivateDocumentsInput } from './ingest/activate-documents';
import { embedDocuments } from './ingest/embed-documents';
import type { EmbedDocumentsInput } from './ingest/embed-documents';
import { ensureLiveIndex } from './ingest/live-index';
import { registerDocuments } from './ingest/register-documents';
import type { RegisterDocumentsInput } from './ingest/register-documents';
import { releaseStaged } from './ingest/release-staged';
import type { ReleaseStagedInput } from './ingest/release-staged';
import type { VectorStore } from '../adapters/milvus/vector-store';
import { backfillPage } from './reindex/backfill';
import type { BackfillPageInput } from './reindex/backfill';
import { cutover, dropRetained, finishReindex, recordReindexState, revertCutover } from './reindex/cutover';
import {
  createTargetCollection,
  disableDualWrite,
  dropTargetCollection,
  enableDualWrite,
} from './reindex/target-collection';
import { validateIndex } from './reindex/validate-index';
import type { ValidateInput } from './reindex/validate-index';

export interface ActivityDeps extends ChatDeps {
  db: Pool;
  vectors: VectorStore;
  embedders: EmbedderRegistry;
  collectionPrefix: string;
  /** Corpus name → absolute root folder: the only files ingestion reads on the worker. */
  corpusRoots: Readonly<Record<string, string>>;
}

/**
 * All activities, bound to their dependencies. The worker owns and closes the clients; tests pass
 * real or fake implementations of the same narrow interfaces. Errors are classified at this
 * boundary: typed input errors are non-retryable, transient ones retry.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    checkDependencies: classified(() => checkDependencies(deps)),
    ensureLiveIndex: classified(() => ensureLiveIndex(deps)),
    registerDocuments: classified((input: RegisterDocumentsInput) => registerDocuments(deps, input)),
    releaseStaged: classified((input: ReleaseStagedInput) => releaseStaged(deps, input)),
    embedDocuments: classified((input: EmbedDocumentsInput) => embedDocuments(deps, input)),
    activateDocuments: classified((input: ActivateDocumentsInput) => activateDocuments(deps, input)),
    pinIndex: classified(() => pinIndex(deps)),
    planTurn: classified((input: PlanTurnInput) => planTurn(deps, input)),
    retrieveChunks: classified((input: RetrieveInput) => retrieveChunks(deps, input)),
    runTool: classified((input: RunToolInput) => runTool(deps, input)),
    resolveToolPolicy: classified(async (input: Parameters<typeof resolveToolPolicy>[1]) =>
      resolveToolPolicy(deps, input),
    ),
    writeAnswer: classified((input: WriteAnswerInput) => writeAnswer(deps, input)),
    storeMemories: classified((input: Parameters<typeof storeMemories>[1]) => storeMemories(deps, input)),
    summarizeSession: classified((input: Parameters<typeof summarizeSession>[1]) => summarizeSession(deps, input)),
    createTargetCollection: classified((input: Parameters<typeof createTargetCollection>[1]) =>
      createTargetCollection(deps, input),
    ),
    dropTargetCollection: classified((input: Parameters<typeof dropTargetCollection>[1]) =>
      dropTargetCollection(deps, input),
    ),
    enableDualWrite: classified((input: Parameters<typeof enableDualWrite>[1]) => enableDualWrite(deps, input)),
    disableDualWrite: classified((input: Parameters<typeof disableDualWrite>[1]) => disableDualWrite(deps, input)),
    backfillPage: classified((input: BackfillPageInput) => backfillPage(deps, input)),
    validateIndex: classified((input: ValidateInput) => validateIndex(deps, input)),
    cutover: classified((input: Parameters<typeof cutover>[1]) => cutover(deps, input)),
    revertCutover: classified((input: Parameters<typeof revertCutover>[1]) => revertCutover(deps, input)),
    finishReindex: classified((input: Parameters<typeof finishReindex>[1]) => finishReindex(deps, input)),
    dropRetained: classified((input: Parameters<typeof dropRetained>[1]) => dropRetained(deps, input)),
    recordReindexState: classified((input: Parameters<typeof recordReindexState>[1]) =>
      recordReindexState(deps, input),
    ),
  };
}

export type Activities = ReturnType<typeof createActivities>;
