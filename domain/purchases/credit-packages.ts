/**
 * The credit packages on sale: the one place their prices live. A purchase copies its package's
 * credits, price and currency onto its row when it is made, so changing a price here never
 * changes what a purchase already under way charges or grants.
 */
export interface CreditPackage {
  id: string;
  credits: number;
  // Integer minor units (cents): money is never a float.
  priceCents: number;
  // ISO 4217, upper case.
  currency: string;
  // Free credits on top ("500 credits + 100 bonus"): granted as their own `promotion` lot with the
  // free credits' expiry, so they burn first and a refund takes them back first.
  bonusCredits: number;
}

export const CREDIT_PACKAGE_IDS = ['starter', 'standard', 'plus', 'pro'] as const;
export type CreditPackageId = (typeof CREDIT_PACKAGE_IDS)[number];

export const CREDIT_PACKAGES: ReadonlyArray<CreditPackage & { id: CreditPackageId }> = Object.freeze([
  { id: 'starter', credits: 100, priceCents: 499, currency: 'USD', bonusCredits: 0 },
  { id: 'standard', credits: 500, priceCents: 1999, currency: 'USD', bonusCredits: 0 },
  { id: 'plus', credits: 500, priceCents: 2499, currency: 'USD', bonusCredits: 250 },
  { id: 'pro', credits: 1500, priceCents: 4999, currency: 'USD', bonusCredits: 0 },
]);

export interface CreditPackageOffer extends CreditPackage {
  totalCredits: number;
  // Price per credit (bonus included) in hundredths of a cent, so it stays an integer: 499 cents
  // for 100 credits is 499.
  pricePerCreditMillicents: number;
  // How much cheaper per credit than the smallest package, in whole percent (0 for the smallest).
  savingPercent: number;
}

/** The packages as the shop shows them: per-credit price and the saving against the smallest. */
export function creditPackageOffers(): CreditPackageOffer[] {
  const perCredit = (pack: CreditPackage) => (pack.priceCents * 100) / (pack.credits + pack.bonusCredits);
  const smallest = [...CREDIT_PACKAGES].sort((a, b) => a.credits + a.bonusCredits - (b.credits + b.bonusCredits))[0]!;
  return CREDIT_PACKAGES.map((pack) => ({
    ...pack,
    totalCredits: pack.credits + pack.bonusCredits,
    pricePerCreditMillicents: Math.round(perCredit(pack)),
    savingPercent: Math.max(0, Math.floor((1 - perCredit(pack) / perCredit(smallest)) * 100)),
  }));
}

export function creditPackage(id: CreditPackageId): CreditPackage {
  const found = CREDIT_PACKAGES.find((candidate) => candidate.id === id);
  if (!found) throw new RangeError(`No credit package ${id}`);
  return found;
}
