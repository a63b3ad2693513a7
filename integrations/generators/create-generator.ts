import type { Config } from '../../platform/config';
import type { Generator } from '../../domain/generations/generator';
import { createLocalGenerator } from './local-generator';
import { createOpenAiGenerator } from './openai-generator';

export function createGenerator(config: Pick<Config, 'GENERATOR' | 'OPENAI_BASE_URL' | 'OPENAI_API_KEY' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT_MS'>): Generator {
  if (config.GENERATOR === 'openai') {
    return createOpenAiGenerator({
      baseURL: config.OPENAI_BASE_URL!,
      apiKey: config.OPENAI_API_KEY,
      model: config.OPENAI_MODEL,
      timeoutMs: config.OPENAI_TIMEOUT_MS,
    });
  }
  return createLocalGenerator();
}
