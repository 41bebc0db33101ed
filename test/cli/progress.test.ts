// The progress bar's ETA: none without a basis, always a well-formed duration.

import { describe, expect, it } from 'vitest';
import { ETA_MIN_SECONDS, etaText } from '../../src/cli/progress.js';

describe('progress ETA', () => {
  it('shows none until some work was done over a few seconds', () => {
    expect(etaText(0, 0, 100)).toBe('');
    expect(etaText(ETA_MIN_SECONDS - 0.1, 50, 50)).toBe('');
    expect(etaText(10, 0, 100)).toBe(''); // time passed, nothing done yet
    expect(etaText(Number.NaN, 5, 5)).toBe('');
    expect(etaText(10, 5, Number.NaN)).toBe('');
  });

  it('extrapolates the rate so far: seconds, minutes, hours', () => {
    expect(etaText(10, 10, 30)).toBe('ETA 30s');
    expect(etaText(10, 10, 0)).toBe('ETA 0s');
    expect(etaText(5, 1, 37)).toBe('ETA 3m05s');
    expect(etaText(3600, 1, 1.04)).toBe('ETA 1h02m');
    expect(etaText(3600, 1, 100)).toBe('ETA >99h');
  });

  it('is always "ETA <number><unit>..." or empty, for any inputs', () => {
    const re = /^(|ETA \d{1,2}s|ETA \d{1,2}m\d\ds|ETA \d{1,2}h\d\dm|ETA >99h)$/;
    for (const e of [0, 1, 3, 7.5, 100, 1e6, 1e30, Infinity]) for (const d of [0, 1e-9, 1, 1000]) for (const r of [0, 1, 1e9, 1e300, -1]) expect(etaText(e, d, r)).toMatch(re);
  });
});
