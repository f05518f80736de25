/**
 * Finding orphans on a node: LVs tagged ours with no PV, PVs of ours pinned here with no LV,
 * mounts at our mount points and `.mount` units of ours with no LV behind them, and saga
 * journal entries whose claim and PV are both gone. Read-only, a handful of commands, so the
 * agent runs it every few minutes for its metric.
 *
 * @module
 */

import type { Config } from "../config/types.ts";
import type { ClaimObject } from "../decide/claim.ts";
import { mountUnitName } from "../decide/systemd_escape.ts";
import type { Executor } from "../host/executor.ts";
import type { LvRow, MountRow } from "../host/lvm_report.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import type { JournalStore, SagaRecord } from "../saga/types.ts";
import { isOurVolume } from "../agent/volume_controller.ts";
import { LV_TAG_MOUNT_PREFIX, LV_TAG_OWNER, LV_TAG_PVNAME_PREFIX } from "../volume.ts";
import {
  expectedMountPoints,
  listMounts,
  listMountUnitFiles,
  listTaggedVolumes,
  lvOfDevice,
  lvTag,
  readUnitFile,
  unitValues,
} from "./node_inventory.ts";
import { type Orphan, ORPHAN_KINDS } from "./orphan_types.ts";

/** A journal entry younger than this may belong to a saga running now. */
export const JOURNAL_QUIET_MS = 10 * 60_000;

/** First line of every unit file the systemd-unit step writes. */
const UNIT_MARKER = /^# Installed by local-lvm\b/m;

/** Where to look. The API lists are read after the node, so a saga finishing meanwhile
 * is seen with its PV rather than as an orphan. */
export interface OrphanScan {
  exec: Executor;
  journal: JournalStore;
  config: Config;
  /** Names this node goes by in a PV's node affinity: its name and hostname label. */
  hostnames: readonly string[];
  persistentVolumes(): PersistentVolumeObject[] | Promise<PersistentVolumeObject[]>;
  claims(): ClaimObject[] | Promise<ClaimObject[]>;
  now?: () => number;
  journalQuietMs?: number;
}

const key = (vg: string, name: string) => `${vg}/${name}`;

/** Every orphan on the node, sorted by kind then name. */
export async function findOrphans(scan: OrphanScan): Promise<Orphan[]> {
  const { exec } = scan;
  const lvs = await listTaggedVolumes(exec);
  const mounts = await listMounts(exec);
  const units = await listMountUnitFiles(exec);
  const records = await scan.journal.list();
  const pvs = await scan.persistentVolumes();
  const claims = await scan.claims();

  const journaled = new Set(records.map((r) => r.id));
  const pvNames = new Set(pvs.map((pv) => pv.metadata.name));
  const found: Orphan[] = [
    ...lvOrphans(lvs, pvNames, journaled),
    ...pvOrphans(scan, pvs, lvs, journaled),
    ...mountOrphans(scan.config, lvs, mounts, journaled),
    ...await unitOrphans(exec, lvs, units.map((u) => u.unit), journaled),
    ...journalOrphans(records, pvNames, claims, (scan.now ?? Date.now)(), scan.journalQuietMs),
  ];
  // A teardown may have finished while the API was read: only what is still there counts.
  const now = new Set((await listTaggedVolumes(exec)).map((lv) => lv.name));
  const confirmed = found.filter((o) =>
    o.kind === "lv" ? now.has(o.name.split("/")[1]) : o.kind === "pv" ? !now.has(o.name) : true
  );
  const order = (o: Orphan) => ORPHAN_KINDS.indexOf(o.kind);
  return confirmed.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
}

function lvOrphans(lvs: LvRow[], pvNames: Set<string>, journaled: Set<string>): Orphan[] {
  return lvs
    .filter((lv) => !pvNames.has(lv.name) && !journaled.has(lv.name))
    .map((lv) => ({
      kind: "lv",
      name: key(lv.vg, lv.name),
      detail: `tagged ${LV_TAG_OWNER} (${lv.tags.filter((t) => t !== LV_TAG_OWNER).join(", ")})` +
        `, ${lv.open ? "in use" : "not in use"}, and no PersistentVolume ${lv.name} exists`,
      removal: "tear the volume down: unit, mount, LV (the saga's undo steps)",
    }));
}

function pvOrphans(
  scan: OrphanScan,
  pvs: PersistentVolumeObject[],
  lvs: LvRow[],
  journaled: Set<string>,
): Orphan[] {
  const lvNames = new Set(lvs.map((lv) => lv.name));
  return pvs
    .filter((pv) => isOurVolume(pv, scan.config.provisionerName, scan.hostnames))
    .filter((pv) => !lvNames.has(pv.metadata.name) && !journaled.has(pv.metadata.name))
    .map((pv) => {
      const ref = pv.spec.claimRef;
      const claim = ref ? `of claim ${ref.namespace}/${ref.name}` : "with no claim";
      return {
        kind: "pv",
        name: pv.metadata.name,
        detail: `${pv.status?.phase ?? "unknown phase"} PersistentVolume ${claim}, pinned to ` +
          `this node, and no logical volume ${pv.metadata.name} exists`,
        removal: "remove its unit and mount if any, then delete the PersistentVolume",
      };
    });
}

