/**
 * Clone step 3: the copy is done, remove the temporary snapshot at once (a snapshot slows
 * every write to its origin and fills up). Nothing to undo: `snapshot-source`'s undo
 * removes the snapshot on the way back if this step never ran.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { removeSnapshot } from "../src/provision/snapshots.ts";
import type { VolumeSpec } from "../src/volume.ts";
import { cloneTag } from "./snapshot_source.ts";

export const dropSnapshot: Step<VolumeSpec, ProvisionDeps> = {
  name: "drop-snapshot",
  applies: (v) => v.cloneFrom !== undefined,
  describe: (v) => `Remove snapshot ${v.cloneFrom!.vg}/${v.cloneFrom!.snapshot}`,
  describeUndo: () => "Nothing: the snapshot is gone",

  async do(v, { exec }) {
    const source = v.cloneFrom!;
    // copy-from-snapshot unmounted it: a crash before that re-runs that whole step.
    await removeSnapshot(exec, { vg: source.vg, name: source.snapshot }, cloneTag(v));
  },

  undo: () => Promise.resolve(),
};
