/**
 * Kubernetes objects as plain JSON, exactly as the API server sends them. Lists, watch events and
 * reads all give this one shape: nothing in `src/kube` hands out client-node model classes.
 *
 * @module
 */

/** The metadata fields this project reads; the rest are kept as sent. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string | null;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  finalizers?: string[] | null;
  [key: string]: unknown;
}

/** Any Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A `Status` object, as the API server sends with errors and with watch `ERROR` events. */
export interface StatusObject {
  kind?: "Status";
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

/** The event types of a watch stream. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One line of a watch stream. `ERROR` events carry a {@link StatusObject}. */
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: StatusObject };

/**
 * The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects
 * (client-go's `MetaNamespaceKeyFunc`).
 *
 * @example
 * ```ts
 * import { objectKey } from "./objects.ts";
 * if (objectKey({ metadata: { name: "c", namespace: "ns" } }) !== "ns/c") throw new Error();
 * if (objectKey({ metadata: { name: "pv-1" } }) !== "pv-1") throw new Error();
 * ```
 */
export function objectKey(object: { metadata: { name: string; namespace?: string } }): string {
  const { name, namespace } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}
