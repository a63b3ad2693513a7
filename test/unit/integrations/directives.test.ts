import { MAX_FLAKY_ATTEMPTS, MAX_SLOW_MS, parseDirectives } from '../../../integrations/generators/directives';

describe('generator test directives', () => {
  it('reads each directive and strips it from the text', () => {
    expect(parseDirectives('[fail] Cells divide.')).toMatchObject({ fail: true, text: 'Cells divide.' });
    expect(parseDirectives('Cells [refuse] divide.')).toMatchObject({ refuse: true, text: 'Cells divide.' });
    expect(parseDirectives('[flaky:2] x')).toMatchObject({ flakyAttempts: 2, text: 'x' });
    expect(parseDirectives('[slow:1500] x')).toMatchObject({ slowMs: 1500 });
    expect(parseDirectives('[short:3] x')).toMatchObject({ shortCount: 3 });
  });

  it('combines directives, in any case', () => {
    expect(parseDirectives('[SLOW:10][Short:1] [flaky:1] notes')).toMatchObject({ slowMs: 10, shortCount: 1, flakyAttempts: 1, fail: false, text: 'notes' });
  });

  it('leaves malformed directives in the text', () => {
    expect(parseDirectives('[slow:abc] [short:] [fail:1] [unknown]')).toEqual({
      fail: false,
      refuse: false,
      flakyAttempts: 0,
      slowMs: 0,
      shortCount: null,
      text: '[slow:abc] [short:] [fail:1] [unknown]',
    });
  });

  it('bounds delays and planned failures', () => {
    expect(parseDirectives('[slow:999999999]').slowMs).toBe(MAX_SLOW_MS);
    expect(parseDirectives('[flaky:999]').flakyAttempts).toBe(MAX_FLAKY_ATTEMPTS);
  });
});
