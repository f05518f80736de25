/**
 * The effects `plan` predicts for a spec: the mutating commands and PV writes of its
 * provisioning and teardown, from the dry run (real engine and steps, simulated node).
 *
 * @module
 */

import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import type { Executor } from "../../src/host/executor.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { dryRunProvision } from "../../src/plan/dry_run.ts";
import type { RecordedStep } from "../../src/plan/recording.ts";
import type { VolumeSpec } from "../../src/volume.ts";

/** Effects in the driver's notation: argv, or `["(api)", verb, name]` for a PV write. */
export function effectsOf(steps: readonly RecordedStep[]): string[][] {
  return steps.flatMap((s) => s.commands)
    .filter((c) => !c.readOnly)
    .map((c) => c.api ? ["(api)", c.argv[0], c.argv[2]] : c.argv);
}

/** Predicted provisioning and teardown effects of `spec` on `node` (a simulated host). */
export async function predictEffects(
  spec: VolumeSpec,
  node: Executor = new AllowlistExecutor(
    SimulatedHost.create({ vgs: [{ name: spec.vg, sizeBytes: 1024 ** 3 }] }),
  ),
): Promise<{ provision: string[][]; teardown: string[][] }> {
  const run = await dryRunProvision(spec, node);
  if (run.provisionOutcome !== "completed") {
    throw new Error(`dry run of ${spec.pvName} ${run.provisionOutcome}: ${run.provisionError}`);
  }
  return { provision: effectsOf(run.provision), teardown: effectsOf(run.teardown) };
}
