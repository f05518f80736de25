/**
 * Capacity-aware scheduling with the real kube-scheduler: the agents publish CSIStorageCapacity
 * objects, the CSIDriver of deploy/ switches the scheduler's check on, and pods land only where
 * their claim fits. When a node fills up between the scheduler's pick and provisioning, its
 * agent hands the claim back and the scheduler picks another node.
 */
import assert from "node:assert/strict";
import { capacityObjectName } from "../../src/decide/capacity.ts";
import { LABEL_CAPACITY_NODE } from "../../src/decide/names.ts";
import type { KubeObject } from "../infra/kube/api_client.ts";
import { removeNode } from "../infra/kube/fake_nodes.ts";
import {
  claimPath,
  createClaim,
  eventsAbout,
  pinnedNode,
  SELECTED_NODE,
  waitBound,
  waitEvent,
  waitGone,
} from "./claims.ts";
import { type Environment, GiB, MiB, startEnvironment, waitFor } from "./environment.ts";
import { CAPACITIES, published, waitPublished } from "./capacities.ts";
import { createPod, deletePod, waitScheduled, waitUnschedulable } from "./pods.ts";

const NODES = ["node-a", "node-b", "node-c", "node-d"];

/** node-a is small, node-c is disabled, node-d is not covered (no DEFAULT entry). */
const CONFIG = {
  nodeVGMap: [
    { node: "node-a", path: "/volumes", vgs: ["vg1"] },
    { node: "node-b", path: "/volumes", vgs: ["vg1"] },
    { node: "node-c", path: "/volumes", vgs: [] },
  ],
};

async function provisionedBy(env: Environment, node: string, claim: string): Promise<boolean> {
  const lines = await env.agents.get(node)!.logLines();
  return lines.some((l) =>
    String(l.message ?? "").startsWith('Provisioning "') && l.claim === `default/${claim}`
  );
}

