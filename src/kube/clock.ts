/**
 * Time as a dependency, so back-off and delays are tested without sleeping.
 *
 * @module
 */

/** Wall clock and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Returns an opaque handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

type TimerHandle = ReturnType<typeof setTimeout>;

/** The real clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as TimerHandle),
};

/**
 * Waits `ms` on `clock`; resolves `true` when the time is up, `false` at once when `signal`
 * aborts (and then leaves no timer behind).
 *
 * @example
 * ```ts
 * import { realClock, sleep } from "./clock.ts";
 * const controller = new AbortController();
 * controller.abort();
 * if (await sleep(realClock, 60_000, controller.signal)) throw new Error("not aborted");
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
