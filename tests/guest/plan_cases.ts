/**
 * `plan` is what the agent really does: planned against the guest's captured `vgs`, `lvs`
 * and `findmnt` (as plan_command.ts builds its simulated node), the dry run's commands are
 * exactly the ones the real saga then sends to the guest. And the unit names our pure
 * function computes are systemd's own.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { LVS_FIELDS, VGS_FIELDS } from "../../src/host/lvm_report.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import { dryRunProvision } from "../../src/plan/dry_run.ts";
import { type RecordedStep, StepRecorder } from "../../src/plan/recording.ts";
import { mountUnitName } from "../../src/decide/systemd_escape.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { MemoryJournal, SagaEngine } from "../../src/saga/mod.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { type GuestContext, planSpec, sh, testUid, type TierCase } from "./context.ts";
import { effectsOf } from "./predicted_effects.ts";

const LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"];

/** The node state file `plan --host-state` reads, captured from the guest as the README says. */
async function captureHostState(ctx: GuestContext) {
  const [vgs, lvs, mounts] = await Promise.all([
    sh(ctx, ["vgs", ...LVM_JSON, "-o", VGS_FIELDS.join(",")]),
    sh(ctx, ["lvs", ...LVM_JSON, "-o", LVS_FIELDS.join(",")]),
    sh(ctx, ["findmnt", "--json", "--output", "TARGET,SOURCE,FSTYPE,OPTIONS"]),
  ]);
  return { vgs: JSON.parse(vgs), lvs: JSON.parse(lvs), mounts: JSON.parse(mounts) };
}

/** A step list reduced to what must agree: step, action and each command with its input. */
function shape(steps: readonly RecordedStep[]) {
  return steps.map((s) => ({
    step: `${s.step} (${s.action})`,
    commands: s.commands.map((c) => ({ argv: c.argv, stdin: c.stdin, code: c.code })),
  }));
}

/** Paths whose escaping is easy to get wrong: dashes, spaces, dots, UTF-8, odd slashes. */
const ESCAPE_PATHS = [
  "/volumes/pvc-7e57c1a1-0000-4000-8000-000000000001",
  "/var/lib/local lvm/pvc-x",
  "/data/.hidden/pvc-1",
  "/mnt/ünïcödé/pvc-2",
  "/srv//double///slash/",
  "/a/b_c:d.e/pvc-3",
  "/x/back\\slash/p+q=r@s",
  "/./dot/./segments",
];

export const planCases: TierCase[] = [
  {
    name: "plan against the guest's real vgs/lvs/findmnt predicts exactly what the saga runs",
    async fn(ctx) {
      const state = await captureHostState(ctx);
      const sim = new AllowlistExecutor(SimulatedHost.fromReports(state));
      const claim = { name: "planned", uid: testUid(0x600), storage: "20Mi" };
      const spec = await planSpec(sim, claim);
      assert.deepEqual(await planSpec(ctx.exec, claim), spec, "same decisions from the capture");
      const dry = await dryRunProvision(spec, sim);
      assert.equal(dry.provisionOutcome, "completed");

      const recorder = new StepRecorder(ctx.exec);
      const engine = new SagaEngine(recorder.instrument(provisionSaga), {
        journal: new MemoryJournal(),
        deps: {
          exec: recorder,
          kube: recorder.volumeApi(new MemoryVolumeApi()),
          reservations: new ReservationBook(),
        },
      });
      assert.equal((await engine.run(spec.pvName, spec)).status, "completed");
      const provision = recorder.steps.splice(0);
      assert.equal((await engine.teardown(spec.pvName, spec)).status, "torn-down");
      const teardown = recorder.steps.splice(0);

      assert.deepEqual(effectsOf(provision), effectsOf(dry.provision), "provisioning effects");
      assert.deepEqual(effectsOf(teardown), effectsOf(dry.teardown), "teardown effects");
      // Reads too, with their exit codes: the simulated node answers like the real one.
      assert.deepEqual(shape(provision), shape(dry.provision));
      assert.deepEqual(shape(teardown), shape(dry.teardown));
      console.log(
        `  plan = real: ${effectsOf(provision).length} + ${effectsOf(teardown).length} effects, ` +
          `${shape(provision).length} + ${shape(teardown).length} steps`,
      );
    },
  },
  {
    name: "unit names: our systemd-escape equals the guest's systemd-escape --path",
    async fn(ctx) {
      const rows = await Promise.all(ESCAPE_PATHS.map(async (path) => ({
        path,
        ours: mountUnitName(path),
        systemd: (await sh(ctx, ["systemd-escape", "--path", "--suffix=mount", path])).trim(),
      })));
      for (const r of rows) assert.equal(r.ours, r.systemd, r.path);
    },
  },
];
