/**
 * The tools a plan may ask for, and which need a human's approval before they run. Shared by the
 * workflow (which waits for approval) and the activities (which run them).
 */
export const TOOL_POLICIES = {
  /** Evaluates an arithmetic expression. Harmless. */
  calculator: { requiresApproval: false },
  /** Deletes the tenant's long-term memories that mention the input. Destructive: approval first. */
  forget_memories: { requiresApproval: true },
} as const;

export type ToolName = keyof typeof TOOL_POLICIES;
export const TOOL_NAMES = Object.keys(TOOL_POLICIES) as ToolName[];
