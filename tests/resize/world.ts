/**
 * An expansion world on the simulated host: a provisioned volume, its PV in memory, its
 * bound claim in memory, a journal and an event recorder, built with the same planning,
 * engine and steps as the agent.
 */
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import { type Claim } from "../../src/kube/claim_api.ts";
import { MemoryClaimStatus } from "../../src/kube/claim_status.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { MemoryJournal, SagaEngine } from "../../src/saga/mod.ts";
import { exactQuantity } from "../../src/decide/quantity.ts";
import { resizeNeed } from "../../src/decide/resize_need.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { resizeSaga } from "../../steps/resize_saga.ts";
import { planResize } from "../../src/resize/plan_resize.ts";
import type { ResizeSpec } from "../../src/resize/spec.ts";
import type { ResizeRunner } from "../../src/resize/run_resize.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import { claim } from "../fixtures/claims.ts";
import { planOnNodeA } from "../steps/harness.ts";

export const MiB = 1024 ** 2;

/** One event as the agent would record it. */
export interface RecordedEvent {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
  on: string;
}

/** Everything around one provisioned, bound volume. */
export interface ResizeWorld {
  host: SimulatedHost;
  kube: MemoryVolumeApi;
  claims: MemoryClaimStatus;
  journal: MemoryJournal;
  events: RecordedEvent[];
  volume: VolumeSpec;
}

/** Provisions one claim of `storage` on a node with one VG of `vgMiB`, and binds it. */
export async function resizeWorld(
  o: { fsType?: FsType; vgMiB?: number; storage?: string } = {},
): Promise<ResizeWorld> {
  const fsType = o.fsType ?? "ext4";
  const host = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: (o.vgMiB ?? 64) * MiB }] });
  const c = claim({ storage: o.storage ?? "5Mi" });
  const spec = await planOnNodeA(host, c, fsType);
  const kube = new MemoryVolumeApi();
  const outcome = await new SagaEngine(provisionSaga, {
    journal: new MemoryJournal(),
    deps: { exec: new AllowlistExecutor(host), kube, reservations: new ReservationBook() },
  }).run(spec.pvName, spec);
  if (outcome.status !== "completed") throw new Error(`provisioning: ${outcome.status}`);
  const claims = new MemoryClaimStatus();
  claims.put({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: c.metadata as Claim["metadata"],
    spec: { ...c.spec, volumeName: spec.pvName },
    status: {
      phase: "Bound",
      accessModes: ["ReadWriteOnce"],
      capacity: { storage: exactQuantity(spec.sizeBytes) },
    },
  } as Claim);
  return { host, kube, claims, journal: new MemoryJournal(), events: [], volume: spec };
}

/** The claim as the API server has it now. */
export async function currentClaim(w: ResizeWorld): Promise<Claim> {
  const c = await w.claims.readClaim(w.volume.claim.namespace, w.volume.claim.name);
  if (!c) throw new Error("claim gone");
  return c;
}

/** The user edits the claim's request (as `kubectl patch pvc` would). */
export function requestSize(w: ResizeWorld, storage: string): void {
  const key = `${w.volume.claim.namespace}/${w.volume.claim.name}`;
  const c = w.claims.claims.get(key)!;
  (c.spec as { resources: { requests: Record<string, string> } }).resources.requests.storage =
    storage;
}

/** Plans the expansion the way the agent does: the need from claim and PV, the rest from the node. */
export async function planGrow(w: ResizeWorld): Promise<ResizeSpec | undefined> {
  const c = await currentClaim(w);
  const pv = (await w.kube.readPersistentVolume(w.volume.pvName))!;
  const need = resizeNeed(c, pv);
  if (!need) return undefined;
  const plan = await planResize(w.host, {
    need,
    claim: w.volume.claim,
    pv,
    node: "node-a",
    provisioner: "local-lvm.io",
  });
  if (!plan.ok) throw new Error(plan.error);
  return plan.spec;
}

/** The runner an agent would build over this world (a fresh engine: a restarted agent). */
export function runnerFor(w: ResizeWorld, signal?: AbortSignal): ResizeRunner {
  const engine = new SagaEngine(resizeSaga, {
    journal: w.journal,
    deps: { exec: new AllowlistExecutor(w.host), kube: w.kube, claims: w.claims },
    signal,
    undoAttempts: 2,
    sleep: () => Promise.resolve(),
  });
  const record = (type: RecordedEvent["type"]) => (on: KubeObject, reason: string, note: string) =>
    w.events.push({ type, reason, note, on: on.metadata.name });
  return {
    engine,
    claims: w.claims,
    events: { normal: record("Normal"), warning: record("Warning") },
    now: () => new Date("2026-01-01T00:00:00Z"),
  };
}
