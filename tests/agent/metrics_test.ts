/**
 * The agent's /metrics on the real control plane: the gauges read from the node at start
 * (VG size and free space, volumes, an orphan LV made on purpose, the config's hash), then
 * provisioning, deletion, a failing step and a config reload, each moving its numbers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256Hex } from "../../src/config/load.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { claimPath, createClaim, waitBound, waitGone } from "./claims.ts";
import { GiB, MiB, startEnvironment, waitFor } from "./environment.ts";
import { type Sample, sampleValue as v, scrape } from "./prom_text.ts";

const SUCCEEDED = (operation: string) => ({ operation, result: "succeeded" });
const VG = { vg: "vg1" };

Deno.test({
  name: "metrics: node gauges, operations, steps, retries and config reloads",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment(
      [{ name: "node-a", vgs: [{ name: "vg1", sizeBytes: GiB }] }],
      {
        agents: false,
      },
    );
    try {
      // An LV of ours with no PV: the first orphan scan finds it.
      await env.node("node-a", (host) =>
        host.run(lvcreateArgvFor("vg1", "pvc-orphan", 8 * MiB, [
          "local-lvm-provisioner",
          "mount=/data",
          "pvname=default-gone",
        ])));
      await env.startAgent("node-a");
      const port = env.agents.get("node-a")!.options.httpPort;
      const until = (what: string, ok: (s: Sample[]) => boolean) =>
        waitFor(what, async () => {
          const s = await scrape(port);
          return ok(s) ? s : undefined;
        }, 20_000);

      await t.step("at start: VG gauges, the orphan, the config hash, counters at 0", async () => {
        const s = await until(
          "orphan scan and VG gauges",
          // Two tasks of their own, started together at ready: wait for both.
          (s) =>
            v(s, "local_lvm_orphans", { kind: "lv" }) === 1 &&
            v(s, "local_lvm_vg_size_bytes", VG) !== undefined,
        );
        assert.equal(v(s, "local_lvm_vg_size_bytes", VG), GiB);
        assert.equal(v(s, "local_lvm_vg_free_bytes", VG), GiB - 8 * MiB);
        assert.equal(v(s, "local_lvm_volumes", VG), 1);
        for (const kind of ["pv", "mount", "unit", "journal"]) {
          assert.equal(v(s, "local_lvm_orphans", { kind }), 0, kind);
        }
        assert.equal(v(s, "local_lvm_operations_total", SUCCEEDED("provision")), 0);
        assert.equal(v(s, "local_lvm_workqueue_retries_total", { queue: "claims" }), 0);
        assert.equal(v(s, "local_lvm_sagas_in_flight"), 0);
        assert.equal(v(s, "local_lvm_journal_entries_awaiting_recovery"), 0);
        const text = await Deno.readTextFile(join(env.configDir, "config.json"));
        assert.equal(v(s, "local_lvm_config_info", { sha256: await sha256Hex(text) }), 1);
        assert.equal(v(s, "local_lvm_config_reloads_total", { result: "success" }), 0);
        assert.equal(v(s, "local_lvm_config_last_reload_ok"), 1);
      });

      await t.step("provisioning: operations 0 -> 1, free bytes drop, volumes 1 -> 2", async () => {
        await createClaim(env.api, { name: "m1", node: "node-a", size: "64Mi" });
        await waitBound(env.api, "m1");
        const s = await until(
          "provisioning counted",
          (s) =>
            v(s, "local_lvm_operations_total", SUCCEEDED("provision")) === 1 &&
            v(s, "local_lvm_volumes", VG) === 2,
        );
        assert.equal(v(s, "local_lvm_vg_free_bytes", VG), GiB - 8 * MiB - 64 * MiB);
        for (
          const step of ["reserve-vg", "lvcreate", "mkfs", "mount", "systemd-unit", "write-pv"]
        ) {
          const labels = { kind: "provision", step, action: "do", outcome: "ok" };
          assert.equal(v(s, "local_lvm_step_duration_seconds_count", labels), 1, step);
        }
        const saga = { kind: "provision", operation: "provision", outcome: "succeeded" };
        assert.equal(v(s, "local_lvm_saga_duration_seconds_count", saga), 1);
        assert.equal(v(s, "local_lvm_sagas_in_flight"), 0);
        // Node commands by binary: one of each change; blkid's exit 2 (no signature) is an error.
        const command = (name: string, outcome = "ok") =>
          v(s, "local_lvm_host_command_duration_seconds_count", { command: name, outcome });
        assert.equal(command("lvcreate"), 1);
        assert.equal(command("mkfs.ext4"), 1);
        assert.equal(command("mount"), 1);
        assert.equal(command("blkid", "error"), 1);
        assert.ok((command("vgs") ?? 0) >= 1, "vgs timed");
      });

      await t.step("deletion: free bytes and volumes come back", async () => {
        const claim = await env.api.get(claimPath("m1"));
        await env.api.delete(claimPath("m1"));
        await waitGone(env.api, `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
        const s = await until(
          "deletion counted",
          (s) =>
            v(s, "local_lvm_operations_total", SUCCEEDED("delete")) === 1 &&
            v(s, "local_lvm_volumes", VG) === 1,
        );
        assert.equal(v(s, "local_lvm_vg_free_bytes", VG), GiB - 8 * MiB);
        const undo = { kind: "provision", step: "lvcreate", action: "undo", outcome: "ok" };
        assert.equal(v(s, "local_lvm_step_duration_seconds_count", undo), 1);
      });

      await t.step(
        "a failing mkfs: a rollback, a retry, an error in the step histogram",
        async () => {
          await env.node("node-a", (_, faults) => {
            faults.failures.push({
              argvPrefix: ["mkfs.ext4"],
              code: 1,
              stderr: "mkfs.ext4: Device size reported to be zero.\n",
              times: 1,
            });
          });
          await createClaim(env.api, { name: "m2", node: "node-a", size: "16Mi" });
          await waitBound(env.api, "m2");
          const s = await until(
            "retry counted",
            (s) => v(s, "local_lvm_operations_total", SUCCEEDED("provision")) === 2,
          );
          const rolledBack = { operation: "provision", result: "rolled_back" };
          assert.equal(v(s, "local_lvm_operations_total", rolledBack), 1);
          assert.ok(v(s, "local_lvm_workqueue_retries_total", { queue: "claims" })! >= 1);
          const failed = { kind: "provision", step: "mkfs", action: "do", outcome: "error" };
          assert.equal(v(s, "local_lvm_step_duration_seconds_count", failed), 1);
        },
      );

      await t.step("a config reload is counted and the hash follows the file", async () => {
        await env.setConfig({
          nodeVGMap: [{ node: "DEFAULT_VGS_FOR_NON_LISTED_NODES", path: "/data", vgs: ["vg1"] }],
          vgSelection: "least-free",
        });
        const text = await Deno.readTextFile(join(env.configDir, "config.json"));
        const sha256 = await sha256Hex(text);
        const s = await until(
          "reload counted",
          (s) => v(s, "local_lvm_config_reloads_total", { result: "success" }) === 1,
        );
        assert.equal(v(s, "local_lvm_config_info", { sha256 }), 1);
      });
    } finally {
      await env.stop();
    }
  },
});
