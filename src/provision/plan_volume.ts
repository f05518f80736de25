/**
 * From a claim to a VolumeSpec: every decision the agent and `plan` make before any step
 * runs, as one pure function, each with the reason it was made.
 *
 * @module
 */

import type { Config } from "../config/types.ts";
import { entryForNode } from "../config/lookup.ts";
import type { ClaimObject } from "../decide/claim.ts";
import { validateClaim } from "../decide/claim_validation.ts";
import { parseQuantityBytes } from "../decide/quantity.ts";
import { chooseVg, type Reservation, type VgReport } from "../decide/vg_choice.ts";
import { buildVolumeSpec, type StorageClassInfo } from "../decide/volume_spec.ts";
import type { VolumeSpec } from "../volume.ts";

/** The node a claim goes to. */
export interface TargetNode {
  name: string;
  /** Its `kubernetes.io/hostname` label (usually the node name). */
  hostnameLabel: string;
}

/** What a plan is made from. */
export interface VolumePlanInput {
  claim: ClaimObject;
  storageClass: StorageClassInfo;
  node: TargetNode;
  config: Config;
  /** What `vgs` reports on the node. */
  vgReports: readonly VgReport[];
  /** Space held by this node's in-flight claims. */
  reservations: readonly Reservation[];
  random?: () => number;
}

/** Why each decision was made, for `plan` and for logs. */
export interface PlanReasons {
  /** Which config entry applies to the node. */
  config: string;
  /** Why this VG. */
  vg: string;
}

/**
 * A spec with its reasons, or every reason there cannot be one. `reschedule` says the claim
 * is fine but this node cannot serve it (the config disables or does not cover the node, its
 * VGs are missing or too full): another node may, so the scheduler should pick again.
 */
export type VolumePlan =
  | { ok: true; spec: VolumeSpec; reasons: PlanReasons }
  | { ok: false; errors: string[]; reschedule: boolean };

/** Decides everything about a claim's volume. */
export function planVolume(input: VolumePlanInput): VolumePlan {
  const claimErrors = validateClaim(input.claim);
  if (claimErrors.length > 0) return { ok: false, errors: claimErrors, reschedule: false };

  const lookup = entryForNode(input.config, input.node.name);
  if (!lookup.ok) return { ok: false, errors: [lookup.reason], reschedule: true };
  const { entry } = lookup;

  const request = parseQuantityBytes(input.claim.spec?.resources?.requests?.storage);
  if (!request.ok) return { ok: false, errors: [request.error], reschedule: false };

  const choice = chooseVg({
    node: input.node.name,
    configuredVgs: entry.vgs,
    reports: input.vgReports,
    reservations: input.reservations,
    requestBytes: request.bytes,
    policy: input.config.vgSelection,
    random: input.random,
  });
  if (!choice.ok) return { ok: false, errors: [choice.error], reschedule: true };

  const built = buildVolumeSpec({
    claim: input.claim,
    node: input.node.name,
    hostnameLabel: input.node.hostnameLabel,
    storageClass: input.storageClass,
    config: entry,
    vgChoice: choice,
  });
  if (!built.ok) return { ok: false, errors: built.errors, reschedule: false };

  const configReason = lookup.viaDefault
    ? `node ${input.node.name} is not listed in the config: using the ${entry.node} entry ` +
      `(path ${entry.path}, volume groups ${entry.vgs.join(", ")})`
    : `node ${input.node.name} is listed in the config (path ${entry.path}, volume groups ` +
      `${entry.vgs.join(", ")})`;
  return { ok: true, spec: built.spec, reasons: { config: configReason, vg: choice.why } };
}
