/**
 * A provisioning world on the simulated host: one node, an in-memory API, a journal,
 * and the checks that say "fully provisioned" or "nothing left behind".
 */
import { activationUnitName } from "../../steps/systemd_unit.ts";
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import type { PersistentVolumeObject, VolumeApi } from "../../src/kube/volume_api.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { planVolume } from "../../src/provision/plan_volume.ts";
import { listVolumeGroups } from "../../src/provision/node_queries.ts";
import { MemoryJournal, SagaEngine } from "../../src/saga/mod.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { provisionSaga } from "../../steps/mod.ts";
import type { ClaimObject } from "../../src/decide/claim.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import { claim, storageClass } from "../fixtures/claims.ts";

export const MiB = 1024 ** 2;

/** A VolumeApi whose calls can be made to fail or to "crash" the process. */
export class FaultyVolumeApi implements VolumeApi {
  /** The next `times` (default 1) calls of `op` fail with `error`. */
  failNext?: { op: "create" | "delete"; error: Error; times?: number };
  crashNext?: { op: "create" | "delete"; when: "before" | "after"; abort: () => void };
  constructor(readonly inner = new MemoryVolumeApi()) {}

  async #call(op: "create" | "delete", effect: () => Promise<void>): Promise<void> {
    if (this.failNext?.op === op) {
      const { error, times = 1 } = this.failNext;
      this.failNext = times > 1 ? { ...this.failNext, times: times - 1 } : undefined;
      throw error;
    }
    const crash = this.crashNext?.op === op ? this.crashNext : undefined;
    if (crash) this.crashNext = undefined;
    if (crash?.when === "before") {
      crash.abort();
      throw new Error(`crash before ${op}`);
    }
    await effect();
    if (crash) {
      crash.abort();
      throw new Error(`crash after ${op}`);
    }
  }

  createPersistentVolume(pv: PersistentVolumeObject) {
    return this.#call("create", () => this.inner.createPersistentVolume(pv));
  }
  readPersistentVolume(name: string) {
    return this.inner.readPersistentVolume(name);
  }
  deletePersistentVolume(name: string) {
    return this.#call("delete", () => this.inner.deletePersistentVolume(name));
  }
}

/** One node and everything around it. */
export interface World {
  host: SimulatedHost;
  kube: FaultyVolumeApi;
  journal: MemoryJournal;
  reservations: ReservationBook;
  spec: VolumeSpec;
}

const CONFIG = `{"nodeVGMap":[{"node":"node-a","path":"/data","vgs":["vg0"]}]}`;

/** Plans claim `c` on node-a of `host` (its volumes from vg0, under /data), as the agent would. */
export async function planOnNodeA(
  host: SimulatedHost,
  c: ClaimObject,
  fsType: FsType = "ext4",
): Promise<VolumeSpec> {
  const parsed = parseConfig(CONFIG);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const plan = planVolume({
    claim: c,
    storageClass: { ...storageClass, parameters: { fsType } },
    node: { name: "node-a", hostnameLabel: "node-a" },
    config: parsed.config,
    vgReports: await listVolumeGroups(host),
    reservations: [],
  });
  if (!plan.ok) throw new Error(plan.errors.join("\n"));
  return plan.spec;
}

/** A node with a 64 MiB vg0 and the spec of a 5 MiB claim on it. */
export async function newWorld(fsType: "ext4" | "xfs" = "ext4"): Promise<World> {
  const host = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: 64 * MiB }] });
  return {
    host,
    kube: new FaultyVolumeApi(),
    journal: new MemoryJournal(),
    reservations: new ReservationBook(),
    spec: await planOnNodeA(host, claim({ storage: "5Mi" }), fsType),
  };
}

/** A fresh engine over the world, as a (re)started agent would build it. */
export function engineFor(
  world: Pick<World, "host" | "kube" | "journal" | "reservations">,
  signal?: AbortSignal,
) {
  return new SagaEngine(provisionSaga, {
    journal: world.journal,
    deps: {
      exec: new AllowlistExecutor(world.host),
      kube: world.kube,
      reservations: world.reservations,
    },
    signal,
    undoAttempts: 2,
    sleep: () => Promise.resolve(),
  });
}

/** Everything a provisioned volume consists of is there, exactly once. */
export async function assertProvisioned(w: World, label = ""): Promise<void> {
  const { spec, host } = w;
  const lvs = host.listLvs();
  assert.equal(lvs.length, 1, `one LV ${label}`);
  assert.equal(lvs[0].name, spec.pvName);
  assert.equal(lvs[0].sizeBytes, spec.sizeBytes);
  assert.deepEqual(lvs[0].tags.sort(), [
    "local-lvm-provisioner",
    "mount=/data",
    "pvname=default-data",
  ]);
  assert.equal(lvs[0].filesystem?.uuid, spec.claim.uid, `filesystem ${label}`);
  assert.deepEqual(host.mounts().map((m) => m.target), [spec.mountPoint], `mounted ${label}`);
  assert.ok(host.exists(spec.hostPath), `data dir ${label}`);
  const units = host.unitFiles();
  assert.deepEqual(
    Object.keys(units).sort(),
    [spec.unitName, activationUnitName(spec)].sort(),
    `unit and its activation service ${label}`,
  );
  assert.ok(units[spec.unitName].links.length > 0, `unit enabled ${label}`);
  const pv = await w.kube.readPersistentVolume(spec.pvName);
  assert.equal(pv?.spec.claimRef?.uid, spec.claim.uid, `PV ${label}`);
  assert.deepEqual(w.reservations.list(), [], `no reservation left ${label}`);
  assert.deepEqual(await w.journal.list(), [], `journal empty ${label}`);
}

/** Nothing of the volume is left: no LV, mount, unit, directory, reservation or PV. */
export async function assertNothingLeft(w: World, label = ""): Promise<void> {
  const { spec, host } = w;
  assert.deepEqual(host.listLvs(), [], `no LV ${label}`);
  assert.deepEqual(host.mounts(), [], `no mount ${label}`);
  assert.deepEqual(Object.keys(host.unitFiles()), [], `no unit ${label}`);
  assert.equal(host.exists(spec.mountPoint), false, `no mount point ${label}`);
  assert.equal(host.snapshot().vgs[0].freeExtents, 16, `all extents free ${label}`);
  assert.equal(await w.kube.readPersistentVolume(spec.pvName), undefined, `no PV ${label}`);
  assert.deepEqual(w.reservations.list(), [], `no reservation ${label}`);
  assert.deepEqual(await w.journal.list(), [], `journal empty ${label}`);
}
