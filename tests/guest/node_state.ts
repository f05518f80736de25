/**
 * What the guest really holds for one volume, read with the real tools (lvs, blkid,
 * findmnt, test, systemctl), and the two end states a saga may leave: exactly the
 * provisioned volume, or nothing at all.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { VolumeSpec } from "../../src/volume.ts";
import type { VolumeApi } from "../../src/kube/volume_api.ts";
import type { JournalStore } from "../../src/saga/types.ts";
import { activationUnitName, UNIT_DIR } from "../../steps/systemd_unit.ts";
import { BASE, code, type GuestContext, sh } from "./context.ts";

/** A logical volume as `lvs` reports it. */
export interface GuestLv {
  name: string;
  vg: string;
  sizeBytes: number;
  tags: string[];
}

/** Every piece of a volume the guest could hold. */
export interface GuestVolumeState {
  lv?: GuestLv;
  /** `blkid` of the LV's device: TYPE and UUID. */
  fs?: { type?: string; uuid?: string };
  /** What findmnt shows at the mount point. */
  mount?: { source: string; fstype: string };
  mountPointExists: boolean;
  dataDirExists: boolean;
  unitFileExists: boolean;
  /** The service that activates the LV at boot, installed with the unit. */
  activationFileExists: boolean;
  /** The `.wants` directories holding a link to the unit. */
  wantedBy: string[];
}

const WANTS = ["local-fs.target.wants", "kubelet.service.wants"];

/** LVs matching an `lvs` selection (e.g. `["@local-lvm-provisioner"]`). */
export async function listGuestLvs(
  ctx: Pick<GuestContext, "probe">,
  select: string[],
): Promise<GuestLv[]> {
  const out = await sh(ctx, [
    "lvs",
    "--reportformat",
    "json",
    "--units",
    "b",
    "--nosuffix",
    "-o",
    "lv_name,vg_name,lv_size,lv_tags",
    ...select,
  ]);
  const rows = JSON.parse(out).report[0].lv as Record<string, string>[];
  return rows.map((r) => ({
    name: r.lv_name,
    vg: r.vg_name,
    sizeBytes: Number(r.lv_size),
    tags: r.lv_tags ? r.lv_tags.split(",") : [],
  }));
}

/** Reads everything about one volume from the guest. */
export async function readVolumeState(
  ctx: Pick<GuestContext, "probe">,
  spec: Pick<VolumeSpec, "pvName" | "mountPoint" | "hostPath" | "unitName">,
): Promise<GuestVolumeState> {
  const test = async (flag: string, path: string) => await code(ctx, ["test", flag, path]) === 0;
  // Independent reads, sent together: the channel runs them concurrently.
  const [
    lvs,
    found,
    mountPointExists,
    dataDirExists,
    unitFileExists,
    activationFileExists,
    ...links
  ] = await Promise.all([
    listGuestLvs(ctx, ["--select", `lv_name=${spec.pvName}`]),
    ctx.probe.run([
      "findmnt",
      "--json",
      "--output",
      "TARGET,SOURCE,FSTYPE",
      "--mountpoint",
      spec.mountPoint,
    ]),
    test("-e", spec.mountPoint),
    test("-d", spec.hostPath),
    test("-f", `${UNIT_DIR}/${spec.unitName}`),
    test("-f", `${UNIT_DIR}/${activationUnitName(spec)}`),
    ...WANTS.map((dir) => test("-L", `${UNIT_DIR}/${dir}/${spec.unitName}`)),
  ]);
  const lv = lvs[0];
  let fs: GuestVolumeState["fs"];
  if (lv) {
    const res = await ctx.probe.run(["blkid", "-p", "-o", "export", `/dev/${lv.vg}/${lv.name}`]);
    const fields = Object.fromEntries(
      res.stdout.trim().split("\n").filter(Boolean).map((l) => l.split("=", 2)),
    );
    fs = res.code === 0 ? { type: fields.TYPE, uuid: fields.UUID } : undefined;
  }
  const mount = found.code === 0 ? JSON.parse(found.stdout).filesystems[0] : undefined;
  return {
    lv,
    fs,
    mount: mount && { source: mount.source, fstype: mount.fstype },
    mountPointExists,
    dataDirExists,
    unitFileExists,
    activationFileExists,
    wantedBy: WANTS.filter((_, i) => links[i]),
  };
}

