/**
 * 50 claims at once across 3 nodes, each bound; then all deleted, leaving no LV, mount,
 * unit or PV. Prints how long each way took.
 */
import assert from "node:assert/strict";
import { claimPath, createClaim } from "./claims.ts";
import { GiB, startEnvironment, waitFor } from "./environment.ts";

const NODES = ["node-a", "node-b", "node-c"];
const COUNT = 50;

Deno.test({
  name: "50 claims across 3 nodes bind, and deleting them leaves nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await startEnvironment(
      NODES.map((name) => ({ name, vgs: [{ name: "vg1", sizeBytes: 4 * GiB }] })),
    );
    const api = env.api;
    try {
      const started = performance.now();
      await Promise.all(
        Array.from(
          { length: COUNT },
          (_, i) =>
            createClaim(api, { name: `bulk-${i}`, node: NODES[i % NODES.length], size: "16Mi" }),
        ),
      );
      await waitFor("all Bound", async () => {
        const claims = (await api.get("/api/v1/namespaces/default/persistentvolumeclaims")).items;
        return claims.filter((c: { status?: { phase?: string } }) => c.status?.phase === "Bound")
              .length === COUNT || undefined;
      }, 120_000);
      const bound = performance.now() - started;
      const lvCounts = await Promise.all(NODES.map((n) => env.node(n, (h) => h.listLvs().length)));
      assert.deepEqual(lvCounts, [17, 17, 16]);

      const deleting = performance.now();
      await Promise.all(
        Array.from({ length: COUNT }, (_, i) => api.delete(claimPath(`bulk-${i}`))),
      );
      await waitFor("all PVs gone", async () => {
        return (await api.get("/api/v1/persistentvolumes")).items.length === 0 || undefined;
      }, 120_000);
      const deleted = performance.now() - deleting;
      for (const node of NODES) {
        const state = await env.node(node, (h) => ({
          lvs: h.listLvs().length,
          mounts: h.mounts().length,
          units: Object.keys(h.unitFiles()).length,
        }));
        assert.deepEqual(state, { lvs: 0, mounts: 0, units: 0 }, node);
      }
      console.log(
        `50 claims on 3 nodes: all Bound in ${(bound / 1000).toFixed(1)} s, ` +
          `all deleted and cleaned up in ${(deleted / 1000).toFixed(1)} s`,
      );
    } finally {
      await env.stop();
    }
  },
});
