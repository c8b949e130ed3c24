import { z } from 'zod';
import { tenantSchema } from './identifiers';

/** What may happen when a plan asks for a tool: run it, wait for a person's approval, or refuse. */
export const TOOL_POLICY_VALUES = ['auto', 'approve', 'deny'] as const;
export type ToolPolicy = (typeof TOOL_POLICY_VALUES)[number];

/**
 * The tools a plan may ask for and their default policies. A tenant may be given stricter or looser
 * ones (`MEMFLOW_TOOL_POLICY`, config/config.ts); the worker resolves the policy when a turn asks.
 */
export const TOOLS = {
  /** Evaluates an arithmetic expression. Harmless. */
  calculator: { defaultPolicy: 'auto' },
  /** Deletes the tenant's long-term memories that mention the input. Destructive: approval first. */
  forget_memories: { defaultPolicy: 'approve' },
} as const satisfies Record<string, { defaultPolicy: ToolPolicy }>;

export type ToolName = keyof typeof TOOLS;
export const TOOL_NAMES = Object.keys(TOOLS) as [ToolName, ...ToolName[]];
export const toolNameSchema = z.enum(TOOL_NAMES);

/** Every tool's input: bounded text. `forget_memories` also needs a scope (what to forget), never empty. */
export const toolInputSchema = z.string().trim().max(500);
export const MIN_FORGET_SCOPE_CHARS = 3;

/** Policies that differ from the defaults: for every tenant, and per tenant (which wins). */
export interface ToolPolicyOverrides {
  all: Partial<Record<ToolName, ToolPolicy>>;
  tenants: Record<string, Partial<Record<ToolName, ToolPolicy>>>;
}

export const NO_OVERRIDES: ToolPolicyOverrides = { all: {}, tenants: {} };

/** The policy a tenant's turn gets for a tool. */
export function toolPolicyFor(overrides: ToolPolicyOverrides, tenant: string, tool: ToolName): ToolPolicy {
  return overrides.tenants[tenant]?.[tool] ?? overrides.all[tool] ?? TOOLS[tool].defaultPolicy;
}

/**
 * Parses `MEMFLOW_TOOL_POLICY`: comma-separated `tool=policy` (every tenant) or
 * `tenant:tool=policy` entries, e.g. `forget_memories=deny,acme:forget_memories=approve`.
 * Returns the problems instead when an entry names an unknown tool or policy.
 */
export function parseToolPolicies(text: string): { overrides: ToolPolicyOverrides } | { problems: string[] } {
  const overrides: ToolPolicyOverrides = { all: {}, tenants: {} };
  const problems: string[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^(?:([^:]+):)?([a-z_]+)=([a-z]+)$/.exec(entry);
    const tool = match?.[2] as ToolName | undefined;
    const policy = match?.[3] as ToolPolicy | undefined;
    const tenantValid = match?.[1] === undefined || tenantSchema.safeParse(match[1]).success;
    if (!match || !tenantValid || !tool || !(tool in TOOLS) || !policy || !TOOL_POLICY_VALUES.includes(policy)) {
      problems.push(
        `"${entry}": use tool=policy or tenant:tool=policy with a tool of ${TOOL_NAMES.join(', ')} and a policy of ${TOOL_POLICY_VALUES.join(', ')}`,
      );
      continue;
    }
    const scope = match[1] === undefined ? overrides.all : (overrides.tenants[match[1]] ??= {});
    scope[tool] = policy;
  }
  return problems.length > 0 ? { problems } : { overrides };
}