/** The device-mapper path findmnt shows for an LV. */
export function mapperPath(vg: string, lv: string): string {
  const esc = (s: string) => s.replaceAll("-", "--");
  return `/dev/mapper/${esc(vg)}-${esc(lv)}`;
}

/** The agent-side records that must agree with the node. */
export interface AgentSide {
  kube: Pick<VolumeApi, "readPersistentVolume">;
  journal: JournalStore;
  reservations?: { list(): unknown[] };
}

/** The volume is exactly provisioned on the guest, and its PV is published. */
export async function assertProvisionedOnGuest(
  ctx: GuestContext,
  spec: VolumeSpec,
  agent: AgentSide,
  label = spec.claim.name,
): Promise<GuestVolumeState> {
  const s = await readVolumeState(ctx, spec);
  assert.ok(s.lv, `${label}: the LV exists`);
  assert.equal(s.lv.vg, spec.vg, `${label}: in its VG`);
  assert.equal(s.lv.sizeBytes, spec.sizeBytes, `${label}: LV size`);
  assert.deepEqual(s.lv.tags.toSorted(), [
    "local-lvm-provisioner",
    `mount=${BASE}`,
    `pvname=${spec.claim.namespace}-${spec.claim.name}`,
  ], `${label}: exactly our three tags`);
  assert.deepEqual(s.fs, { type: spec.fsType, uuid: spec.claim.uid }, `${label}: our filesystem`);
  assert.deepEqual(
    s.mount,
    { source: mapperPath(spec.vg, spec.pvName), fstype: spec.fsType },
    `${label}: mounted`,
  );
  assert.ok(s.dataDirExists, `${label}: data dir inside the volume`);
  assert.ok(s.unitFileExists, `${label}: unit file installed`);
  assert.ok(s.activationFileExists, `${label}: activation service installed`);
  assert.deepEqual(s.wantedBy, WANTS, `${label}: unit enabled`);
  const enabled = await sh(ctx, ["systemctl", "is-enabled", spec.unitName]);
  assert.equal(enabled.trim(), "enabled", `${label}: systemctl is-enabled`);
  const pv = await agent.kube.readPersistentVolume(spec.pvName);
  assert.equal(pv?.spec.claimRef?.uid, spec.claim.uid, `${label}: PV published`);
  assert.deepEqual(await agent.journal.list(), [], `${label}: journal empty`);
  assert.deepEqual(agent.reservations?.list() ?? [], [], `${label}: no hold left`);
  return s;
}

/** The state of a volume of which nothing is left on the node. */
export const NOTHING_LEFT: GuestVolumeState = {
  lv: undefined,
  fs: undefined,
  mount: undefined,
  mountPointExists: false,
  dataDirExists: false,
  unitFileExists: false,
  activationFileExists: false,
  wantedBy: [],
};

/** Nothing of the volume is left on the guest, nor its PV, journal entry or hold. */
export async function assertNothingLeftOnGuest(
  ctx: GuestContext,
  spec: VolumeSpec,
  agent: AgentSide,
  label = spec.claim.name,
): Promise<void> {
  const s = await readVolumeState(ctx, spec);
  assert.deepEqual(s, NOTHING_LEFT, `${label}: nothing left on the node`);
  assert.equal(await agent.kube.readPersistentVolume(spec.pvName), undefined, `${label}: no PV`);
  assert.deepEqual(await agent.journal.list(), [], `${label}: journal empty`);
  assert.deepEqual(agent.reservations?.list() ?? [], [], `${label}: no hold left`);
}
