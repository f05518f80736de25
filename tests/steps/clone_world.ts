/**
 * A node with one provisioned source volume holding files, and the spec of a clone of it:
 * the world of the clone saga's fast tests.
 */
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { planClone } from "../../src/provision/clone_plan.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { MemoryJournal } from "../../src/saga/mod.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import { claim } from "../fixtures/claims.ts";
import { engineFor, FaultyVolumeApi, MiB, planOnNodeA } from "./harness.ts";
import { activationUnitName } from "../../steps/systemd_unit.ts";

export const SOURCE_UID = "5a5a5a5a-0000-4000-8000-000000000001";
export const CLONE_UID = "c10e0000-0000-4000-8000-000000000002";

/** The world of one clone. */
export interface CloneWorld {
  host: SimulatedHost;
  kube: FaultyVolumeApi;
  journal: MemoryJournal;
  reservations: ReservationBook;
  source: VolumeSpec;
  /** The clone's spec without its source (for refusals) and with it. */
  bare: VolumeSpec;
  clone: VolumeSpec;
  /** The source's files when the clone was planned. */
  sourceFiles: Record<string, string>;
}

/** Writes a file through the node (so a snapshot of its volume sees the write as a change). */
export async function writeThrough(host: SimulatedHost, path: string, content: string) {
  const r = await host.run(["tee", path], { stdin: content });
  assert.equal(r.code, 0, r.stderr);
}

/** The files (path → content) under a directory of a volume's filesystem. */
export function filesOf(host: SimulatedHost, lvName: string): Record<string, string> {
  const lv = host.snapshot().lvs.find((l) => l.name === lvName);
  const out: Record<string, string> = {};
  for (const [path, entry] of Object.entries(lv?.files ?? {})) {
    out[path] = entry.type === "file" ? entry.content : entry.type;
  }
  return out;
}

/** A source of 8 MiB with two files, and a clone of `cloneStorage` planned from it. */
export async function newCloneWorld(
  options: { fsType?: FsType; cloneStorage?: string; vgMiB?: number } = {},
): Promise<CloneWorld> {
  const fsType = options.fsType ?? "ext4";
  // xfs needs 300 MiB volumes.
  const size = fsType === "xfs" ? "300Mi" : "8Mi";
  const host = SimulatedHost.create({
    vgs: [{ name: "vg0", sizeBytes: (options.vgMiB ?? (fsType === "xfs" ? 1024 : 64)) * MiB }],
  });
  const w = {
    host,
    kube: new FaultyVolumeApi(),
    journal: new MemoryJournal(),
    reservations: new ReservationBook(),
  } as CloneWorld;
  w.source = await planOnNodeA(host, claim({ uid: SOURCE_UID, name: "db", storage: size }), fsType);
  const made = await engineFor(w).run(w.source.pvName, w.source);
  assert.equal(made.status, "completed");
  await writeThrough(host, `${w.source.hostPath}/table.dat`, "rows 1..3\n");
  await host.run(["mkdir", "-p", `${w.source.hostPath}/dir`]);
  await writeThrough(host, `${w.source.hostPath}/dir/nested.txt`, "nested\n");
  w.sourceFiles = filesOf(host, w.source.pvName);
  w.bare = await planOnNodeA(
    host,
    claim({ uid: CLONE_UID, name: "db-copy", storage: options.cloneStorage ?? size }),
    fsType,
  );
  const planned = await planClone(new AllowlistExecutor(host), w.bare, {
    claim: w.source.claim,
    pvName: w.source.pvName,
  });
  if (planned.ok) w.clone = planned.spec;
  return w;
}

/** The clone is complete: its data is the source's at snapshot time; no snapshot is left. */
export async function assertCloned(w: CloneWorld, label = ""): Promise<void> {
  const { host, clone, source } = w;
  const names = host.listLvs().map((l) => l.name).sort();
  assert.deepEqual(names, [clone.pvName, source.pvName].sort(), `two LVs, no snapshot ${label}`);
  const lv = host.listLvs().find((l) => l.name === clone.pvName)!;
  assert.equal(lv.filesystem?.uuid, clone.claim.uid, `clone fs UUID is its claim's uid ${label}`);
  assert.equal(lv.sizeBytes, clone.sizeBytes);
  const copied = filesOf(host, clone.pvName);
  for (const [path, content] of Object.entries(w.sourceFiles)) {
    assert.equal(copied[path], content, `${path} copied ${label}`);
  }
  assert.deepEqual(
    host.mounts().map((m) => m.target).sort(),
    [clone.mountPoint, source.mountPoint].sort(),
    `source and clone mounted, snapshot not ${label}`,
  );
  assert.equal(host.exists(clone.cloneFrom!.snapshotMountPoint), false, `no snapshot dir ${label}`);
  assert.ok(await w.kube.readPersistentVolume(clone.pvName), `clone PV ${label}`);
  assert.deepEqual(await w.journal.list(), [], `journal empty ${label}`);
  assert.deepEqual(w.reservations.list(), [], `no hold ${label}`);
}

/** Only the source is left, untouched: no clone LV, snapshot, mount, unit or PV. */
export async function assertOnlySource(w: CloneWorld, label = ""): Promise<void> {
  const { host, source, clone } = w;
  assert.deepEqual(host.listLvs().map((l) => l.name), [source.pvName], `only the source ${label}`);
  assert.deepEqual(
    host.mounts().map((m) => m.target),
    [source.mountPoint],
    `source mounted ${label}`,
  );
  assert.deepEqual(filesOf(host, source.pvName), w.sourceFiles, `source unchanged ${label}`);
  assert.equal(host.exists(clone.mountPoint), false, `no clone mount point ${label}`);
  assert.equal(host.exists(clone.cloneFrom!.snapshotMountPoint), false, `no snapshot dir ${label}`);
  assert.deepEqual(
    Object.keys(host.unitFiles()).sort(),
    [activationUnitName(source), source.unitName].sort(),
    `only the source's unit ${label}`,
  );
  assert.equal(await w.kube.readPersistentVolume(clone.pvName), undefined, `no clone PV ${label}`);
  assert.deepEqual(await w.journal.list(), [], `journal empty ${label}`);
}
