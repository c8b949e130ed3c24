/**
 * The planner used when no language model is configured: every turn is a plain search for the
 * question itself, with no filters and no tool.
 */
export interface ExtractivePlan {
  intent: 'search';
  queries: string[];
  filters: Record<string, never>;
  tool: null;
  /** Which planner produced the plan, for traces and the UI. */
  planner: 'extractive';
}

export function extractivePlan(question: string): ExtractivePlan {
  const query = question.trim().replace(/\s+/g, ' ');
  return { intent: 'search', queries: query === '' ? [] : [query], filters: {}, tool: null, planner: 'extractive' };
}
