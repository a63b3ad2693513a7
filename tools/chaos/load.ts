import { randomUUID } from 'node:crypto';
import type { GenerationType } from '../../domain/generations/generator';
import { priceGenerationCredits } from '../../domain/generations/pricing';

/**
 * The requests of a chaos run and what each one must come to, decided before anything is sent,
 * from a seed: the same seed gives the same plan. Expected outcomes are derived here from the
 * request alone (the directive, the count, the price list), never from what the service says.
 */
export type SagaKind = 'success' | 'fail' | 'flaky' | 'short' | 'slow' | 'cancel';

export interface PlannedGeneration {
  op: 'generation';
  userId: string;
  kind: SagaKind;
  type: GenerationType;
  count: number;
  text: string;
  idempotencyKey: string;
  // What a success charges: the price of what the directive lets the generator produce.
  costIfSucceeded: number;
}

export interface PlannedTransfer {
  op: 'transfer';
  userId: string;
  toUserId: string;
  amount: number;
  idempotencyKey: string;
}

export interface PlannedPurchase {
  op: 'purchase';
  userId: string;
  pays: boolean;
  idempotencyKey: string;
}

export type PlannedRequest = PlannedGeneration | PlannedTransfer | PlannedPurchase;

export const PURCHASE_PACKAGE = { id: 'starter', credits: 100 } as const;
const KINDS: SagaKind[] = ['success', 'success', 'success', 'fail', 'flaky', 'short', 'slow', 'cancel'];

/** A small deterministic generator (mulberry32), so a seed reproduces a run's plan. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planRequests(options: { seed: number; users: string[]; sagas: number; transfers: number; purchases: number }): PlannedRequest[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const key = () => `chaos-${options.seed}-${randomUUID()}`;
  const plan: PlannedRequest[] = [];
  for (let index = 0; index < options.sagas; index += 1) {
    const kind = KINDS[index % KINDS.length]!;
    const type: GenerationType = random() < 0.7 ? 'flashcards' : 'quiz';
    const count = 1 + Math.floor(random() * 10);
    const { text, produced } = directiveText(kind, count, random);
    plan.push({ op: 'generation', userId: pick(options.users), kind, type, count, text, idempotencyKey: key(), costIfSucceeded: priceGenerationCredits(type, produced) });
  }
  for (let index = 0; index < options.transfers; index += 1) {
    const from = pick(options.users);
    const to = pick(options.users.filter((user) => user !== from));
    plan.push({ op: 'transfer', userId: from, toUserId: to, amount: 1 + Math.floor(random() * 5), idempotencyKey: key() });
  }
  for (let index = 0; index < options.purchases; index += 1) {
    plan.push({ op: 'purchase', userId: pick(options.users), pays: random() < 0.75, idempotencyKey: key() });
  }
  // Interleaved, so transfers and purchases race the sagas of the same users.
  return plan.sort(() => random() - 0.5);
}

function directiveText(kind: SagaKind, count: number, random: () => number): { text: string; produced: number } {
  const body = 'Mitochondria make energy. Ribosomes build proteins. Cells divide by mitosis.';
  switch (kind) {
    case 'fail':
      return { text: `[fail] ${body}`, produced: 0 };
    case 'flaky':
      return { text: `[flaky:2] ${body}`, produced: count };
    case 'short': {
      const short = 1 + Math.floor(random() * count);
      return { text: `[short:${short}] ${body}`, produced: Math.min(short, count) };
    }
    case 'slow':
      return { text: `[slow:${1000 + Math.floor(random() * 3000)}] ${body}`, produced: count };
    case 'cancel':
      return { text: `[slow:4000] ${body}`, produced: count };
    default:
      return { text: body, produced: count };
  }
}
