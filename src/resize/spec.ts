/**
 * The description of one online expansion: everything the resize steps need, decided up
 * front and stored in the saga journal, so a restarted agent can finish the job without
 * asking the API server or the node again.
 *
 * @module
 */

import type { ClaimIdentity, FsType } from "../volume.ts";

/** The saga kind of an expansion, as the journal stores it. */
export const RESIZE_KIND = "resize";

/** Everything needed to grow one volume. */
export interface ResizeSpec {
  /** `pvc-<claim uid>`: the LV name and the PV name. */
  pvName: string;
  claim: ClaimIdentity;
  node: string;
  vg: string;
  fsType: FsType;
  /** Where the filesystem is mounted (it grows there, online). */
  mountPoint: string;
  /** The claim's new request as written (`status.allocatedResources.storage`). */
  request: string;
  requestBytes: number;
  /** The LV's size when the expansion was planned. */
  fromBytes: number;
  /** The LV's size after: the request rounded up to whole extents, never below `fromBytes`. */
  sizeBytes: number;
}

/** The journal id of a volume's expansion; one at a time per volume. */
export function resizeSagaId(pvName: string): string {
  return `resize-${pvName}`;
}
