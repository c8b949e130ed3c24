/**
 * The answerer used when no language model is configured: for each retrieved document, best first,
 * it quotes the sentence of its passages that shares the most (rare) terms with the question, and
 * says plainly that it is extractive.
 */

export const EXTRACTIVE_LABEL = 'Extractive answer (no language model configured):';

export interface Passage {
  id: string;
  text: string;
  title?: string;
  /** The document the passage comes from (passages of one document share it); default: its id. */
  document?: string;
}

export interface PassageCitation {
  /** The `[n]` in the text: the passage's 1-based position in the input. */
  marker: number;
  passageId: string;
  title?: string;
}

export interface ExtractiveAnswer {
  text: string;
  citations: PassageCitation[];
}

export interface ExtractiveAnswerInput {
  question: string;
  /** In retrieval order, best first (a turn's come grouped by document, best document first). */
  passages: Passage[];
  /** At most this many documents are quoted, one sentence each (default 5). */
  maxDocuments?: number;
}

interface Sentence {
  text: string;
  passage: number;
  terms: Set<string>;
  length: number;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have how i if in ' +
    'into is it its just me my no not of on or our so such than that the their them then there these they ' +
    'this those to too was we were what when where which while who whom why will with would you your about ' +
    'after again all also any because before between both each few further here more most other out over ' +
    'own same should some only under until up very tell explain describe please'
  ).split(' '),
);

/** Lower-cased content words, lightly stemmed so "indexes"/"index" and "vacuuming"/"vacuum" meet. */
export function contentTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.filter((w) => w.length > 1 && !STOPWORDS.has(w)).map(stem);
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(?:ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function splitSentences(text: string): string[] {
  return text
    .split(/\n\s*\n|\n(?=\s*(?:[-*#>]|\d+\.)\s)/)
    .flatMap((block) => block.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=["'“([]?[\p{Lu}\p{N}])/u))
    .map((s) => s.replace(/^\s*(?:#+|[-*>]|\d+\.)\s+/, '').trim())
    .filter((s) => s.split(' ').length >= 3);
}

function clip(sentence: string): string {
  return sentence.length > 300 ? `${sentence.slice(0, 297).trimEnd()}…` : sentence;
}

/**
 * Builds an answer from the retrieved documents in retrieval order: for each, the sentence of its
 * passages that best matches the question (rare shared terms, short sentences preferred), cited
 * with that passage's marker. A document none of whose sentences shares a term with the question is
 * left out; if that leaves nothing, the answer says so and quotes the top passage's opening.
 */
export function extractiveAnswer(input: ExtractiveAnswerInput): ExtractiveAnswer {
  const maxDocuments = Math.max(1, input.maxDocuments ?? 5);
  const { passages } = input;
  if (passages.length === 0) {
    return { text: `${EXTRACTIVE_LABEL} no passages were retrieved for this question.`, citations: [] };
  }

  const sentences: Sentence[] = passages.flatMap((p, passage) =>
    splitSentences(p.text).map((text) => {
      const terms = contentTerms(text);
      return { text, passage, terms: new Set(terms), length: terms.length };
    }),
  );
  const questionTerms = [...new Set(contentTerms(input.question))];
  // Rare terms say more about relevance than ones every sentence shares.
  const idf = new Map(
    questionTerms.map((t) => {
      const df = sentences.filter((s) => s.terms.has(t)).length;
      return [t, Math.log(1 + sentences.length / (1 + df))];
    }),
  );
  const scored = sentences.map((s, order) => {
    const overlap = questionTerms.reduce((sum, t) => sum + (s.terms.has(t) ? (idf.get(t) ?? 0) : 0), 0);
    const lengthPenalty = 1 / (1 + 0.02 * Math.max(0, s.length - 25));
    return { ...s, order, score: overlap * lengthPenalty };
  });

  const documentOf = (passage: number) => passages[passage]?.document ?? passages[passage]?.id ?? '';
  const documents = [...new Set(passages.map((_, i) => documentOf(i)))];
  const chosen: typeof scored = [];
  const seen = new Set<string>();
  for (const document of documents) {
    if (chosen.length >= maxDocuments) break;
    const best = scored
      .filter((s) => s.score > 0 && documentOf(s.passage) === document && !seen.has(s.text.toLowerCase()))
      .sort((a, b) => b.score - a.score || a.order - b.order)[0];
    if (!best) continue;
    seen.add(best.text.toLowerCase());
    chosen.push(best);
  }

  if (chosen.length === 0) {
    const first = splitSentences(passages[0]?.text ?? '')[0] ?? passages[0]?.text ?? '';
    return {
      text: `${EXTRACTIVE_LABEL} no retrieved sentence shares terms with the question. The top passage begins: "${clip(first)}" [1]`,
      citations: [citation(passages, 0)],
    };
  }
  const body = chosen.map((s) => `${clip(s.text)} [${s.passage + 1}]`).join(' ');
  const cited = [...new Set(chosen.map((s) => s.passage))].sort((a, b) => a - b);
  return { text: `${EXTRACTIVE_LABEL} ${body}`, citations: cited.map((i) => citation(passages, i)) };
}

function citation(passages: Passage[], index: number): PassageCitation {
  const passage = passages[index];
  return {
    marker: index + 1,
    passageId: passage?.id ?? '',
    ...(passage?.title === undefined ? {} : { title: passage.title }),
  };
}
