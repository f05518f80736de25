/**
 * Smoke test of the test control plane: the real scheduler and PV binder drive the provisioner
 * protocol (selected-node, then storage-provisioner) for a WaitForFirstConsumer claim.
 *
 * Skipped when the binaries are not built; set LOCAL_LVM_KUBE_BUILD=1 to build them first
 * (10–20 min cold, through the Go module proxy). Needs --allow-net=127.0.0.1.
 */

import assert from "node:assert/strict";
import { type KubeApi, type KubeObject, waitFor } from "./api_client.ts";
import { ensureKubeBinaries, findKubeBinaries, startCluster } from "./cluster.ts";
import { isAlive } from "./processes.ts";

const SELECTED_NODE = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
const BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
const PROVISIONER = "example.io/x";
const NODES = ["node-a", "node-b", "node-c"];

const netAllowed = (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state ===
  "granted";
const binaries = Deno.env.get("LOCAL_LVM_KUBE_BUILD") === "1"
  ? await ensureKubeBinaries()
  : await findKubeBinaries();
const skipReason = !binaries
  ? "Kubernetes binaries are not built: run tests/infra/kube/build.sh or set LOCAL_LVM_KUBE_BUILD=1"
  : !netAllowed
  ? "needs --allow-net=127.0.0.1"
  : undefined;
if (skipReason) console.warn(`cluster smoke test skipped: ${skipReason}`);

const claimPath = "/api/v1/namespaces/default/persistentvolumeclaims/smoke-claim";
const podPath = "/api/v1/namespaces/default/pods/smoke-pod";
const classPath = "/apis/storage.k8s.io/v1/storageclasses/smoke-wffc";

async function claimEvents(api: KubeApi): Promise<KubeObject[]> {
  const selector = encodeURIComponent(
    "involvedObject.kind=PersistentVolumeClaim," +
      "involvedObject.name=smoke-claim",
  );
  return (await api.get(`/api/v1/namespaces/default/events?fieldSelector=${selector}`)).items;
}

async function createWorkload(api: KubeApi): Promise<void> {
  await api.create("/apis/storage.k8s.io/v1/storageclasses", {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "smoke-wffc" },
    provisioner: PROVISIONER,
    volumeBindingMode: "WaitForFirstConsumer",
    reclaimPolicy: "Delete",
  });
  await api.create("/api/v1/namespaces/default/persistentvolumeclaims", {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "smoke-claim" },
    spec: {
      storageClassName: "smoke-wffc",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "64Mi" } },
    },
  });
  // The binder must see the claim and decide to wait for a consumer before any pod exists.
  const waiting = await waitFor("WaitForFirstConsumer event on the claim", async () => {
    const events = await claimEvents(api);
    return events.some((e) => e.reason === "WaitForFirstConsumer") && events;
  });
  assert.ok(waiting.length > 0);
  const before = (await api.get(claimPath)).metadata.annotations ?? {};
  assert.equal(before[STORAGE_PROVISIONER], undefined, "annotated before a node was selected");
  assert.equal(before[SELECTED_NODE], undefined);
  await api.create("/api/v1/namespaces/default/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "smoke-pod" },
    spec: {
      // Never pulled: no kubelet runs on the fake nodes.
      containers: [{ name: "c", image: "registry.invalid/none:0" }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "smoke-claim" } }],
    },
  });
}

async function deleteWorkload(api: KubeApi): Promise<void> {
  // Grace 0: a pod bound to a fake node would otherwise wait for a kubelet forever.
  await api.delete(podPath, { gracePeriodSeconds: 0 });
  await waitFor("pod deleted", async () => !await api.getOrUndefined(podPath));
  // PVC protection removes its finalizer only once no pod uses the claim.
  await api.delete(claimPath);
  await waitFor("claim deleted", async () => !await api.getOrUndefined(claimPath));
  await api.delete(classPath);
}

Deno.test({
  name: "cluster: scheduler selects a node and the PV binder hands the claim to the provisioner",
  ignore: skipReason !== undefined,
  async fn() {
    assert.ok(binaries);
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-kube-" });
    const started = performance.now();
    const cluster = await startCluster({ dir, nodes: NODES, binaries });
    const pids = cluster.processes.map((p) => p.pid);
    console.log(`cluster started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    try {
      const nodes = (await cluster.api.get("/api/v1/nodes")).items as KubeObject[];
      assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), NODES);
      for (const node of nodes) {
        const ready = node.status.conditions.find((c: KubeObject) => c.type === "Ready");
        assert.equal(ready?.status, "True", `${node.metadata.name} Ready`);
        assert.deepEqual(node.spec.taints ?? [], [], `${node.metadata.name} taints`);
      }

      await createWorkload(cluster.api);
      const selected = await waitFor("selected-node on the claim", async () => {
        return (await cluster.api.get(claimPath)).metadata.annotations?.[SELECTED_NODE];
      });
      assert.ok(NODES.includes(selected), `selected-node ${selected} is one of ${NODES}`);
      const annotations = await waitFor("storage-provisioner on the claim", async () => {
        const claim = await cluster.api.get(claimPath);
        return claim.metadata.annotations?.[STORAGE_PROVISIONER] && claim.metadata.annotations;
      });
      assert.equal(annotations[STORAGE_PROVISIONER], PROVISIONER);
      assert.equal(annotations[BETA_STORAGE_PROVISIONER], PROVISIONER);
      await waitFor("ExternalProvisioning event", async () => {
        return (await claimEvents(cluster.api)).some((e) => e.reason === "ExternalProvisioning");
      });
      const viaKubectl = await cluster.kubectl([
        "get",
        "pvc",
        "smoke-claim",
        "-o",
        `jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}`,
      ]);
      assert.equal(viaKubectl, selected);

      const spare = NODES.find((name) => name !== selected) ?? "";
      await cluster.removeNode(spare);
      const remaining = (await cluster.api.get("/api/v1/nodes")).items as KubeObject[];
      assert.deepEqual(
        remaining.map((n) => n.metadata.name).sort(),
        NODES.filter((n) => n !== spare),
      );

      await deleteWorkload(cluster.api);
    } finally {
      await cluster.stop();
    }
    const left = pids.filter((pid) => isAlive(pid));
    assert.deepEqual(left, [], "no component process is left");
    await Deno.remove(dir, { recursive: true });
  },
});
