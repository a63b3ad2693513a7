import request from 'supertest';
import type { SagaHarness } from './saga-harness';
import { waitFor } from './saga-harness';

/** Thin helpers over supertest for one user of the harness's app. */
export function apiAs(harness: SagaHarness, userId: string) {
  const auth = async () => `Bearer ${await harness.tokenFor(userId)}`;
  return {
    async createGeneration(body: unknown, idempotencyKey?: string) {
      const call = request(harness.app).post('/generations').set('Authorization', await auth());
      if (idempotencyKey) call.set('Idempotency-Key', idempotencyKey);
      return call.send(body as object);
    },
    async getGeneration(id: string) {
      return request(harness.app).get(`/generations/${id}`).set('Authorization', await auth());
    },
    async cancelGeneration(id: string, reason?: string) {
      return request(harness.app).post(`/generations/${id}/cancel`).set('Authorization', await auth()).send(reason ? { reason } : {});
    },
    async credits() {
      return request(harness.app).get('/users/me/credits').set('Authorization', await auth());
    },
    async history(query = '') {
      return request(harness.app).get(`/users/me/credit-history${query}`).set('Authorization', await auth());
    },
    async waitForStatus(id: string, statuses: string[], timeoutMs = 60_000) {
      const response = await waitFor(
        () => this.getGeneration(id),
        (res) => statuses.includes(res.body.status),
        { timeoutMs, what: `generation ${id} to reach ${statuses.join('|')}` },
      );
      return response.body as Record<string, any>;
    },
  };
}

export function flashcards(text: string, count: number) {
  return { type: 'flashcards', input: { text, count } };
}
