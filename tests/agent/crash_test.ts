/**
 * An agent killed with SIGKILL in the middle of a saga: after a restart it recovers the
 * journal before new work, the claim goes Bound, and nothing leaks. Then SIGTERM in the
 * middle of a saga: the agent finishes the current step, journals it and exits 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { claimPath, createClaim, waitBound, waitGone } from "./claims.ts";
import { GiB, startEnvironment, waitFor } from "./environment.ts";

/** Every file in the agent's journal, a torn write's temporary file too. */
function journalFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(join(dir, "state", "journal"))].map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test({
  name: "SIGKILL and SIGTERM in the middle of a saga converge after restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment([{
      name: "node-a",
      vgs: [{ name: "vg1", sizeBytes: 1 * GiB }],
    }]);
    const api = env.api;
    const agentDir = join(env.dir, "node-a");
    try {
      for (const signal of ["SIGKILL", "SIGTERM"] as const) {
        await t.step(`${signal} mid-saga`, async () => {
          const name = `killed-${signal.toLowerCase()}`;
          // Slow every node command down so the kill lands between two steps' effects.
          await env.node("node-a", (_, faults) => (faults.delayMs = 150));
          await createClaim(api, { name, node: "node-a" });
          // Kill once the LV exists: after lvcreate's effect, in the middle of mkfs or mount.
          await waitFor(
            "the LV made",
            async () => (await env.node("node-a", (h) => h.listLvs().length)) > 0 || undefined,
            15_000,
          );
          const agent = env.agents.get("node-a")!;
          const code = await agent.stop(signal);
          if (signal === "SIGTERM") assert.equal(code, 0, await agent.tail());
          // The kill may cut a journal write short, leaving its temporary file.
          const journaled = journalFiles(agentDir).filter((n) => n.endsWith(".json"));
          const before = await env.node("node-a", (h) => h.listLvs().map((l) => l.name));
          console.log(
            `${signal}: journal ${journaled.join(",") || "(empty)"}, LVs ${
              before.join(",") || "(none)"
            }`,
          );
          await env.node("node-a", (_, faults) => (faults.delayMs = 0));
          await env.startAgent("node-a");
          const claim = await waitBound(api, name);
          assert.deepEqual(journalFiles(agentDir), [], "journal recovered, no torn write left");
          const lvs = await env.node("node-a", (h) => h.listLvs().map((l) => l.name));
          assert.deepEqual(lvs, [claim.spec.volumeName], "exactly one LV, the claim's");
          const mounts = await env.node("node-a", (h) => h.mounts().map((m) => m.target));
          assert.deepEqual(mounts, [`/data/${claim.spec.volumeName}`]);
          const logs = await env.agents.get("node-a")!.logLines();
          if (journaled.length > 0) {
            assert.ok(
              logs.some((l) => String(l.message).startsWith("Recovering")),
              "recovered on start",
            );
          }
          await api.delete(claimPath(name));
          await waitGone(api, `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
          assert.deepEqual(await env.node("node-a", (h) => h.listLvs()), []);
          assert.deepEqual(await env.node("node-a", (h) => Object.keys(h.unitFiles())), []);
        });
      }
    } finally {
      await env.stop();
    }
  },
});
