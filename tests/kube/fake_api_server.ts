/** A plain-HTTP stand-in for the API server on 127.0.0.1, for protocol edge cases. */

import { KubeConfig } from "@kubernetes/client-node";
import { KubeHttp } from "../../src/kube/http.ts";

/** A running fake server and a client pointed at it. */
export interface FakeApiServer {
  http: KubeHttp;
  /** Every request URL the server received. */
  requests: URL[];
  close(): Promise<void>;
}

/** Starts `handler` on a free loopback port and returns a {@link KubeHttp} for it. */
export function startFakeApiServer(
  handler: (request: Request, url: URL) => Response | Promise<Response>,
  timeoutMs?: number,
): FakeApiServer {
  const requests: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url);
    return handler(request, url);
  });
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{
      name: "fake",
      server: `http://127.0.0.1:${server.addr.port}`,
      skipTLSVerify: true,
    }],
    users: [{ name: "u", token: "fake-token" }],
    contexts: [{ name: "c", cluster: "fake", user: "u" }],
    currentContext: "c",
  });
  const http = new KubeHttp(config, { timeoutMs });
  return {
    http,
    requests,
    async close() {
      await http.close();
      await server.shutdown();
    },
  };
}

/** A streaming response whose chunks the test writes and closes. */
export function controlledStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => controller = c,
    cancel: () => void (cancelled = true),
  });
  return {
    response: () => new Response(body, { headers: { "content-type": "application/json" } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
    /** Breaks the response off mid-stream, as a dying server does. */
    fail: () => controller.error(new Error("server died")),
    get cancelled() {
      return cancelled;
    },
  };
}
