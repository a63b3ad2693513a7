import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import {
  GeneratorError,
  type GenerationContext,
  type GenerationOutput,
  type GenerationRequest,
  type Generator,
} from '../../domain/generations/generator';

export interface OpenAiGeneratorOptions {
  baseURL: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

const flashcardsReply = z.object({
  items: z.array(z.object({ front: z.string().min(1), back: z.string().min(1) })),
});

const quizReply = z.object({
  items: z.array(
    z.object({
      question: z.string().min(1),
      choices: z.array(z.string().min(1)).min(2).max(6),
      answerIndex: z.number().int().min(0),
    }).refine((item) => item.answerIndex < item.choices.length, 'answerIndex must point at a choice'),
  ),
});

const SYSTEM_PROMPT: Record<GenerationRequest['type'], string> = {
  flashcards:
    'You turn study notes into flashcards. Reply with JSON only: {"items":[{"front":"question or cue","back":"answer"}]}. ' +
    'Use only facts from the notes. Produce at most the number of cards asked for.',
  quiz:
    'You turn study notes into multiple-choice questions. Reply with JSON only: ' +
    '{"items":[{"question":"...","choices":["...","...","...","..."],"answerIndex":0}]}. ' +
    'Four choices each, exactly one correct, answerIndex is its zero-based position. Use only facts from the notes. ' +
    'Produce at most the number of questions asked for.',
};

/**
 * Any OpenAI-compatible chat-completions endpoint. The SDK's own retries are off: Temporal's retry
 * policy is the one place that decides, and every failure is mapped to say whether a retry can help.
 */
export function createOpenAiGenerator(options: OpenAiGeneratorOptions): Generator {
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? 'unused',
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  return {
    name: 'openai',
    async generate(request: GenerationRequest, context: GenerationContext): Promise<GenerationOutput> {
      context.heartbeat({ stage: 'calling-model' });
      const completion = await callModel(client, options.model, request, context.signal);
      context.heartbeat({ stage: 'parsing' });
      return parseReply(request, completion, options.model);
    },
  };
}

async function callModel(client: OpenAI, model: string, request: GenerationRequest, signal: AbortSignal): Promise<OpenAI.Chat.Completions.ChatCompletion> {
  try {
    return await client.chat.completions.create(
      {
        model,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: SYSTEM_PROMPT[request.type] },
          { role: 'user', content: `Make ${request.count} ${request.type === 'quiz' ? 'questions' : 'flashcards'} from these notes:\n\n${request.text}` },
        ],
      },
      { signal },
    );
  } catch (error) {
    throw classifyFailure(error);
  }
}

function parseReply(request: GenerationRequest, completion: OpenAI.Chat.Completions.ChatCompletion, model: string): GenerationOutput {
  const choice = completion.choices[0];
  if (choice?.finish_reason === 'content_filter' || choice?.message?.refusal) {
    throw new GeneratorError('GENERATOR_POLICY_REFUSAL', choice?.message?.refusal ?? 'The model refused this input under its content policy', false);
  }
  const content = choice?.message?.content;
  if (!content) throw new GeneratorError('GENERATOR_BAD_RESPONSE', 'The model returned no content', true);
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    throw new GeneratorError('GENERATOR_BAD_RESPONSE', 'The model did not return valid JSON', true, { cause: error });
  }
  const schema = request.type === 'quiz' ? quizReply : flashcardsReply;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new GeneratorError('GENERATOR_BAD_RESPONSE', `The model's JSON did not match the expected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`, true);
  }
  // More than asked is trimmed (the user pays for what they asked for); fewer is kept and the
  // saga captures only what was produced.
  const items = parsed.data.items.slice(0, request.count);
  const modelName = completion.model || model;
  return request.type === 'quiz'
    ? { type: 'quiz', items: items as z.infer<typeof quizReply>['items'], model: modelName }
    : { type: 'flashcards', items: items as z.infer<typeof flashcardsReply>['items'], model: modelName };
}

/** 4xx that describe the request are permanent; throttling, server and transport errors are not. */
function classifyFailure(error: unknown): unknown {
  if (error instanceof APIUserAbortError) return error;
  if (error instanceof APIConnectionError) {
    return new GeneratorError('GENERATOR_UNAVAILABLE', `Could not reach the model: ${error.message}`, true, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    if (status === 400 || status === 422) {
      return new GeneratorError('GENERATOR_PROMPT_REJECTED', `The model rejected the request (${status}): ${error.message}`, false, { cause: error });
    }
    if (status === 401 || status === 403 || status === 404) {
      return new GeneratorError('GENERATOR_UNAVAILABLE', `The model endpoint refused our credentials or model (${status})`, false, { cause: error });
    }
    return new GeneratorError('GENERATOR_UNAVAILABLE', `The model endpoint failed (${status})`, true, { cause: error });
  }
  return error;
}
