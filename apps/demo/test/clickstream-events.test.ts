import { describe, expect, it } from 'vitest';
import { PAGES, parsePageView, rawEventAt } from '../src/clickstream/events.js';

describe('clickstream events', () => {
  it('the generator is a pure function of (seed, partition, offset)', () => {
    expect(rawEventAt(7, 1, 42)).toBe(rawEventAt(7, 1, 42));
    expect(rawEventAt(7, 1, 42)).not.toBe(rawEventAt(8, 1, 42));
    expect(rawEventAt(7, 0, 42)).not.toBe(rawEventAt(7, 1, 42));
  });

  it('a small share is malformed; the rest parse into clean events', () => {
    let malformed = 0;
    const n = 5000;
    for (let o = 0; o < n; o++) {
      const view = parsePageView(rawEventAt(7, 2, o), 2, o);
      if (view === undefined) {
        malformed++;
        continue;
      }
      expect(view.id).toBe(`2-${o}`);
      expect(PAGES).toContain(view.page);
      expect(view.user).toMatch(/^user-\d\d$/);
      expect(view.referrer).not.toMatch(/^https?:|[A-Z]/);
    }
    expect(malformed / n).toBeGreaterThan(0.02);
    expect(malformed / n).toBeLessThan(0.07);
  });

  it('cleaning lowercases pages, drops query strings and names the referrer host', () => {
    const raw = JSON.stringify({
      user: 'u',
      page: '/CART?utm=x',
      referrer: 'HTTPS://T.CO/abc',
      timestamp: 5,
    });
    expect(parsePageView(raw, 0, 9)).toEqual({
      id: '0-9',
      user: 'u',
      page: '/cart',
      referrer: 't.co',
      timestamp: 5,
    });
    expect(parsePageView(JSON.stringify({ user: 'u', page: '/a', timestamp: 1 }), 0, 0)?.referrer).toBe(
      'direct',
    );
    expect(parsePageView('{"user":"u","pa', 0, 0)).toBeUndefined();
    expect(parsePageView(JSON.stringify({ user: 42, page: '/a', timestamp: 1 }), 0, 0)).toBeUndefined();
    expect(parsePageView(JSON.stringify({ user: 'u', timestamp: 1 }), 0, 0)).toBeUndefined();
  });
});
