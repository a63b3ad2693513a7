import type { Pool } from 'pg';

/** One trivial query per call: the cost of a regular activity, not of the work it does. */
export function createBareActivities(pool: Pool) {
  return {
    async touchDatabase(step: number): Promise<number> {
      const result = await pool.query<{ step: number }>('SELECT $1::int AS step', [step]);
      return result.rows[0]!.step;
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
