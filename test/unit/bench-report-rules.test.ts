import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gitChangedSince } from '../../bench/report/git-history';
import type { ChangedSince } from '../../bench/report/qualify';
import { qualify } from '../../bench/report/qualify';
import { describeDrift, renderDocument } from '../../bench/report/render-docs';
import type { ResultsFiles } from '../../bench/report/results-lines';
import { indexResults } from '../../bench/report/results-lines';
import { SECTIONS } from '../../bench/report/sections';
import { ingestGoals } from '../../bench/report/tables/ingest';
import { latencyBudgetGoals, renderLatencyBudget } from '../../bench/report/tables/latency-budget';
import {
  fastestAtDefaultQuality,
  manualSearchGoals,
  renderManualSearch,
} from '../../bench/report/tables/manual-search';
import { renderRetrieval, retrievalGoals } from '../../bench/report/tables/retrieval';
import { renderTurnThroughput, turnThroughputGoals } from '../../bench/report/tables/turn-throughput';
import { buildRecord } from '../../bench/support/results';

/**
 * Which results lines `memflow bench report` publishes (bench/report/qualify.ts), on synthetic
 * lines: clean or dirty, quiet or noisy, current or stale, with or without provenance; and what a
 * table shows for each.
 */

const CURRENT = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff';
const STALE = '5a1e05a1e05a1e05a1e05a1e05a1e05a1e05a1e0';
const FOREIGN = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
/** CURRENT: nothing changed since; STALE: the measured paths changed; anything else: not in HEAD's history. */
const changedSince: ChangedSince = (commit) => (commit === CURRENT ? false : commit === STALE ? true : undefined);

function throughputLine(over: Record<string, unknown> = {}, knee = 31.7): Record<string, unknown> {
  return {
    benchmark: 'turn-throughput',
    date: '2026-12-01T10:00:00.000Z',
    elapsedSeconds: 200,
    commit: CURRENT,
    dirty: false,
    changedFiles: [],
    machine: {
      cpu: 'AMD EPYC 7B13',
      cores: 2,
      availableCores: 2,
      totalMemoryMiB: 24000,
      node: 'v20.20.2',
      loadAverage1mAtStart: 0.4,
      loadAverage1mAtEnd: 1.9,
    },
    otherCpuShare: 0.03,
    ownCpuSeconds: 100,
    params: {
      corpus: 'manual',
      chunks: 13000,
      turns: 'chat',
      llmSteps: 'local',
      arrivals: 'poisson',
      questions: 'unique',
      startRate: 4,
      maxRate: 60,
    },
    results: {
      steps: [
        {
          offeredRate: 32,
          passed: true,
          p50: 80,
          p99: 250,
          errors: 0,
          cpuMsPerTurn: { total: 41, bench: 27, temporal: 9, milvus: 5 },
        },
        { offeredRate: 36, passed: false, p50: 150, p99: 420, errors: 0 },
      ],
      knee: { offeredRate: 32, achievedRate: knee, p99: 250 },
      kneeReached: true,
    },
    ...over,
  };
}

