/**
 * The API permissions the agent needs: the rules of deploy/rbac.yaml, as data. `doctor`
 * asks the API server about each (the image carries src/, not deploy/), and
 * tests/ops/agent_rbac_test.ts fails the suite if this list and deploy/rbac.yaml ever differ.
 *
 * @module
 */

/** The agent's namespace, where its Role applies. */
export const AGENT_NAMESPACE = "local-lvm-storage";
/** The agent's ServiceAccount. */
export const AGENT_SERVICE_ACCOUNT = "local-lvm-agent";

/** One rule: verbs on a resource, cluster-wide (ClusterRole) or in the agent's namespace (Role). */
export interface Permission {
  /** API group; "" is the core group. */
  group: string;
  resource: string;
  verbs: readonly string[];
  scope: "cluster" | "namespace";
}

const WATCH = ["get", "list", "watch"];

/** Every rule of the ClusterRole and Role `local-lvm-agent`, in file order. */
export const AGENT_PERMISSIONS: readonly Permission[] = [
  { group: "", resource: "persistentvolumeclaims", verbs: [...WATCH, "patch"], scope: "cluster" },
  { group: "", resource: "persistentvolumeclaims/status", verbs: ["patch"], scope: "cluster" },
  {
    group: "",
    resource: "persistentvolumes",
    verbs: [...WATCH, "create", "delete", "patch"],
    scope: "cluster",
  },
  { group: "storage.k8s.io", resource: "storageclasses", verbs: WATCH, scope: "cluster" },
  { group: "", resource: "nodes", verbs: WATCH, scope: "cluster" },
  { group: "", resource: "events", verbs: ["create", "patch"], scope: "cluster" },
  { group: "events.k8s.io", resource: "events", verbs: ["create", "patch"], scope: "cluster" },
  {
    group: "coordination.k8s.io",
    resource: "leases",
    verbs: ["get", "create", "update"],
    scope: "namespace",
  },
  {
    group: "storage.k8s.io",
    resource: "csistoragecapacities",
    verbs: ["list", "watch", "create", "patch", "delete"],
    scope: "namespace",
  },
];

/**
 * `resource` or `resource.group`, as kubectl names a resource.
 *
 * @example
 * ```ts
 * import { resourceName } from "./agent_rbac.ts";
 * if (resourceName({ group: "events.k8s.io", resource: "events" }) !== "events.events.k8s.io") {
 *   throw new Error();
 * }
 * ```
 */
export function resourceName(p: Pick<Permission, "group" | "resource">): string {
  return p.group === "" ? p.resource : `${p.resource}.${p.group}`;
}
