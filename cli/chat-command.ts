import type { MemflowConfig } from '../config/config';
import { MemflowClient } from '../client/memflow-client';
import type { ChatResult } from '../client/memflow-client';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE = 'Usage: memflow chat --tenant T --session S [--request-id R] [--source PATH…] [--json] "your question"';

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
  const flags = {
    tenant: VALUE,
    session: VALUE,
    'request-id': VALUE,
    source: { type: 'string', multiple: true },
  } as const;
  const { values, positionals } = parseCommand(argv, flags, USAGE);
  if (!values.tenant || !values.session || positionals.length === 0) throw usageError(USAGE);
  const client = await MemflowClient.connect(config);
  try {
    const result = await client.chat(values.tenant, values.session, positionals.join(' '), {
      requestId: values['request-id'],
      filters: values.source ? { sources: values.source } : undefined,
      onWait: ctx.log,
    });
    ctx.print(ctx.json ? JSON.stringify(result, null, 2) : formatChat(result));
    return 0;
  } finally {
    await client.close();
  }
}
