/**
 * Whether a claim is a clone and, if so, whether its source can be cloned here: a
 * PersistentVolumeClaim in the same namespace, Bound to a volume of ours pinned to this
 * very node. Pure; every refusal is one sentence fit for a Warning event on the claim.
 *
 * @module
 */

import type { ClaimIdentity } from "../volume.ts";
import type { ClaimObject, ObjectReference } from "./claim.ts";
import { ANN_PROVISIONED_BY, LABEL_HOSTNAME } from "./names.ts";

/** What the claim asks to be filled from. */
export type CloneRequest =
  | { kind: "none" }
  | { kind: "claim"; namespace: string; name: string }
  | { kind: "unsupported"; reason: string };

/**
 * The claim's data source. `dataSourceRef` wins (the API server mirrors `dataSource` into
 * it); only a PersistentVolumeClaim of the core API group can be cloned.
 *
 * @example
 * ```ts
 * import { cloneRequest } from "./clone_source.ts";
 * const claim = { metadata: { namespace: "db" },
 *   spec: { dataSource: { kind: "PersistentVolumeClaim", name: "data" } } };
 * const r = cloneRequest(claim);
 * if (r.kind !== "claim" || r.namespace !== "db" || r.name !== "data") throw new Error();
 * ```
 */
export function cloneRequest(claim: ClaimObject): CloneRequest {
  const ref: ObjectReference | null | undefined = claim.spec?.dataSourceRef ??
    claim.spec?.dataSource;
  if (!ref) return { kind: "none" };
  const namespace = claim.metadata?.namespace ?? "default";
  if (ref.kind !== "PersistentVolumeClaim" || (ref.apiGroup ?? "") !== "") {
    const group = ref.apiGroup ? `${ref.apiGroup}/` : "";
    return {
      kind: "unsupported",
      reason:
        `data source ${group}${ref.kind ?? "(no kind)"} ${ref.name ?? ""} is not supported: ` +
        "local-lvm can only clone a PersistentVolumeClaim",
    };
  }
  if (!ref.name) return { kind: "unsupported", reason: "the data source names no claim" };
  if (ref.namespace && ref.namespace !== namespace) {
    return {
      kind: "unsupported",
      reason: `cannot clone claim ${ref.namespace}/${ref.name} into namespace ${namespace}: ` +
        "a clone's source must be in the same namespace",
    };
  }
  return { kind: "claim", namespace, name: ref.name };
}

/** The source claim as read from the API (only what we check). */
export type SourceClaim = ClaimObject & {
  spec?: ClaimObject["spec"] & { volumeName?: string | null };
  status?: { phase?: string };
};

/** The source's PV as read from the API (only what we check). */
export interface SourceVolume {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    claimRef?: { uid?: string };
    nodeAffinity?: unknown;
  };
}

/** The node a PV of ours is pinned to: the `kubernetes.io/hostname` value of its affinity. */
export function pinnedHostname(pv: SourceVolume): string | undefined {
  const terms = (pv.spec.nodeAffinity as {
    required?: {
      nodeSelectorTerms?: {
        matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
      }[];
    };
  } | undefined)?.required?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === LABEL_HOSTNAME && e.operator === "In" && e.values?.length === 1) {
        return e.values[0];
      }
    }
  }
  return undefined;
}

/** What a clone needs to know of its source before looking at the node. */
export interface ResolvedSource {
  claim: ClaimIdentity;
  /** The source's PV and LV name. */
  pvName: string;
}

/** How the source looks from the API. */
export interface SourceCheckInput {
  request: { namespace: string; name: string };
  sourceClaim?: SourceClaim;
  sourcePv?: SourceVolume;
  /** This node's name and `kubernetes.io/hostname` label. */
  node: string;
  hostnameLabel: string;
  /** Provisioner names whose volumes are ours. */
  provisioners: readonly string[];
}

/** The source, or why it cannot be cloned on this node. */
export type SourceCheck = { ok: true; source: ResolvedSource } | { ok: false; reason: string };

/**
 * Checks the source claim and its PV: it exists, is Bound, to a volume of ours, pinned to
 * this node.
 *
 * @example
 * ```ts
 * import { checkCloneSource } from "./clone_source.ts";
 * const r = checkCloneSource({ request: { namespace: "db", name: "data" }, node: "n1",
 *   hostnameLabel: "n1", provisioners: ["local-lvm.io"] });
 * if (r.ok || r.reason !== "source claim db/data does not exist") throw new Error();
 * ```
 */
export function checkCloneSource(input: SourceCheckInput): SourceCheck {
  const { request, sourceClaim, sourcePv } = input;
  const key = `${request.namespace}/${request.name}`;
  if (!sourceClaim) return { ok: false, reason: `source claim ${key} does not exist` };
  const phase = sourceClaim.status?.phase ?? "Pending";
  const uid = sourceClaim.metadata?.uid;
  const volumeName = sourceClaim.spec?.volumeName;
  if (phase !== "Bound" || !volumeName || !uid) {
    return { ok: false, reason: `source claim ${key} is ${phase}, not Bound; waiting for it` };
  }
  if (sourceClaim.metadata?.deletionTimestamp) {
    return { ok: false, reason: `source claim ${key} is being deleted` };
  }
  if (!sourcePv || sourcePv.spec.claimRef?.uid !== uid) {
    return {
      ok: false,
      reason: `source claim ${key} is bound to ${volumeName}, which was not found`,
    };
  }
  const by = sourcePv.metadata.annotations?.[ANN_PROVISIONED_BY];
  if (!by || !input.provisioners.includes(by) || volumeName !== `pvc-${uid}`) {
    return {
      ok: false,
      reason: `source claim ${key} is bound to ${volumeName}, which local-lvm did not provision ` +
        `(provisioned by ${by ?? "nobody"}); only local-lvm volumes can be cloned`,
    };
  }
  const pinned = pinnedHostname(sourcePv);
  if (pinned !== input.hostnameLabel) {
    return {
      ok: false,
      reason: `source claim ${key} lives on node ${pinned ?? "(unknown)"}, but this claim was ` +
        `scheduled to node ${input.node}: a clone is made on its source's node. Schedule the ` +
        `pod to ${pinned ?? "the source's node"} (e.g. nodeSelector kubernetes.io/hostname=` +
        `${pinned ?? "..."}, or mount the source claim in the same pod)`,
    };
  }
  return {
    ok: true,
    source: {
      claim: { namespace: request.namespace, name: request.name, uid },
      pvName: volumeName,
    },
  };
}
