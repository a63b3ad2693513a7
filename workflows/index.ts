// The workflow bundle's entry point: every workflow the worker registers.
export { generationWorkflow } from './generation-workflow';
export { migrationBackfillWorkflow } from './backfill-workflow';
export { expirationSweepWorkflow, orphanSweepWorkflow, subscriptionRefillWorkflow } from './sweep-workflows';
export { notificationRelayWorkflow } from './notification-relay-workflow';
