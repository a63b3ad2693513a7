/**
 * Test directives the local generator understands, written into the input text so that a tester
 * (or a test) can drive every saga path through the public API:
 *   [fail]      the prompt is rejected: non-retryable, the saga refunds
 *   [refuse]    a content-policy refusal: non-retryable
 *   [flaky:N]   the first N attempts fail with a retryable error
 *   [slow:MS]   the attempt takes MS milliseconds, heartbeating all along
 *   [short:K]   only K items are produced (a partial capture)
 * Directives are removed from the text before generating. Malformed ones stay as plain text.
 */
export interface Directives {
  fail: boolean;
  refuse: boolean;
  flakyAttempts: number;
  slowMs: number;
  shortCount: number | null;
  text: string;
}

// Bounds keep a typo from holding a reservation for hours.
export const MAX_SLOW_MS = 10 * 60 * 1000;
export const MAX_FLAKY_ATTEMPTS = 20;

const DIRECTIVE = /\[(fail|refuse)\]|\[(flaky|slow|short):(\d{1,9})\]/gi;

export function parseDirectives(input: string): Directives {
  const directives: Directives = { fail: false, refuse: false, flakyAttempts: 0, slowMs: 0, shortCount: null, text: input };
  directives.text = input
    .replace(DIRECTIVE, (_match, flag: string | undefined, name: string | undefined, value: string | undefined) => {
      if (flag) directives[flag.toLowerCase() as 'fail' | 'refuse'] = true;
      else applyValued(directives, name!.toLowerCase(), Number(value));
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return directives;
}

function applyValued(directives: Directives, name: string, value: number): void {
  if (name === 'flaky') directives.flakyAttempts = Math.min(value, MAX_FLAKY_ATTEMPTS);
  if (name === 'slow') directives.slowMs = Math.min(value, MAX_SLOW_MS);
  if (name === 'short') directives.shortCount = value;
}
