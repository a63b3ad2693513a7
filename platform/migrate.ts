import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Applies prisma/migrations/<stamp>_<name>/migration.sql in order, recording each in Prisma's own
 * `_prisma_migrations` table with Prisma's checksum (sha256 of the file). The schema engine that
 * `prisma migrate deploy` needs cannot be downloaded on every machine we run on; this runner keeps
 * the exact same folder format and bookkeeping, so `prisma migrate deploy` on a machine that has
 * the engine sees these migrations as applied and carries on from there.
 */

// platform/ sits at the project root in source and one level deeper once compiled to dist/.
export const MIGRATIONS_DIR = [path.resolve(__dirname, '..', 'prisma', 'migrations'), path.resolve(__dirname, '..', '..', 'prisma', 'migrations')].find((dir) =>
  existsSync(dir),
) ?? path.resolve(__dirname, '..', 'prisma', 'migrations');

// The same advisory lock key `prisma migrate` takes, so the two never run at once on one database.
const PRISMA_MIGRATE_ADVISORY_LOCK = 72707369;

const CREATE_BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

interface AppliedMigration {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies what is missing; returns the names it applied (empty when already up to date). */
export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK]);
    await client.query(CREATE_BOOKKEEPING_TABLE);
    const applied = await readApplied(client);
    const pending = migrations.filter((migration) => checkApplied(migration, applied.get(migration.name)) === 'pending');
    for (const migration of pending) await applyOne(client, migration);
    return pending.map((migration) => migration.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_ADVISORY_LOCK]).catch(() => undefined);
    await client.end();
  }
}

async function readApplied(client: Client): Promise<Map<string, AppliedMigration>> {
  const { rows } = await client.query<AppliedMigration>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
  );
  return new Map(rows.map((row) => [row.migration_name, row]));
}

function checkApplied(migration: Migration, applied: AppliedMigration | undefined): 'pending' | 'applied' {
  if (!applied) return 'pending';
  if (!applied.finished_at) {
    throw new MigrationError(
      `Migration ${migration.name} started but never finished; fix the database by hand and mark it rolled back.`,
    );
  }
  // An edited migration means this database and a fresh one would differ: refuse, as Prisma does.
  if (applied.checksum !== migration.checksum) {
    throw new MigrationError(`Migration ${migration.name} was modified after it was applied (checksum mismatch).`);
  }
  return 'applied';
}

async function applyOne(client: Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  // Each migration and its bookkeeping row commit together, so a crash leaves it either applied
  // and recorded, or absent; Postgres DDL is transactional.
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
}
