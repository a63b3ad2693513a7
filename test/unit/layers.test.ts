import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const LAYER_RULES = ['import/no-restricted-paths', '@typescript-eslint/no-restricted-imports'];

/**
 * The layer rule lives in eslint.config.mjs; this proves it bites. Each fixture is written into the
 * folder it claims to be in (the zones are by path), all are linted in one run of the project's own
 * `eslint` with its own config, and they are removed again.
 */
const FIXTURES = {
  ledgerImportsApi: ['domain/ledger/lint-fixture-wrong.ts', "import { createApp } from '../../api/app';\nexport const app = createApp;\n"],
  ledgerImportsFeature: ['domain/ledger/lint-fixture-feature.ts', "import { findPurchase } from '../purchases/purchase-store';\nexport const find = findPurchase;\n"],
  featureImportsFeature: ['domain/referrals/lint-fixture-cross.ts', "import { findPurchase } from '../purchases/purchase-store';\nexport const find = findPurchase;\n"],
  workflowImportsPlatform: ['workflows/lint-fixture-io.ts', "import { createPrismaClient } from '../platform/database';\nexport const make = createPrismaClient;\n"],
  routeQueriesPrisma: ['api/routes/lint-fixture-prisma.ts', "import { Prisma } from '../../generated/prisma/client';\nexport const sql = Prisma.sql;\n"],
  featureCallsLedger: [
    'domain/purchases/lint-fixture-right.ts',
    "import { inLedgerTransaction } from '../ledger/transaction';\nimport { NotFoundError } from '../../platform/errors';\nexport const parts = [inLedgerTransaction, NotFoundError];\n",
  ],
} as const;

type Fixture = keyof typeof FIXTURES;
let layerErrors: Record<Fixture, string[]>;

beforeAll(() => {
  const files = Object.values(FIXTURES).map(([relative, source]) => {
    const file = path.join(ROOT, relative);
    writeFileSync(file, source);
    return file;
  });
  try {
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '--no-warn-ignored', ...files], { cwd: ROOT, encoding: 'utf8' });
    const results = JSON.parse(run.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string | null }> }>;
    layerErrors = Object.fromEntries(
      Object.entries(FIXTURES).map(([name, [relative]]) => {
        const result = results.find((entry) => entry.filePath === path.join(ROOT, relative));
        if (!result) throw new Error(`eslint did not lint ${relative}: ${run.stderr}`);
        return [name, result.messages.map((message) => message.ruleId ?? '').filter((ruleId) => LAYER_RULES.includes(ruleId))];
      }),
    ) as Record<Fixture, string[]>;
  } finally {
    for (const file of files) rmSync(file, { force: true });
  }
}, 120_000);

describe('layer boundaries (eslint.config.mjs zones)', () => {
  it('refuses the ledger core importing the HTTP layer', () => expect(layerErrors.ledgerImportsApi).toContain('import/no-restricted-paths'));
  it('refuses the ledger core importing a feature', () => expect(layerErrors.ledgerImportsFeature).toContain('import/no-restricted-paths'));
  it('refuses one feature importing another', () => expect(layerErrors.featureImportsFeature).toContain('import/no-restricted-paths'));
  it('refuses workflow code importing the platform', () => expect(layerErrors.workflowImportsPlatform).toContain('import/no-restricted-paths'));
  it('refuses a route querying Prisma directly', () => expect(layerErrors.routeQueriesPrisma).toContain('@typescript-eslint/no-restricted-imports'));
  it('accepts a feature calling the ledger and the platform', () => expect(layerErrors.featureCallsLedger).toEqual([]));
});
