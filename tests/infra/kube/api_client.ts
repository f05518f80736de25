/**
 * A tiny Kubernetes API client for the harness: `fetch` with the admin bearer token and the test CA.
 *
 * Plain fetch keeps the harness free of @kubernetes/client-node and the permissions it needs under
 * Deno (unrestricted --allow-env, --allow-sys=uid); tests can still use client-node with the
 * kubeconfig the cluster writes.
 * @module
 */

import { KubeApiError } from "../../../src/kube/errors.ts";
import { PATCH_CONTENT_TYPES, type PatchType } from "../../../src/kube/http.ts";

/** A Kubernetes object as plain JSON. */
// deno-lint-ignore no-explicit-any
export type KubeObject = Record<string, any>;

/** Bearer-token client for one API server. Call `close()` to release the HTTP client. */
export class KubeApi {
  readonly #client: Deno.HttpClient;

  /**
   * An empty `token` sends anonymous requests (for the components' /healthz).
   *
   * @example
   * ```ts ignore
   * const api = new KubeApi("https://127.0.0.1:6443", token, await Deno.readTextFile(caFile));
   * const ns = await api.get("/api/v1/namespaces/default");
   * api.close();
   * ```
   */
  constructor(readonly server: string, readonly token: string, caCertPem: string) {
    this.#client = Deno.createHttpClient({ caCerts: [caCertPem] });
  }

  /** Sends one request; returns the parsed body, or throws {@linkcode KubeApiError}. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeObject> {
    const response = await fetch(this.server + path, {
      method,
      client: this.#client,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": contentType }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: KubeObject = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text };
    }
    if (!response.ok) {
      throw new KubeApiError(
        method,
        path,
        response.status,
        parsed.reason ?? "",
        parsed.message ?? text,
      );
    }
    return parsed;
  }

  /** GET a plain-text endpoint such as `/readyz`; throws {@linkcode KubeApiError} unless 2xx. */
  async getText(path: string): Promise<string> {
    const response = await fetch(this.server + path, {
      client: this.#client,
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    });
    const text = await response.text();
    if (!response.ok) throw new KubeApiError("GET", path, response.status, "", text);
    return text;
  }

  /** GET an object or list. */
  get(path: string): Promise<KubeObject> {
    return this.request("GET", path);
  }

  /** GET, or `undefined` on 404. */
  async getOrUndefined(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** POST a new object to a collection path. */
  create(collectionPath: string, object: KubeObject): Promise<KubeObject> {
    return this.request("POST", collectionPath, object);
  }

  /** PATCH with an explicit patch type (merge patch unless told otherwise). */
  patch(path: string, patch: unknown, type: PatchType = "merge"): Promise<KubeObject> {
    return this.request("PATCH", path, patch, PATCH_CONTENT_TYPES[type]);
  }

  /** DELETE; a missing object is not an error. `gracePeriodSeconds: 0` for pods on fake nodes. */
  async delete(path: string, options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    const body = { kind: "DeleteOptions", apiVersion: "v1", ...options };
    try {
      await this.request("DELETE", path, body);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return;
      throw error;
    }
  }

  /** Releases the HTTP client (its connections are resources the Deno test sanitizer tracks). */
  close(): void {
    this.#client.close();
  }
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, or throws after
 * `timeoutMs` with the last error seen.
 *
 * @example
 * ```ts ignore
 * const pvc = await waitFor("selected-node", async () => {
 *   const claim = await api.get(path);
 *   return claim.metadata.annotations?.["volume.kubernetes.io/selected-node"] ? claim : undefined;
 * });
 * ```
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
