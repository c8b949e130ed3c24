import { parseArgs } from 'node:util';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { MemflowClient } from '../client/memflow-client';
import type { ChatResult } from '../client/memflow-client';
import type { CliContext } from './main';

export function formatChat(result: ChatResult): string {
  const lines = [result.answer, ''];
  for (const c of result.citations) lines.push(`  [${c.marker}] ${c.title} — ${c.source}`);
  if (result.tool)
    lines.push(
      `  tool ${result.tool.name}: ${result.tool.status}${result.tool.output ? ` (${result.tool.output})` : ''}`,
    );
  lines.push(
    `  index ${result.indexVersion} · ${result.answerKind} answer · workflow ${result.workflowId}`,
    `  ${result.url}`,
  );
  return lines.join('\n');
}

/** `memflow chat --tenant T --session S [--request-id R] [--json] "text"` */
export async function chatCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      session: { type: 'string' },
      'request-id': { type: 'string' },
      source: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.tenant || !values.session || positionals.length === 0) {
    throw new MemflowError(
      'INVALID_INPUT',
      'Usage: memflow chat --tenant T --session S [--source PATH…] [--json] "your question"',
    );
  }
  const client = await MemflowClient.connect(config);
  try {
    const result = await client.chat(values.tenant, values.session, positionals.join(' '), {
      requestId: values['request-id'],
      filters: values.source ? { sources: values.source } : undefined,
    });
    ctx.print(ctx.json ? JSON.stringify(result, null, 2) : formatChat(result));
    return 0;
  } finally {
    await client.close();
  }
}
