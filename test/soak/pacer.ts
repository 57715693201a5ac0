import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The soak's request budget: one slot per HTTP request, handed out at a steady rate to every
 * client together, up to a cap. A client that falls behind (a slow answer, a retry's wait) does
 * not get a burst to catch up: the rate is a ceiling, never a debt.
 */
export class Pacer {
  readonly #intervalMs: number;
  readonly #cap: number;
  #nextAt = performance.now();
  #sent = 0;
  #stopped = false;

  constructor({ ratePerSecond, cap }: { ratePerSecond: number; cap: number }) {
    this.#intervalMs = 1000 / ratePerSecond;
    this.#cap = cap;
  }

  get sent(): number {
    return this.#sent;
  }

  get stopped(): boolean {
    return this.#stopped || this.#sent >= this.#cap;
  }

  /** Waits for the next slot; false once the soak is over (stopped, or the cap reached). */
  async slot(): Promise<boolean> {
    if (this.stopped) return false;
    this.#sent += 1;
    const now = performance.now();
    const at = Math.max(this.#nextAt, now);
    this.#nextAt = at + this.#intervalMs;
    if (at > now) await sleep(at - now);
    if (!this.#stopped) return true;
    this.#sent -= 1;
    return false;
  }

  stop(): void {
    this.#stopped = true;
  }
}
