/**
 * URL paths of the resources we use, and the reverse: which verb on which resource a request
 * was, so an RBAC refusal can say exactly what the manifests forgot.
 *
 * @module
 */

/** One API resource type. */
export interface ResourceType {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name as in URLs and RBAC rules, e.g. `persistentvolumeclaims`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** PersistentVolumeClaims (core/v1). */
export const PERSISTENT_VOLUME_CLAIMS: ResourceType = {
  group: "",
  version: "v1",
  plural: "persistentvolumeclaims",
  kind: "PersistentVolumeClaim",
  namespaced: true,
};

/** PersistentVolumes (core/v1). */
export const PERSISTENT_VOLUMES: ResourceType = {
  group: "",
  version: "v1",
  plural: "persistentvolumes",
  kind: "PersistentVolume",
  namespaced: false,
};

/** Nodes (core/v1). */
export const NODES: ResourceType = {
  group: "",
  version: "v1",
  plural: "nodes",
  kind: "Node",
  namespaced: false,
};

/** StorageClasses (storage.k8s.io/v1). */
export const STORAGE_CLASSES: ResourceType = {
  group: "storage.k8s.io",
  version: "v1",
  plural: "storageclasses",
  kind: "StorageClass",
  namespaced: false,
};

/** CSIStorageCapacities (storage.k8s.io/v1), for capacity-aware scheduling. */
export const CSI_STORAGE_CAPACITIES: ResourceType = {
  group: "storage.k8s.io",
  version: "v1",
  plural: "csistoragecapacities",
  kind: "CSIStorageCapacity",
  namespaced: true,
};

/** Events (events.k8s.io/v1). */
export const EVENTS: ResourceType = {
  group: "events.k8s.io",
  version: "v1",
  plural: "events",
  kind: "Event",
  namespaced: true,
};

/** Leases (coordination.k8s.io/v1), for leader election. */
export const LEASES: ResourceType = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
};

/**
 * The `apiVersion` of a resource type's objects.
 *
 * @example
 * ```ts
 * import { apiVersionOf, STORAGE_CLASSES } from "./api_path.ts";
 * if (apiVersionOf(STORAGE_CLASSES) !== "storage.k8s.io/v1") throw new Error();
 * ```
 */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Where in a resource type a path points. */
export interface PathTarget {
  /** Omit for a collection across all namespaces (or a cluster-scoped type). */
  namespace?: string;
  name?: string;
  /** e.g. `status`. */
  subresource?: string;
}

/**
 * The URL path of a collection, an object or a subresource.
 *
 * @example
 * ```ts
 * import { PERSISTENT_VOLUME_CLAIMS, resourcePath } from "./api_path.ts";
 * const path = resourcePath(PERSISTENT_VOLUME_CLAIMS, { namespace: "ns", name: "c" });
 * if (path !== "/api/v1/namespaces/ns/persistentvolumeclaims/c") throw new Error(path);
 * ```
 */
export function resourcePath(type: ResourceType, target: PathTarget = {}): string {
  const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && target.namespace
    ? `/namespaces/${encodeURIComponent(target.namespace)}`
    : "";
  let path = `${prefix}${scope}/${type.plural}`;
  if (target.name !== undefined) path += `/${encodeURIComponent(target.name)}`;
  if (target.subresource) path += `/${target.subresource}`;
  return path;
}

/** What a request asked for, in the terms RBAC rules use. */
export interface RequestInfo {
  verb: string;
  /** `""` for the core group. */
  group: string;
  /** Plural resource name, with `/subresource` when there is one. */
  resource: string;
  namespace?: string;
  name?: string;
}

function verbOf(method: string, hasName: boolean, watch: boolean): string {
  switch (method.toUpperCase()) {
    case "GET":
      return hasName ? "get" : watch ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/**
 * Parses a request back into verb, group and resource (for error messages).
 *
 * @example
 * ```ts
 * import { requestInfo } from "./api_path.ts";
 * const info = requestInfo("GET", "/apis/storage.k8s.io/v1/storageclasses?watch=true");
 * if (info.verb !== "watch" || info.resource !== "storageclasses") throw new Error();
 * ```
 */
export function requestInfo(method: string, pathWithQuery: string): RequestInfo {
  const url = new URL(pathWithQuery, "http://unused.invalid");
  const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
  const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let rest: string[];
  let group = "";
  if (parts[0] === "api") {
    rest = parts.slice(2);
  } else {
    group = parts[1] ?? "";
    rest = parts.slice(3);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = "", name, subresource] = rest;
  return {
    verb: verbOf(method, name !== undefined, watch),
    group,
    resource: subresource ? `${plural}/${subresource}` : plural,
    namespace,
    name,
  };
}
