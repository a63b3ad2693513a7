import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one object per line, so a saga can be followed across the API, the
 * workflow and its activities by `requestId`, `userId` and `workflowId`.
 */
export function createLogger(component: 'api' | 'worker' | 'dev', level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
