import type { ChatDeps } from './chat-deps';
import { heartbeatWhile } from './heartbeat-while';

const MAX_SUMMARY_CHARS = 2000;

/**
 * Folds older turns into the running summary carried across continue-as-new: with a language
 * model, a real summary; without one, the questions and the start of each answer, clipped.
 */
export async function summarizeSession(
  deps: ChatDeps,
  input: { summary: string; turns: { user: string; assistant: string }[] },
): Promise<{ summary: string }> {
  const transcript = input.turns.map((t) => `User: ${t.user}\nAssistant: ${t.assistant}`).join('\n');
  if (!deps.llm) {
    const lines = input.turns.map(
      (t) => `asked "${t.user.slice(0, 160)}" → ${t.assistant.replace(/\s+/g, ' ').slice(0, 160)}`,
    );
    const summary = [input.summary, ...lines].filter(Boolean).join(' | ');
    return { summary: summary.length > MAX_SUMMARY_CHARS ? `…${summary.slice(-MAX_SUMMARY_CHARS)}` : summary };
  }
  const llm = deps.llm;
  const completion = await heartbeatWhile((signal) =>
    llm.complete({
      temperature: 0,
      maxTokens: 400,
      signal,
      messages: [
        {
          role: 'system',
          content: 'Summarize the conversation in under 150 words, keeping facts about the user and open questions.',
        },
        { role: 'user', content: `${input.summary ? `Earlier summary: ${input.summary}\n\n` : ''}${transcript}` },
      ],
    }),
  );
  return { summary: completion.text.slice(0, MAX_SUMMARY_CHARS) };
}
