/**
 * Step 6, the commit point: publish the PersistentVolume. Once it exists the claim binds
 * and a pod may write, so nothing that can fail comes after it. Its name is
 * `pvc-<claim uid>`, which makes a retry find its own earlier PV instead of a twin.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { AlreadyExistsError } from "../src/kube/volume_api.ts";
import { buildPersistentVolume } from "../src/decide/pv_spec.ts";
import type { VolumeSpec } from "../src/volume.ts";

export const writePv: Step<VolumeSpec, ProvisionDeps> = {
  name: "write-pv",
  commit: true,
  describe: (v) =>
    `Create PersistentVolume ${v.pvName} for ${v.claim.namespace}/${v.claim.name}, ` +
    `pinned to node ${v.node}, hostPath ${v.hostPath}`,
  describeUndo: (v) => `Delete PersistentVolume ${v.pvName} if it belongs to this claim`,

  async do(v, { kube }) {
    try {
      await kube.createPersistentVolume(buildPersistentVolume(v));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const existing = await kube.readPersistentVolume(v.pvName);
      if (existing?.spec.claimRef?.uid !== v.claim.uid) {
        throw new Error(
          `PersistentVolume ${v.pvName} already exists for another claim ` +
            `(${existing?.spec.claimRef?.namespace}/${existing?.spec.claimRef?.name})`,
        );
      }
    }
  },

  async undo(v, { kube }) {
    const existing = await kube.readPersistentVolume(v.pvName);
    if (!existing || existing.spec.claimRef?.uid !== v.claim.uid) return;
    await kube.deletePersistentVolume(v.pvName);
  },
};
