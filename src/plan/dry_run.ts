/**
 * Runs the provisioning saga, then its teardown, through the real engine and the real
 * steps against a simulated copy of a node, recording every command. What `plan` prints
 * is therefore what the agent would run, not a separate description that could drift.
 *
 * @module
 */

import type { Executor } from "../host/executor.ts";
import { MemoryVolumeApi } from "../kube/memory_volume_api.ts";
import type { PersistentVolumeObject, VolumeApi } from "../kube/volume_api.ts";
import { buildPersistentVolume, type NewPersistentVolume } from "../decide/pv_spec.ts";
import { ReservationBook } from "../provision/reservations.ts";
import { MemoryJournal, SagaEngine } from "../saga/mod.ts";
import type { SagaOutcome } from "../saga/types.ts";
import { provisionSaga } from "../../steps/mod.ts";
import type { VolumeSpec } from "../volume.ts";
import { type RecordedStep, StepRecorder } from "./recording.ts";

/** What a dry run found. */
export interface DryRun {
  /** Steps as provisioning ran them (with the rollback, if a step failed). */
  provision: RecordedStep[];
  provisionOutcome: SagaOutcome["status"];
  provisionError?: string;
  /** The PV the last step creates. */
  pv?: NewPersistentVolume;
  /** Teardown of the provisioned volume, in the order it runs. */
  teardown: RecordedStep[];
}

function dryRunEngine(recorder: StepRecorder, kube: VolumeApi) {
  return new SagaEngine(recorder.instrument(provisionSaga), {
    journal: new MemoryJournal(),
    deps: { exec: recorder, kube: recorder.volumeApi(kube), reservations: new ReservationBook() },
    undoAttempts: 1,
  });
}

/** Dry-runs provisioning and teardown of `spec` on `node` (a simulated host, never a real one). */
export async function dryRunProvision(spec: VolumeSpec, node: Executor): Promise<DryRun> {
  const recorder = new StepRecorder(node);
  const engine = dryRunEngine(recorder, new MemoryVolumeApi());
  const outcome = await engine.run(spec.pvName, spec);
  const provision = recorder.steps.splice(0);
  if (outcome.status !== "completed") {
    return {
      provision,
      provisionOutcome: outcome.status,
      provisionError: "error" in outcome ? outcome.error.message : undefined,
      teardown: [],
    };
  }
  await engine.teardown(spec.pvName, spec);
  return {
    provision,
    provisionOutcome: outcome.status,
    pv: buildPersistentVolume(spec),
    teardown: recorder.steps.splice(0),
  };
}

/** Dry-runs the teardown of an existing volume, found in a captured host state. */
export async function dryRunTeardown(
  spec: VolumeSpec,
  node: Executor,
  pv?: PersistentVolumeObject,
): Promise<{ teardown: RecordedStep[]; outcome: SagaOutcome }> {
  const recorder = new StepRecorder(node);
  const kube = new MemoryVolumeApi();
  if (pv) await kube.createPersistentVolume(pv);
  const engine = dryRunEngine(recorder, kube);
  // A captured host state holds the LVs but not their mounts and units: bring the copy
  // to the provisioned state first (every step recognises what is already there).
  await engine.run(spec.pvName, spec);
  recorder.steps.length = 0;
  const outcome = await engine.teardown(spec.pvName, spec);
  return { teardown: recorder.steps, outcome };
}
