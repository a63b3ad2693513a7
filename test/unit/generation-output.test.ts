import { GeneratorError } from '../../domain/generations/generator';
import { storableText, validateGenerationOutput } from '../../domain/generations/generation-output';

const request = { type: 'flashcards' as const, text: 'x', count: 2 };

describe('validateGenerationOutput', () => {
  it('replaces lone surrogates with U+FFFD, keeps real pairs, drops NUL', () => {
    expect(storableText('a \ud800 b \udc00 c 😀 d\u0000e')).toBe('a \uFFFD b \uFFFD c 😀 de');
    const output = validateGenerationOutput(request, { type: 'flashcards', model: 'm', items: [{ front: 'Cells divide \ud800 here.', back: 'ok' }] });
    expect(output.items[0]).toEqual({ front: 'Cells divide \uFFFD here.', back: 'ok' });
    expect(JSON.stringify(output)).not.toMatch(/\\ud8/);
  });

  it('cuts items beyond the requested count, so nobody pays for what they did not ask for', () => {
    const items = Array.from({ length: 5 }, (_, index) => ({ front: `f${index}`, back: `b${index}` }));
    expect(validateGenerationOutput(request, { type: 'flashcards', model: 'm', items }).items).toHaveLength(2);
  });

  it.each([
    ['not an object', 'nonsense'],
    ['another type than asked', { type: 'quiz', model: 'm', items: [] }],
    ['an empty card side', { type: 'flashcards', model: 'm', items: [{ front: ' ', back: 'b' }] }],
    ['an oversized text', { type: 'flashcards', model: 'm', items: [{ front: 'x'.repeat(5000), back: 'b' }] }],
    ['an answer index outside the choices', { type: 'quiz', model: 'm', items: [{ question: 'q', choices: ['a', 'b'], answerIndex: 2 }] }],
  ])('refuses %s as a retryable GENERATOR_BAD_RESPONSE', (_name, output) => {
    const quizRequest = { ...request, type: (output as { type?: string }).type === 'quiz' && _name !== 'another type than asked' ? ('quiz' as const) : request.type };
    let caught: unknown;
    try {
      validateGenerationOutput(quizRequest, output);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GeneratorError);
    expect(caught).toMatchObject({ code: 'GENERATOR_BAD_RESPONSE', retryable: true });
  });
});
