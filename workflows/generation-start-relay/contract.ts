/** The generation start relay's input, imported by the workflow and by its Schedule. */
export interface GenerationStartRelayInput {
  pageSize: number;
  // Requests younger than this are left to the API, which starts each saga just after admitting it.
  graceMs: number;
  // How far back the relay looks: a request older than this whose start was lost stays pending
  // (Temporal was unreachable for longer than this) and needs an operator.
  lookBackMs: number;
  // Continue-as-new state.
  afterGenerationId?: string | null;
  totals?: GenerationStartRelayTotals;
}

export interface GenerationStartRelayTotals {
  checked: number;
  started: number;
}

/** One page of the relay's scan. */
export interface GenerationStartRelayPage {
  afterGenerationId: string | null;
  pageSize: number;
  graceMs: number;
  lookBackMs: number;
}
