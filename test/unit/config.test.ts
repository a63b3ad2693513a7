import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, DEV_JWT_SECRET, DEV_NOTIFY_WEBHOOK_SECRET, DEV_PAYMENT_WEBHOOK_SECRET, loadConfig } from '../../platform/config';

const SECRET = 'x'.repeat(40);

/**
 * The environment docker-compose.yml gives the worker and the API (its `x-app-env` block), as
 * compose resolves it with nothing set but AUTH_JWT_SECRET: `${NAME:-}` becomes an empty string.
 */
function composeAppEnv(): Record<string, string> {
  const compose = readFileSync(path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
  const block = compose.slice(compose.indexOf('x-app-env: &app-env'), compose.indexOf('\nservices:'));
  const env: Record<string, string> = {};
  for (const [, name, value] of block.matchAll(/^ {2}([A-Z_]+): (.*)$/gm)) {
    env[name!] = value!.replace(/\$\{AUTH_JWT_SECRET:\?[^}]*\}/, SECRET).replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_match, _name, fallback: string) => fallback);
  }
  return env;
}

describe('configuration', () => {
  it('accepts the production stack as docker-compose starts it, unset optionals arriving empty', () => {
    const env = composeAppEnv();
    expect(env).toMatchObject({ OPENAI_BASE_URL: '', PAYMENT_PROVIDER_URL: '', PAYMENT_WEBHOOK_SECRET: '' });
    const config = loadConfig({ ...env, NODE_ENV: 'production' });
    expect(config).toMatchObject({ OPENAI_BASE_URL: undefined, PAYMENT_PROVIDER_URL: undefined, NOTIFY_WEBHOOK_URL: undefined, GENERATOR: 'local' });
  });

  it.each([
    ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: DEV_JWT_SECRET }],
    ['PAYMENT_WEBHOOK_SECRET', { AUTH_JWT_SECRET: SECRET, PAYMENT_PROVIDER_URL: 'https://pay.example', PAYMENT_WEBHOOK_SECRET: DEV_PAYMENT_WEBHOOK_SECRET }],
    ['PAYMENT_WEBHOOK_SECRET', { AUTH_JWT_SECRET: SECRET, PAYMENT_PROVIDER_URL: 'https://pay.example', PAYMENT_WEBHOOK_SECRET: '' }],
    ['NOTIFY_WEBHOOK_SECRET', { AUTH_JWT_SECRET: SECRET, NOTIFY_WEBHOOK_URL: 'https://hooks.example', NOTIFY_WEBHOOK_SECRET: DEV_NOTIFY_WEBHOOK_SECRET }],
  ])('refuses the development %s in production', (name, env) => {
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(new RegExp(`${name}: must be set in production`));
    expect(() => loadConfig({ ...env, NODE_ENV: 'development' })).not.toThrow();
  });

  it('requires both Stripe keys when Stripe is the payment provider', () => {
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY: is required when PAYMENT_PROVIDER=stripe/);
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(/STRIPE_WEBHOOK_SECRET: is required/);
    expect(loadConfig({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' })).toMatchObject({ PAYMENT_PROVIDER: 'stripe' });
    expect(loadConfig({}).PAYMENT_PROVIDER).toBe('fake');
  });

  it('still refuses a malformed URL', () => {
    expect(() => loadConfig({ PAYMENT_PROVIDER_URL: 'not a url' })).toThrow(/PAYMENT_PROVIDER_URL/);
  });
});
