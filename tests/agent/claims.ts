/** Claims and events on the test cluster, as the tests need them. */
import type { KubeApi, KubeObject } from "../infra/kube/api_client.ts";
import { waitFor } from "../infra/kube/api_client.ts";

export const SELECTED_NODE = "volume.kubernetes.io/selected-node";

/** What a test claim looks like. */
export interface ClaimOptions {
  name: string;
  namespace?: string;
  size?: string;
  storageClass?: string;
  /** Stands in for the scheduler: writes `selected-node` at creation. */
  node?: string;
  accessModes?: string[];
  volumeMode?: string;
  /** A claim to clone (`spec.dataSource` of kind PersistentVolumeClaim). */
  cloneOf?: string;
}

export function claimPath(name: string, namespace = "default"): string {
  return `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`;
}

/** Creates a claim; returns it as the API server stored it. */
export function createClaim(api: KubeApi, o: ClaimOptions): Promise<KubeObject> {
  return api.create(`/api/v1/namespaces/${o.namespace ?? "default"}/persistentvolumeclaims`, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: o.name,
      ...(o.node ? { annotations: { [SELECTED_NODE]: o.node } } : {}),
    },
    spec: {
      accessModes: o.accessModes ?? ["ReadWriteOnce"],
      storageClassName: o.storageClass ?? "local-lvm",
      resources: { requests: { storage: o.size ?? "64Mi" } },
      ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}),
      ...(o.cloneOf ? { dataSource: { kind: "PersistentVolumeClaim", name: o.cloneOf } } : {}),
    },
  });
}

/** Waits until the claim is Bound; returns it. */
export function waitBound(api: KubeApi, name: string, timeoutMs = 30_000, namespace = "default") {
  return waitFor(`claim ${name} Bound`, async () => {
    const c = await api.get(claimPath(name, namespace));
    return c.status?.phase === "Bound" ? c : undefined;
  }, timeoutMs);
}

/** True once GET of `path` answers 404. */
export function waitGone(api: KubeApi, path: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(`${path} gone`, async () => {
    try {
      await api.get(path);
      return undefined;
    } catch (error) {
      if ((error as { status?: number }).status === 404 || /404|not found/i.test(String(error))) {
        return true;
      }
      throw error;
    }
  }, timeoutMs);
}

/** Events about an object (by name) in a namespace, oldest first. */
export async function eventsAbout(
  api: KubeApi,
  name: string,
  namespace = "default",
): Promise<KubeObject[]> {
  const selector = encodeURIComponent(`involvedObject.name=${name}`);
  const list = await api.get(`/api/v1/namespaces/${namespace}/events?fieldSelector=${selector}`);
  return list.items;
}

/** Waits for an event with this reason (and a message matching `pattern`) on the object. */
export function waitEvent(
  api: KubeApi,
  name: string,
  reason: string,
  pattern: RegExp = /./,
  timeoutMs = 15_000,
  namespace = "default",
): Promise<KubeObject> {
  return waitFor(`${reason} event on ${name} matching ${pattern}`, async () => {
    const events = await eventsAbout(api, name, namespace);
    return events.find((e) => e.reason === reason && pattern.test(e.message ?? e.note ?? ""));
  }, timeoutMs);
}

/** The node a PV is pinned to. */
export function pinnedNode(pv: KubeObject): string {
  return pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0];
}
