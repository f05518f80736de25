/** Pods for the real scheduler to place (no kubelet ever runs them), and how it placed them. */
import type { KubeApi, KubeObject } from "../infra/kube/api_client.ts";
import { waitFor } from "../infra/kube/api_client.ts";

const HOSTNAME = "kubernetes.io/hostname";

/** A pod that mounts one claim. */
export interface PodOptions {
  name: string;
  claim: string;
  namespace?: string;
  /** Preferred (weight 100) node: without a capacity check the scheduler would pick it. */
  preferNode?: string;
  /** Required node: the scheduler may pick this one only. */
  onlyNode?: string;
}

export function podPath(name: string, namespace = "default"): string {
  return `/api/v1/namespaces/${namespace}/pods/${name}`;
}

/** Creates the pod. */
export function createPod(api: KubeApi, o: PodOptions): Promise<KubeObject> {
  const term = (node: string) => ({
    matchExpressions: [{ key: HOSTNAME, operator: "In", values: [node] }],
  });
  return api.create(`/api/v1/namespaces/${o.namespace ?? "default"}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: o.name },
    spec: {
      containers: [{
        name: "c",
        image: "registry.invalid/never-pulled:1",
        volumeMounts: [{ name: "v", mountPath: "/data" }],
      }],
      volumes: [{ name: "v", persistentVolumeClaim: { claimName: o.claim } }],
      ...(o.onlyNode ? { nodeSelector: { [HOSTNAME]: o.onlyNode } } : {}),
      ...(o.preferNode
        ? {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                preference: term(o.preferNode),
              }],
            },
          },
        }
        : {}),
    },
  });
}

/** Waits until the scheduler has bound the pod to a node; returns the node. */
export async function waitScheduled(
  api: KubeApi,
  name: string,
  timeoutMs = 30_000,
  namespace = "default",
): Promise<string> {
  const pod = await waitFor(`pod ${name} scheduled`, async () => {
    const p = await api.get(podPath(name, namespace));
    return p.spec.nodeName ? p : undefined;
  }, timeoutMs);
  return pod.spec.nodeName;
}

/** Waits until the scheduler says it cannot place the pod for `reason`; returns its message. */
export async function waitUnschedulable(
  api: KubeApi,
  name: string,
  reason: RegExp,
  timeoutMs = 30_000,
  namespace = "default",
): Promise<string> {
  // The scheduler may first see the pod before its claim (its informers are not in step) and
  // say so ('persistentvolumeclaim "x" not found'), then try again once the claim arrives.
  let last = "";
  return await waitFor(`pod ${name} Unschedulable with ${reason}`, async () => {
    const p = await api.get(podPath(name, namespace));
    const c = (p.status?.conditions ?? []).find((x: KubeObject) => x.type === "PodScheduled");
    if (c?.status !== "False" || c.reason !== "Unschedulable") return undefined;
    if (String(c.message) !== last) {
      last = String(c.message);
      if (!reason.test(last)) console.log(`PodScheduled message of ${name}, not yet: ${last}`);
    }
    return reason.test(last) ? last : undefined;
  }, timeoutMs);
}

/** Deletes a pod at once (there is no kubelet to confirm a graceful stop). */
export async function deletePod(api: KubeApi, name: string, namespace = "default") {
  await api.delete(podPath(name, namespace), { gracePeriodSeconds: 0 });
}
