import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../platform/migrate';
import { createDatabase, startEmbeddedPostgres } from '../tools/dev-services/embedded-postgres';
import { findFreePort } from '../tools/dev-services/free-port';
import { startTemporalDevServer } from '../tools/dev-services/temporal-dev-server';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

/**
 * Starts the real services the integration tests run against, once per `jest` run: an embedded
 * Postgres with a migrated template database (each test file clones it), and a Temporal dev server
 * (in memory, headless) with our search attributes. Test workers inherit the addresses via env.
 */
export const TEMPLATE_DB = 'credits_template';

export default async function globalSetup(): Promise<void> {
  const { resolveTemporalCli } = (await importEsm(path.resolve(__dirname, '..', 'tools', 'temporal-cli.mjs'))) as {
    resolveTemporalCli: (options?: object) => Promise<string>;
  };
  const cliPath = await resolveTemporalCli({ build: true });
  const [pgPort, temporalPort] = [await findFreePort(), await findFreePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-test-pg-'));
  const [postgres, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port: pgPort, persistent: false }),
    startTemporalDevServer({ cliPath, port: temporalPort, headless: true, searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS }),
  ]);
  (globalThis as Record<string, unknown>).__creditsTestServices = { postgres, temporal };
  await createDatabase(postgres.adminUrl, TEMPLATE_DB);
  await applyMigrations(postgres.urlFor(TEMPLATE_DB));

  // Tags every process the tests start (test/support/child-processes.ts); the teardown checks none is left.
  process.env.CREDITS_TEST_RUN_ID = randomUUID();
  process.env.CREDITS_TEST_PG_ADMIN_URL = postgres.adminUrl;
  process.env.CREDITS_TEST_TEMPLATE_DB = TEMPLATE_DB;
  process.env.CREDITS_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.CREDITS_TEST_TEMPORAL_CLI = cliPath;
}

// tools/temporal-cli.mjs is an ES module shared with plain-Node scripts.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
