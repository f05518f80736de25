/** A {@link ListWatch} driven by the test: scripted lists, and watches the test feeds by hand. */

import type { ListResult, ListWatch } from "../../src/kube/list_watch.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/objects.ts";

/** One watch the reflector opened; the test pushes events into it and ends it. */
export class FakeWatch<T extends KubeObject> implements AsyncIterable<WatchEvent<T>> {
  readonly #queue: (WatchEvent<T> | { end: true; error?: unknown })[] = [];
  #wake: (() => void) | undefined;
  ended = false;

  constructor(readonly resourceVersion: string, readonly signal: AbortSignal) {
    signal.addEventListener("abort", () => this.end());
  }

  push(event: WatchEvent<T>): void {
    this.#queue.push(event);
    this.#wake?.();
  }

  /** Ends the watch normally (or with `error`). */
  end(error?: unknown): void {
    this.#queue.push({ end: true, error });
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    try {
      while (true) {
        const next = this.#queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        if ("end" in next) {
          if (next.error !== undefined) throw next.error;
          return;
        }
        yield next;
      }
    } finally {
      this.ended = true;
    }
  }
}

/** Lists answer from `lists` in order (an Error is thrown); watches are recorded in `watches`. */
export class ScriptedListWatch<T extends KubeObject> implements ListWatch<T> {
  readonly description = "scripted things";
  readonly lists: (ListResult<T> | Error)[] = [];
  readonly watches: FakeWatch<T>[] = [];
  listCalls = 0;

  list(_signal: AbortSignal): Promise<ListResult<T>> {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) return Promise.reject(new Error("no list scripted"));
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(structuredClone(next));
  }

  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const watch = new FakeWatch<T>(resourceVersion, signal);
    this.watches.push(watch);
    return watch;
  }

  /** The watch opened most recently. */
  get current(): FakeWatch<T> {
    const watch = this.watches.at(-1);
    if (!watch) throw new Error("no watch opened yet");
    return watch;
  }
}

/** A minimal object with a resourceVersion. */
export function thing(name: string, resourceVersion: string, namespace = "ns"): KubeObject {
  return { apiVersion: "v1", kind: "Thing", metadata: { name, namespace, resourceVersion } };
}
