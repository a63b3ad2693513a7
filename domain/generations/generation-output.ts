import { z } from 'zod';
import { GeneratorError, type GenerationOutput, type GenerationRequest } from './generator';
import { MAX_ITEMS_PER_GENERATION } from './pricing';

/**
 * What any generator produced, checked before the saga captures it: the shape the capture step and
 * the API expect, bounded sizes, and text Postgres can store. A lone UTF-16 surrogate (valid in a
 * JavaScript string and in JSON, echoed back from the user's input) or a NUL character makes the
 * `jsonb` result column refuse the whole row with a data exception on every attempt; here such a
 * character becomes U+FFFD (or is dropped, for NUL) so the capture can commit. The local and the
 * OpenAI-compatible generator both pass through this, in the generate activity.
 */
export const MAX_OUTPUT_TEXT_CHARS = 2_000;
export const MAX_CHOICES = 8;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// NUL is unrepresentable in Postgres text and jsonb; other C0 controls except tab and newlines are noise.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const UNSTORABLE_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

/** Text every Postgres column accepts: well-formed UTF-16 (so valid UTF-8) without NUL. */
export function storableText(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(UNSTORABLE_CONTROL, '');
}

const itemText = z.string().transform(storableText).pipe(z.string().trim().min(1).max(MAX_OUTPUT_TEXT_CHARS));

const flashcard = z.object({ front: itemText, back: itemText }).strip();
const quizQuestion = z
  .object({ question: itemText, choices: z.array(itemText).min(2).max(MAX_CHOICES), answerIndex: z.number().int().min(0) })
  .strip()
  .refine((question) => question.answerIndex < question.choices.length, { message: 'answerIndex must name one of the choices' });
const model = z.string().transform(storableText).pipe(z.string().min(1).max(200));

const generationOutputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('flashcards'), items: z.array(flashcard).max(MAX_ITEMS_PER_GENERATION), model }).strip(),
  z.object({ type: z.literal('quiz'), items: z.array(quizQuestion).max(MAX_ITEMS_PER_GENERATION), model }).strip(),
]);

/**
 * The generator's output, validated and made storable, or a GENERATOR_BAD_RESPONSE error (which
 * the generator policy retries: a model may do better next time; a deterministic one fails the
 * step after its attempts and the saga refunds). More items than were asked for are cut to the
 * request's count, so nobody is charged for what they did not ask for.
 */
export function validateGenerationOutput(request: GenerationRequest, output: unknown): GenerationOutput {
  const parsed = generationOutputSchema.safeParse(output);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GeneratorError('GENERATOR_BAD_RESPONSE', `The generator's output is unusable: ${issue?.path.join('.') || 'output'}: ${issue?.message ?? 'invalid'}`, true);
  }
  if (parsed.data.type !== request.type) {
    throw new GeneratorError('GENERATOR_BAD_RESPONSE', `The generator made ${parsed.data.type} when ${request.type} was asked for`, true);
  }
  const items = parsed.data.items.slice(0, request.count);
  return parsed.data.type === 'quiz' ? { type: 'quiz', items: items as z.infer<typeof quizQuestion>[], model: parsed.data.model } : { type: 'flashcards', items: items as z.infer<typeof flashcard>[], model: parsed.data.model };
}
