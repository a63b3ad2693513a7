import type { Config } from '../platform/config';

export type WebUiConfig = Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT'>;

/** Where operators open this namespace in the Temporal Web UI; links to sagas and Schedules start here. */
export function webUiNamespaceUrl(config: WebUiConfig): string {
  const base = (config.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`).replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}`;
}
