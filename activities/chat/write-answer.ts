import type { Citation, ToolOutcome, Usage } from '../../contracts/chat';
import { extractiveAnswer } from '../../adapters/llm/extractive-answerer';
import { chunkTexts } from '../../adapters/postgres/document-registry';
import type { ChatDeps } from './chat-deps';
import { heartbeatWhile } from './heartbeat-while';
import type { RetrievedPassage } from './retrieve-chunks';

export interface WriteAnswerInput {
  tenant: string;
  question: string;
  passages: RetrievedPassage[];
  memories: string[];
  tool?: ToolOutcome;
  summary: string;
  recent: { user: string; assistant: string }[];
}

export interface WrittenAnswer {
  answer: string;
  answerKind: 'llm' | 'extractive';
  citations: Citation[];
  usage: Usage;
}

const EXECUTOR_PROMPT = `You answer the user's question from the numbered passages below, which come most relevant first,
grouped by document. Cite every claim that comes from a passage with its marker, e.g. [1] or [2][3], and cite
only passages that support what you say. If the passages do not contain the answer, say so plainly.
Use the remembered facts and the tool result when they are relevant. Be concise.`;

/** Citations for the markers the answer actually uses, in marker order. */
export function citationsFor(answer: string, passages: RetrievedPassage[]): Citation[] {
  const used = new Set([...answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  return [...used]
    .filter((n) => n >= 1 && n <= passages.length)
    .sort((a, b) => a - b)
    .map((marker) => {
      const p = passages[marker - 1]!;
      return { marker, chunkId: p.chunkId, docId: p.docId, title: p.title, source: p.source, score: p.score };
    });
}

/** The executor: writes the answer from the retrieved passages, citing them by marker. */
export async function writeAnswer(deps: ChatDeps, input: WriteAnswerInput): Promise<WrittenAnswer> {
  const texts = await chunkTexts(
    deps.db,
    input.tenant,
    input.passages.map((p) => p.chunkId),
  );
  // A passage whose text is gone (its document was re-ingested mid-turn) is dropped, not invented.
  const passages = input.passages.filter((p) => texts.has(p.chunkId));
  const toolLine =
    input.tool?.status === 'ran'
      ? `Tool ${input.tool.name} returned: ${input.tool.output}`
      : input.tool
        ? `Tool ${input.tool.name} was not run (${input.tool.status}).`
        : '';
  if (!deps.llm) {
    const extractive = extractiveAnswer({
      question: input.question,
      passages: passages.map((p) => ({
        id: p.chunkId,
        text: texts.get(p.chunkId)!,
        title: p.title,
        document: p.docId,
      })),
    });
    const answer = [toolLine, extractive.text].filter(Boolean).join('\n');
    return {
      answer,
      answerKind: 'extractive',
      citations: citationsFor(extractive.text, passages),
      usage: { promptTokens: 0, completionTokens: 0 },
    };
  }
  const llm = deps.llm;
  const numbered = passages
    .map((p, i) => `[${i + 1}] ${p.title}${p.source ? ` (${p.source})` : ''}\n${texts.get(p.chunkId)}`)
    .join('\n\n');
  const context = [
    input.summary ? `Earlier in this conversation: ${input.summary}` : '',
    ...input.recent.map((t) => `User: ${t.user}\nAssistant: ${t.assistant}`),
    input.memories.length ? `Remembered facts about the user:\n- ${input.memories.join('\n- ')}` : '',
    toolLine,
    `Passages:\n${numbered || '(none found)'}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const completion = await heartbeatWhile((signal) =>
    llm.complete({
      temperature: 0.2,
      maxTokens: 600,
      signal,
      messages: [
        { role: 'system', content: EXECUTOR_PROMPT },
        { role: 'user', content: `${context}\n\nQuestion: ${input.question}` },
      ],
    }),
  );
  return {
    answer: completion.text,
    answerKind: 'llm',
    citations: citationsFor(completion.text, passages),
    usage: completion.usage,
  };
}
