/** Time as the ledger sees it; tests pass a clock they control to reach expiry without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
