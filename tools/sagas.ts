import { Client, Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { findSagas, visibilityQuery, type SagaFilter, type SagaRow } from '../orchestration/find-sagas';

/**
 * `npm run sagas -- [--stuck] [--kind generation|purchase] [--status generating] [--user ID] [--limit N]`:
 * the generation and purchase sagas, as GET /admin/sagas lists them, in a terminal table, with the Web UI query to paste.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { stuck: { type: 'boolean', default: false }, kind: { type: 'string' }, status: { type: 'string' }, user: { type: 'string' }, limit: { type: 'string', default: '50' } },
  });
  const config = loadConfig();
  const filter: SagaFilter = { stuckOnly: values.stuck, kind: values.kind as SagaFilter['kind'], status: values.status as SagaFilter['status'], userId: values.user, limit: Number(values.limit) };
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const rows = await findSagas(client, config, filter);
    console.log(formatSagaTable(rows));
    console.log(`\nWeb UI query: ${visibilityQuery(config, filter)}`);
  } finally {
    await connection.close();
  }
}

export function formatSagaTable(rows: SagaRow[]): string {
  if (rows.length === 0) return 'No sagas match.';
  const header = ['KIND', 'WORKFLOW ID', 'USER', 'STATUS', 'IN STEP', 'COST', 'STUCK', 'STEP', 'ACTIVITY (ATTEMPT)', 'LAST FAILURE', 'WEB UI'];
  const lines = rows.map((row) => [
    row.kind,
    row.workflowId,
    row.userId ?? '-',
    row.executionStatus === 'RUNNING' ? (row.status ?? '-') : `${row.status ?? '-'} (${row.executionStatus.toLowerCase()})`,
    row.secondsInStep === null ? '-' : `${row.secondsInStep}s`,
    row.costCredits === null ? '-' : String(row.costCredits),
    row.stuck ? `YES (${row.stuckReason === 'activity_failing' ? 'failing' : 'too long'})` : '',
    row.step ?? '-',
    row.pendingActivity ? `${row.pendingActivity.activityType} (${row.pendingActivity.attempt})` : '-',
    oneLine(row.pendingActivity?.lastFailure ?? '-', 60),
    row.webUiUrl,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  return [header, ...lines].map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`sagas: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
