import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PrismaClient } from '../../generated/prisma/client';
import { userIdSchema } from '../ledger/user-id';

/**
 * The host app's existing users, for the migration grant. They live in the host app's user store,
 * not in our tables, so `npm run backfill -- --from users.csv` first registers them here (in the
 * `users` table, without an account); the backfill workflow then grants each user without an
 * account their migration credits. A user whose first request comes before the backfill reaches
 * them opens their account with the signup grant instead: both grants share the journal key
 * `welcome:<user>`, and the backfill skips users who have an account, so nobody is welcomed twice.
 */
export interface UserIdFile {
  userIds: string[];
  // Lines that name no valid user id, with their line number, so the operator can fix the file.
  invalid: Array<{ line: number; text: string }>;
}

/**
 * One user id per line, or JSON lines (`{"userId": "..."}`, `{"id": "..."}` or a JSON string).
 * Blank lines and a header line (`id`, `user_id`, `userId`) are skipped; duplicates count once.
 */
export async function readUserIdFile(path: string): Promise<UserIdFile> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  const seen = new Set<string>();
  const invalid: UserIdFile['invalid'] = [];
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    const text = raw.trim();
    if (text === '' || (lineNumber === 1 && /^"?(id|user_id|userId)"?$/.test(text))) continue;
    const parsed = userIdSchema.safeParse(userIdOfLine(text));
    if (parsed.success) seen.add(parsed.data);
    else invalid.push({ line: lineNumber, text: text.slice(0, 120) });
  }
  return { userIds: [...seen], invalid };
}

function userIdOfLine(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('"')) return text.replace(/,+$/, '');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') return (value as Record<string, unknown>).userId ?? (value as Record<string, unknown>).id;
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Registers existing users (no account, no credits) in chunks, reporting progress; safe to repeat,
 * so an interrupted import is resumed by running it again. Returns how many were new.
 */
export async function registerExistingUsers(prisma: PrismaClient, userIds: readonly string[], options: { chunkSize?: number; onProgress?: (done: number) => void } = {}): Promise<number> {
  const chunkSize = options.chunkSize ?? 1_000;
  let registered = 0;
  for (let start = 0; start < userIds.length; start += chunkSize) {
    const chunk = userIds.slice(start, start + chunkSize);
    registered += await prisma.$executeRaw`INSERT INTO users (id) SELECT unnest(${chunk}::text[]) ON CONFLICT (id) DO NOTHING`;
    options.onProgress?.(Math.min(start + chunkSize, userIds.length));
  }
  return registered;
}
