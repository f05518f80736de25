/**
 * Step 2: create the logical volume `pvc-<claim uid>` with the original project's three
 * tags, signatures wiped and the start zeroed, so no old filesystem can show through.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { runChecked } from "../src/host/executor.ts";
import { findLogicalVolumes, probeFilesystem } from "../src/provision/node_queries.ts";
import { formatBytes } from "../src/decide/quantity.ts";
import { LV_TAG_OWNER, lvTags, type VolumeSpec } from "../src/volume.ts";

/** The exact `lvcreate` argv: signatures wiped, start zeroed, never a prompt. */
export function lvcreateArgvFor(
  vg: string,
  name: string,
  bytes: number,
  tags: readonly string[],
): string[] {
  return [
    "lvcreate",
    "--yes",
    "--activate",
    "y",
    "--wipesignatures",
    "y",
    "--zero",
    "y",
    "--name",
    name,
    "--size",
    `${bytes}b`,
    ...tags.flatMap((t) => ["--addtag", t]),
    vg,
  ];
}

/** The exact `lvcreate` argv for a volume. */
export function lvcreateArgv(v: VolumeSpec): string[] {
  return lvcreateArgvFor(v.vg, v.pvName, v.sizeBytes, lvTags(v));
}

export const lvcreate: Step<VolumeSpec, ProvisionDeps> = {
  name: "lvcreate",
  describe: (v) =>
    `Create logical volume ${v.vg}/${v.pvName} of ${formatBytes(v.sizeBytes)} tagged ${
      lvTags(v).join(", ")
    }`,
  describeUndo: (v) => `Remove logical volume ${v.vg}/${v.pvName} if it is ours`,

  async do(v, { exec, reservations }) {
    const existing = await findLogicalVolumes(exec, v.pvName);
    if (existing.length === 0) {
      await runChecked(exec, lvcreateArgv(v));
    } else {
      const lv = existing[0];
      if (existing.length > 1 || lv.vg !== v.vg || !lv.tags.includes(LV_TAG_OWNER)) {
        const where = existing.map((l) => `${l.vg}/${l.name}`).join(", ");
        throw new Error(
          `Logical volume ${where} already exists and is not the one this claim asked for ` +
            `(wanted ${v.vg}/${v.pvName} with tag ${LV_TAG_OWNER}); not touching it`,
        );
      }
    }
    // The LV now owns its extents; the hold has done its job.
    reservations.release(v.pvName);
  },

  async undo(v, { exec }) {
    const lv = (await findLogicalVolumes(exec, v.pvName)).find((l) => l.vg === v.vg);
    // Absent, or not ours (it was there before us and `do` refused it): nothing to undo.
    if (!lv || !lv.tags.includes(LV_TAG_OWNER)) return;
    const fs = await probeFilesystem(exec, `/dev/${v.vg}/${v.pvName}`);
    if (fs && fs.uuid !== v.claim.uid) {
      throw new Error(
        `Logical volume ${v.vg}/${v.pvName} holds a ${fs.type} filesystem (UUID ${fs.uuid}) ` +
          `that was not made for claim ${v.claim.namespace}/${v.claim.name}; not removing it`,
      );
    }
    await runChecked(exec, ["lvremove", "--yes", `${v.vg}/${v.pvName}`]);
  },
};
