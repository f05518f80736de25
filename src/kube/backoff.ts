/**
 * Capped exponential back-off with jitter, for watch restarts and work-queue retries.
 *
 * @module
 */

/** Shape of a back-off. */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** No delay exceeds this, jitter included. */
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Up to this fraction is added at random (0.2 = up to +20 %); default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based), jitter included.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "./backoff.ts";
 * const options = { initialMs: 500, maxMs: 30_000, jitter: 0 };
 * if (backoffDelay(0, options) !== 500) throw new Error();
 * if (backoffDelay(3, options) !== 4_000) throw new Error();
 * if (backoffDelay(20, options) !== 30_000) throw new Error();
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  // Exponent capped so huge attempt counts cannot overflow to Infinity * 0 = NaN.
  const base = options.initialMs * factor ** Math.min(attempt, 64);
  const jittered = Math.min(options.maxMs, base) * (1 + jitter * random());
  return Math.round(Math.min(options.maxMs, jittered));
}

/** A back-off that counts its own attempts. */
export class Backoff {
  #attempts = 0;

  constructor(readonly options: BackoffOptions) {}

  /** Failures since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The delay before the next retry; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.#attempts++, this.options);
  }

  /** Back to the initial delay (after a success). */
  reset(): void {
    this.#attempts = 0;
  }
}
