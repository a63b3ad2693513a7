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
}

export const CREDIT_PACKAGE_IDS = ['starter', 'standard', 'pro'] as const;
export type CreditPackageId = (typeof CREDIT_PACKAGE_IDS)[number];

export const CREDIT_PACKAGES: ReadonlyArray<CreditPackage & { id: CreditPackageId }> = Object.freeze([
  { id: 'starter', credits: 100, priceCents: 499, currency: 'USD' },
  { id: 'standard', credits: 500, priceCents: 1999, currency: 'USD' },
  { id: 'pro', credits: 1500, priceCents: 4999, currency: 'USD' },
]);

export function creditPackage(id: CreditPackageId): CreditPackage {
  const found = CREDIT_PACKAGES.find((candidate) => candidate.id === id);
  if (!found) throw new RangeError(`No credit package ${id}`);
  return found;
}
