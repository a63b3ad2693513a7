// Runs `prisma generate` on machines that cannot download Prisma's schema engine.
// The prisma-client generator needs no engine at all (queries go through @prisma/adapter-pg), but
// the CLI insists that PRISMA_SCHEMA_ENGINE_BINARY names an existing file before it starts; when
// the variable is unset we point it at this script, which is never executed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prismaBin = path.join(root, 'node_modules', '.bin', 'prisma');
if (!existsSync(prismaBin)) {
  console.error('prisma is not installed: run `npm ci` first.');
  process.exit(1);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
const result = spawnSync(prismaBin, ['generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
