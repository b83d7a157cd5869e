import { describe, expect, it } from 'vitest';
import { Backoff } from '../../jobs/backoff';

describe('worker restart back-off', () => {
  it('waits 1 s, then twice as long each time it dies again quickly, at most 60 s', () => {
    const b = new Backoff();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => b.delay(500))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('is quick again once the worker had run a while before dying', () => {
    const b = new Backoff();
    b.delay(500);
    b.delay(500);
    b.delay(500);
    expect(b.delay(10 * 60_000)).toBe(1000);
    expect(b.delay(500)).toBe(2000);
  });
});
