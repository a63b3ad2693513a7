import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every generation saga keeps current, so operators can find sagas in
 * the Temporal Web UI (e.g. `CreditsSagaStatus = "generating" AND CreditsStepEnteredAt < "..."`).
 * The dev server registers them at start (`--search-attribute Name=Type`); production registers
 * them with `temporal operator search-attribute create`. `@temporalio/common` is deterministic
 * and already part of every workflow bundle, so workflows may import it.
 */
export const CreditsUserId = defineSearchAttributeKey('CreditsUserId', SearchAttributeType.KEYWORD);
export const CreditsSagaStatus = defineSearchAttributeKey('CreditsSagaStatus', SearchAttributeType.KEYWORD);
export const CreditsCostCredits = defineSearchAttributeKey('CreditsCostCredits', SearchAttributeType.INT);
export const CreditsStepEnteredAt = defineSearchAttributeKey('CreditsStepEnteredAt', SearchAttributeType.DATETIME);
// The saga's real step (reserving, generating, capturing, releasing, done): the status says
// `generating` all the way to the capture, so an operator needs this to see a saga stuck capturing.
export const CreditsSagaStep = defineSearchAttributeKey('CreditsSagaStep', SearchAttributeType.KEYWORD);

// Name and type as the Temporal CLI spells them for `--search-attribute Name=Type`.
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; cliType: string }> = [
  { name: CreditsUserId.name, cliType: 'Keyword' },
  { name: CreditsSagaStatus.name, cliType: 'Keyword' },
  { name: CreditsCostCredits.name, cliType: 'Int' },
  { name: CreditsStepEnteredAt.name, cliType: 'Datetime' },
  { name: CreditsSagaStep.name, cliType: 'Keyword' },
];
