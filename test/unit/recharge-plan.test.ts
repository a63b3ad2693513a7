import { CREDIT_PACKAGES } from '../../domain/purchases/credit-packages';
import { chooseRechargePackage } from '../../domain/purchases/auto-recharge/recharge-plan';

// starter 100, standard 500, plus 500 + 250 bonus, pro 1500 (credits with bonus).
const plan = (choice: Parameters<typeof chooseRechargePackage>[0]['choice'], balanceCredits: number, capCredits = 10_000, pendingPurchaseCredits = 0) =>
  chooseRechargePackage({ choice, balanceCredits, pendingPurchaseCredits, capCredits, packages: CREDIT_PACKAGES });

describe('chooseRechargePackage', () => {
  it('buys the fixed package when it fits under the cap', () => {
    expect(plan({ packageId: 'standard' }, 10)).toMatchObject({ kind: 'buy', pack: { id: 'standard' }, cappedDown: false });
  });

  it('buys the smallest package reaching the target balance, or the largest when none does', () => {
    expect(plan({ targetBalanceCredits: 100 }, 10)).toMatchObject({ kind: 'buy', pack: { id: 'starter' } });
    expect(plan({ targetBalanceCredits: 600 }, 10)).toMatchObject({ kind: 'buy', pack: { id: 'plus' } });
    expect(plan({ targetBalanceCredits: 5_000 }, 10)).toMatchObject({ kind: 'buy', pack: { id: 'pro' } });
  });

  it('buys the largest package that fits when the wanted one would pass the cap, counting purchases in flight', () => {
    expect(plan({ packageId: 'pro' }, 10, 800)).toMatchObject({ kind: 'buy', pack: { id: 'plus' }, wanted: { id: 'pro' }, cappedDown: true });
    expect(plan({ packageId: 'pro' }, 10, 800, 200)).toMatchObject({ kind: 'buy', pack: { id: 'standard' }, cappedDown: true });
  });

  it('buys nothing when no package fits, and says how much room there was', () => {
    expect(plan({ packageId: 'starter' }, 950, 1_000)).toEqual({ kind: 'none_fits', wanted: expect.objectContaining({ id: 'starter' }), roomCredits: 50 });
    expect(plan({ packageId: 'starter' }, 1_200, 1_000)).toMatchObject({ kind: 'none_fits', roomCredits: 0 });
  });
});
