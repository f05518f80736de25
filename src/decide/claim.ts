/**
 * The parts of a PersistentVolumeClaim the decisions read, as plain JSON from the API
 * (watch events and list items alike). Every field is optional: the functions that read
 * a claim say what is missing instead of trusting the object.
 *
 * @module
 */

import { ANN_BETA_STORAGE_CLASS } from "./names.ts";

/** A reference to another object, as in `spec.dataSource` and `spec.dataSourceRef`. */
export interface ObjectReference {
  apiGroup?: string | null;
  kind?: string;
  name?: string;
  namespace?: string | null;
}

/** A PersistentVolumeClaim as plain JSON; only the fields we read. */
export interface ClaimObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string> | null;
    deletionTimestamp?: string | null;
  };
  spec?: {
    accessModes?: string[] | null;
    resources?: { requests?: Record<string, unknown> | null } | null;
    volumeMode?: string | null;
    selector?: unknown;
    dataSource?: ObjectReference | null;
    dataSourceRef?: ObjectReference | null;
    storageClassName?: string | null;
    volumeName?: string | null;
  };
  status?: { phase?: string };
}

/**
 * The claim's storage class name. The deprecated beta annotation wins over the field,
 * as it does in Kubernetes itself; an empty name means "no class".
 *
 * @example
 * ```ts
 * import { claimClassName } from "./claim.ts";
 * const claim = { spec: { storageClassName: "local-lvm" } };
 * if (claimClassName(claim) !== "local-lvm") throw new Error();
 * if (claimClassName({ spec: { storageClassName: "" } }) !== undefined) throw new Error();
 * ```
 */
export function claimClassName(claim: ClaimObject): string | undefined {
  const annotated = claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS];
  const name = annotated ?? claim.spec?.storageClassName ?? undefined;
  return name === "" ? undefined : name;
}

/**
 * One annotation of the claim, or undefined when it is absent.
 *
 * @example
 * ```ts
 * import { claimAnnotation } from "./claim.ts";
 * const claim = { metadata: { annotations: { a: "b" } } };
 * if (claimAnnotation(claim, "a") !== "b") throw new Error();
 * if (claimAnnotation({}, "a") !== undefined) throw new Error();
 * ```
 */
export function claimAnnotation(claim: ClaimObject, key: string): string | undefined {
  return claim.metadata?.annotations?.[key] ?? undefined;
}