/** Base paths volumes are mounted under: the config's and every LV's `mount=` tag. */
function basePaths(config: Config, lvs: LvRow[]): Set<string> {
  return new Set([
    ...[...config.nodes.values()].map((e) => e.path),
    ...lvs.flatMap((lv) => lvTag(lv, LV_TAG_MOUNT_PREFIX) ?? []),
  ]);
}

function mountOrphans(
  config: Config,
  lvs: LvRow[],
  mounts: MountRow[],
  journaled: Set<string>,
): Orphan[] {
  const bases = basePaths(config, lvs);
  const out: Orphan[] = [];
  for (const m of mounts) {
    const cut = m.target.lastIndexOf("/");
    const dir = m.target.slice(0, cut) || "/";
    const name = m.target.slice(cut + 1);
    if (!name.startsWith("pvc-") || !bases.has(dir) || journaled.has(name)) continue;
    const device = lvOfDevice(m.source);
    const lv = device && lvs.find((l) => l.vg === device.vg && l.name === device.name);
    if (lv && expectedMountPoints(lv).includes(m.target)) continue;
    out.push({
      kind: "mount",
      name: m.target,
      detail: !device
        ? `${m.source} is mounted at a mount point of ours and is no logical volume`
        : lv
        ? `${key(lv.vg, lv.name)} is mounted here but belongs at ${expectedMountPoints(lv)[0]}`
        : `mounts ${m.source} and no logical volume ${key(device.vg, device.name)} tagged ` +
          `${LV_TAG_OWNER} exists`,
      removal: "unmount it and remove the empty mount point (the mount step's undo)",
    });
  }
  return out;
}

async function unitOrphans(
  exec: Executor,
  lvs: LvRow[],
  units: string[],
  journaled: Set<string>,
): Promise<Orphan[]> {
  const expected = new Set(lvs.flatMap((lv) => expectedMountPoints(lv).map(mountUnitName)));
  const out: Orphan[] = [];
  // Only units named like ours and not already accounted for are read: cheap on any node.
  for (const unit of units.filter((u) => u.includes("-pvc\\x2d") && !expected.has(u))) {
    const file = await readUnitFile(exec, unit);
    if (!file || !UNIT_MARKER.test(file.text)) continue;
    const what = unitValues(file.text, "Mount", "What")[0] ?? "";
    const where = unitValues(file.text, "Mount", "Where")[0] ?? "";
    const device = lvOfDevice(what);
    if (device && journaled.has(device.name)) continue;
    if (device && lvs.some((l) => l.vg === device.vg && l.name === device.name)) continue;
    out.push({
      kind: "unit",
      name: unit,
      detail: `${file.path} mounts ${what || "(no What=)"} at ${where || "(no Where=)"}, and no ` +
        `logical volume ${device ? key(device.vg, device.name) : what} tagged ${LV_TAG_OWNER} ` +
        "exists",
      removal: "disable it and remove the unit file (the systemd-unit step's undo)",
    });
  }
  return out;
}

type ClaimRef = { namespace?: string; name?: string; uid?: string };

function journalOrphans(
  records: SagaRecord[],
  pvNames: Set<string>,
  claims: ClaimObject[],
  now: number,
  quietMs = JOURNAL_QUIET_MS,
): Orphan[] {
  const uids = new Set(claims.map((c) => c.metadata?.uid).filter(Boolean));
  return records
    .filter((r) => {
      const claim = (r.params as { claim?: ClaimRef } | undefined)?.claim;
      const owned = (claim?.uid && uids.has(claim.uid)) || pvNames.has(r.id);
      return !owned && now - Date.parse(r.updatedAt) >= quietMs;
    })
    .map((r) => {
      const claim = (r.params as { claim?: ClaimRef }).claim ?? {};
      const errors = r.errors.length > 0 ? `; last error: ${r.errors[r.errors.length - 1]}` : "";
      return {
        kind: "journal",
        name: r.id,
        detail: `${r.kind} saga of claim ${claim.namespace}/${claim.name} going ${r.direction}, ` +
          `steps applied: ${r.applied.join(", ") || "none"}, last update ${r.updatedAt}; ` +
          `neither the claim nor PersistentVolume ${r.id} exists${errors}`,
        removal: "roll the saga back: undo its applied steps, newest first",
      };
    });
}

/** The legacy mount point of a tagged LV (`<base>/<pvname tag>`), if it has the tags. */
export function legacyMountPoint(lv: Pick<LvRow, "name" | "tags">): string | undefined {
  const points = expectedMountPoints(lv);
  return lvTag(lv, LV_TAG_PVNAME_PREFIX) ? points[1] : undefined;
}
