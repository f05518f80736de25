/**
 * Fake Nodes: Node objects that the scheduler accepts, with no kubelet behind them.
 *
 * Without a node-lifecycle controller nothing marks them NotReady later, so one status patch lasts.
 * Pods bound to them never run: delete them with `gracePeriodSeconds: 0`, or they wait for a kubelet
 * forever (and PVC protection then holds their claims).
 * @module
 */

import { KubeApiError } from "../../../src/kube/errors.ts";
import { type KubeApi, waitFor } from "./api_client.ts";

/** Capacity of a fake node; defaults fit ordinary test pods. */
export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

const DEFAULT_CAPACITY: NodeCapacity = { cpu: "4", memory: "8Gi", pods: "110" };

/** The taint that the TaintNodesByCondition admission plugin puts on every new Node. */
const NOT_READY_TAINT = "node.kubernetes.io/not-ready";

/**
 * Creates a Ready, schedulable Node labelled `kubernetes.io/hostname=<name>` (idempotent).
 *
 * @example
 * ```ts ignore
 * await addNode(api, "node-a", { "topology.example.io/zone": "a" });
 * ```
 */
export async function addNode(
  api: KubeApi,
  name: string,
  labels: Record<string, string> = {},
  capacity: NodeCapacity = DEFAULT_CAPACITY,
): Promise<void> {
  const path = `/api/v1/nodes/${name}`;
  try {
    await api.create("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          ...labels,
        },
      },
    });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
  }
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await api.patch(`${path}/status`, {
    status: {
      capacity: capacity,
      allocatable: capacity,
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "KubeletReady",
        message: "fake node of the local-lvm test harness",
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      }],
    },
  });
  // The resourceVersion makes the patch conditional: a concurrent taint change makes us retry.
  await waitFor(`${NOT_READY_TAINT} taint removed from node ${name}`, async () => {
    const node = await api.get(path);
    const taints: { key: string }[] = node.spec?.taints ?? [];
    const kept = taints.filter((taint) => taint.key !== NOT_READY_TAINT);
    if (kept.length === taints.length) return true;
    await api.patch(path, {
      metadata: { resourceVersion: node.metadata.resourceVersion },
      spec: { taints: kept.length > 0 ? kept : null },
    });
    return undefined;
  }, 10_000);
}

/**
 * Deletes a Node and waits until it is gone (missing is fine).
 *
 * @example
 * ```ts ignore
 * await removeNode(api, "node-a");
 * ```
 */
export async function removeNode(api: KubeApi, name: string): Promise<void> {
  const path = `/api/v1/nodes/${name}`;
  await api.delete(path);
  await waitFor(`node ${name} deleted`, async () => !await api.getOrUndefined(path), 30_000);
}
