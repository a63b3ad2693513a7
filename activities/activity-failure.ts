import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { classifyDatabaseError } from '../platform/database-errors';
import { CreditsError } from '../platform/errors';

/**
 * Domain errors become ApplicationFailures typed by their code, keeping the original as cause:
 * a refusal (insufficient credits, a state conflict) is final, so it is not retried. A database
 * error that can never succeed is final too (toDatabaseFailure).
 */
export async function asActivityFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CreditsError) {
      throw ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details], nonRetryable: true, cause: error });
    }
    throw toDatabaseFailure(error);
  }
}

/**
 * A data exception or an integrity violation (platform/database-errors.ts) fails the same way on
 * every attempt: retried 120 times it would only keep a saga, and the credits it holds, waiting on
 * something that cannot heal. It becomes a non-retryable ApplicationFailure typed
 * DATABASE_DATA_ERROR or DATABASE_INTEGRITY_ERROR, with the original as cause. Anything else,
 * transient database errors included, is returned as it is, for the activity's retry policy.
 */
export function toDatabaseFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const classified = classifyDatabaseError(error);
  if (classified.class !== 'permanent' || !classified.type) return error;
  const message = databaseMessage(error instanceof Error ? error.message : String(error));
  return ApplicationFailure.create({
    type: classified.type,
    message: `A database ${classified.type === 'DATABASE_DATA_ERROR' ? 'data' : 'integrity'} error no retry can fix (SQLSTATE ${classified.sqlState ?? 'unknown'}): ${message}`,
    details: [{ sqlState: classified.sqlState }],
    nonRetryable: true,
    cause: error instanceof Error ? error : undefined,
  });
}

/**
 * The database's own words only. Prisma prefixes them with the invocation and a code frame (source
 * paths and lines), which would otherwise reach the generation's failure reason that users read.
 */
function databaseMessage(message: string): string {
  const lines = message.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  return /^Invalid `.+` invocation/.test(lines[0] ?? '') ? (lines[lines.length - 1] ?? message) : message;
}

/**
 * The same rule for every activity, ledger step or batch page alike, as a worker interceptor: no
 * activity retries a permanent database error until its budget runs out.
 */
export const permanentDatabaseErrors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        throw toDatabaseFailure(error);
      }
    },
  },
});
