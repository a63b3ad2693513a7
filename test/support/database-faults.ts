import type { PrismaClient } from '../../platform/database';

/**
 * A permanent database error on demand: a trigger that raises `sqlState` whenever a row written to
 * `table` matches `condition` (SQL over NEW), as a real data or integrity exception would, on every
 * attempt. Tests use it to drive a saga's step into a failure no retry can fix.
 */
export async function raiseOnWrite(
  prisma: PrismaClient,
  fault: { name: string; table: string; on: 'INSERT' | 'UPDATE'; condition: string; sqlState: string; message: string },
): Promise<void> {
  await prisma.$executeRawUnsafe(`
    CREATE FUNCTION ${fault.name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF ${fault.condition} THEN
        RAISE EXCEPTION '${fault.message}' USING ERRCODE = '${fault.sqlState}';
      END IF;
      RETURN NEW;
    END $$`);
  await prisma.$executeRawUnsafe(`CREATE TRIGGER ${fault.name} BEFORE ${fault.on} ON ${fault.table} FOR EACH ROW EXECUTE FUNCTION ${fault.name}()`);
}

/**
 * Moving a generation whose text contains 'Unreservable' to `generating`, which the reserve step's
 * transaction does right after it holds the credits, raises a data exception: the step rolls back
 * on every attempt.
 */
export function refuseUnreservableGenerations(prisma: PrismaClient): Promise<void> {
  return raiseOnWrite(prisma, {
    name: 'refuse_unreservable',
    table: 'generations',
    on: 'UPDATE',
    condition: `NEW.status = 'generating' AND NEW.input_text LIKE '%Unreservable%'`,
    sqlState: '22P02',
    message: 'invalid input syntax for type integer',
  });
}