Deno.test({
  name: "capacity-aware scheduling and reschedule with the real scheduler",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment([
      { name: "node-a", vgs: [{ name: "vg1", sizeBytes: 256 * MiB }] },
      { name: "node-b", vgs: [{ name: "vg1", sizeBytes: 2 * GiB }] },
      { name: "node-c", vgs: [{ name: "vg1", sizeBytes: 2 * GiB }] },
      { name: "node-d", vgs: [{ name: "vg1", sizeBytes: 2 * GiB }] },
    ], { agents: false });
    const api = env.api;
    const timings: string[] = [];
    const timed = async (name: string, fn: () => Promise<void>) => {
      const started = Date.now();
      await t.step(name, fn);
      timings.push(`${name}: ${Date.now() - started} ms`);
    };
    try {
      await env.setConfig(CONFIG);
      // The original's provisioner name cannot have a CSIDriver: its classes get no objects.
      await api.create("/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "legacy" },
        provisioner: "mein.io/local-lvm",
        volumeBindingMode: "WaitForFirstConsumer",
      });
      await Promise.all(NODES.map((n) => env.startAgent(n)));

      await timed("eligible nodes publish their largest free space per class of ours", async () => {
        // Published before the agent reports ready.
        assert.deepEqual(await published(env), [
          `node-a/local-lvm=${256 * MiB}`,
          `node-b/local-lvm=${2 * GiB}`,
        ]);
        const list = (await api.get(CAPACITIES)).items as KubeObject[];
        for (const o of list) {
          const node = o.metadata.labels[LABEL_CAPACITY_NODE];
          const uid = (await api.get(`/api/v1/nodes/${node}`)).metadata.uid;
          assert.equal(o.metadata.name, capacityObjectName(node, "local-lvm"));
          assert.equal(o.metadata.labels["app.kubernetes.io/managed-by"], "local-lvm");
          assert.deepEqual(o.nodeTopology, { matchLabels: { "kubernetes.io/hostname": node } });
          assert.deepEqual(
            o.metadata.ownerReferences.map((r: KubeObject) => [r.kind, r.name, r.uid]),
            [["Node", node, uid]],
          );
          assert.equal(o.capacity, o.maximumVolumeSize);
        }
        // A new class of ours gets objects; deleting it removes them.
        await api.create("/apis/storage.k8s.io/v1/storageclasses", {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: "fast" },
          provisioner: "local-lvm.io",
          volumeBindingMode: "WaitForFirstConsumer",
        });
        await waitPublished(env, [
          `node-a/fast=${256 * MiB}`,
          `node-a/local-lvm=${256 * MiB}`,
          `node-b/fast=${2 * GiB}`,
          `node-b/local-lvm=${2 * GiB}`,
        ]);
        await api.delete("/apis/storage.k8s.io/v1/storageclasses/fast");
        await waitPublished(env, [`node-a/local-lvm=${256 * MiB}`, `node-b/local-lvm=${2 * GiB}`]);
      });

      await timed(
        "a claim that cannot fit on node-a goes to node-b, though node-a is preferred",
        async () => {
          await createClaim(api, { name: "big", size: "512Mi" });
          await createPod(api, { name: "big", claim: "big", preferNode: "node-a" });
          assert.equal(await waitScheduled(api, "big"), "node-b");
          const claim = await waitBound(api, "big");
          const pv = await api.get(`/api/v1/persistentvolumes/${claim.spec.volumeName}`);
          assert.equal(pinnedNode(pv), "node-b");
          assert.deepEqual(await env.lvNames("node-a"), []);
          assert.equal(await provisionedBy(env, "node-a", "big"), false, "node-a never picked");
          const failed = (await eventsAbout(api, "big")).filter((e) =>
            e.reason === "ProvisioningFailed"
          );
          assert.deepEqual(failed, [], "no reschedule was needed");
          // Kept current after a provision...
          await waitPublished(env, [
            `node-a/local-lvm=${256 * MiB}`,
            `node-b/local-lvm=${2 * GiB - 512 * MiB}`,
          ]);
          // ...and after a teardown.
          await deletePod(api, "big");
          await api.delete(claimPath("big"));
          await waitGone(api, `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
          await waitPublished(env, [
            `node-a/local-lvm=${256 * MiB}`,
            `node-b/local-lvm=${2 * GiB}`,
          ]);
        },
      );

      await timed("disabled and uncovered nodes are never selected", async () => {
        for (const node of ["node-c", "node-d"]) {
          const name = `only-${node}`;
          await createClaim(api, { name, size: "16Mi" });
          await createPod(api, { name, claim: name, onlyNode: node });
          const message = await waitUnschedulable(
            api,
            name,
            /1 node\(s\) did not have enough free storage/,
          );
          console.log(`PodScheduled message of ${name}: ${message}`);
          const claim = await api.get(claimPath(name));
          assert.equal(claim.metadata.annotations?.[SELECTED_NODE], undefined);
        }
        // Preferred, but ineligible: every pod lands on node-a or node-b.
        const names = ["pref-c1", "pref-c2", "pref-d1", "pref-d2"];
        for (const name of names) {
          await createClaim(api, { name, size: "16Mi" });
          const preferNode = name.startsWith("pref-c") ? "node-c" : "node-d";
          await createPod(api, { name, claim: name, preferNode });
        }
        for (const name of names) {
          assert.match(await waitScheduled(api, name), /^node-[ab]$/, name);
          await waitBound(api, name);
        }
        assert.deepEqual(await env.lvNames("node-c"), []);
        assert.deepEqual(await env.lvNames("node-d"), []);
        for (const name of [...names, "only-node-c", "only-node-d"]) {
          await deletePod(api, name);
          await api.delete(claimPath(name));
        }
        await waitFor("every PV torn down", async () => {
          return (await api.get("/api/v1/persistentvolumes")).items.length === 0;
        });
      });

      await timed(
        "a claim that fits nowhere leaves its pod Pending with the scheduler's reason",
        async () => {
          await createClaim(api, { name: "huge", size: "4Gi" });
          await createPod(api, { name: "huge", claim: "huge" });
          const message = await waitUnschedulable(
            api,
            "huge",
            /^0\/4 nodes are available: 4 node\(s\) did not have enough free storage/,
          );
          console.log(`PodScheduled message of huge: ${message}`);
          const claim = await api.get(claimPath("huge"));
          assert.equal(claim.status.phase, "Pending");
          assert.equal(claim.metadata.annotations?.[SELECTED_NODE], undefined);
          for (const node of NODES) {
            assert.deepEqual(await env.lvNames(node), [], `no LV on ${node}`);
            assert.equal(await provisionedBy(env, node, "huge"), false, `${node} never tried`);
          }
          await deletePod(api, "huge");
          await api.delete(claimPath("huge"));
        },
      );

      await timed(
        "node-a filled after the scheduler picked it: rescheduled, Bound on node-b",
        async () => {
          // Every command on node-a waits 3 s: the window between the pick and provisioning.
          await env.node("node-a", (_, faults) => (faults.delayMs = 3_000));
          await createClaim(api, { name: "raced", size: "200Mi" });
          await createPod(api, { name: "raced", claim: "raced", preferNode: "node-a" });
          await waitFor(
            "scheduler picks node-a",
            async () => {
              const c = await api.get(claimPath("raced"));
              return c.metadata.annotations?.[SELECTED_NODE] === "node-a";
            },
            15_000,
            20,
          );
          // Another user of the VG takes 128 MiB, leaving 128 MiB: too little for 200 MiB.
          await env.node("node-a", async (h) => {
            const r = await h.run(["lvcreate", "--yes", "--name", "hog", "--size", "128m", "vg1"]);
            assert.equal(r.code, 0, r.stderr);
          });
          const event = await waitEvent(
            api,
            "raced",
            "ProvisioningFailed",
            /the scheduler will pick another node/,
            20_000,
          );
          console.log(`Event on raced: ${event.message}`);
          assert.match(
            event.message,
            /node node-a cannot provision this claim: no volume group can fit 200 MiB/,
          );
          assert.equal(await waitScheduled(api, "raced", 60_000), "node-b");
          const claim = await waitBound(api, "raced", 30_000);
          const pv = await api.get(`/api/v1/persistentvolumes/${claim.spec.volumeName}`);
          assert.equal(pinnedNode(pv), "node-b");
          assert.deepEqual(await env.lvNames("node-a"), ["hog"], "nothing of ours on node-a");
          assert.deepEqual(await env.lvNames("node-b"), [claim.spec.volumeName]);
          const scheduler = (await eventsAbout(api, "raced")).filter((e) =>
            e.involvedObject.kind === "Pod" && e.reason === "FailedScheduling"
          );
          for (const e of scheduler) console.log(`Scheduler event on pod raced: ${e.message}`);
          assert.ok(
            scheduler.some((e) =>
              /provisioning failed for PVC "raced"|annotation reset/.test(e.message)
            ),
            "the scheduler's PreBind saw the claim handed back",
          );
          await env.node("node-a", (_, faults) => (faults.delayMs = 0));
          await waitPublished(env, [
            `node-a/local-lvm=${128 * MiB}`,
            `node-b/local-lvm=${2 * GiB - 200 * MiB}`,
          ]);
        },
      );

      await timed(
        "a config change is published: disabling node-b deletes its objects",
        async () => {
          await env.setConfig({
            nodeVGMap: [
              CONFIG.nodeVGMap[0],
              { ...CONFIG.nodeVGMap[1], vgs: [] },
              CONFIG.nodeVGMap[2],
            ],
          });
          await waitPublished(env, [`node-a/local-lvm=${128 * MiB}`]);
          await env.setConfig(CONFIG);
          await waitPublished(env, [
            `node-a/local-lvm=${128 * MiB}`,
            `node-b/local-lvm=${2 * GiB - 200 * MiB}`,
          ]);
        },
      );

      await timed("a deleted Node's objects are garbage-collected", async () => {
        await removeNode(api, "node-a");
        await waitPublished(env, [`node-b/local-lvm=${2 * GiB - 200 * MiB}`], 30_000);
      });
      console.log(timings.join("\n"));
    } finally {
      await env.stop();
    }
  },
});
