/**
 * The provisioning saga: its steps in order. Teardown is the same list undone in reverse,
 * with the PV (the commit point) deleted last.
 *
 * @module
 */

import type { SagaDefinition } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import type { VolumeSpec } from "../src/volume.ts";
import { reserveVg } from "./reserve_vg.ts";
import { lvcreate } from "./lvcreate.ts";
import { mkfs } from "./mkfs.ts";
import { mount } from "./mount.ts";
import { systemdUnit } from "./systemd_unit.ts";
import { writePv } from "./write_pv.ts";
import { snapshotSource } from "./snapshot_source.ts";
import { copyFromSnapshot } from "./copy_from_snapshot.ts";
import { dropSnapshot } from "./drop_snapshot.ts";

/** A clone's filling, after `mount` and before the PV; they apply to clones only. */
export const cloneSteps = [snapshotSource, copyFromSnapshot, dropSnapshot];

export const provisionSaga: SagaDefinition<VolumeSpec, ProvisionDeps> = {
  kind: "provision",
  steps: [reserveVg, lvcreate, mkfs, systemdUnit, mount, ...cloneSteps, writePv],
};
