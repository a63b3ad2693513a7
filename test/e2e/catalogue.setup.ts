import { expect, test as setup } from '@playwright/test';

/**
 * Achievements reward a user's first generation, gift and purchase: on, every balance these specs
 * check would carry a reward beside the movement under test. As the integration harness does, the
 * catalogue is switched off for this run, through the operators' own route (audited like any change);
 * achievements have their own tests (test/integration/promotions.test.ts).
 */
setup('switch the achievement catalogue off for the end-to-end run', async ({ request }) => {
  const session = await request.post('/api/auth/dev-session', { data: { userId: 'e2e-catalogue-admin', role: 'admin' } });
  expect(session.status()).toBe(201);
  const headers = { Authorization: `Bearer ${(await session.json()).token}` };
  const catalogue = await request.get('/api/users/me/achievements', { headers });
  expect(catalogue.ok()).toBe(true);
  const items = (await catalogue.json()).items as Array<{ code: string; title: string; description: string; metric: string; threshold: number; rewardCredits: number }>;
  for (const item of items) {
    const update = await request.put(`/api/admin/achievements/${item.code}`, {
      headers,
      data: { title: item.title, description: item.description, metric: item.metric, threshold: item.threshold, rewardCredits: item.rewardCredits, active: false, reason: 'end-to-end run: balances are asserted without rewards' },
    });
    expect(update.ok()).toBe(true);
  }
  const after = await request.get('/api/users/me/achievements', { headers });
  expect((await after.json()).items).toEqual([]);
});
