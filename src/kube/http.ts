/**
 * Raw JSON requests and watch streams to the API server. Credentials come from client-node's
 * `KubeConfig` (kubeconfig, in-cluster token file, exec plugins: refreshed per request); the
 * requests themselves use Deno's own `fetch`, because under Deno the npm `undici` that client-node
 * uses never ends a response body whose connection was closed (a watch on an API server that died
 * would hang forever). Raw, because client-node's typed APIs turn responses into model classes
 * (dropping fields they do not know, Dates instead of strings) while watch events arrive as plain
 * JSON: everything here is plain JSON as the server sent it.
 *
 * @module
 */

import type { RequestOptions as HttpsRequestOptions } from "node:https";
import type { HttpMethod, RequestContext } from "@kubernetes/client-node";
import { KubeApiError } from "./errors.ts";
import type { HttpCredentials } from "./own_config.ts";
import type { StatusObject } from "./objects.ts";

/** The three patch flavours; the Content-Type must always be explicit. */
export type PatchType = "merge" | "strategic" | "json";

/** Content-Type of each {@link PatchType}. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

/** Query parameters; `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  /** Serialised as JSON. */
  body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
  /** Whole request including the body; defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
}

type Dispatcher = ReturnType<RequestContext["getDispatcher"]>;

/** Options of {@link KubeHttp}. */
export interface KubeHttpOptions {
  /** Timeout of ordinary (non-streaming) requests; default 60 s. */
  timeoutMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

function pem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array);
}

/**
 * Credentials: client-node's `KubeConfig` (which also authenticates its typed APIs), or the
 * agent's own loader (own_config.ts), which does not.
 */
export type KubeHttpCredentials = HttpCredentials & {
  applySecurityAuthentication?(context: RequestContext): Promise<void>;
};

/** JSON client for one API server; build it with `createKubeClients`. */
export class KubeHttp {
  readonly #config: KubeHttpCredentials;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  #client: Deno.HttpClient | undefined;
  #dispatcher: Dispatcher;
  #closed = false;

  constructor(config: KubeHttpCredentials, options: KubeHttpOptions = {}) {
    this.#config = config;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#userAgent = options.userAgent ?? "local-lvm";
  }

  /** Base URL of the API server. */
  get server(): string {
    const cluster = this.#config.getCurrentCluster();
    if (!cluster) throw new Error("The kubeconfig has no current cluster");
    return cluster.server;
  }

  /**
   * For client-node's typed APIs: applies the kubeconfig's credentials and makes every request
   * share one connection pool (client-node would otherwise build a pool per request).
   */
  async authenticate(context: RequestContext): Promise<void> {
    if (this.#closed) throw new Error("The Kubernetes client is closed");
    if (!this.#config.applySecurityAuthentication) {
      throw new Error("These credentials do not serve client-node's typed APIs");
    }
    await this.#config.applySecurityAuthentication(context);
    this.#dispatcher ??= context.getDispatcher();
    if (this.#dispatcher) context.setDispatcher(this.#dispatcher);
  }

  /** Credentials for one request (a token file or exec plugin may have new ones), and the TLS
   * client, made once from the kubeconfig's CA and client certificate. */
  async #prepare(): Promise<{ client: Deno.HttpClient; headers: Headers }> {
    if (this.#closed) throw new Error("The Kubernetes client is closed");
    const options: HttpsRequestOptions = {};
    await this.#config.applyToHTTPSOptions(options);
    if (!this.#client) {
      if (this.#config.getCurrentCluster()?.skipTLSVerify && this.server.startsWith("https:")) {
        throw new Error("insecure-skip-tls-verify is not supported: give the server's CA instead");
      }
      const ca = pem(options.ca);
      const cert = pem(options.cert);
      const key = pem(options.key);
      this.#client = Deno.createHttpClient({
        caCerts: ca ? [ca] : undefined,
        ...(cert && key ? { cert, key } : {}),
      });
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) headers.set(name, String(value));
    }
    if (options.auth) headers.set("Authorization", `Basic ${btoa(options.auth)}`);
    headers.set("Accept", "application/json");
    headers.set("User-Agent", this.#userAgent);
    return { client: this.#client, headers };
  }

  async #send(method: HttpMethod, path: string, options: RequestOptions, signal: AbortSignal) {
    const { client, headers } = await this.#prepare();
    if (options.body !== undefined) {
      headers.set("Content-Type", options.contentType ?? "application/json");
    }
    return await fetch(this.server + path, {
      method,
      client,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
    });
  }

  #failure(method: string, path: string, code: number, body: string): never {
    let status: StatusObject | undefined;
    try {
      status = JSON.parse(body) as StatusObject;
    } catch {
      status = { message: body.slice(0, 2000) };
    }
    throw KubeApiError.fromStatus(method, path, code, status);
  }

  /**
   * Sends one request and returns the parsed JSON body (undefined when empty). A non-2xx answer
   * throws {@link KubeApiError}; a timeout throws an error saying so.
   */
  async request<T = unknown>(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const fullPath = withQuery(path, options.query);
    const controller = new AbortController();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timer = setTimeout(() => {
      controller.abort(new Error(`${method} ${fullPath} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      options.signal?.throwIfAborted();
      const response = await this.#send(method, fullPath, options, controller.signal);
      const text = await response.text();
      if (!response.ok) this.#failure(method, fullPath, response.status, text);
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (error) {
      // fetch reports an abort as its own AbortError: say why instead.
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Opens a streaming GET (a watch). Resolves once the server answered 200; any other answer
   * throws {@link KubeApiError}. The caller must cancel the stream (or read it to the end).
   */
  async openStream(
    path: string,
    query: Query,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const fullPath = withQuery(path, query);
    const response = await this.#send("GET", fullPath, {}, signal);
    if (response.status !== 200) {
      this.#failure("GET", fullPath, response.status, await response.text());
    }
    if (!response.body) throw new Error(`GET ${fullPath}: the server sent no body`);
    return response.body;
  }

  /** Closes the connections; requests after this fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#client?.close();
    this.#client = undefined;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    await dispatcher?.destroy();
  }
}
