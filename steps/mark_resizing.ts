/**
 * Resize step 1: tell Kubernetes the expansion has started, as external-resizer does: the
 * claim gets condition `Resizing`, `allocatedResources.storage` = the new request and
 * `allocatedResourceStatuses.storage` = `ControllerResizeInProgress`.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import type { ResizeSpec } from "../src/resize/spec.ts";
import { type ClaimResizeStatus, resizingPatch } from "../src/decide/resize_status.ts";

export const markResizing: Step<ResizeSpec, ResizeDeps> = {
  name: "mark-resizing",
  describe: (r) =>
    `Set condition Resizing, allocatedResources ${r.request} and ControllerResizeInProgress ` +
    `on claim ${r.claim.namespace}/${r.claim.name}`,
  describeUndo: (r) => `Remove condition Resizing from claim ${r.claim.namespace}/${r.claim.name}`,

  async do(r, { claims }) {
    const { namespace, name, uid } = r.claim;
    const claim = await claims.readClaim(namespace, name);
    if (claim?.metadata.uid !== uid) {
      throw new Error(`Claim ${namespace}/${name} (uid ${uid}) no longer exists`);
    }
    const status = claim.status as ClaimResizeStatus | undefined;
    await claims.patchClaimStatus(namespace, name, resizingPatch(status, r.request, new Date()));
  },

  async undo(r, { claims }) {
    const { namespace, name, uid } = r.claim;
    const claim = await claims.readClaim(namespace, name);
    if (claim?.metadata.uid !== uid) return;
    const conditions = (claim.status as ClaimResizeStatus | undefined)?.conditions ?? [];
    const kept = conditions.filter((c) => c.type !== "Resizing");
    if (kept.length === conditions.length) return;
    // A claim deleted just now fails this patch; the retry's read then finds it gone.
    await claims.patchClaimStatus(namespace, name, { conditions: kept });
  },
};
