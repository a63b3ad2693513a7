/**
 * Everything outside the auto-recharge saga uses to start it: imported by the workflow, by the
 * relay's activity that starts it and by its Schedule, so both sides agree on names and shapes.
 */
export const AUTO_RECHARGE_WORKFLOW_TYPE = 'autoRechargeWorkflow';

/** One saga id per user: Temporal itself keeps at most one recharge of a user in flight. */
export function autoRechargeWorkflowId(userId: string): string {
  return `auto-recharge-${userId}`;
}

export interface AutoRechargeInput {
  userId: string;
  // The auto_recharge_requests row (one per crossing of the threshold) this run acts on.
  requestId: string;
}

export type AutoRechargeOutcomeCode =
  // Credits bought and granted; `capped` when the cap made it a smaller package than asked for.
  | 'succeeded'
  | 'capped'
  // Nothing bought: the cap had no room, the balance was back above the threshold, or it was off.
  | 'cap_full'
  | 'not_needed'
  | 'disabled'
  // Nothing bought, and auto-recharge was turned off with the reason.
  | 'declined'
  | 'no_payment_method'
  // Charged, then the cap refused the credits (the balance grew meanwhile): refunded.
  | 'refunded'
  // The provider could not be reached for long: nothing granted, auto-recharge stays on.
  | 'provider_unavailable'
  // Another run already acted on this request.
  | 'duplicate';

export interface AutoRechargeResult {
  requestId: string;
  outcome: AutoRechargeOutcomeCode;
  message: string;
  purchaseId: string | null;
}

/** The relay: starts the saga for pending requests, a page at a time. */
export interface AutoRechargeRelayInput {
  pageSize: number;
}
