import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '../../tools/dev-services/embedded-postgres';

/** A fresh database cloned from the migrated template: each test file gets its own world. */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.CREDITS_TEST_PG_ADMIN_URL;
  const template = process.env.CREDITS_TEST_TEMPLATE_DB;
  if (!adminUrl || !template) throw new Error('CREDITS_TEST_PG_ADMIN_URL is unset: run through jest so test/global-setup.ts starts Postgres');
  const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
  await createDatabase(adminUrl, name, template);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}
