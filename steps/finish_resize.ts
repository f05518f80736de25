/**
 * Resize step 5, the end: the claim's `status.capacity.storage` becomes the LV's real size,
 * the resize conditions go and `allocatedResourceStatuses.storage` is removed, as the
 * kubelet leaves a claim whose filesystem has grown.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import type { ResizeSpec } from "../src/resize/spec.ts";
import { exactQuantity } from "../src/decide/quantity.ts";
import { type ClaimResizeStatus, resizeFinishedPatch } from "../src/decide/resize_status.ts";
import { currentLvBytes } from "./resize_pv.ts";

export const finishResize: Step<ResizeSpec, ResizeDeps> = {
  name: "finish-resize",
  describe: (r) =>
    `Set claim ${r.claim.namespace}/${r.claim.name}'s capacity to ${exactQuantity(r.sizeBytes)}, ` +
    "remove its resize conditions and ControllerResizeInProgress",
  describeUndo: () => "Nothing: the claim reports the grown volume",

  async do(r, { exec, claims }) {
    const bytes = await currentLvBytes(exec, r);
    const { namespace, name, uid } = r.claim;
    const claim = await claims.readClaim(namespace, name);
    if (claim?.metadata.uid !== uid) {
      throw new Error(`Claim ${namespace}/${name} (uid ${uid}) no longer exists`);
    }
    const status = claim.status as ClaimResizeStatus | undefined;
    await claims.patchClaimStatus(
      namespace,
      name,
      resizeFinishedPatch(status, exactQuantity(bytes)),
    );
  },

  undo: () => Promise.resolve(),
};
