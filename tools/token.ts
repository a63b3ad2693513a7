import { loadConfig } from '../platform/config';
import { signAccessToken } from '../api/auth/tokens';
import { userIdSchema } from '../domain/ledger/user-id';

// `npm run token -- <userId> [--admin]`: prints a bearer token signed with AUTH_JWT_SECRET.
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const userId = args.find((arg) => !arg.startsWith('--'));
  const parsed = userIdSchema.safeParse(userId);
  if (!parsed.success) {
    console.error('usage: npm run token -- <userId> [--admin]   (user ids: letters, digits, _ . : @ -)');
    process.exit(2);
  }
  const role = args.includes('--admin') ? 'admin' : 'user';
  console.log(await signAccessToken({ userId: parsed.data, role }, loadConfig()));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
