/**
 * The list and watch halves a {@link Reflector} runs, and their implementation over the API
 * server for one resource type (optionally one namespace, label and field selectors).
 *
 * @module
 */

import { apiVersionOf, resourcePath, type ResourceType } from "./api_path.ts";
import type { KubeHttp, Query } from "./http.ts";
import type { KubeObject, WatchEvent } from "./objects.ts";
import { watchEvents } from "./watch_stream.ts";

/** A complete list and the resourceVersion to watch from. */
export interface ListResult<T extends KubeObject> {
  items: T[];
  resourceVersion: string;
}

/** List and watch of one set of objects. */
export interface ListWatch<T extends KubeObject> {
  /** What is watched, for log lines, e.g. `persistentvolumes (labelSelector a=b)`. */
  readonly description: string;
  /** A consistent, complete list (all pages). */
  list(signal: AbortSignal): Promise<ListResult<T>>;
  /**
   * Events after `resourceVersion`, until the server ends the watch (normal return). Errors
   * throw; a `410 Gone` comes as an `ERROR` event or as a thrown error. Aborting `signal` or
   * leaving the loop early must release the connection.
   */
  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

/** Which objects, and how to watch them. */
export interface ApiListWatchOptions {
  /** Only this namespace; all namespaces when omitted. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** List page size; default 500. */
  pageSize?: number;
  /**
   * Each watch asks the server to end it after a random time in [this, 2 × this) seconds, as
   * client-go does, so reconnections spread out; default 300.
   */
  minWatchTimeoutSeconds?: number;
  /** A watch silent this long is treated as dead; default 150 s (bookmarks come every ~60 s). */
  idleTimeoutMs?: number;
  random?: () => number;
}

function describe(type: ResourceType, options: ApiListWatchOptions): string {
  const parts = [type.plural];
  if (type.namespaced) parts.push(`namespace ${options.namespace ?? "(all)"}`);
  if (options.labelSelector) parts.push(`labelSelector ${options.labelSelector}`);
  if (options.fieldSelector) parts.push(`fieldSelector ${options.fieldSelector}`);
  return parts.join(", ");
}

interface ListPage<T> {
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/**
 * List and watch of `type` through the API server. List items are given `apiVersion` and
 * `kind` (the server leaves them out of list items), so they look exactly like watch objects.
 *
 * @example
 * ```ts ignore
 * const pvs = apiListWatch(clients.http, PERSISTENT_VOLUMES, { labelSelector: "a=b" });
 * const { items, resourceVersion } = await pvs.list(signal);
 * ```
 */
export function apiListWatch<T extends KubeObject>(
  http: KubeHttp,
  type: ResourceType,
  options: ApiListWatchOptions = {},
): ListWatch<T> {
  const path = resourcePath(type, { namespace: options.namespace });
  const selectors: Query = {
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  };
  const apiVersion = apiVersionOf(type);
  const random = options.random ?? Math.random;
  return {
    description: describe(type, options),
    async list(signal) {
      const items: T[] = [];
      let resourceVersion: string | undefined;
      let next: string | undefined;
      do {
        const page = await http.request<ListPage<T>>("GET", path, {
          query: { ...selectors, limit: options.pageSize ?? 500, continue: next },
          signal,
        });
        resourceVersion ??= page.metadata?.resourceVersion;
        for (const item of page.items ?? []) {
          items.push({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: type.kind });
        }
        next = page.metadata?.continue || undefined;
      } while (next);
      if (!resourceVersion) throw new Error(`List of ${type.plural} has no resourceVersion`);
      return { items, resourceVersion };
    },
    watch(resourceVersion, signal) {
      const minTimeout = options.minWatchTimeoutSeconds ?? 300;
      const query: Query = {
        ...selectors,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(minTimeout * (1 + random())),
      };
      return watchEvents<T>(http, path, query, signal, options.idleTimeoutMs ?? 150_000);
    },
  };
}
