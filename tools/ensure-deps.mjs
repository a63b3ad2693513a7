// Runs before `npm run dev`: installs dependencies when node_modules is missing or older than
// package-lock.json, so the dev command works on a fresh clone. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.credits-install-stamp');

const lockHash = createHash('sha256').update(readFileSync(lockfile)).digest('hex');
// `--record` (run by npm's postinstall): the install just finished, so note which lockfile it
// installed; otherwise `npm run dev` right after `npm ci` would install everything a second time.
if (process.argv.includes('--record')) {
  writeFileSync(stamp, `${lockHash}\n`);
  process.exit(0);
}
const installedHash = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
if (installedHash === lockHash && existsSync(path.join(root, 'node_modules', '.bin', 'tsx'))) process.exit(0);

console.log('Installing dependencies (npm ci)...');
const result = spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('npm ci failed; see the output above.');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, `${lockHash}\n`);
