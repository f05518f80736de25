/**
 * Clones on the real control plane with the real scheduler: a clone whose pod lands on
 * its source's node goes Bound there with the source's data; one whose pod is placed on
 * another node gets a Warning event naming the source's node and nothing is created; a
 * clone's deletion leaves the source alone.
 */
import assert from "node:assert/strict";
import {
  claimPath,
  createClaim,
  eventsAbout,
  pinnedNode,
  waitBound,
  waitEvent,
  waitGone,
} from "./claims.ts";
import { createPod, deletePod, waitScheduled } from "./pods.ts";
import { MiB, startEnvironment } from "./environment.ts";

const CONFIG = {
  nodeVGMap: [{ node: "DEFAULT_VGS_FOR_NON_LISTED_NODES", path: "/data", vgs: ["vg1"] }],
};

Deno.test({
  name: "clones on the real control plane",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment([
      { name: "worker-1", vgs: [{ name: "vg1", sizeBytes: 512 * MiB }] },
      { name: "worker-2", vgs: [{ name: "vg1", sizeBytes: 512 * MiB }] },
    ], { agents: false });
    const api = env.api;
    try {
      await env.setConfig(CONFIG);
      await Promise.all(["worker-1", "worker-2"].map((n) => env.startAgent(n)));
      await createClaim(api, { name: "src", node: "worker-1", size: "32Mi" });
      const src = await waitBound(api, "src");
      const srcPv = `pvc-${src.metadata.uid}`;
      await env.node("worker-1", (h) => h.writeFile(`/data/${srcPv}/data/table.dat`, "rows\n"));

      await t.step(
        "a clone whose pod is on the source's node is Bound there with its data",
        async () => {
          await createClaim(api, { name: "copy", size: "48Mi", cloneOf: "src" });
          await createPod(api, { name: "reader", claim: "copy", onlyNode: "worker-1" });
          const copy = await waitBound(api, "copy");
          assert.equal(await waitScheduled(api, "reader"), "worker-1");
          const pv = await api.get(`/api/v1/persistentvolumes/${copy.spec.volumeName}`);
          assert.equal(pinnedNode(pv), "worker-1");
          assert.equal(pv.spec.capacity.storage, "48Mi");
          const copied = await env.node(
            "worker-1",
            (h) => h.readFile(`/data/${copy.spec.volumeName}/data/table.dat`),
          );
          assert.equal(copied, "rows\n");
          // No snapshot is left: just the two volumes.
          assert.deepEqual(await env.lvNames("worker-1"), [srcPv, copy.spec.volumeName].sort());
          const ok = await waitEvent(
            api,
            "copy",
            "ProvisioningSucceeded",
            /cloned from claim default\/src/,
          );
          console.log(`copy: ${ok.type} ${ok.reason}: ${ok.message ?? ok.note}`);
        },
      );

      await t.step(
        "a clone scheduled to another node is refused with a Warning, nothing made",
        async () => {
          await createClaim(api, { name: "far", size: "48Mi", cloneOf: "src" });
          await createPod(api, { name: "far-reader", claim: "far", onlyNode: "worker-2" });
          const warning = await waitEvent(
            api,
            "far",
            "ProvisioningFailed",
            /cannot clone: source claim default\/src lives on node worker-1, but this claim was scheduled to node worker-2/,
          );
          assert.equal(warning.type, "Warning");
          console.log(`far: ${warning.type} ${warning.reason}: ${warning.message ?? warning.note}`);
          const far = await api.get(claimPath("far"));
          assert.equal(far.status.phase, "Pending");
          assert.deepEqual(await env.lvNames("worker-2"), []);
          assert.equal((await env.lvNames("worker-1")).length, 2);
          const pvs = await api.get("/api/v1/persistentvolumes");
          assert.equal(
            pvs.items.filter((p: { spec: { claimRef?: { name?: string } } }) =>
              p.spec.claimRef?.name === "far"
            ).length,
            0,
          );
          const events = await eventsAbout(api, "far");
          assert.ok(!events.some((e) => e.reason === "ProvisioningSucceeded"));
          await deletePod(api, "far-reader");
          await api.delete(claimPath("far"));
        },
      );

      await t.step("deleting the clone leaves its source alone", async () => {
        await deletePod(api, "reader");
        await api.delete(claimPath("copy"));
        await waitGone(api, claimPath("copy"));
        await waitFor(async () => (await env.lvNames("worker-1")).length === 1);
        assert.deepEqual(await env.lvNames("worker-1"), [srcPv]);
        const data = await env.node("worker-1", (h) => h.readFile(`/data/${srcPv}/data/table.dat`));
        assert.equal(data, "rows\n");
      });
    } finally {
      await env.stop();
    }
  },
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}
