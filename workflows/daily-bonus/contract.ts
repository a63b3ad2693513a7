/**
 * The nightly daily-login bonus run's input and result, imported by the workflow and by its
 * Schedule (orchestration/recurring-schedules.ts).
 */
export const DAILY_BONUS_WORKFLOW_TYPE = 'dailyBonusWorkflow';

export interface DailyBonusRunInput {
  pageSize: number;
  baseCredits: number;
  streakLength: number;
  // The UTC day paid (YYYY-MM-DD): the day before the run started, fixed at the first run so
  // continue-as-new and a run that spills past midnight keep paying the same day.
  day?: string;
  afterUserId?: string | null;
  totals?: DailyBonusRunTotals;
}

export interface DailyBonusRunTotals {
  scannedUsers: number;
  grantedUsers: number;
  grantedCredits: number;
}
