/**
 * Whether we can serve a claim at all, whichever node it lands on: a node-local
 * filesystem volume of a positive size, without selectors, cloned from nothing or from a
 * claim (whether that claim can be cloned is `clone_source.ts`'s question). Each
 * problem is one sentence, fit for a `ProvisioningFailed` event.
 *
 * Whether a volume group can hold the size is decided later, per node, in `vg_choice.ts`.
 *
 * @module
 */

import type { ClaimObject, ObjectReference } from "./claim.ts";
import { parseQuantityBytes } from "./quantity.ts";
import { cloneRequest } from "./clone_source.ts";

/** Access modes a volume on one node can honour. */
export const SUPPORTED_ACCESS_MODES: readonly string[] = ["ReadWriteOnce", "ReadWriteOncePod"];

/**
 * Lists what keeps us from provisioning the claim; an empty list means it is fine.
 *
 * @example
 * ```ts
 * import { validateClaim } from "./claim_validation.ts";
 * const claim = {
 *   spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
 * };
 * if (validateClaim(claim).length !== 0) throw new Error("should be valid");
 * const block = { spec: { ...claim.spec, volumeMode: "Block" } };
 * if (validateClaim(block)[0] !== "block volumes are not supported: " +
 *   "local-lvm provides Filesystem volumes only") throw new Error("block");
 * ```
 */
export function validateClaim(claim: ClaimObject): string[] {
  const spec = claim.spec ?? {};
  const reasons: string[] = [];

  const storage = spec.resources?.requests?.storage;
  if (storage === undefined || storage === null) {
    reasons.push("claim has no storage request (spec.resources.requests.storage)");
  } else {
    const parsed = parseQuantityBytes(storage);
    if (!parsed.ok) reasons.push(parsed.error);
  }

  const mode = spec.volumeMode ?? "Filesystem";
  if (mode === "Block") {
    reasons.push("block volumes are not supported: local-lvm provides Filesystem volumes only");
  } else if (mode !== "Filesystem") {
    reasons.push(
      `volume mode ${JSON.stringify(mode)} is not supported: ` +
        "local-lvm provides Filesystem volumes only",
    );
  }

  const modes = spec.accessModes ?? [];
  if (modes.length === 0) {
    reasons.push("claim has no access modes (spec.accessModes)");
  }
  const unsupported = [...new Set(modes.filter((m) => !SUPPORTED_ACCESS_MODES.includes(m)))];
  if (unsupported.length > 0) {
    const [noun, verb] = unsupported.length === 1 ? ["mode", "is"] : ["modes", "are"];
    reasons.push(
      `access ${noun} ${unsupported.join(", ")} ${verb} not supported: ` +
        "a local-lvm volume lives on one node (use ReadWriteOnce or ReadWriteOncePod)",
    );
  }

  if (spec.selector !== undefined && spec.selector !== null) {
    reasons.push("claim.spec.selector is not supported");
  }

  // The API server mirrors dataSource into dataSourceRef; two different ones are an error.
  const sources = new Set(
    [spec.dataSourceRef, spec.dataSource].filter((s): s is ObjectReference => !!s).map(describe),
  );
  if (sources.size > 1) {
    reasons.push(`dataSource and dataSourceRef differ (${[...sources].join("; ")})`);
  } else {
    const request = cloneRequest(claim);
    if (request.kind === "unsupported") reasons.push(request.reason);
  }

  return reasons;
}

function describe(ref: ObjectReference): string {
  return `kind ${ref.kind || "unknown"} name ${ref.name || "unknown"}`;
}
