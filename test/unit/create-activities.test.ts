import { ACTIVITY_KINDS, groupActivitiesByKind } from '../../activities/create-activities';

describe('the activity composition', () => {
  it('groups every activity under the task queue kind that runs it', () => {
    const byKind = groupActivitiesByKind([{ reserveCredits: async () => 1, generate: async () => 2 }, { expireLotsPage: async () => 3 }], ACTIVITY_KINDS);
    expect(Object.keys(byKind.ledger)).toEqual(['reserveCredits']);
    expect(Object.keys(byKind.generator)).toEqual(['generate']);
    expect(Object.keys(byKind.batch)).toEqual(['expireLotsPage']);
    expect(Object.keys(byKind.payments)).toEqual([]);
  });

  it('refuses two factories exporting the same activity name instead of letting one override the other', () => {
    expect(() => groupActivitiesByKind([{ reserveCredits: async () => 1 }, { reserveCredits: async () => 2 }], ACTIVITY_KINDS)).toThrow(/two activity factories export an activity named reserveCredits/i);
  });

  it('refuses an activity with no task queue kind', () => {
    expect(() => groupActivitiesByKind([{ somethingNew: async () => 1 }], ACTIVITY_KINDS)).toThrow(/somethingNew has no task queue kind/);
  });
});
