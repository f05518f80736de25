/**
 * One watch request: a stream of newline-delimited JSON events, guarded by an idle timeout so a
 * dead connection is noticed. The server sends a BOOKMARK about once a minute to watchers that
 * ask for them, so silence well beyond that means the connection is gone.
 *
 * @module
 */

import type { KubeHttp, Query } from "./http.ts";
import type { KubeObject, WatchEvent } from "./objects.ts";

/** The watch received nothing for longer than its idle timeout. */
export class WatchIdleError extends Error {
  constructor(readonly path: string, readonly idleMs: number) {
    super(`Watch ${path} received nothing for ${idleMs} ms; assuming the connection is dead`);
    this.name = "WatchIdleError";
  }
}

/** The watch stream sent something that is not a watch event. */
export class WatchProtocolError extends Error {
  constructor(readonly path: string, readonly line: string) {
    super(`Watch ${path} sent an unreadable line: ${line.slice(0, 200)}`);
    this.name = "WatchProtocolError";
  }
}

const EVENT_TYPES = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

function parseEvent<T extends KubeObject>(path: string, line: string): WatchEvent<T> {
  let parsed: { type?: unknown; object?: unknown };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new WatchProtocolError(path, line);
  }
  if (typeof parsed.type !== "string" || !EVENT_TYPES.has(parsed.type) || !parsed.object) {
    throw new WatchProtocolError(path, line);
  }
  return parsed as WatchEvent<T>;
}

/**
 * Opens a watch on `path` and yields its events until the server closes it (normal return).
 * Throws {@link WatchIdleError}, {@link WatchProtocolError}, or the request's error. Aborting
 * `signal`, or leaving the loop early, cancels the stream and releases the connection.
 *
 * @example
 * ```ts ignore
 * for await (const event of watchEvents(http, "/api/v1/nodes", { resourceVersion }, signal)) {
 *   console.log(event.type);
 * }
 * ```
 */
export async function* watchEvents<T extends KubeObject>(
  http: KubeHttp,
  path: string,
  query: Query,
  signal: AbortSignal,
  idleTimeoutMs: number,
): AsyncGenerator<WatchEvent<T>> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armIdleTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new WatchIdleError(path, idleTimeoutMs)),
      idleTimeoutMs,
    );
  };
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const cancel = () => reader?.cancel(controller.signal.reason).catch(() => {});
  try {
    if (signal.aborted) return;
    armIdleTimer();
    const stream = await http.openStream(path, { ...query, watch: true }, controller.signal);
    reader = stream.getReader();
    controller.signal.addEventListener("abort", cancel, { once: true });
    if (controller.signal.aborted) cancel();
    const decoder = new TextDecoder();
    let buffered = "";
    while (true) {
      const { done, value } = await reader.read();
      if (controller.signal.aborted) break;
      if (done) break;
      armIdleTimer();
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() !== "") yield parseEvent<T>(path, line);
      }
    }
    // Our own stop is a normal end; a timeout is not.
    if (controller.signal.aborted && !signal.aborted) throw controller.signal.reason;
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    controller.signal.removeEventListener("abort", cancel);
    await reader?.cancel().catch(() => {});
  }
}
