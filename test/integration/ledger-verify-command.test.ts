import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createPrismaClient } from '../../platform/database';
import { systemClock } from '../../platform/clock';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { createTestDatabase } from '../support/database';

/** `npm run ledger:verify` as an operator runs it: silent success, or every violation and exit 1. */
const ROOT = path.resolve(__dirname, '..', '..');

function runVerify(databaseUrl: string) {
  return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['tools/ledger-verify.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
}

it('exits 0 on a consistent ledger and 1 with the offending rows on a broken one', async () => {
  const database = await createTestDatabase('verify');
  const prisma = createPrismaClient({ databaseUrl: database.url, poolSize: 2 });
  try {
    await openAccountIfMissing(prisma, { userId: 'verify-user', signupCredits: 50, clock: systemClock });
    const clean = runVerify(database.url);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('all invariants hold');

    // A balance changed behind the journal's back, as a bad manual fix would.
    await prisma.$executeRaw`UPDATE credit_accounts SET balance_credits = 70 WHERE user_id = 'verify-user'`;
    const broken = runVerify(database.url);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('VIOLATION: account balance equals the sum of its journal amounts');
    expect(broken.stdout).toContain('"user_id":"verify-user"');
    expect(broken.stdout).toContain('VIOLATION: account balance equals lot remainders plus reserved credits');
  } finally {
    await prisma.$disconnect();
    await database.drop();
  }
});
