import { MemflowError } from '../../contracts/errors';
import type { ToolName } from '../../contracts/tool-policy';
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
      const { collection } = await memoryEmbedder(deps);
      if (!(await deps.vectors.describeCollection(collection))) return { output: 'No memories stored.' };
      const needle = input.input.trim().toLowerCase();
      const memories = await deps.vectors.query(collection, { tenant: input.tenant, limit: 1000, includeText: true });
      const doomed = memories.filter((m) => (m.text ?? '').toLowerCase().includes(needle)).map((m) => m.id);
      await deps.vectors.deleteByIds(collection, doomed);
      return {
        output: `Forgot ${doomed.length} memor${doomed.length === 1 ? 'y' : 'ies'} mentioning "${input.input.trim()}".`,
      };
    }
    default:
      throw new MemflowError('INVALID_INPUT', `Unknown tool ${String(input.name)}.`);
  }
}
