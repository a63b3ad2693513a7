import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../platform/migrate';
import { createTestDatabase } from '../support/database';

/**
 * `prisma migrate diff` needs the schema engine, which these machines cannot download. This test
 * proves the same thing another way: it reads schema.prisma with Prisma's own parser (the wasm
 * build that ships on npm) and compares every table, column, type, nullability, default, enum,
 * index and foreign key with what the migrations actually built in Postgres.
 */
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isRequired: boolean;
  isList: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt: boolean;
  default?: { name: string; args: unknown[] } | string | number | boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: Array<{ name: string; dbName: string | null; values: Array<{ name: string; dbName: string | null }> }>;
    indexes: Array<{ model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: Array<{ name: string }> }>;
  };
}

let client: Client;
let drop: () => Promise<void>;
let databaseUrl: string;
let dmmf: Dmmf;

beforeAll(async () => {
  const database = await createTestDatabase('schema');
  drop = database.drop;
  databaseUrl = database.url;
  client = new Client({ connectionString: database.url });
  await client.connect();
  const schema = await readFile(path.resolve(__dirname, '..', '..', 'prisma', 'schema.prisma'), 'utf8');
  dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] })));
});

afterAll(async () => {
  await client?.end();
  await drop?.();
});

const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
const columnOf = (field: DmmfField) => field.dbName ?? field.name;
const modelByName = (name: string) => dmmf.datamodel.models.find((model) => model.name === name)!;

function expectedColumnType(field: DmmfField): string {
  if (field.kind === 'enum') {
    const enumDef = dmmf.datamodel.enums.find((candidate) => candidate.name === field.type)!;
    return `enum:${enumDef.dbName ?? enumDef.name}`;
  }
  const native = field.nativeType?.[0];
  if (native === 'Uuid') return 'uuid';
  if (native === 'Timestamptz') return `timestamptz(${field.nativeType?.[1][0] ?? 6})`;
  const byType: Record<string, string> = { String: 'text', Int: 'integer', BigInt: 'bigint', DateTime: 'timestamp(3)', Json: 'jsonb', Boolean: 'boolean' };
  return byType[field.type] ?? `unmapped:${field.type}`;
}

describe('the migrated database matches schema.prisma', () => {
  it('has exactly the tables of the models', async () => {
    const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    expect(rows.map((row) => row.table_name).sort()).toEqual(dmmf.datamodel.models.map(tableOf).sort());
  });

  it('has exactly the columns of each model, with matching types, nullability and defaults', async () => {
    const { rows } = await client.query(`
      SELECT table_name, column_name, is_nullable, column_default, data_type, udt_name, datetime_precision
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    const actual = rows.map((row) => ({
      column: `${row.table_name}.${row.column_name}`,
      type:
        row.data_type === 'USER-DEFINED' ? `enum:${row.udt_name}`
        : row.data_type === 'timestamp with time zone' ? `timestamptz(${row.datetime_precision})`
        : row.data_type === 'timestamp without time zone' ? `timestamp(${row.datetime_precision})`
        : row.data_type,
      nullable: row.is_nullable === 'YES',
      hasDefault: row.column_default !== null,
    }));
    const expected = dmmf.datamodel.models.flatMap((model) =>
      model.fields
        .filter((field) => field.kind !== 'object')
        .map((field) => ({
          column: `${tableOf(model)}.${columnOf(field)}`,
          type: expectedColumnType(field),
          nullable: !field.isRequired,
          // uuid() and @updatedAt are filled in by Prisma Client, not by the database.
          hasDefault: field.hasDefaultValue && !(typeof field.default === 'object' && field.default.name === 'uuid'),
        })),
    );
    const byColumn = (a: { column: string }, b: { column: string }) => a.column.localeCompare(b.column);
    expect(actual.sort(byColumn)).toEqual(expected.sort(byColumn));
  });

  it('has the enums with the same values in the same order', async () => {
    const { rows } = await client.query(`
      SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`);
    const actual = Object.fromEntries(rows.map((row) => [row.typname, row.labels]));
    const expected = Object.fromEntries(dmmf.datamodel.enums.map((enumDef) => [enumDef.dbName ?? enumDef.name, enumDef.values.map((value) => value.dbName ?? value.name)]));
    expect(actual).toEqual(expected);
  });

  it('has every primary key, unique constraint and index the schema declares, and no others', async () => {
    const { rows } = await client.query(`
      SELECT t.relname AS table_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
             array_agg(a.attname::text ORDER BY k.ordinality) AS columns
      FROM pg_index ix
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
      JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ordinality) ON true
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE t.relname <> '_prisma_migrations'
      GROUP BY t.relname, ix.indexrelid, ix.indisunique, ix.indisprimary`);
    const describe = (table: string, kind: string, columns: string[]) => `${table}:${kind}(${columns.join(',')})`;
    const actual = rows.map((row) => describe(row.table_name, row.is_primary ? 'id' : row.is_unique ? 'unique' : 'normal', row.columns));
    const expected = dmmf.datamodel.indexes.map((index) => {
      const model = modelByName(index.model);
      const columns = index.fields.map((field) => columnOf(model.fields.find((candidate) => candidate.name === field.name)!));
      return describe(tableOf(model), index.type, columns);
    });
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('has a foreign key for every relation', async () => {
    const { rows } = await client.query(`
      SELECT src.relname AS from_table, dst.relname AS to_table,
             (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)) AS from_columns,
             (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY(c.confkey)) AS to_columns
      FROM pg_constraint c JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
      WHERE c.contype = 'f'`);
    const actual = rows.map((row) => `${row.from_table}(${row.from_columns.join(',')})->${row.to_table}(${row.to_columns.join(',')})`);
    const expected = dmmf.datamodel.models.flatMap((model) =>
      model.fields
        .filter((field) => field.kind === 'object' && field.relationFromFields?.length)
        .map((field) => {
          const target = modelByName(field.type);
          const from = field.relationFromFields!.map((name) => columnOf(model.fields.find((f) => f.name === name)!));
          const to = field.relationToFields!.map((name) => columnOf(target.fields.find((f) => f.name === name)!));
          return `${tableOf(model)}(${from.join(',')})->${tableOf(target)}(${to.join(',')})`;
        }),
    );
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('records the migrations as Prisma does, so a later `prisma migrate deploy` carries on from them', async () => {
    const { rows } = await client.query('SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await applyMigrations(databaseUrl)).toEqual([]);
  });
});
