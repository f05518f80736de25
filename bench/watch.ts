/**
 * A watch in the bench process that stamps every event with `performance.now()` the moment its
 * line arrives, so latencies are measured from what the API server delivered (its
 * creationTimestamp has one-second resolution, too coarse for milliseconds).
 *
 * @module
 */

import type { KubeObject } from "../tests/infra/kube/api_client.ts";

const DEBUG = Deno.env.get("BENCH_DEBUG") === "1";
const debug = (line: string) => DEBUG && console.error(`[watch] ${line}`);

/** One watch event as it arrived. */
export interface StampedEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  /** `performance.now()` when the line was read. */
  at: number;
}

/** Where and as whom to watch. */
export interface WatchTarget {
  server: string;
  token: string;
  caCertPem: string;
}

/** A running watch of one collection; `stop()` ends it. */
export class StampedWatch {
  readonly #client: Deno.HttpClient;
  readonly #abort = new AbortController();
  #done?: Promise<void>;
  #resourceVersion = "";
  #reader?: ReadableStreamDefaultReader<Uint8Array>;

  constructor(
    readonly target: WatchTarget,
    readonly collectionPath: string,
    readonly onEvent: (event: StampedEvent) => void,
  ) {
    this.#client = Deno.createHttpClient({ caCerts: [target.caCertPem] });
  }

  /** Lists (to learn the resourceVersion, reporting nothing) and starts watching from there. */
  async start(): Promise<void> {
    debug(`listing ${this.collectionPath}`);
    const list = await this.#fetch(this.collectionPath);
    this.#resourceVersion = (await list.json()).metadata.resourceVersion;
    debug(`listed ${this.collectionPath} at ${this.#resourceVersion}`);
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    debug(`stopping watch ${this.collectionPath}`);
    this.#abort.abort();
    // An aborted fetch does not always end a body read in progress: cancel the read too, and
    // should even that not end the loop, do not wait for it.
    void this.#reader?.cancel().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#done?.catch(() => {}),
      new Promise((r) => (timer = setTimeout(r, 2_000))),
    ]);
    clearTimeout(timer);
    debug(`loop of ${this.collectionPath} ended`);
    this.#client.close();
    debug(`watch ${this.collectionPath} stopped`);
  }

  #fetch(path: string): Promise<Response> {
    return fetch(this.target.server + path, {
      client: this.#client,
      signal: this.#abort.signal,
      headers: { authorization: `Bearer ${this.target.token}`, accept: "application/json" },
    });
  }

  /** Watches until stopped, resuming from the last resourceVersion when the server ends a watch. */
  async #loop(): Promise<void> {
    const sep = this.collectionPath.includes("?") ? "&" : "?";
    while (!this.#abort.signal.aborted) {
      debug(`watching ${this.collectionPath} from ${this.#resourceVersion}`);
      const response = await this.#fetch(
        `${this.collectionPath}${sep}watch=1&resourceVersion=${this.#resourceVersion}`,
      );
      if (!response.ok || !response.body) {
        throw new Error(
          `watch ${this.collectionPath}: ${response.status} ${await response.text()}`,
        );
      }
      let buffered = "";
      const decoder = new TextDecoder();
      const reader = this.#reader = response.body.getReader();
      while (true) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        const at = performance.now();
        buffered += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line);
          if (event.type === "ERROR") {
            throw new Error(`watch ${this.collectionPath}: ${JSON.stringify(event.object)}`);
          }
          this.#resourceVersion = event.object.metadata.resourceVersion;
          if (event.type === "BOOKMARK") continue;
          this.onEvent({ type: event.type, object: event.object, at });
        }
      }
    }
  }
}
