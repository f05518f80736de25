/**
 * A level-triggered work queue like client-go's: a key is queued at most once, a key is never
 * processed by two workers at once (added again while in flight, it runs again afterwards),
 * failures retry with per-key exponential back-off, and shutdown lets in-flight work finish.
 *
 * @module
 */

import type { BackoffOptions } from "./backoff.ts";
import { type Clock, realClock } from "./clock.ts";
import type { KubeLogger } from "./logger.ts";
import { ItemRateLimiter } from "./rate_limiter.ts";

/**
 * What processing a key asks for next: nothing (success, its failures are forgotten), a retry
 * with back-off (`retry`), or another look after a fixed time (`requeueAfterMs`). A thrown error
 * is logged and retried with back-off.
 */
export type ProcessOutcome = void | { retry: true } | { requeueAfterMs: number };

/** Processes one key. `signal` aborts when a shutdown runs out of time. */
export type ProcessKey = (
  key: string,
  signal: AbortSignal,
) => ProcessOutcome | Promise<ProcessOutcome>;

/** How a {@link WorkQueue} is set up. */
export interface WorkQueueOptions {
  logger: KubeLogger;
  /** Name in log lines. */
  name?: string;
  /** Keys processed in parallel; default 1. */
  concurrency?: number;
  /** Per-key failure back-off; default 100 ms doubling to 5 min. */
  backoff?: Partial<BackoffOptions>;
  clock?: Clock;
}

/** What {@link WorkQueue.shutdown} achieved. */
export interface ShutdownResult {
  /** Every in-flight key finished in time. */
  drained: boolean;
  /** Keys still in flight when the time ran out (their signal was aborted). */
  unfinished: string[];
  /** Queued or delayed keys that were never started. */
  dropped: number;
}

/** Queue of keys processed by a fixed number of concurrent workers. */
export class WorkQueue {
  readonly #process: ProcessKey;
  readonly #options: WorkQueueOptions;
  readonly #clock: Clock;
  readonly #limiter: ItemRateLimiter;
  readonly #queue: string[] = [];
  /** Keys that need processing: queued, or re-added while in flight. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, { readyAt: number; timer: unknown }>();
  readonly #abort = new AbortController();
  #started = false;
  #shuttingDown = false;
  #idleWaiters: (() => void)[] = [];

  constructor(process: ProcessKey, options: WorkQueueOptions) {
    this.#process = process;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#limiter = new ItemRateLimiter(options.backoff);
  }

  /** Starts the workers; keys added before wait in the queue. */
  start(): void {
    this.#started = true;
    this.#pump();
  }

  /** Queues `key` unless it is already queued. Ignored after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#pump();
  }

  /** Queues `key` after `ms`; of several pending delays for one key, the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const readyAt = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) this.#clock.clearTimeout(pending.timer);
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { readyAt, timer });
  }

  /** Queues `key` after its next back-off delay (a failure). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Forgets the failures of `key`, so its next back-off starts from the base delay. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  /** Failures of `key` since it last succeeded. */
  retries(key: string): number {
    return this.#limiter.retries(key);
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.#queue.length;
  }

  /** Keys being processed now. */
  get inFlight(): string[] {
    return [...this.#processing];
  }

  /** Keys waiting for a delay to pass, with the time they become ready. */
  get delayed(): Map<string, number> {
    return new Map([...this.#delayed].map(([key, { readyAt }]) => [key, readyAt]));
  }

  /** Resolves when nothing is queued or in flight (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: queued and delayed keys are dropped, in-flight keys may finish for up to
   * `timeoutMs`, after which their signal is aborted and the promise resolves anyway.
   */
  async shutdown(timeoutMs = 30_000): Promise<ShutdownResult> {
    this.#shuttingDown = true;
    const dropped = this.#queue.length + this.#delayed.size;
    this.#queue.length = 0;
    for (const { timer } of this.#delayed.values()) this.#clock.clearTimeout(timer);
    this.#delayed.clear();
    this.#dirty.clear();
    let timer: unknown;
    const drained = await Promise.race([
      this.whenIdle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = this.#clock.setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    this.#clock.clearTimeout(timer);
    const unfinished = [...this.#processing];
    if (!drained) {
      this.#abort.abort(new Error("Work queue shut down before this key finished"));
      this.#options.logger.warn("{name}: shutdown timed out with keys in flight: {keys}", {
        name: this.#options.name ?? "work queue",
        keys: unfinished,
      });
    }
    return { drained, unfinished, dropped };
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  #pump(): void {
    const concurrency = this.#options.concurrency ?? 1;
    while (this.#started && this.#processing.size < concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#dirty.delete(key);
      this.#processing.add(key);
      void this.#run(key);
    }
    if (this.#isIdle()) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async #run(key: string): Promise<void> {
    let outcome: ProcessOutcome;
    try {
      outcome = await this.#process(key, this.#abort.signal);
    } catch (error) {
      this.#options.logger.error("{name}: processing {key} failed (retry {retries}): {error}", {
        name: this.#options.name ?? "work queue",
        key,
        retries: this.#limiter.retries(key) + 1,
        error,
      });
      outcome = { retry: true };
    }
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#queue.push(key);
    if (outcome && "retry" in outcome) {
      this.addRateLimited(key);
    } else {
      this.#limiter.forget(key);
      if (outcome) this.addAfter(key, outcome.requeueAfterMs);
    }
    this.#pump();
  }
}
