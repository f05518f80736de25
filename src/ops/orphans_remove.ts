/**
 * Removing orphans, always through the provisioning steps' own undo: a whole volume (LV or
 * PV orphan) with the saga engine's teardown, journaled like the agent's; a journal entry by
 * rolling its saga back; a stray mount or unit with that one step's undo. An LV without our
 * tag is never touched (the lvcreate step's undo refuses it, and so does this module first).
 *
 * @module
 */

import { mountUnitName } from "../decide/systemd_escape.ts";
import type { Executor } from "../host/executor.ts";
import type { VolumeApi } from "../kube/volume_api.ts";
import { specFromExisting, specFromVolumeOnly } from "../provision/existing_volume.ts";
import { findLogicalVolumes, findMount } from "../provision/node_queries.ts";
import { ReservationBook } from "../provision/reservations.ts";
import { SagaEngine } from "../saga/engine.ts";
import type { JournalStore, SagaOutcome, SagaRecord } from "../saga/types.ts";
import { mount } from "../../steps/mount.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { systemdUnit } from "../../steps/systemd_unit.ts";
import { LV_TAG_OWNER, type VolumeSpec } from "../volume.ts";
import { legacyMountPoint } from "./orphans_find.ts";
import { lvOfDevice } from "./node_inventory.ts";
import type { Orphan } from "./orphan_types.ts";

/** What removal acts with. */
export interface RemovalDeps {
  exec: Executor;
  journal: JournalStore;
  volumes: VolumeApi;
  nodeName: string;
  provisioner: string;
}

/** Removes one orphan; throws with the reason when it cannot. */
export async function removeOrphan(orphan: Orphan, deps: RemovalDeps): Promise<void> {
  const engine = new SagaEngine(provisionSaga, {
    journal: deps.journal,
    deps: { exec: deps.exec, kube: deps.volumes, reservations: new ReservationBook() },
    undoAttempts: 2,
  });
  switch (orphan.kind) {
    case "lv": {
      const spec = await lvSpec(orphan.name, deps);
      return done(await engine.teardown(spec.pvName, spec));
    }
    case "pv": {
      const pv = await deps.volumes.readPersistentVolume(orphan.name);
      if (!pv) return; // Gone meanwhile.
      const spec = specFromVolumeOnly(pv, deps.nodeName);
      if (!spec.ok) throw new Error(spec.error);
      return done(await engine.teardown(orphan.name, spec.spec));
    }
    case "journal": {
      const record = await deps.journal.get(orphan.name) as SagaRecord<VolumeSpec> | undefined;
      if (!record) return;
      return done(await engine.continue(record, "backward"));
    }
    case "mount": {
      const row = await findMount(deps.exec, orphan.name);
      if (!row) return;
      const device = lvOfDevice(row.source);
      if (!device) {
        throw new Error(`${row.source} at ${orphan.name} is no logical volume: not unmounting it`);
      }
      const stepDeps = { exec: deps.exec, kube: deps.volumes, reservations: new ReservationBook() };
      return await mount.undo(partialSpec(device.vg, device.name, orphan.name, deps), stepDeps);
    }
    case "unit": {
      const spec = { ...partialSpec("", "", "/", deps), unitName: orphan.name };
      const stepDeps = { exec: deps.exec, kube: deps.volumes, reservations: new ReservationBook() };
      return await systemdUnit.undo(spec, stepDeps);
    }
  }
}

function done(outcome: SagaOutcome): void {
  if (outcome.status === "stuck" || outcome.status === "rolled-back") throw outcome.error;
}

/** The spec of a tagged LV, mounted where the original project put it if that is where it is. */
async function lvSpec(name: string, deps: RemovalDeps): Promise<VolumeSpec> {
  const [vg, lvName] = name.split("/");
  const lv = (await findLogicalVolumes(deps.exec, lvName)).find((l) => l.vg === vg);
  if (!lv) throw new Error(`Logical volume ${name} is gone`);
  if (!lv.tags.includes(LV_TAG_OWNER)) {
    throw new Error(`Logical volume ${name} has no ${LV_TAG_OWNER} tag: not ours, not touching it`);
  }
  const existing = specFromExisting({
    lv,
    node: deps.nodeName,
    provisioner: deps.provisioner,
  });
  if (!existing.ok) throw new Error(existing.error);
  const legacy = legacyMountPoint(lv);
  const mounted = legacy ? await findMount(deps.exec, legacy) : undefined;
  if (!legacy || !mounted || lvOfDevice(mounted.source)?.name !== lv.name) return existing.spec;
  // Mounted as the original project mounts: at <base>/<namespace>-<claim>, no data dir.
  return {
    ...existing.spec,
    mountPoint: legacy,
    hostPath: legacy,
    unitName: mountUnitName(legacy),
    legacy: true,
  };
}

/** A spec with only what the mount and systemd-unit undos read. */
function partialSpec(vg: string, pvName: string, mountPoint: string, deps: RemovalDeps) {
  const spec: VolumeSpec = {
    pvName,
    claim: { namespace: "", name: "", uid: "" },
    node: deps.nodeName,
    hostnameLabel: deps.nodeName,
    provisioner: deps.provisioner,
    storageClass: "",
    reclaimPolicy: "Delete",
    vg,
    requestBytes: 0,
    sizeBytes: 0,
    fsType: "ext4",
    mountOptions: [],
    basePath: mountPoint.slice(0, mountPoint.lastIndexOf("/")) || "/",
    mountPoint,
    hostPath: mountPoint,
    unitName: mountUnitName(mountPoint),
    accessModes: [],
  };
  return spec;
}
