/**
 * Deleted nodes on the real control plane. node-c dies (its agent is SIGKILLed) and its Node
 * object is deleted: after the grace period the elected agent deletes its PVs under `Delete`
 * (a Released one, and a Bound one whose claim gets the event), removing our finalizer so they
 * really go, and reports its `Retain` PV once, leaving it. node-b's Node is deleted and
 * re-created within the grace period: its volume is kept.
 */
import assert from "node:assert/strict";
import type { KubeObject } from "../infra/kube/api_client.ts";
import { addNode, removeNode } from "../infra/kube/fake_nodes.ts";
import { FINALIZER } from "../../src/decide/names.ts";
import { claimPath, createClaim, eventsAbout, waitBound, waitEvent, waitGone } from "./claims.ts";
import { type Environment, GiB, startEnvironment, waitFor } from "./environment.ts";

const GRACE_S = 4;
const AGENT_ENV = {
  LOCAL_LVM_LEASE_DURATION_SECONDS: "3",
  LOCAL_LVM_RENEW_DEADLINE_SECONDS: "2",
  LOCAL_LVM_RETRY_PERIOD_SECONDS: "0.5",
  LOCAL_LVM_NODE_GRACE_SECONDS: String(GRACE_S),
};
const pvPath = (name: string) => `/api/v1/persistentvolumes/${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Log lines of every agent whose message contains all of `parts`. */
async function logged(env: Environment, ...parts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const agent of env.agents.values()) {
    for (const line of await agent.logLines()) {
      const message = String(line.message ?? "");
      if (parts.every((p) => message.includes(p))) out.push(message);
    }
  }
  return out;
}

async function nodeDeletedEvents(env: Environment, name: string): Promise<KubeObject[]> {
  return (await eventsAbout(env.api, name)).filter((e) => e.reason === "NodeDeleted");
}

Deno.test({
  name: "volumes of deleted nodes: deleted after the grace period, Retain kept and reported",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment(
      ["node-a", "node-b", "node-c"].map((name) => ({
        name,
        vgs: [{ name: "vg1", sizeBytes: 1 * GiB }],
      })),
      { agents: false, agentEnv: AGENT_ENV },
    );
    const api = env.api;
    try {
      await api.create("/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "keep" },
        provisioner: "local-lvm.io",
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
      });
      await Promise.all(["node-a", "node-b", "node-c"].map((n) => env.startAgent(n)));
      const claims = [
        { name: "gone-delete", node: "node-c" },
        { name: "gone-bound", node: "node-c" },
        { name: "gone-retain", node: "node-c", storageClass: "keep" },
        { name: "back", node: "node-b" },
      ];
      const volume: Record<string, string> = {};
      for (const c of claims) await createClaim(api, c);
      for (const c of claims) volume[c.name] = (await waitBound(api, c.name)).spec.volumeName;

      await t.step("node-c dies and its Node is deleted", async () => {
        await env.agents.get("node-c")!.stop("SIGKILL");
        await api.delete(claimPath("gone-delete"));
        await api.delete(claimPath("gone-retain"));
        // No agent can tear them down: Released, as the original left them forever.
        for (const name of ["gone-delete", "gone-retain"]) {
          await waitFor(
            `${name} Released`,
            async () =>
              (await api.get(pvPath(volume[name]))).status?.phase === "Released" || undefined,
          );
        }
        await removeNode(api, "node-c");
        const deletedAt = Date.now();

        await sleep((GRACE_S - 1.5) * 1000);
        for (const name of ["gone-delete", "gone-bound", "gone-retain"]) {
          const pv = await api.get(pvPath(volume[name]));
          assert.equal(pv.metadata.deletionTimestamp, undefined, `${name} kept within grace`);
        }

        // Released under Delete: gone, with the event on the PV (its claim is gone).
        await waitGone(api, pvPath(volume["gone-delete"]), 30_000);
        const after = Date.now() - deletedAt;
        assert.ok(after >= GRACE_S * 1000, `deleted ${after} ms after the node`);
        const onPv = await waitEvent(
          api,
          volume["gone-delete"],
          "NodeDeleted",
          /Node node-c was deleted and did not come back within 4 s; deleted volume/,
        );
        console.log(`PV of gone-delete deleted ${after} ms after its node; event: ${onPv.message}`);

        // Bound under Delete: the event goes to the claim; our finalizer is gone, so the PV
        // goes as soon as the claim lets it (PV protection holds it while Bound).
        await waitEvent(api, "gone-bound", "NodeDeleted", /deleted volume/);
        const bound = await api.getOrUndefined(pvPath(volume["gone-bound"]));
        if (bound) {
          assert.ok(bound.metadata.deletionTimestamp, "deleting");
          assert.ok(
            !(bound.metadata.finalizers ?? []).includes(FINALIZER),
            "our finalizer removed",
          );
        }
        await api.delete(claimPath("gone-bound"));
        await waitGone(api, pvPath(volume["gone-bound"]), 30_000);

        // Retain: kept, reported once (event and log), not in a loop.
        await waitFor(
          "the Retain PV reported",
          async () => (await nodeDeletedEvents(env, volume["gone-retain"])).length > 0 || undefined,
        );
        await sleep(3_000);
        const retained = await api.get(pvPath(volume["gone-retain"]));
        assert.equal(retained.metadata.deletionTimestamp, undefined);
        const events = await nodeDeletedEvents(env, volume["gone-retain"]);
        // Once per leader: a leader reports what it finds once. On a loaded machine a stalled
        // renewal may hand the lease on, and the next leader reports once too; never a loop.
        const reporters = new Set(events.map((e) => e.reportingInstance));
        assert.ok(
          events.length >= 1 && events.length === reporters.size,
          `${events.length} events`,
        );
        for (const e of events) assert.equal(e.series?.count ?? e.count ?? 1, 1);
        assert.match(events[0].message, /reclaim policy Retain\) is kept/);
        assert.equal(
          (await logged(env, volume["gone-retain"], "is kept")).length,
          reporters.size,
        );
        // Each deleted volume was deleted once.
        for (const name of ["gone-delete", "gone-bound"]) {
          assert.equal((await logged(env, "Deleted volume", volume[name])).length, 1, name);
        }
      });

      await t.step(
        "a Node deleted and re-created within the grace period keeps its volume",
        async () => {
          await removeNode(api, "node-b");
          await sleep(1_000);
          await addNode(api, "node-b");
          await sleep((GRACE_S + 3) * 1000);
          const pv = await api.get(pvPath(volume["back"]));
          assert.equal(pv.metadata.deletionTimestamp, undefined);
          assert.equal((await api.get(claimPath("back"))).status.phase, "Bound");
          assert.deepEqual(await nodeDeletedEvents(env, "back"), []);
          assert.ok((await logged(env, volume["back"], "no longer exists")).length >= 1, "seen");
          assert.ok((await logged(env, volume["back"], "its node is back")).length >= 1, "back");
        },
      );
    } finally {
      await env.stop();
    }
  },
});
