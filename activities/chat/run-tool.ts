import { MemflowError } from '../../contracts/errors';
import { MIN_FORGET_SCOPE_CHARS, toolPolicyFor } from '../../contracts/tool-policy';
import type { ToolName, ToolPolicy } from '../../contracts/tool-policy';
import type { ChatDeps } from './chat-deps';
import { evaluateArithmetic } from './calculator';
import { memoryEmbedder } from './memory-store';

export interface RunToolInput {
  tenant: string;
  name: ToolName;
  input: string;
}

/** Runs a tool the plan asked for (after approval, when its policy requires one). */
export async function runTool(deps: ChatDeps, input: RunToolInput): Promise<{ output: string }> {
  switch (input.name) {
    case 'calculator': {
      const value = evaluateArithmetic(input.input);
      return { output: `${input.input.trim()} = ${value}` };
    }
    case 'forget_memories': {
      const needle = input.input.trim().toLowerCase();
      // An empty scope would match every memory the tenant has.
      if (needle.length < MIN_FORGET_SCOPE_CHARS) {
        throw new MemflowError(
          'INVALID_INPUT',
          `forget_memories needs what to forget (at least ${MIN_FORGET_SCOPE_CHARS} characters), got ${JSON.stringify(input.input)}.`,
        );
      }
      const { collection } = await memoryEmbedder(deps);
      if (!(await deps.vectors.describeCollection(collection))) return { output: 'No memories stored.' };
      const memories = await deps.vectors.query(collection, { tenant: input.tenant, limit: 1000, includeText: true });
      const doomed = memories.filter((m) => (m.text ?? '').toLowerCase().includes(needle)).map((m) => m.id);
      await deps.vectors.deleteByIds(collection, input.tenant, doomed);
      return {
        output: `Forgot ${doomed.length} memor${doomed.length === 1 ? 'y' : 'ies'} mentioning "${input.input.trim()}".`,
      };
    }
    default:
      throw new MemflowError('INVALID_INPUT', `Unknown tool ${String(input.name)}.`);
  }
}

/** The tenant's policy for a tool: what the session does when a plan asks for it. */
export function resolveToolPolicy(deps: ChatDeps, input: { tenant: string; tool: ToolName }): { policy: ToolPolicy } {
  return { policy: toolPolicyFor(deps.toolPolicies, input.tenant, input.tool) };
}
