import { createHash } from 'node:crypto';
import { parseDirectives, type Directives } from './directives';
import {
  GeneratorError,
  type Flashcard,
  type GenerationContext,
  type GenerationOutput,
  type GenerationRequest,
  type Generator,
  type QuizQuestion,
} from '../../domain/generations/generator';

const HEARTBEAT_EVERY_MS = 1_000;
const MODEL = 'local-v1';

/**
 * A deterministic generator that needs no network: cloze-style cards and questions built from the
 * sentences of the input. The same input always gives the same output, which is what tests and
 * demos want; its directives (directives.ts) drive failures, retries, delays and
 * partial results.
 */
export function createLocalGenerator(): Generator {
  return {
    name: 'local',
    async generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationOutput> {
      const directives = parseDirectives(request.text);
      // Only a slow attempt heartbeats (from its first moment): an instant one has no progress to
      // report, and each heartbeat is a round trip and a write on the Temporal server.
      if (directives.slowMs > 0) await waitHeartbeating(directives.slowMs, context);
      failIfDirected(directives, context.attempt);
      const count = directives.shortCount === null ? request.count : Math.min(directives.shortCount, request.count);
      const text = directives.text || 'Nothing';
      return request.type === 'quiz'
        ? { type: 'quiz', items: buildQuestions(text, count), model: MODEL }
        : { type: 'flashcards', items: buildFlashcards(text, count), model: MODEL };
    },
  };
}

function failIfDirected(directives: Directives, attempt: number): void {
  if (directives.fail) throw new GeneratorError('GENERATOR_PROMPT_REJECTED', 'The generator cannot make study material from this input', false);
  if (directives.refuse) throw new GeneratorError('GENERATOR_POLICY_REFUSAL', 'The generator refused this input under its content policy', false);
  if (attempt <= directives.flakyAttempts) {
    throw new GeneratorError('GENERATOR_UNAVAILABLE', `The generator is temporarily unavailable (attempt ${attempt} of ${directives.flakyAttempts} planned failures)`, true);
  }
}

async function waitHeartbeating(totalMs: number, context: GenerationContext): Promise<void> {
  const deadline = Date.now() + totalMs;
  while (Date.now() < deadline) {
    if (context.signal.aborted) throw abortError(context.signal);
    context.heartbeat({ stage: 'generating', remainingMs: deadline - Date.now() });
    await sleep(Math.min(HEARTBEAT_EVERY_MS, deadline - Date.now()), context.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Generation was cancelled');
}

function sentencesOf(text: string): string[] {
  const sentences = text.split(/(?<=[.!?])\s+/).map((sentence) => sentence.trim()).filter(Boolean);
  return sentences.length > 0 ? sentences : [text];
}

/** The longest word is the one most worth remembering; ties go to the first. */
function keyTermOf(sentence: string): string {
  const words = sentence.match(/[\p{L}\p{N}'-]+/gu) ?? [sentence];
  return words.reduce((best, word) => (word.length > best.length ? word : best), words[0] ?? sentence);
}

function cloze(sentence: string, term: string): string {
  return sentence.replace(term, '_____');
}

function buildFlashcards(text: string, count: number): Flashcard[] {
  const sentences = sentencesOf(text);
  return Array.from({ length: count }, (_, index) => {
    const sentence = sentences[index % sentences.length]!;
    const term = keyTermOf(sentence);
    const round = Math.floor(index / sentences.length);
    return { front: round === 0 ? cloze(sentence, term) : `(${round + 1}) ${cloze(sentence, term)}`, back: term };
  });
}

function buildQuestions(text: string, count: number): QuizQuestion[] {
  const sentences = sentencesOf(text);
  const terms = [...new Set(sentences.map(keyTermOf).concat(text.match(/[\p{L}]{4,}/gu) ?? []))];
  return Array.from({ length: count }, (_, index) => {
    const sentence = sentences[index % sentences.length]!;
    const answer = keyTermOf(sentence);
    const distractors = pickDistractors(terms, answer, `${text}#${index}`);
    const choices = [answer, ...distractors];
    const answerIndex = seededIndex(`${text}#answer#${index}`, choices.length);
    [choices[0], choices[answerIndex]] = [choices[answerIndex]!, choices[0]!];
    return { question: `Which word completes: "${cloze(sentence, answer)}"?`, choices, answerIndex };
  });
}

function pickDistractors(terms: string[], answer: string, seed: string): string[] {
  const pool = terms.filter((term) => term.toLowerCase() !== answer.toLowerCase());
  const fallback = ['none of these', 'all of these', 'not stated'];
  const picked: string[] = [];
  for (let i = 0; picked.length < 3 && i < pool.length; i += 1) {
    const candidate = pool[(seededIndex(`${seed}#${i}`, pool.length) + i) % pool.length]!;
    if (!picked.includes(candidate)) picked.push(candidate);
  }
  return picked.concat(fallback).slice(0, 3);
}

function seededIndex(seed: string, modulo: number): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) % modulo;
}
