import { writeFile } from 'node:fs/promises';
import { bundleWorkflows } from '../worker/create-workers';

// `npm run workflow:bundle -- <out.js>`: prebuilds the workflow bundle (set WORKFLOW_BUNDLE_PATH
// to it) so worker start-up skips webpack; the Docker image does this at build time.
async function main(): Promise<void> {
  const outPath = process.argv[2] ?? 'dist/workflow-bundle.js';
  const { code } = await bundleWorkflows();
  await writeFile(outPath, code);
  console.log(`workflow bundle written to ${outPath}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
