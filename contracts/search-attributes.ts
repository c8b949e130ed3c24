import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * memflow's custom search attributes: what a developer filters on in the Temporal UI
 * (e.g. `MemflowTenant = "acme"`). Registered by `memflow stack up`.
 */
export const MemflowTenant = defineSearchAttributeKey('MemflowTenant', SearchAttributeType.KEYWORD);
export const MemflowSession = defineSearchAttributeKey('MemflowSession', SearchAttributeType.KEYWORD);
export const MemflowIndexVersion = defineSearchAttributeKey('MemflowIndexVersion', SearchAttributeType.KEYWORD);
export const MemflowTargetVersion = defineSearchAttributeKey('MemflowTargetVersion', SearchAttributeType.KEYWORD);
export const MemflowState = defineSearchAttributeKey('MemflowState', SearchAttributeType.KEYWORD);

export const MEMFLOW_SEARCH_ATTRIBUTES = [
  MemflowTenant,
  MemflowSession,
  MemflowIndexVersion,
  MemflowTargetVersion,
  MemflowState,
] as const;
