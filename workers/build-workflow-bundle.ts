/**
 * Child process of `workflowBundle`: bundles the workflow code (workflows/index.ts) with the SDK's webpack setup
 * and writes it to the path given as its argument, atomically (a temporary file, then a rename), so
 * webpack never loads into the long-lived worker.
 */
import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('Usage: build-workflow-bundle.ts <output file>');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, code);
  fs.renameSync(tmp, out);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
