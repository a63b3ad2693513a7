// The workflow bundle's entry point: every workflow the worker registers.
export { generationWorkflow } from './generation/workflow';
export { migrationBackfillWorkflow } from './backfill/workflow';
export { expirationSweepWorkflow, orphanSweepWorkflow, subscriptionRefillWorkflow, lowCreditScanWorkflow } from './sweeps/workflows';
export { notificationRelayWorkflow } from './notification-relay/workflow';
export { campaignGrantWorkflow } from './campaign/workflow';
export { purchaseWorkflow } from './purchase/workflow';
export { purchaseRefundWorkflow } from './purchase/refund-workflow';
export { dailyBonusWorkflow } from './daily-bonus/workflow';
export { subscriptionReconcileWorkflow } from './subscription-reconcile/workflow';
export { autoRechargeWorkflow, autoRechargeRelayWorkflow } from './auto-recharge/workflow';
export { generationStartRelayWorkflow } from './generation-start-relay/workflow';
