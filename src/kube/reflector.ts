/**
 * Our own reflector: list, then watch from the list's resourceVersion (with bookmarks), keep a
 * cache, and call handlers. It never stops on its own: a `410 Gone` relists (and reports objects
 * that vanished meanwhile as deletes), any other error or an early close restarts the watch after
 * a jittered, capped exponential back-off, and every restart is logged with its reason.
 *
 * @module
 */

import { Backoff, type BackoffOptions } from "./backoff.ts";
import { type Clock, realClock, sleep } from "./clock.ts";
import { isGone, KubeApiError } from "./errors.ts";
import type { ListWatch } from "./list_watch.ts";
import type { KubeLogger } from "./logger.ts";
import { type KubeObject, objectKey } from "./objects.ts";

/** Called for every change; keep them quick and synchronous (enqueue a key). */
export interface ReflectorHandlers<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  /**
   * `finalStateUnknown` is true when the delete was inferred from a relist: `object` is then the
   * last state seen, not the final one.
   */
  onDelete?(object: T, finalStateUnknown: boolean): void;
}

/** How a {@link Reflector} is set up. */
export interface ReflectorOptions<T extends KubeObject> {
  listWatch: ListWatch<T>;
  handlers?: ReflectorHandlers<T>;
  logger: KubeLogger;
  /** Name in log lines; defaults to the list-watch description. */
  name?: string;
  /** Restart back-off; default 500 ms doubling to 30 s, +20 % jitter. */
  backoff?: Partial<BackoffOptions>;
  /** A watch that lived this long resets the back-off; default 60 s. */
  healthyWatchMs?: number;
  clock?: Clock;
}

/** Health of a reflector, for metrics and readiness. */
export interface ReflectorStatus {
  synced: boolean;
  /** Watch restarts since start, for whatever reason. */
  restarts: number;
  /** Complete lists since start (1 after the initial sync). */
  lists: number;
  lastError?: unknown;
  lastErrorAt?: number;
  resourceVersion?: string;
}

/** Keeps a cache of one set of objects in step with the API server. */
export class Reflector<T extends KubeObject> {
  readonly #options: ReflectorOptions<T>;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  #cache = new Map<string, T>();
  #resourceVersion: string | undefined;
  #status: ReflectorStatus = { synced: false, restarts: 0, lists: 0 };
  #running: Promise<void> | undefined;
  #resolveSynced!: (synced: boolean) => void;
  /** Resolves true after the first complete list, or false if stopped before. */
  readonly synced: Promise<boolean>;

