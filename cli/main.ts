import { inspect, parseArgs } from 'node:util';
import { run as runWorker } from '../workers/worker';
import { configSecrets, loadConfig } from '../config/config';
import { redactSecrets } from '../config/redact';
import { errorMessage, rootCause, typedFailure } from '../contracts/errors';
import { isTemporalUnreachable } from '../client/wait-for-result';
import { superviseWorker } from '../devstack/worker-supervisor';
import { benchCommand } from './bench-command';
import { chatCommand } from './chat-command';
import { codecServerCommand } from './codec-server-command';
import { evalCommand } from './eval-command';
import { reindexCommand } from './reindex-command';
import { searchCommand } from './search-command';
import { corpusCommand } from './corpus-command';
import { ingestCommand } from './ingest-command';
import { healthCommand, startCommand } from './start';
import { migrateCommand, stackCommand } from './stack-commands';

const USAGE = `memflow — durable agent orchestration on Temporal

Usage:
  memflow start                     stack up + worker + the main job (health report)
  memflow stack up|down|status [--json]
  memflow migrate                   apply pending SQL migrations
  memflow worker                    run a worker in the foreground (Ctrl-C stops it gracefully)
  memflow health [--json]           run the health-check workflow through the worker
  memflow ingest <paths|globs…> --tenant T [--json]
                                    ingest documents (HTML, Markdown, text) with a live progress bar
  memflow chat --tenant T --session S [--json] "question"
                                    one durable chat turn; prints the answer, citations and the workflow link
  memflow search --tenant T [--limit N] [--json] "query"
                                    the passages a chat turn would retrieve, with scores and each leg's rank
  memflow eval retrieval --tenant T --questions FILE.jsonl [--manual DIR] [--record] [--json]
                                    recall@1/5/10 and MRR@10 of the engine, a turn's passages and its
                                    citations beside BM25, per kind of question, and the misses
  memflow reindex start --model M [--questions FILE.jsonl --questions-tenant T] | status |
                 pause|resume|cancel|rollback <target_version>
                                    re-embed every chunk with another model, with zero-downtime cutover;
                                    with --questions, refused if it retrieves worse on them (recall@5)
  memflow bench <name> [options]    run a benchmark from bench/: turn-overhead, latency-budget,
                                    turn-throughput, search, ingest, memory, reindex-search, embed-thread
  memflow bench report [--check] [--json]
                                    render the performance tables of README.md and bench/README.md from
                                    bench/results/; --check: fail if the committed ones differ
  memflow corpus postgres-docs [--tenant T] [--quick]
                                    fetch the PostgreSQL 15 manual (Debian package) and ingest it
  memflow codec-server [--port P] [--origin URL…]
                                    decrypt payloads for the Temporal UI and \`temporal --codec-endpoint\`
                                    (127.0.0.1 only; default port 8888)

Configuration comes from environment variables; see README.md.`;

/** The configuration's secrets, once it is loaded: the error printed on the way out is redacted with them. */
let secrets: string[] = [];
let temporalAddress: string | undefined;

export interface CliContext {
  json: boolean;
  print(text: string): void;
  log(line: string): void;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const json = values.json === true;
  const ctx: CliContext = {
    json,
    print: (text) => console.log(text),
    // Progress goes to stderr so `--json` output on stdout stays machine-readable.
    log: (line) => console.error(line),
  };
  const config = loadConfig();
  secrets = configSecrets(config);
  temporalAddress = config.temporal.address;
  switch (command) {
    case 'stack':
      return stackCommand(config, rest, ctx);
    case 'migrate':
      return migrateCommand(config, ctx);
    case 'worker':
      // `--supervised`: what `memflow stack up` runs, restarting the worker after a crash.
      if (argv.includes('--supervised')) await superviseWorker();
      else await runWorker();
      return 0;
    case 'start':
      return startCommand(config, ctx);
    case 'ingest':
      return ingestCommand(config, argv.slice(argv.indexOf('ingest') + 1), ctx);
    case 'bench':
      return benchCommand(argv.slice(argv.indexOf('bench') + 1));
    case 'reindex':
      return reindexCommand(config, argv.slice(argv.indexOf('reindex') + 1), ctx);
    case 'chat':
      return chatCommand(config, argv.slice(argv.indexOf('chat') + 1), ctx);
    case 'search':
      return searchCommand(config, argv.slice(argv.indexOf('search') + 1), ctx);
    case 'eval':
      return evalCommand(config, argv.slice(argv.indexOf('eval') + 1), ctx);
    case 'corpus':
      return corpusCommand(config, argv.slice(argv.indexOf('corpus') + 1), ctx);
    case 'health':
      return healthCommand(config, ctx);
    case 'codec-server':
      return codecServerCommand(config, argv.slice(argv.indexOf('codec-server') + 1), ctx);
    default:
      console.error(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Temporal wraps the reason (a workflow's failure, an activity's) in causes: the typed one speaks.
    // A command that met Temporal down (a restart) says so with a code, not a raw gRPC error.
    const typed =
      typedFailure(err) ??
      (isTemporalUnreachable(err)
        ? {
            code: 'SERVICE_UNHEALTHY',
            message: `Temporal${temporalAddress ? ` at ${temporalAddress}` : ''} is unreachable (down or restarting); what this command asked was not confirmed. Check \`memflow stack status\` and run it again once Temporal is back.`,
          }
        : undefined);
    const print = (text: string) => console.error(redactSecrets(text, secrets));
    if (typed) {
      print(`memflow: ${typed.code}: ${typed.message}`);
    } else {
      const root = rootCause(err);
      print(`memflow: ${errorMessage(err)}${root !== err ? `: ${errorMessage(root)}` : ''}`);
    }
    if (process.env.MEMFLOW_DEBUG) print(inspect(err));
    process.exitCode = typed?.code === 'USAGE' ? 2 : 1;
  },
);
