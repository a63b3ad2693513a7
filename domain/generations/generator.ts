/**
 * The contract between the saga's generate step and whatever produces flashcards or quizzes.
 * Implementations: the local deterministic one (default, no network) and an OpenAI-compatible one.
 */
export type GenerationType = 'flashcards' | 'quiz';

export interface GenerationRequest {
  type: GenerationType;
  text: string;
  // How many cards or questions were asked for; the generator may produce fewer.
  count: number;
}

export interface Flashcard {
  front: string;
  back: string;
}

export interface QuizQuestion {
  question: string;
  choices: string[];
  answerIndex: number;
}

export type GenerationOutput =
  | { type: 'flashcards'; items: Flashcard[]; model: string }
  | { type: 'quiz'; items: QuizQuestion[]; model: string };

export interface GenerationContext {
  // 1 on the first try; Temporal increments it on every retry.
  attempt: number;
  // Tells Temporal the attempt is alive; long generations call it at least every few seconds.
  heartbeat(details?: unknown): void;
  // Aborted when Temporal cancels the attempt (the saga was cancelled or timed out).
  signal: AbortSignal;
}

export interface Generator {
  readonly name: string;
  generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationOutput>;
}

/**
 * Generator failures say whether trying again can help. The generate activity turns them into
 * Temporal ApplicationFailures with `type = code` and `nonRetryable = !retryable`.
 */
export type GeneratorErrorCode =
  | 'GENERATOR_PROMPT_REJECTED' // the input cannot be turned into a result; retrying cannot help
  | 'GENERATOR_POLICY_REFUSAL' // the model refused on content policy; retrying cannot help
  | 'GENERATOR_UNAVAILABLE' // transport error, 5xx, rate limit: retry with backoff
  | 'GENERATOR_BAD_RESPONSE'; // the model answered with something unparseable: a retry may do better

export class GeneratorError extends Error {
  constructor(
    readonly code: GeneratorErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GeneratorError';
  }
}

export const NON_RETRYABLE_GENERATOR_ERRORS: readonly GeneratorErrorCode[] = [
  'GENERATOR_PROMPT_REJECTED',
  'GENERATOR_POLICY_REFUSAL',
];
