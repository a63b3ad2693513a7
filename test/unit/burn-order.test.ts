import { compareBurnOrder, planDraws, type BurnableLot } from '../../domain/ledger/burn-order';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));

function lot(id: string, overrides: Partial<BurnableLot>): BurnableLot {
  return { id, source: 'signup', remainingCredits: 10, expiresAt: day(30), createdAt: day(0), ...overrides };
}

describe('burn order', () => {
  it('spends the lot that expires soonest first', () => {
    const lots = [lot('late', { expiresAt: day(90) }), lot('soon', { expiresAt: day(5) })];
    expect([...lots].sort(compareBurnOrder).map((l) => l.id)).toEqual(['soon', 'late']);
  });

  it('spends free credits before purchased ones that expire at the same moment', () => {
    const lots = [lot('bought', { source: 'purchase' }), lot('bonus', { source: 'daily_bonus' }), lot('plan', { source: 'subscription' })];
    expect([...lots].sort(compareBurnOrder).map((l) => l.id)).toEqual(['bonus', 'bought', 'plan']);
  });

  it('spends never-expiring lots last, even free ones', () => {
    const lots = [lot('forever', { source: 'admin', expiresAt: null }), lot('bought-late', { source: 'purchase', expiresAt: day(365) })];
    expect([...lots].sort(compareBurnOrder).map((l) => l.id)).toEqual(['bought-late', 'forever']);
  });

  it('breaks remaining ties by grant time, then id, so every run agrees', () => {
    const lots = [lot('b', { createdAt: day(1) }), lot('c', { createdAt: day(0) }), lot('a', { createdAt: day(1) })];
    expect([...lots].sort(compareBurnOrder).map((l) => l.id)).toEqual(['c', 'a', 'b']);
  });

  it('draws across lots, taking part of the last one', () => {
    const lots = [lot('first', { remainingCredits: 3, expiresAt: day(1) }), lot('second', { remainingCredits: 10, expiresAt: day(2) })];
    expect(planDraws(lots, 5)).toEqual([
      { lotId: 'first', credits: 3 },
      { lotId: 'second', credits: 2 },
    ]);
  });

  it('skips empty lots and reports when the lots cannot cover the amount', () => {
    const lots = [lot('empty', { remainingCredits: 0, expiresAt: day(1) }), lot('some', { remainingCredits: 4 })];
    expect(planDraws(lots, 4)).toEqual([{ lotId: 'some', credits: 4 }]);
    expect(planDraws(lots, 5)).toBeNull();
  });

  it('does not reorder the caller\'s array', () => {
    const lots = [lot('late', { expiresAt: day(9) }), lot('soon', { expiresAt: day(1) })];
    planDraws(lots, 1);
    expect(lots.map((l) => l.id)).toEqual(['late', 'soon']);
  });
});
