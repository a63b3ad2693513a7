import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../platform/migrate';
import { createDatabase, startEmbeddedPostgres } from '../tools/dev-services/embedded-postgres';
import { findFreePort } from '../tools/dev-services/free-port';
import { startStripeMock } from '../tools/dev-services/stripe-mock-server';
import { startTemporalDevServer } from '../tools/dev-services/temporal-dev-server';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

/**
 * Starts the real services the integration tests run against, once per `jest` run: an embedded
 * Postgres with a migrated template database (each test file clones it), and a Temporal dev server
 * (in memory, headless) with our search attributes, and stripe-mock for the Stripe adapter's tests.
 * Test workers inherit the addresses via env.
 */
export const TEMPLATE_DB = 'credits_template';

export default async function globalSetup(): Promise<void> {
  const { resolveTemporalCli } = (await importEsm(path.resolve(__dirname, '..', 'tools', 'temporal-cli.mjs'))) as {
    resolveTemporalCli: (options?: object) => Promise<string>;
  };
  const { resolveStripeMock } = (await importEsm(path.resolve(__dirname, '..', 'tools', 'stripe-mock.mjs'))) as {
    resolveStripeMock: (options?: object) => Promise<string>;
  };
  const cliPath = await resolveTemporalCli({ build: true });
  const stripeMockPath = await resolveStripeMock({ build: true });
  const [pgPort, temporalPort, stripeMockPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-test-pg-'));
  const [postgres, temporal, stripeMock] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port: pgPort, persistent: false }),
    startTemporalDevServer({ cliPath, port: temporalPort, headless: true, searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS }),
    startStripeMock({ binaryPath: stripeMockPath, port: stripeMockPort }),
  ]);
  (globalThis as Record<string, unknown>).__creditsTestServices = { postgres, temporal, stripeMock };
  await createDatabase(postgres.adminUrl, TEMPLATE_DB);
  await applyMigrations(postgres.urlFor(TEMPLATE_DB));

  // Tags every process the tests start (test/support/child-processes.ts); the teardown checks none is left.
  process.env.CREDITS_TEST_RUN_ID = randomUUID();
  process.env.CREDITS_TEST_PG_ADMIN_URL = postgres.adminUrl;
  process.env.CREDITS_TEST_TEMPLATE_DB = TEMPLATE_DB;
  process.env.CREDITS_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.CREDITS_TEST_TEMPORAL_CLI = cliPath;
  process.env.CREDITS_TEST_STRIPE_MOCK_URL = stripeMock.url;
}

// tools/temporal-cli.mjs is an ES module shared with plain-Node scripts.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
