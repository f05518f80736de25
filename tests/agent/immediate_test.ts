/**
 * Immediate binding on the real control plane: 20 claims of an `Immediate` class across three
 * nodes, chosen by the Lease-elected agent by `nodeSelectionPolicy: least-used`, with the
 * leader killed (SIGKILL) halfway through. Another agent takes the Lease and finishes; the
 * killed agent is restarted (as its DaemonSet would) and provisions what was chosen for its
 * node. Every claim is Bound, the spread is 7/7/6, and nothing is provisioned twice. Then a
 * claim that fits nowhere gets a Warning and goes Bound once a node has room.
 */
import assert from "node:assert/strict";
import type { KubeObject } from "../infra/kube/api_client.ts";
import {
  claimPath,
  createClaim,
  eventsAbout,
  pinnedNode,
  SELECTED_NODE,
  waitBound,
  waitEvent,
} from "./claims.ts";
import { GiB, startEnvironment, waitFor } from "./environment.ts";

const NODES = ["node-a", "node-b", "node-c"];
const LEASE = "/apis/coordination.k8s.io/v1/namespaces/local-lvm-storage/leases/local-lvm-leader";
const CLAIMS = Array.from({ length: 20 }, (_, i) => `imm-${String(i + 1).padStart(2, "0")}`);
/** Short Lease timings, so a takeover takes seconds. */
const ELECTION = {
  LOCAL_LVM_LEASE_DURATION_SECONDS: "3",
  LOCAL_LVM_RENEW_DEADLINE_SECONDS: "2",
  LOCAL_LVM_RETRY_PERIOD_SECONDS: "0.5",
};

