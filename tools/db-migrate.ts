import { loadConfig } from '../platform/config';
import { applyMigrations } from '../platform/migrate';

// `npm run db:migrate`: applies pending migrations to DATABASE_URL.
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set. (`npm run dev` migrates its embedded Postgres by itself.)');
    process.exit(1);
  }
  const applied = await applyMigrations(config.DATABASE_URL);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
