import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import { MAX_ITEMS_PER_GENERATION } from '../../domain/generations/pricing';
import { quoteGeneration } from '../../domain/generations/quote';
import type { Config } from '../../platform/config';
import { principalOf } from '../auth/authenticate';
import type { GenerationService } from '../../orchestration/generation-service';
import { idempotencyKeyHeader } from '../http/idempotency-key';
import { parseOrThrow } from '../http/validation';
import { storableText } from '../../platform/storable-values';

// Enough for a chapter of notes; longer inputs belong in a document pipeline, not one request.
export const MAX_INPUT_TEXT_CHARS = 20_000;

export const createGenerationBody = z
  .object({
    type: z.enum(['flashcards', 'quiz']),
    input: z
      .object({
        text: storableText().trim().min(1, 'text must not be empty').max(MAX_INPUT_TEXT_CHARS),
        count: z.number().int().min(1).max(MAX_ITEMS_PER_GENERATION),
      })
      .strict(),
  })
  .strict();

export const generationIdParams = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/) }).strict();

export const cancelGenerationBody = z.object({ reason: storableText().max(500).optional() }).strict().default({});

export const generationQuoteQuery = z
  .object({
    type: z.enum(['flashcards', 'quiz']),
    count: z.coerce.number().int().min(1).max(MAX_ITEMS_PER_GENERATION),
  })
  .strict();

export function generationRoutes(service: GenerationService, deps: { prisma: PrismaClient; config: Pick<Config, 'MIN_CREDITS_TO_GENERATE'> }): Router {
  const router = Router();

  // Before /generations/:id, which would otherwise take "quote" for an id.
  router.get('/generations/quote', async (req, res) => {
    const query = parseOrThrow(generationQuoteQuery, req.query, 'query');
    res.json(await quoteGeneration(deps.prisma, { userId: principalOf(res).userId, type: query.type, count: query.count, minCreditsToGenerate: deps.config.MIN_CREDITS_TO_GENERATE }));
  });

  router.post('/generations', async (req, res) => {
    const body = parseOrThrow(createGenerationBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    const { userId } = principalOf(res);
    const generation = await service.start(userId, { type: body.type, text: body.input.text, count: body.input.count }, idempotencyKey);
    res.locals.workflowId = generation.workflowId;
    res.status(202).location(`/generations/${generation.id}`).json(generation);
  });

  router.get('/generations/:id', async (req, res) => {
    const { id } = parseOrThrow(generationIdParams, req.params, 'params');
    const generation = await service.get(principalOf(res).userId, id);
    res.locals.workflowId = generation.workflowId;
    res.json(generation);
  });

  router.post('/generations/:id/cancel', async (req, res) => {
    const { id } = parseOrThrow(generationIdParams, req.params, 'params');
    const body = parseOrThrow(cancelGenerationBody, req.body ?? {}, 'body');
    res.status(202).json(await service.cancel(principalOf(res).userId, id, body.reason));
  });

  return router;
}