  constructor(options: ReflectorOptions<T>) {
    this.#options = options;
    this.#name = options.name ?? options.listWatch.description;
    this.#clock = options.clock ?? realClock;
    this.#backoff = new Backoff({ initialMs: 500, maxMs: 30_000, ...options.backoff });
    this.synced = new Promise((resolve) => this.#resolveSynced = resolve);
  }

  /** Starts listing and watching (once; later calls do nothing). */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops the watch and every timer; resolves once nothing is left running. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error(`Reflector ${this.#name} stopped`));
    await this.#running;
    this.#resolveSynced(false);
  }

  /** Whether the initial list has completed. */
  get hasSynced(): boolean {
    return this.#status.synced;
  }

  /** A snapshot of the reflector's health. */
  get status(): ReflectorStatus {
    return { ...this.#status, resourceVersion: this.#resourceVersion };
  }

  /** The cached object with this key (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#cache.values()];
  }

  #notify(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#options.logger.error("{name}: {what} handler failed: {error}", {
        name: this.#name,
        what,
        error,
      });
    }
  }

  #upsert(object: T): void {
    const key = objectKey(object);
    const old = this.#cache.get(key);
    this.#cache.set(key, object);
    const { onAdd, onUpdate } = this.#options.handlers ?? {};
    if (old) this.#notify("update", () => onUpdate?.(old, object));
    else this.#notify("add", () => onAdd?.(object));
  }

  #remove(object: T, finalStateUnknown: boolean): void {
    this.#cache.delete(objectKey(object));
    this.#notify("delete", () => this.#options.handlers?.onDelete?.(object, finalStateUnknown));
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.#options.listWatch.list(signal);
    if (signal.aborted) return;
    const previous = this.#cache;
    this.#cache = new Map();
    for (const item of items) {
      const old = previous.get(objectKey(item));
      if (old && old.metadata.resourceVersion === item.metadata.resourceVersion) {
        this.#cache.set(objectKey(item), item);
      } else {
        if (old) this.#cache.set(objectKey(item), old);
        this.#upsert(item);
      }
    }
    for (const [key, old] of previous) {
      if (!this.#cache.has(key)) this.#remove(old, true);
    }
    this.#resourceVersion = resourceVersion;
    this.#status.lists++;
    this.#options.logger.info("{name}: listed {count} objects at resourceVersion {rv}", {
      name: this.#name,
      count: items.length,
      rv: resourceVersion,
    });
    if (!this.#status.synced) {
      this.#status.synced = true;
      this.#resolveSynced(true);
    }
  }

  /** Runs one watch to its end; returns how many events it delivered. */
  async #watchOnce(signal: AbortSignal): Promise<number> {
    let events = 0;
    const stream = this.#options.listWatch.watch(this.#resourceVersion!, signal);
    for await (const event of stream) {
      if (signal.aborted) break;
      events++;
      if (event.type === "ERROR") {
        const where = `(watch of ${this.#name} from ${this.#resourceVersion})`;
        throw KubeApiError.fromStatus("GET", where, event.object.code ?? 500, event.object);
      }
      if (event.type === "DELETED") this.#remove(event.object, false);
      else if (event.type !== "BOOKMARK") this.#upsert(event.object);
      this.#resourceVersion = event.object.metadata.resourceVersion ?? this.#resourceVersion;
    }
    return events;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const { logger } = this.#options;
    const healthyMs = this.#options.healthyWatchMs ?? 60_000;
    let needList = true;
    let goneInARow = 0;
    while (!signal.aborted) {
      let failure: unknown;
      let started: number | undefined;
      try {
        if (needList) {
          await this.#relist(signal);
          needList = false;
        }
        started = this.#clock.now();
        const events = await this.#watchOnce(signal);
        if (signal.aborted) break;
        const lived = this.#clock.now() - started;
        if (lived >= healthyMs) this.#backoff.reset();
        if (events > 0) goneInARow = 0;
        if (events > 0 || lived >= 1_000) {
          this.#status.restarts++;
          logger.info("{name}: watch ended after {lived} ms and {events} events; restarting", {
            name: this.#name,
            lived,
            events,
          });
          continue;
        }
        failure = new Error(`Watch closed after ${lived} ms without any event`);
      } catch (error) {
        failure = error;
      }
      if (signal.aborted) break;
      // A watch that ran well before failing starts the back-off afresh.
      if (started !== undefined && this.#clock.now() - started >= healthyMs) this.#backoff.reset();
      this.#status.restarts++;
      this.#status.lastError = failure;
      this.#status.lastErrorAt = this.#clock.now();
      const gone = isGone(failure);
      if (gone) {
        needList = true;
        goneInARow++;
      }
      // The first 410 relists at once, as client-go does; a repeat backs off like any error.
      const delay = gone && goneInARow === 1 ? 0 : this.#backoff.next();
      const template = gone
        ? "{name}: resourceVersion expired, relisting in {delay} ms (restart {restarts}): {error}"
        : started === undefined
        ? "{name}: list failed, retrying in {delay} ms (restart {restarts}): {error}"
        : "{name}: watch failed, restarting in {delay} ms (restart {restarts}): {error}";
      logger.warn(template, {
        name: this.#name,
        delay,
        restarts: this.#status.restarts,
        error: failure instanceof Error ? failure.message : String(failure),
      });
      if (delay > 0) await sleep(this.#clock, delay, signal);
    }
  }
}
