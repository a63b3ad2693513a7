import { priceGenerationCredits } from '../../domain/generations/pricing';

describe('pricing', () => {
  it.each([
    ['flashcards', 1, 1],
    ['flashcards', 5, 1],
    ['flashcards', 6, 2],
    ['flashcards', 50, 10],
    ['quiz', 1, 2],
    ['quiz', 5, 2],
    ['quiz', 6, 4],
    ['quiz', 0, 0],
  ] as const)('prices %s x%i at %i credits', (type, count, credits) => {
    expect(priceGenerationCredits(type, count)).toBe(credits);
  });

  it('refuses counts that are not whole and non-negative', () => {
    expect(() => priceGenerationCredits('quiz', -1)).toThrow(RangeError);
    expect(() => priceGenerationCredits('quiz', 1.5)).toThrow(RangeError);
  });
});
