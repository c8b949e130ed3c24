/**
 * Child process of `workflowBundle`: bundles the workflow code (workflows/index.ts) with the SDK's webpack setup
 * and writes it to the path given as its argument, atomically (a temporary file, then a rename), so
 * webpack never loads into the long-lived worker. The bundle carries memflow's failure converter
 * (contracts/failure-converter.ts): workflow code builds failures inside it.
 */
import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../adapters/temporal/data-converter';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('Usage: build-workflow-bundle.ts <output file>');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, out);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