const jsonl = (...lines: Record<string, unknown>[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

describe('a results line qualifies', () => {
  const paths = ['workflows/'];

  test('when it is clean, quiet and of the current code', () => {
    const verdict = qualify(throughputLine(), 1, paths, changedSince);
    assert.equal(verdict.qualifies, true);
  });

  test('not when it was measured with uncommitted changes', () => {
    const verdict = qualify(
      throughputLine({ dirty: true, changedFiles: ['workflows/chat/chat-session.ts'] }),
      1,
      paths,
      changedSince,
    );
    assert.deepEqual([verdict.qualifies, !verdict.qualifies && verdict.reason], [false, 'dirty']);
  });

  test('not when other processes used more than 10 % of the CPU, nor when that share is unknown', () => {
    const noisy = qualify(throughputLine({ otherCpuShare: 0.11 }), 1, paths, changedSince);
    assert.equal(!noisy.qualifies && noisy.reason, 'noisy');
    // A correctness benchmark (the chaos soak) counts on a busy machine; dirtiness still rules it out.
    assert.equal(
      qualify(throughputLine({ otherCpuShare: 0.6 }), 1, paths, changedSince, { requiresQuiet: false }).qualifies,
      true,
    );
    const atTheLine = qualify(throughputLine({ otherCpuShare: 0.1 }), 1, paths, changedSince);
    assert.equal(atTheLine.qualifies, true);
    const unmetered = qualify(throughputLine({ otherCpuShare: null }), 1, paths, changedSince);
    assert.equal(!unmetered.qualifies && unmetered.reason, 'no provenance');
    // A quality measure (requiresQuiet false) meters no CPU: null is a value there, not a gap.
    const quality = qualify(throughputLine({ otherCpuShare: null }), 1, paths, changedSince, { requiresQuiet: false });
    assert.equal(quality.qualifies, true);
    const missing = qualify(throughputLine({ otherCpuShare: undefined }), 1, paths, changedSince, {
      requiresQuiet: false,
    });
    assert.equal(!missing.qualifies && missing.reason, 'no provenance');
  });

  test('not when the measured code changed since its commit, or the commit is not in HEAD’s history', () => {
    const stale = qualify(throughputLine({ commit: STALE }), 1, paths, changedSince);
    assert.equal(!stale.qualifies && stale.reason, 'stale');
    const foreign = qualify(throughputLine({ commit: FOREIGN }), 1, paths, changedSince);
    assert.equal(!foreign.qualifies && foreign.reason, 'unknown commit');
  });

  test('not when it predates the provenance (an old line), naming what it lacks', () => {
    const {
      benchmark: _,
      otherCpuShare: __,
      ...old
    } = throughputLine({
      machine: { nproc: 2, cpu: 'AMD EPYC', loadAverage1m: 4.5, totalMemoryMiB: 24000, node: 'v20' },
    });
    const verdict = qualify(old, 1, paths, changedSince);
    assert.equal(!verdict.qualifies && verdict.reason, 'no provenance');
    assert.match(!verdict.qualifies ? verdict.detail : '', /machine\.cores.*otherCpuShare/);
  });
});

describe('a table row', () => {
  const render = (files: ResultsFiles) => renderTurnThroughput(indexResults(files, changedSince));

  test('shows the latest qualifying line, with its date, commit, CPU, cores and other-CPU share', () => {
    const older = throughputLine({ date: '2026-11-30T10:00:00.000Z' }, 23.9);
    const newer = throughputLine({}, 31.7);
    const out = render({ 'turn-throughput': jsonl(newer, older) });
    assert.match(out, /31\.7\/s/);
    assert.doesNotMatch(out, /23\.9/);
    assert.match(out, /2026-12-01 · c0ffee0 · AMD EPYC 7B13 ×2 · other CPU 3 %/);
  });

  test('skips a later line that is dirty, noisy or stale for an earlier one that qualifies', () => {
    const good = throughputLine({ date: '2026-11-30T10:00:00.000Z' }, 23.9);
    const later = (over: Record<string, unknown>, knee: number) =>
      throughputLine({ date: '2026-12-02T10:00:00.000Z', ...over }, knee);
    const out = render({
      'turn-throughput': jsonl(
        good,
        later({ dirty: true }, 41.1),
        later({ otherCpuShare: 0.4 }, 42.2),
        later({ commit: STALE }, 43.3),
      ),
    });
    assert.match(out, /23\.9\/s/);
    for (const hidden of ['41.1', '42.2', '43.3']) assert.ok(!out.includes(hidden), `${hidden} must not be published`);
  });

  test('says "not measured", and no number, when no line qualifies', () => {
    const out = render({ 'turn-throughput': jsonl(throughputLine({ dirty: true }, 41.1)) });
    const localRow = out.split('\n').find((l) => l.startsWith("| chat, `llmSteps: 'local'`"));
    assert.match(localRow ?? '', /not measured/);
    assert.ok(!out.includes('41.1'));
    assert.match(
      out,
      /Not measured at this commit: of the one run in `bench\/results\/turn-throughput.jsonl`, 1 with uncommitted changes/,
    );
  });

  test('does not count a ramp capped by --max-rate below the goal as its knee', () => {
    const capped = throughputLine({ params: { ...(throughputLine().params as object), maxRate: 32 } }, 32.4);
    (capped.results as Record<string, unknown>).kneeReached = false;
    (capped.results as Record<string, unknown>).steps = [{ offeredRate: 32, passed: true, p99: 270, errors: 0 }];
    const index = indexResults({ 'turn-throughput': jsonl(capped) }, changedSince);
    assert.equal(turnThroughputGoals[0]!.evaluate(index), undefined);
  });

  test('keeps corpora apart: a fixtures run fills only its floor row, a --docs run no row', () => {
    const params = throughputLine().params as Record<string, unknown>;
    const fixtures = throughputLine({ params: { ...params, corpus: 'fixtures', chunks: 19 } }, 44.4);
    const partial = throughputLine({ params: { ...params, docs: 60 } }, 45.5);
    const index = indexResults({ 'turn-throughput': jsonl(fixtures, partial) }, changedSince);
    assert.equal(turnThroughputGoals[0]!.evaluate(index), undefined);
    const out = renderTurnThroughput(index);
    const rows = out.split('\n');
    const manualRow = rows.find((l) => l.startsWith("| chat, `llmSteps: 'local'` · the PostgreSQL manual"));
    const floorRow = rows.find((l) => l.startsWith("| chat, `llmSteps: 'local'` · small-corpus floor"));
    assert.match(manualRow ?? '', /not measured/);
    assert.match(floorRow ?? '', /44\.4\/s/);
    assert.ok(!out.includes('45.5'), 'a --docs run is a quick check, never published');
  });

  test('gives the goal verdict of the line it shows', () => {
    const index = indexResults({ 'turn-throughput': jsonl(throughputLine({}, 31.7)) }, changedSince);
    const measured = turnThroughputGoals[0]!.evaluate(index);
    assert.equal(measured?.met, false);
    assert.equal(measured?.measured, 'knee 31.7/s');
  });
});

describe('latency-budget rows', () => {
  const budgetLine = (params: Record<string, unknown>, retrieveP50: number) => {
    const p = (p50: number) => ({ n: 60, p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4, mean: p50 });
    const lines = { total: p(40), retrieveChunks: p(retrieveP50) };
    return throughputLine({
      benchmark: 'latency-budget',
      params: { turns: 60, warmup: 5, micro: 200, embedder: 'all-minilm-l6-v2', ...params },
      results: {
        chunks: params.corpus === 'manual' ? 13000 : 19,
        modes: ['cold', 'cached', 'cold/local', 'cached/local'].map((mode) => ({ mode, lines })),
        micro: { cacheHit: p(0.01), search: p(4) },
        retrieveChunks: {
          cold: p(retrieveP50),
          cached: p(retrieveP50 / 2),
          search: p(4),
          searchShareP50: { cold: 4 / retrieveP50 },
        },
      },
    });
  };
  const retrieveGoal = latencyBudgetGoals.find((g) => g.subject.startsWith('retrieveChunks'))!;

  test('read the goals from whole-manual runs only; a fixtures run is the labelled floor', () => {
    const fixtures = budgetLine({ corpus: 'fixtures' }, 7.7);
    const partial = budgetLine({ corpus: 'manual', docs: 60 }, 8.8);
    const onlyOthers = indexResults({ 'latency-budget': jsonl(fixtures, partial) }, changedSince);
    assert.equal(retrieveGoal.evaluate(onlyOthers), undefined);
    const out = renderLatencyBudget(onlyOthers);
    assert.match(out, /\*\*The whole PostgreSQL manual\*\*[^\n]*Not measured\./);
    assert.match(out, /\*\*Small-corpus floor\*\*/);
    assert.ok(!out.includes('8.8'), 'a --docs run is a quick check, never published');

    const manual = budgetLine({ corpus: 'manual' }, 16);
    const index = indexResults({ 'latency-budget': jsonl(fixtures, manual) }, changedSince);
    const measured = retrieveGoal.evaluate(index);
    // A line from before the search row said what it timed reads as what it was: Milvus's hybrid search.
    assert.equal(
      measured?.measured,
      'p50 16.0 ms, p99 48.0 ms; the search alone (Milvus dense + BM25, RRF, 12 deep) p50 4.0 ms (25 % of the p50)',
    );
    assert.equal(measured?.met, true);

    const named = budgetLine({ corpus: 'manual' }, 16);
    const micro = (named.results as { micro: Record<string, unknown> }).micro;
    Object.assign(micro, {
      searchKind: 'searchLegs, postgres lexical leg, 50 deep',
      denseLeg: { p50: 1, p95: 1, p99: 1, max: 1 },
      lexicalLeg: { p50: 3, p95: 3, p99: 3, max: 3 },
    });
    const namedIndex = indexResults({ 'latency-budget': jsonl(named) }, changedSince);
    assert.match(
      retrieveGoal.evaluate(namedIndex)!.measured,
      /; the search alone \(searchLegs, postgres lexical leg, 50 deep\) p50 4\.0 ms/,
    );
    const rendered = renderLatencyBudget(namedIndex);
    assert.match(rendered, /\| the turn's search alone \(searchLegs, postgres lexical leg, 50 deep\) +\| +4\.0 \|/);
    assert.match(rendered, /\| +its lexical leg alone \(PostgreSQL full text\) +\| +3\.0 \|/);
    // The legs' rows show only for lines that timed them.
    assert.ok(!renderLatencyBudget(index).includes('its dense leg alone'));
  });
});

describe('recordResult', () => {
  test('records the worst other-CPU share of the measured regions, and null when one was not metered', () => {
    const start = { startedAt: new Date(Date.now() - 5000), loadAverage1m: 0.5 };
    const revision = { commit: CURRENT, dirty: false, changedFiles: [] };
    const cpu = [
      { ownSeconds: 2, otherSeconds: 0.1, otherShare: 0.02 },
      { ownSeconds: 3, otherSeconds: 0.4, otherShare: 0.07 },
    ];
    const record = buildRecord(
      'memory',
      { start, params: { sessions: 1000 }, results: { peakMiB: 500 }, cpu },
      revision,
    );
    assert.equal(record.otherCpuShare, 0.07);
    assert.equal(record.ownCpuSeconds, 5);
    assert.equal(record.machine.loadAverage1mAtStart, 0.5);
    assert.equal(typeof record.machine.cores, 'number');
    assert.equal(record.elapsedSeconds, 5);
    const verdict = qualify({ ...record }, 1, ['workers/'], changedSince);
    assert.equal(verdict.qualifies, true);
    const partly = buildRecord('memory', { start, params: {}, results: {}, cpu: [cpu[0], undefined] }, revision);
    assert.equal(partly.otherCpuShare, null);
  });
});

describe('changed since, from git', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-git-'));
  const git = (...args: string[]) => {
    const r = spawnSync(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', ...args],
      { cwd: repo, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const commit = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
    git('add', '-A');
    git('commit', '-q', '-m', file);
    return git('rev-parse', 'HEAD');
  };

  test('current, stale, not in HEAD’s history, unknown', () => {
    git('init', '-q', '-b', 'main');
    const measured = commit('workflows/chat.ts', 'v1');
    commit('README.md', 'docs only');
    const changedSince = gitChangedSince(repo);
    assert.equal(changedSince(measured, ['workflows/', 'bench/turn-throughput.ts']), false);
    commit('workflows/chat.ts', 'v2');
    assert.equal(gitChangedSince(repo)(measured, ['workflows/']), true);
    assert.equal(gitChangedSince(repo)(measured, ['adapters/', 'bench/support/chaos*']), false);
    git('checkout', '-q', '-b', 'other');
    const elsewhere = commit('adapters/x.ts', 'other branch');
    git('checkout', '-q', 'main');
    assert.equal(gitChangedSince(repo)(elsewhere, ['workflows/']), undefined);
    assert.equal(gitChangedSince(repo)('0123456789abcdef0123456789abcdef01234567', ['workflows/']), undefined);
    fs.rmSync(repo, { recursive: true, force: true });
  });
});

describe('the generated sections', () => {
  const index = indexResults({}, changedSince);
  const doc = (body: string) => `# Title\n\nProse 1.\n\n${body}\n\nProse 2.\n`;

  test('are rewritten between their markers and nowhere else', async () => {
    const sections = [
      { file: 'README.md' as const, name: 'summary', render: () => '| a | b |\n| - | -: |\n| x | 1 |' },
    ];
    const text = doc('<!-- bench-report:summary -->\nstale 42\n<!-- /bench-report:summary -->');
    const out = await renderDocument(text, path.resolve('README.md'), 'README.md', sections, index);
    assert.equal(
      out,
      doc(
        '<!-- bench-report:summary -->\n\n| a   |   b |\n| --- | --: |\n| x   |   1 |\n\n<!-- /bench-report:summary -->',
      ),
    );
    const drift = describeDrift(text, out, 'README.md');
    assert.equal(drift.length, 1);
    assert.match(drift[0]!, /section summary differs/);
    assert.deepEqual(describeDrift(out, out, 'README.md'), []);
  });

  test('must all be present, once, and be registered', async () => {
    const render = (text: string) => renderDocument(text, path.resolve('README.md'), 'README.md', SECTIONS, index);
    await assert.rejects(render(doc('no markers')), /must hold <!-- bench-report:summary -->/);
    await assert.rejects(
      render(
        doc(
          '<!-- bench-report:summary -->\n<!-- /bench-report:summary -->\n<!-- bench-report:nope -->\n<!-- /bench-report:nope -->',
        ),
      ),
      /no section named nope/,
    );
    await assert.rejects(render(doc('<!-- bench-report:summary -->\n')), /never closed/);
  });
});

describe('retrieval rows', () => {
  const scores = (r1: number, r5: number) => ({ questions: 60, recallAt: { 1: r1, 5: r5, 10: r5 }, mrrAt10: r1 });
  const ranking = (r1: number, r5: number, para: [number, number]) => ({
    overall: scores(r1, r5),
    byKind: { literal: scores(0.9, 1), paraphrased: scores(...para) },
  });
  const retrievalLine = (params: Record<string, unknown>, citedParaphrased: [number, number]) =>
    throughputLine({
      benchmark: 'retrieval',
      otherCpuShare: null,
      params: {
        questionsFile: 'bench/questions/postgres-manual.jsonl',
        baseline: { source: 'manual', documents: 1154 },
        embeddingModels: ['all-minilm-l6-v2'],
        llmModel: null,
        ...params,
      },
      results: {
        questions: 116,
        rankings: {
          citations: ranking(0.7, 0.95, citedParaphrased),
          passages: ranking(0.7, 0.95, [0.5, 0.9]),
          engine: ranking(0.7, 0.95, [0.5, 0.9]),
          bm25: ranking(0.5, 0.7, [0.3, 0.4]),
        },
      },
    });
  const [quality, firstPage] = retrievalGoals;

  test('read only whole-manual runs of the committed question set, counted however busy the machine', () => {
    const otherFile = retrievalLine({ questionsFile: 'my-questions.jsonl' }, [0.5, 0.9]);
    const smallTenant = retrievalLine({ baseline: { source: 'registry', documents: 6 } }, [0.5, 0.9]);
    const none = indexResults({ retrieval: jsonl(otherFile, smallTenant) }, changedSince);
    assert.equal(quality!.evaluate(none), undefined);
    assert.match(renderRetrieval(none), /not measured/);

    const busy = retrievalLine({}, [0.5, 0.9]);
    const index = indexResults({ retrieval: jsonl(busy) }, changedSince);
    assert.deepEqual(quality!.evaluate(index)?.met, true);
    assert.equal(quality!.evaluate(index)?.measured, 'recall@5 0.950 overall, 0.900 paraphrased');
    assert.match(renderRetrieval(index), /other processes' CPU not metered/);
  });

  test('give each goal its verdict: recall@5 on both splits, recall@1 against BM25 on every split', () => {
    const weakParaphrased = indexResults({ retrieval: jsonl(retrievalLine({}, [0.2, 0.8])) }, changedSince);
    assert.equal(quality!.evaluate(weakParaphrased)?.met, false, 'paraphrased recall@5 0.80 < 0.85');
    assert.equal(firstPage!.evaluate(weakParaphrased)?.met, false, 'paraphrased recall@1 0.2 < BM25 0.3');
    const strong = indexResults({ retrieval: jsonl(retrievalLine({}, [0.5, 0.9])) }, changedSince);
    assert.equal(firstPage!.evaluate(strong)?.met, true);
  });
});

describe('the whole-manual ingest row', () => {
  const manualRow = ingestGoals.find((g) => g.subject === 'the whole PostgreSQL manual')!;
  const budget = (params: Record<string, unknown>, seconds: number) =>
    throughputLine({
      benchmark: 'latency-budget',
      params: { corpus: 'manual', chunks: 12958, ...params },
      results: { ingest: { seconds, failed: 15 } },
    });
  const ingest = throughputLine({ benchmark: 'ingest', results: { reference: { medianChunksPerSecond: 30 } } });

  test('takes the time from a whole-manual run and the floor from the reference rate', () => {
    const index = indexResults({ 'latency-budget': jsonl(budget({}, 480)), ingest: jsonl(ingest) }, changedSince);
    const m = manualRow.evaluate(index)!;
    assert.match(
      m.measured,
      /^12,958 chunks in 8\.0 min; the floor at the reference's 30\.0 chunks\/s .*: 7\.2 min; 5 min needs 43\.2 chunks\/s, 1\.44× the reference$/,
    );
    assert.equal(m.met, false);
    const fast = indexResults({ 'latency-budget': jsonl(budget({}, 290)) }, changedSince);
    assert.equal(manualRow.evaluate(fast)?.met, true);
    assert.match(manualRow.evaluate(fast)!.measured, /the floor: not measured/);
  });

  test('never from a --docs run', () => {
    const partial = indexResults({ 'latency-budget': jsonl(budget({ docs: 60 }, 30)) }, changedSince);
    assert.equal(manualRow.evaluate(partial), undefined);
  });
});

describe('manual-search rows', () => {
  const configuration = (name: string, p50: number, r5: number, r5Paraphrased: number) => ({
    name,
    label: `${name} label`,
    latencyMs: { p50, p95: p50 * 1.5, p99: p50 * 2, max: p50 * 3 },
    quality: {
      overall: { recallAt1: 0.6, recallAt5: r5, recallAt10: r5, mrrAt10: 0.7 },
      paraphrased: { recallAt1: 0.4, recallAt5: r5Paraphrased, recallAt10: r5Paraphrased, mrrAt10: 0.5 },
    },
  });
  const searchLine = (params: Record<string, unknown>, configurations: Record<string, unknown>[]) =>
    throughputLine({
      benchmark: 'manual-search',
      params: { corpus: 'manual', chunks: 12958, documents: 1169, questions: 116, depth: 50, rounds: 3, ...params },
      results: { configurations },
    });
  const [row] = manualSearchGoals;

  test('name the fastest configuration at least as good as the default at recall@5, overall and paraphrased', () => {
    const list = [
      configuration('lite-hybrid', 80, 0.85, 0.7),
      configuration('lite-dense', 10, 0.8, 0.7),
      configuration('postgres-fulltext', 5, 0.86, 0.6),
      configuration('standalone-dense+postgres', 30, 0.86, 0.7),
      configuration('lite-dense+postgres', 40, 0.9, 0.75),
    ];
    assert.equal(fastestAtDefaultQuality(list, 'lite-hybrid')?.name, 'standalone-dense+postgres');
    const index = indexResults({ 'manual-search': jsonl(searchLine({}, list)) }, changedSince);
    const m = row!.evaluate(index)!;
    assert.equal(m.met, undefined);
    assert.match(
      m.measured,
      /^the default \(lite-hybrid label\): p50 80\.0 ms, p99 160\.0 ms, recall@1 0\.600, recall@5 0\.850; fastest with recall@5 no lower \(overall and paraphrased\): standalone-dense\+postgres label, p50 30\.0 ms/,
    );
    assert.match(renderManualSearch(index), /\| lite-dense label +\| +10\.0 \|/);
  });

  test('say so when nothing matches the default, and read whole-manual runs only', () => {
    const alone = [configuration('lite-hybrid', 80, 0.85, 0.7), configuration('lite-dense', 10, 0.84, 0.7)];
    assert.equal(fastestAtDefaultQuality(alone, 'lite-hybrid'), undefined);
    const index = indexResults({ 'manual-search': jsonl(searchLine({}, alone)) }, changedSince);
    assert.match(row!.evaluate(index)!.measured, /no other configuration has recall@5 as high/);
    const partial = indexResults({ 'manual-search': jsonl(searchLine({ docs: 100 }, alone)) }, changedSince);
    assert.equal(row!.evaluate(partial), undefined);
    assert.match(renderManualSearch(partial), /not measured/);
  });

  test('take the default the line names (lines from before it named one measured milvus-lite hybrid)', () => {
    const list = [
      configuration('lite-dense+postgres', 20, 0.85, 0.7),
      configuration('lite-hybrid', 80, 0.85, 0.7),
      configuration('lite-dense', 10, 0.85, 0.7),
    ];
    const named = throughputLine({
      benchmark: 'manual-search',
      params: { corpus: 'manual', chunks: 12958, documents: 1169, questions: 116, depth: 50, rounds: 3 },
      results: { defaultConfiguration: 'lite-dense+postgres', configurations: list },
    });
    const m = row!.evaluate(indexResults({ 'manual-search': jsonl(named) }, changedSince))!;
    assert.match(m.measured, /^the default \(lite-dense\+postgres label\): p50 20\.0 ms.*fastest .*: lite-dense label/);
    const old = row!.evaluate(indexResults({ 'manual-search': jsonl(searchLine({}, list)) }, changedSince))!;
    assert.match(old.measured, /^the default \(lite-hybrid label\): p50 80\.0 ms.*fastest .*: lite-dense label/);
  });
});
