import { loadConfig } from '../platform/config';
import { createPrismaClient } from '../platform/database';
import { verifyLedger } from '../domain/ledger/verify-ledger';

// `npm run ledger:verify`: checks every ledger invariant over DATABASE_URL; exit 1 on any violation.
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: 2 });
  try {
    const violations = await verifyLedger(prisma);
    for (const violation of violations) {
      console.log(`VIOLATION: ${violation.invariant}`);
      for (const row of violation.rows.slice(0, 50)) console.log(`  ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      if (violation.rows.length > 50) console.log(`  ... and ${violation.rows.length - 50} more`);
    }
    console.log(violations.length === 0 ? 'ledger: all invariants hold' : `ledger: ${violations.length} invariant(s) violated`);
    process.exitCode = violations.length === 0 ? 0 : 1;
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