Deno.test({
  name: "Immediate binding: 20 claims over 3 nodes with the leader killed halfway",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await startEnvironment(
      NODES.map((name) => ({ name, vgs: [{ name: "vg1", sizeBytes: 2 * GiB }] })),
      { agents: false, agentEnv: ELECTION },
    );
    const api = env.api;
    try {
      await env.setConfig({
        nodeSelectionPolicy: "least-used",
        nodeVGMap: [{ node: "DEFAULT_VGS_FOR_NON_LISTED_NODES", path: "/volumes", vgs: ["vg1"] }],
      });
      await api.create("/apis/storage.k8s.io/v1/storageclasses", {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "immediate" },
        provisioner: "local-lvm.io",
        volumeBindingMode: "Immediate",
        reclaimPolicy: "Delete",
      });
      await Promise.all(NODES.map((n) => env.startAgent(n)));
      const holder = async () => (await api.getOrUndefined(LEASE))?.spec?.holderIdentity;
      const first = await waitFor("a leader", async () => await holder() || undefined, 20_000);
      const selected = async () => {
        const list = await api.get("/api/v1/namespaces/default/persistentvolumeclaims");
        return (list.items as KubeObject[]).filter((c) => c.metadata.annotations?.[SELECTED_NODE]);
      };

      // Claims arrive one every 100 ms; the leader dies once half of them have a node.
      const started = Date.now();
      const creating = (async () => {
        for (const name of CLAIMS) {
          await createClaim(api, { name, storageClass: "immediate", size: "64Mi" });
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await waitFor(
        "half the claims with a node",
        async () => (await selected()).length >= 10,
        30_000,
      );
      const killedAt = Date.now();
      await env.agents.get(first)!.stop("SIGKILL");
      const before = (await selected()).length;
      await creating;
      const second = await waitFor("a new leader", async () => {
        const h = await holder();
        return h && h !== first ? h : undefined;
      }, 20_000);
      const takeoverMs = Date.now() - killedAt;
      const lease = await api.get(LEASE);
      assert.ok(lease.spec.leaseTransitions >= 1, "the Lease changed hands");
      await waitFor(
        "every claim with a node",
        async () => (await selected()).length === 20,
        30_000,
      );
      // The killed agent's DaemonSet restarts it; it provisions the claims chosen for its node.
      await env.startAgent(first);
      const claims = await Promise.all(CLAIMS.map((name) => waitBound(api, name, 90_000)));
      console.log(
        `leader ${first} killed with ${before}/20 claims chosen; ${second} led ${takeoverMs} ms ` +
          `later; all Bound after ${Date.now() - started} ms`,
      );

      // One PV per claim, pinned to the node chosen for it.
      const pvs = ((await api.get("/api/v1/persistentvolumes")).items as KubeObject[])
        .filter((pv) => pv.spec.storageClassName === "immediate");
      assert.equal(pvs.length, 20);
      assert.deepEqual(
        pvs.map((pv) => pv.spec.claimRef.uid).sort(),
        claims.map((c) => c.metadata.uid).sort(),
      );
      for (const claim of claims) {
        const pv = pvs.find((p) => p.metadata.name === claim.spec.volumeName)!;
        assert.equal(pinnedNode(pv), claim.metadata.annotations[SELECTED_NODE]);
      }
      // The spread least-used promises: 7/7/6.
      const perNode = new Map<string, number>();
      for (const pv of pvs) perNode.set(pinnedNode(pv), (perNode.get(pinnedNode(pv)) ?? 0) + 1);
      console.log(`spread: ${[...perNode].sort().map(([n, c]) => `${n}=${c}`).join(", ")}`);
      assert.deepEqual([...perNode.values()].sort(), [6, 7, 7]);
      // One LV per claim across the nodes' hosts, each on the node its PV names.
      const lvs: string[] = [];
      for (const node of NODES) {
        const names = await env.node(node, (h) => h.listLvs().map((lv) => lv.name));
        for (const name of names) {
          const pv = pvs.find((p) => p.metadata.name === name);
          assert.ok(pv, `LV ${name} on ${node} has a PV`);
          assert.equal(pinnedNode(pv), node);
        }
        lvs.push(...names);
      }
      assert.deepEqual(lvs.sort(), pvs.map((pv) => pv.metadata.name).sort());

      // Each claim was given a node once: at most one NodeSelected event, and the claims
      // created after the kill were chosen by the new leader.
      let bySecond = 0;
      for (const name of CLAIMS) {
        const selectedEvents = (await eventsAbout(api, name)).filter((e) =>
          e.reason === "NodeSelected"
        );
        assert.ok(selectedEvents.length <= 1, `${name}: ${selectedEvents.length} choices`);
        const count = selectedEvents[0]?.series?.count ?? selectedEvents[0]?.count ?? 1;
        assert.ok(count <= 1, `${name}: chosen ${count} times`);
        // By any leader after the kill (a stalled renewal on a loaded machine may hand the
        // lease on once more): never by the killed one.
        const chooser = selectedEvents[0]?.reportingInstance;
        if (chooser !== undefined && chooser !== first) bySecond++;
      }
      assert.ok(bySecond >= 20 - before, `${bySecond} claims chosen after ${first} was killed`);
      // A claim that fits nowhere: a Warning naming every node's reason, no node written; it is
      // tried again, and goes Bound once a node has room (here: the claims of one node go).
      await createClaim(api, { name: "too-big", storageClass: "immediate", size: "1800Mi" });
      const warning = await waitEvent(
        api,
        "too-big",
        "ProvisioningFailed",
        /^no node can fit 1.75 GiB: node-a: [\d.]+ GiB free; node-b: [\d.]+ GiB free; node-c: [\d.]+ GiB free$/,
      );
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(
        (await api.get(claimPath("too-big"))).metadata.annotations?.[SELECTED_NODE],
        undefined,
      );
      const [emptied] = [...perNode].sort((a, b) => a[1] - b[1])[0];
      for (const claim of claims) {
        if (claim.metadata.annotations[SELECTED_NODE] === emptied) {
          await api.delete(claimPath(claim.metadata.name));
        }
      }
      const big = await waitBound(api, "too-big", 60_000);
      assert.equal(big.metadata.annotations[SELECTED_NODE], emptied);
      console.log(`too-big: "${warning.message}"; Bound on ${emptied} once its claims went`);

      // What an admin sees (printed for the README).
      console.log(await env.cluster.kubectl(["get", "lease", "-n", "local-lvm-storage"]));
      console.log(
        await env.cluster.kubectl([
          "get",
          "events",
          "--field-selector=involvedObject.name=imm-20",
          "-o",
          "custom-columns=TYPE:.type,REASON:.reason,FROM:.reportingInstance,MESSAGE:.message",
        ]),
      );
    } finally {
      await env.stop();
    }
  },
});
