import type { PrismaClient } from '../../generated/prisma/client';
import { inLedgerTransaction } from '../ledger/transaction';

export interface LowCreditScanPage {
  lastAccountId: string | null;
  accounts: number;
  alerts: number;
  resolutions: number;
}

/**
 * The daily scan behind the low-credit trigger, for both alerts (`low_credit` under
 * LOW_CREDIT_NOTIFY_THRESHOLD, `low_credit_warning` under LOW_CREDIT_WARNING_THRESHOLD), on the balance. The trigger sees every balance change as it
 * happens; the scan sees what it cannot: accounts opened below the threshold (an insert, not an
 * update), and a threshold changed in configuration since. For one page of accounts, locked in id
 * order so no ledger change slips between the read and the write, it writes the alert or the
 * resolution that the account's last alert says is owed: once per crossing, like the trigger. The
 * lock keeps the trigger from firing on these accounts meanwhile, and the decision rests on the
 * last alert, so the two never both notify one crossing. The key names the alert it follows:
 * a crossing made by a threshold change has no journal entry of its own to be named by.
 */
export async function scanLowCreditPage(prisma: PrismaClient, options: { afterAccountId: string | null; pageSize: number }): Promise<LowCreditScanPage> {
  return inLedgerTransaction(prisma, async (tx) => {
    const rows = await tx.$queryRaw<Array<{ accounts: number; last_account_id: string | null; alerts: number; resolutions: number }>>`
      WITH page AS (
        SELECT a.id, a.user_id, a.balance_credits, a.reserved_credits FROM credit_accounts a
        WHERE (${options.afterAccountId}::uuid IS NULL OR a.id > ${options.afterAccountId}::uuid)
        ORDER BY a.id LIMIT ${options.pageSize}
        FOR UPDATE
      ), threshold AS (
        -- Both alerts, each with its own threshold, watching the balance like the trigger.
        SELECT 'low_credit' AS alert, COALESCE((SELECT low_credit_notify_below_credits FROM ledger_settings WHERE id = 1), 5) AS credits
        UNION ALL
        SELECT 'low_credit_warning', COALESCE((SELECT low_credit_warn_below_credits FROM ledger_settings WHERE id = 1), 10)
      ), owed AS (
        SELECT p.*, t.credits AS threshold, last_alert.id AS last_alert_id,
               CASE WHEN p.balance_credits < t.credits AND last_alert.kind IS DISTINCT FROM t.alert THEN t.alert
                    WHEN p.balance_credits >= t.credits AND last_alert.kind = t.alert THEN t.alert || '_resolved' END AS kind
        FROM page p CROSS JOIN threshold t
        LEFT JOIN LATERAL (
          SELECT n.id, n.kind FROM notifications n WHERE n.user_id = p.user_id AND n.kind IN (t.alert, t.alert || '_resolved')
          ORDER BY n.created_at DESC, n.id DESC LIMIT 1
        ) last_alert ON TRUE
      ), written AS (
        INSERT INTO notifications (id, user_id, kind, payload, idempotency_key, created_at)
        SELECT gen_random_uuid(), o.user_id, o.kind,
               jsonb_build_object('balance', o.balance_credits, 'available', o.balance_credits - o.reserved_credits, 'threshold', o.threshold),
               o.kind || ':' || o.id || ':scan-after:' || COALESCE(o.last_alert_id::text, 'none'),
               clock_timestamp()
        FROM owed o WHERE o.kind IS NOT NULL
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING kind
      )
      SELECT (SELECT COUNT(*) FROM page)::int AS accounts,
             (SELECT id::text FROM page ORDER BY id DESC LIMIT 1) AS last_account_id,
             (SELECT COUNT(*) FROM written WHERE kind IN ('low_credit', 'low_credit_warning'))::int AS alerts,
             (SELECT COUNT(*) FROM written WHERE kind IN ('low_credit_resolved', 'low_credit_warning_resolved'))::int AS resolutions`;
    const row = rows[0]!;
    return { lastAccountId: row.last_account_id, accounts: row.accounts, alerts: row.alerts, resolutions: row.resolutions };
  });
}
