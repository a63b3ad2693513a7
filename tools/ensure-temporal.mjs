// `node tools/ensure-temporal.mjs`: makes sure a Temporal CLI is available (building it once if
// needed) and prints its path. The first step of `npm test`.
import { resolveTemporalCli, TemporalCliError } from './temporal-cli.mjs';

try {
  console.log(`temporal CLI: ${await resolveTemporalCli()}`);
} catch (error) {
  console.error(error instanceof TemporalCliError ? error.message : error);
  process.exit(1);
}
