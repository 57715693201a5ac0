import { describe, expect, it } from '@jest/globals';
import { perContainer } from '../../src/resource/container.ts';

/** What a Lambda container makes once at cold start and keeps for every request it takes. */
describe('a value per container', () => {
  it('is made once, on first use, and then served to every caller', () => {
    let made = 0;
    const value = perContainer(() => ({ made: ++made }));
    expect(made).toBe(0);
    expect(value()).toBe(value());
    expect(made).toBe(1);
  });

  it('is made once even when it is undefined', () => {
    let made = 0;
    const value = perContainer(() => {
      made += 1;
      return undefined;
    });
    value();
    value();
    expect(made).toBe(1);
  });
});
