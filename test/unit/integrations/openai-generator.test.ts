import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAiGenerator } from '../../../integrations/generators/openai-generator';
import type { GenerationContext } from '../../../domain/generations/generator';

/** A local stand-in for an OpenAI-compatible endpoint: each test scripts its replies. */
type Reply = { status: number; body: unknown; delayMs?: number };
let replies: Reply[] = [];
let received: Array<{ headers: http.IncomingHttpHeaders; body: any }> = [];
let server: http.Server;
let baseURL: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(raw || '{}') });
      const reply = replies.shift() ?? { status: 500, body: { error: { message: 'no reply scripted' } } };
      const timer = setTimeout(() => {
        res.writeHead(reply.status, { 'Content-Type': 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  replies = [];
  received = [];
});

function completion(content: string | null, extra: Record<string, unknown> = {}) {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 0,
      model: 'fake-model',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null, ...extra } }],
    },
  };
}

const context = (signal = new AbortController().signal): GenerationContext => ({ attempt: 1, heartbeat: () => undefined, signal });
const generator = () => createOpenAiGenerator({ baseURL, apiKey: 'test-key', model: 'fake-model', timeoutMs: 5_000 });
const cards = (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ front: `f${i}`, back: `b${i}` })) });

describe('OpenAI-compatible generator', () => {
  it('sends the model, the key and the notes, and returns the parsed cards', async () => {
    replies = [completion(cards(3))];
    const output = await generator().generate({ type: 'flashcards', text: 'Notes here', count: 3 }, context());
    expect(output).toEqual({ type: 'flashcards', model: 'fake-model', items: [{ front: 'f0', back: 'b0' }, { front: 'f1', back: 'b1' }, { front: 'f2', back: 'b2' }] });
    expect(received[0]!.headers.authorization).toBe('Bearer test-key');
    expect(received[0]!.body.model).toBe('fake-model');
    expect(JSON.stringify(received[0]!.body.messages)).toContain('Notes here');
  });

  it('keeps fewer items than asked and trims more', async () => {
    replies = [completion(cards(1)), completion(cards(9))];
    expect((await generator().generate({ type: 'flashcards', text: 'x', count: 3 }, context())).items).toHaveLength(1);
    expect((await generator().generate({ type: 'flashcards', text: 'x', count: 3 }, context())).items).toHaveLength(3);
  });

  it('parses quiz questions and rejects an answer index outside the choices', async () => {
    replies = [
      completion(JSON.stringify({ items: [{ question: 'q', choices: ['a', 'b', 'c', 'd'], answerIndex: 2 }] })),
      completion(JSON.stringify({ items: [{ question: 'q', choices: ['a', 'b'], answerIndex: 5 }] })),
    ];
    expect((await generator().generate({ type: 'quiz', text: 'x', count: 1 }, context())).items).toEqual([{ question: 'q', choices: ['a', 'b', 'c', 'd'], answerIndex: 2 }]);
    await expect(generator().generate({ type: 'quiz', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_BAD_RESPONSE', retryable: true });
  });

  it.each([
    [400, 'GENERATOR_PROMPT_REJECTED', false],
    [422, 'GENERATOR_PROMPT_REJECTED', false],
    [401, 'GENERATOR_UNAVAILABLE', false],
    [429, 'GENERATOR_UNAVAILABLE', true],
    [500, 'GENERATOR_UNAVAILABLE', true],
    [503, 'GENERATOR_UNAVAILABLE', true],
  ])('maps HTTP %i to %s (retryable: %s), without retrying by itself', async (status, code, retryable) => {
    replies = [{ status, body: { error: { message: 'nope', type: 'x' } } }];
    await expect(generator().generate({ type: 'flashcards', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code, retryable });
    expect(received).toHaveLength(1);
  });

  it('treats a content-filter stop or a refusal as a non-retryable policy refusal', async () => {
    replies = [
      { status: 200, body: { ...completion(null).body, choices: [{ index: 0, finish_reason: 'content_filter', message: { role: 'assistant', content: null } }] } },
      completion(null, { refusal: 'I cannot help with that' }),
    ];
    await expect(generator().generate({ type: 'flashcards', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_POLICY_REFUSAL', retryable: false });
    await expect(generator().generate({ type: 'flashcards', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_POLICY_REFUSAL', retryable: false });
  });

  it('treats malformed JSON as a retryable bad response', async () => {
    replies = [completion('{"items": [')];
    await expect(generator().generate({ type: 'flashcards', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_BAD_RESPONSE', retryable: true });
  });

  it('treats an unreachable endpoint as retryable', async () => {
    const unreachable = createOpenAiGenerator({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 2_000 });
    await expect(unreachable.generate({ type: 'flashcards', text: 'x', count: 1 }, context())).rejects.toMatchObject({ code: 'GENERATOR_UNAVAILABLE', retryable: true });
  });

  it('stops waiting when the attempt is cancelled', async () => {
    replies = [{ ...completion(cards(1)), delayMs: 10_000 }];
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expect(generator().generate({ type: 'flashcards', text: 'x', count: 1 }, context(controller.signal))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
