/**
 * `/healthz` (the process and its loops are alive) and `/readyz` (caches synced, journal
 * recovered, config valid), for the DaemonSet's probes.
 *
 * @module
 */

/** What the probes report on. */
export interface HealthSource {
  /** Milliseconds since the agent's loops last showed a sign of life. */
  sinceHeartbeatMs(): number;
  /** Reasons the agent is not ready yet; empty when ready. */
  notReady(): string[];
}

/** A heartbeat older than this fails `/healthz`. */
export const HEARTBEAT_LIMIT_MS = 60_000;

/** Answers one probe request. */
export function handleProbe(path: string, source: HealthSource): Response {
  if (path === "/healthz") {
    const age = source.sinceHeartbeatMs();
    return age <= HEARTBEAT_LIMIT_MS
      ? new Response("ok\n")
      : new Response(`no heartbeat for ${Math.round(age / 1000)} s\n`, { status: 503 });
  }
  if (path === "/readyz") {
    const reasons = source.notReady();
    return reasons.length === 0
      ? new Response("ok\n")
      : new Response(reasons.join("\n") + "\n", { status: 503 });
  }
  return new Response("not found\n", { status: 404 });
}

/** Serves the probes until the signal aborts. */
export function serveProbes(
  hostname: string,
  port: number,
  source: HealthSource,
  signal: AbortSignal,
  extra?: (path: string) => Response | Promise<Response> | undefined,
): Deno.HttpServer {
  return Deno.serve(
    { hostname, port, signal, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      return (await extra?.(path)) ?? handleProbe(path, source);
    },
  );
}
