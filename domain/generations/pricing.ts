import type { GenerationType } from './generator';

/**
 * What a generation costs. The one place prices live: the API estimates with the requested count
 * (that is what gets reserved) and the capture prices what was actually produced, so a generator
 * that returns fewer items than asked charges less, never more.
 */
const PRICE_PER_BLOCK_CREDITS: Record<GenerationType, number> = {
  flashcards: 1,
  quiz: 2,
};

// Items are priced in blocks of this many, rounded up: 1-5 flashcards cost 1 credit, 6-10 cost 2.
export const ITEMS_PER_PRICE_BLOCK = 5;

export const MAX_ITEMS_PER_GENERATION = 50;

export function priceGenerationCredits(type: GenerationType, itemCount: number): number {
  if (!Number.isInteger(itemCount) || itemCount < 0) {
    throw new RangeError(`itemCount must be a non-negative integer, got ${itemCount}`);
  }
  return Math.ceil(itemCount / ITEMS_PER_PRICE_BLOCK) * PRICE_PER_BLOCK_CREDITS[type];
}
