/**
 * Admits each user's concurrent requests in batches: while one admission of a user is in flight,
 * that user's next requests wait here and then go together in one call. A storm of 1,000 requests
 * from one user becomes a handful of short transactions on the user's admission lock, instead of
 * 1,000 queued on it, each holding a pooled connection while it waits. Requests of different users
 * never wait for each other. Per process: across API replicas the admission lock still serialises
 * the batches.
 */
export class AdmissionBatcher<Item, Outcome> {
  private readonly queues = new Map<string, Array<{ item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void }>>();

  constructor(
    private readonly admit: (key: string, items: Item[]) => Promise<Outcome[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(key: string, item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      this.queues.set(key, [{ item, resolve, reject }]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        const outcomes = await this.admit(key, batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(outcomes[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.queues.delete(key);
  }
}
