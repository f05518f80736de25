/**
 * Per-key failure back-off, like client-go's `ItemExponentialFailureRateLimiter`: each failure of
 * a key doubles its next delay up to a cap; a success (`forget`) starts it over.
 *
 * @module
 */

import { backoffDelay, type BackoffOptions } from "./backoff.ts";

/** Default: 100 ms doubling to 5 min, no jitter. */
export const DEFAULT_ITEM_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 300_000, jitter: 0 };

/** Counts failures per key and turns them into delays. */
export class ItemRateLimiter {
  readonly #failures = new Map<string, number>();
  readonly #options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...DEFAULT_ITEM_BACKOFF, ...options };
  }

  /**
   * Counts one more failure of `key` and returns how long to wait before retrying it.
   *
   * @example
   * ```ts
   * import { ItemRateLimiter } from "./rate_limiter.ts";
   * const limiter = new ItemRateLimiter({ initialMs: 100, maxMs: 250 });
   * const delays = [limiter.when("a"), limiter.when("a"), limiter.when("a"), limiter.when("b")];
   * if (delays.join() !== "100,200,250,100") throw new Error(delays.join());
   * ```
   */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return backoffDelay(failures, this.#options);
  }

  /** Failures of `key` since it was last forgotten. */
  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Forgets the failures of `key` (after it succeeded, or was given up on). */
  forget(key: string): void {
    this.#failures.delete(key);
  }
}
