/**
 * Does a bound claim want its volume grown? Kubernetes' own test (external-resizer's and the
 * expand controller's): the request is above the claim's reported capacity. The PV's
 * capacity counts too, so a PV that is already big enough turns the expansion into a
 * status update only (every resize step recognises work that is already done).
 *
 * @module
 */

import type { ClaimObject } from "./claim.ts";
import { parseQuantityBytes } from "./quantity.ts";
import type { ClaimResizeStatus } from "./resize_status.ts";

/** A claim as the expansion reads it. */
export type ResizableClaim = ClaimObject & { status?: ClaimResizeStatus & { phase?: string } };

/** What the claim asks for, when it asks for more than it has. */
export interface ResizeNeed {
  /** The request as written. */
  request: string;
  requestBytes: number;
  /** `status.capacity.storage` in bytes (0 when unset). */
  claimBytes: number;
  /** The PV's `spec.capacity.storage` in bytes. */
  pvBytes: number;
}

function bytesOf(value: unknown): number {
  const parsed = parseQuantityBytes(value);
  return parsed.ok ? parsed.bytes : 0;
}

/**
 * The expansion a bound claim wants, or undefined when it wants none (not bound to this PV,
 * being deleted, or asking for no more than it has).
 *
 * @example
 * ```ts
 * import { resizeNeed } from "./resize_need.ts";
 * const claim = {
 *   spec: { volumeName: "pvc-1", resources: { requests: { storage: "2Gi" } } },
 *   status: { phase: "Bound", capacity: { storage: "1Gi" } },
 * };
 * const pv = { metadata: { name: "pvc-1" }, spec: { capacity: { storage: "1Gi" } } };
 * if (resizeNeed(claim, pv)?.requestBytes !== 2 ** 31) throw new Error();
 * const done = { ...claim, status: { phase: "Bound", capacity: { storage: "2Gi" } } };
 * if (resizeNeed(done, { ...pv, spec: { capacity: { storage: "2Gi" } } })) throw new Error();
 * ```
 */
export function resizeNeed(
  claim: ResizableClaim,
  pv: { metadata: { name: string }; spec: Record<string, unknown> },
): ResizeNeed | undefined {
  if (claim.status?.phase !== "Bound" || claim.spec?.volumeName !== pv.metadata.name) return;
  if (claim.metadata?.deletionTimestamp) return;
  const request = claim.spec?.resources?.requests?.storage;
  if (typeof request !== "string") return;
  const parsed = parseQuantityBytes(request);
  if (!parsed.ok) return;
  const claimBytes = bytesOf(claim.status?.capacity?.storage);
  const pvBytes = bytesOf((pv.spec["capacity"] as { storage?: unknown } | undefined)?.storage);
  if (parsed.bytes <= claimBytes && parsed.bytes <= pvBytes) return;
  return { request, requestBytes: parsed.bytes, claimBytes, pvBytes };
}
