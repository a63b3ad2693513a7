import { GeneratorError, type GenerationContext } from '../../../domain/generations/generator';
import { createLocalGenerator } from '../../../integrations/generators/local-generator';

const NOTES = 'Mitochondria produce ATP. The nucleus stores DNA. Ribosomes assemble proteins.';

function context(overrides: Partial<GenerationContext> = {}): GenerationContext & { heartbeats: number } {
  const state = { heartbeats: 0 };
  return Object.assign(state, {
    attempt: 1,
    heartbeat: () => {
      state.heartbeats += 1;
    },
    signal: new AbortController().signal,
    ...overrides,
  });
}

describe('local generator', () => {
  const generator = createLocalGenerator();

  it('builds the requested number of flashcards, the same ones every time', async () => {
    const first = await generator.generate({ type: 'flashcards', text: NOTES, count: 7 }, context());
    const second = await generator.generate({ type: 'flashcards', text: NOTES, count: 7 }, context());
    expect(first).toEqual(second);
    expect(first.type).toBe('flashcards');
    expect(first.items).toHaveLength(7);
    expect(first.items[0]).toEqual({ front: '_____ produce ATP.', back: 'Mitochondria' });
  });

  it('builds quiz questions whose answer index points at the blanked word', async () => {
    const quiz = await generator.generate({ type: 'quiz', text: NOTES, count: 4 }, context());
    expect(quiz.type).toBe('quiz');
    for (const item of quiz.items as Array<{ question: string; choices: string[]; answerIndex: number }>) {
      expect(item.choices).toHaveLength(4);
      expect(new Set(item.choices).size).toBe(4);
      expect(item.question).toContain('_____');
      expect(item.answerIndex).toBeGreaterThanOrEqual(0);
      expect(item.answerIndex).toBeLessThan(4);
    }
  });

  it('works on a single word', async () => {
    const quiz = await generator.generate({ type: 'quiz', text: 'Photosynthesis', count: 2 }, context());
    expect(quiz.items).toHaveLength(2);
  });

  it('produces only K items under [short:K]', async () => {
    const output = await generator.generate({ type: 'flashcards', text: `[short:2] ${NOTES}`, count: 10 }, context());
    expect(output.items).toHaveLength(2);
  });

  it('rejects the prompt permanently under [fail] and refuses under [refuse]', async () => {
    await expect(generator.generate({ type: 'quiz', text: '[fail] x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_PROMPT_REJECTED', retryable: false });
    await expect(generator.generate({ type: 'quiz', text: '[refuse] x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_POLICY_REFUSAL', retryable: false });
  });

  it('fails the first N attempts under [flaky:N] with a retryable error', async () => {
    const request = { type: 'flashcards' as const, text: '[flaky:2] x', count: 1 };
    await expect(generator.generate(request, context({ attempt: 1 }))).rejects.toBeInstanceOf(GeneratorError);
    await expect(generator.generate(request, context({ attempt: 2 }))).rejects.toMatchObject({ code: 'GENERATOR_UNAVAILABLE', retryable: true });
    await expect(generator.generate(request, context({ attempt: 3 }))).resolves.toMatchObject({ items: [expect.anything()] });
  });

  it('heartbeats while slow and stops promptly when aborted', async () => {
    const slow = context();
    await generator.generate({ type: 'flashcards', text: '[slow:2100] x', count: 1 }, slow);
    expect(slow.heartbeats).toBeGreaterThanOrEqual(3);

    const controller = new AbortController();
    const cancelled = context({ signal: controller.signal });
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    await expect(generator.generate({ type: 'flashcards', text: '[slow:60000] x', count: 1 }, cancelled)).rejects.toThrow('cancelled by test');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
