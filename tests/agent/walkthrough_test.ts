/**
 * The original README's walkthrough on the real control plane: a StorageClass, a claim
 * and a pod using it; the scheduler picks a node, that node's agent provisions, the claim
 * binds; deleting the pod and the claim removes everything.
 */
import assert from "node:assert/strict";
import { waitGone } from "./claims.ts";
import { GiB, MiB, startEnvironment, waitFor } from "./environment.ts";

Deno.test({
  name: "walkthrough: claim, pod, Bound, then delete leaves nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await startEnvironment([
      { name: "node-a", vgs: [{ name: "vg1", sizeBytes: 10 * GiB, extentBytes: 4 * MiB }] },
      { name: "node-b", vgs: [{ name: "vg1", sizeBytes: 10 * GiB, extentBytes: 4 * MiB }] },
      { name: "node-c", vgs: [{ name: "vg1", sizeBytes: 10 * GiB, extentBytes: 4 * MiB }] },
    ]);
    try {
      const api = env.api;
      await api.create("/api/v1/namespaces/default/persistentvolumeclaims", {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "local-lvm-pvc" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "local-lvm",
          resources: { requests: { storage: "2Gi" } },
        },
      });
      await api.create("/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "volume-test" },
        spec: {
          containers: [{
            name: "c",
            image: "nginx:stable-alpine",
            volumeMounts: [{ name: "v", mountPath: "/data" }],
          }],
          volumes: [{ name: "v", persistentVolumeClaim: { claimName: "local-lvm-pvc" } }],
        },
      });
      const claim = await waitFor("claim Bound", async () => {
        const c = await api.get("/api/v1/namespaces/default/persistentvolumeclaims/local-lvm-pvc");
        return c.status?.phase === "Bound" ? c : undefined;
      }, 30_000);
      const pvName = `pvc-${claim.metadata.uid}`;
      assert.equal(claim.spec.volumeName, pvName);
      const pv = await api.get(`/api/v1/persistentvolumes/${pvName}`);
      const node = pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0];
      assert.equal(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"], "local-lvm.io");
      assert.equal(pv.spec.capacity.storage, "2Gi");
      assert.equal(pv.spec.hostPath.type, "Directory");
      assert.equal(pv.spec.hostPath.path, `/data/${pvName}/data`);
      const pod = await waitFor("pod scheduled", async () => {
        const p = await api.get("/api/v1/namespaces/default/pods/volume-test");
        return p.spec.nodeName ? p : undefined;
      }, 30_000);
      assert.equal(pod.spec.nodeName, node);
      const lvs = await env.node(node, (h) => h.listLvs());
      assert.equal(lvs.length, 1);
      assert.equal(lvs[0].name, pvName);
      assert.deepEqual(await env.node(node, (h) => h.mounts().map((m) => m.target)), [
        `/data/${pvName}`,
      ]);

      await api.delete("/api/v1/namespaces/default/pods/volume-test", { gracePeriodSeconds: 0 });
      await api.delete("/api/v1/namespaces/default/persistentvolumeclaims/local-lvm-pvc");
      await waitGone(api, `/api/v1/persistentvolumes/${pvName}`);
      assert.deepEqual(await env.node(node, (h) => h.listLvs()), []);
      assert.deepEqual(await env.node(node, (h) => h.mounts()), []);
      assert.deepEqual(await env.node(node, (h) => Object.keys(h.unitFiles())), []);
    } finally {
      await env.stop();
    }
  },
});
