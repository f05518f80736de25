/**
 * Doctor's boot check: every volume of ours is mounted, and has its `.mount` unit enabled,
 * pointing at its LV and ordered before the kubelet, so it comes back before pods start
 * after a reboot. Reads units with `systemctl cat` and `systemctl is-enabled`.
 *
 * @module
 */

import { mountUnitName } from "../decide/systemd_escape.ts";
import type { Executor } from "../host/executor.ts";
import type { LvRow } from "../host/lvm_report.ts";
import { findMount } from "../provision/node_queries.ts";
import {
  expectedMountPoints,
  listTaggedVolumes,
  lvOfDevice,
  readUnitFile,
  unitValues,
} from "./node_inventory.ts";
import type { CheckRow } from "./report.ts";

const KUBELET = "kubelet.service";
const REWRITE = "rewrite it as the systemd-unit step does (`deno task plan` shows the file), " +
  "then systemctl daemon-reload";

/** A row saying what is wrong with one volume's boot unit, or "ok". */
async function problems(exec: Executor, lv: LvRow): Promise<CheckRow | "ok"> {
  const points = expectedMountPoints(lv);
  let mountedAt: string | undefined;
  for (const point of points) {
    const m = await findMount(exec, point);
    if (m && lvOfDevice(m.source)?.name === lv.name) mountedAt ??= point;
  }
  const legacy = mountedAt !== undefined && mountedAt !== points[0];
  const point = mountedAt ?? points[0];
  const unit = mountUnitName(point);
  const name = `boot ${lv.vg}/${lv.name}`;
  const file = await readUnitFile(exec, unit);
  if (!file && !mountedAt) {
    return {
      name,
      status: "fail",
      detail: `not mounted at ${point} and no unit ${unit}`,
      fix: "if no PersistentVolume uses it, `deno task orphans` lists it for removal; " +
        `otherwise write /etc/systemd/system/${unit}: ${REWRITE} && ` +
        `systemctl enable --now '${unit}'`,
    };
  }
  if (!file) {
    return legacy
      ? {
        name,
        status: "warn",
        detail: `made by local-lvm-provisioner (mounted at ${point}): remounted at boot by its ` +
          `service, which is not ordered before ${KUBELET}`,
        fix: "move the data to a new claim to get a boot unit ordered before the kubelet",
      }
      : {
        name,
        status: "fail",
        detail: `no unit ${unit}: ${point} is not mounted again after a reboot`,
        fix: `write /etc/systemd/system/${unit}: ${REWRITE} && systemctl enable '${unit}'`,
      };
  }
  const found: string[] = [];
  const fixes: string[] = [];
  const what = lvOfDevice(unitValues(file.text, "Mount", "What")[0] ?? "");
  if (what?.vg !== lv.vg || what?.name !== lv.name) found.push(`What= is not ${lv.vg}/${lv.name}`);
  if (unitValues(file.text, "Mount", "Where")[0] !== point) found.push(`Where= is not ${point}`);
  if (!unitValues(file.text, "Unit", "Before").includes(KUBELET)) {
    found.push(`not ordered Before=${KUBELET}`);
  }
  const wanted = [
    ...unitValues(file.text, "Install", "WantedBy"),
    ...unitValues(file.text, "Install", "RequiredBy"),
  ];
  if (!wanted.includes(KUBELET)) found.push(`not WantedBy=${KUBELET}`);
  if (found.length > 0) fixes.push(`${file.path}: ${REWRITE}`);
  const enabled = await exec.run(["systemctl", "is-enabled", unit]);
  if (enabled.stdout.trim() !== "enabled") {
    found.push(`${enabled.stdout.trim() || enabled.stderr.trim() || "not enabled"}`);
    fixes.push(`systemctl enable '${unit}'`);
  }
  if (!mountedAt) {
    found.push(`not mounted at ${point}`);
    fixes.push(`systemctl start '${unit}'`);
  }
  if (found.length === 0) return "ok";
  return { name, status: "fail", detail: `${unit}: ${found.join("; ")}`, fix: fixes.join("; ") };
}

/** One row when every volume is fine, else one row per volume with problems. */
export async function bootUnitChecks(exec: Executor): Promise<CheckRow[]> {
  let lvs: LvRow[];
  try {
    lvs = await listTaggedVolumes(exec);
  } catch (error) {
    return [{ name: "boot units", status: "fail", detail: (error as Error).message }];
  }
  const rows: CheckRow[] = [];
  let good = 0;
  for (const lv of lvs) {
    const result = await problems(exec, lv);
    if (result === "ok") good++;
    else rows.push(result);
  }
  if (rows.length === 0) {
    const detail = lvs.length === 0
      ? "no volumes on this node yet"
      : `${good} volume${good === 1 ? "" : "s"} mounted, each with its unit enabled and ordered ` +
        `before ${KUBELET}`;
    return [{ name: "boot units", status: "ok", detail }];
  }
  return rows;
}
