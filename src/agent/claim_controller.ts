/**
 * Provisioning: for each claim of ours whose selected node is this node, decide the
 * volume and run the provisioning saga, reporting on the claim as Kubernetes users
 * expect (`Provisioning`, `ProvisioningSucceeded`, `ProvisioningFailed` with the failing
 * command's stderr).
 *
 * @module
 */

import { LEGACY_PROVISIONER } from "../config/constants.ts";
import { claimClassName, type ClaimObject } from "../decide/claim.ts";
import { formatBytes } from "../decide/quantity.ts";
import { shouldProvision } from "../decide/should_provision.ts";
import type { StorageClassInfo } from "../decide/volume_spec.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { ProcessOutcome } from "../kube/work_queue.ts";
import { listVolumeGroups } from "../provision/node_queries.ts";
import { planVolume } from "../provision/plan_volume.ts";
import { planClone } from "../provision/clone_plan.ts";
import {
  checkCloneSource,
  cloneRequest,
  type ResolvedSource,
  type SourceClaim,
  type SourceVolume,
} from "../decide/clone_source.ts";
import type { AgentContext } from "./context.ts";
import { reschedule } from "./reschedule.ts";

type StorageClassObject = KubeObject & {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  mountOptions?: string[];
  parameters?: Record<string, string>;
};

/** The class as the decisions read it. */
export function storageClassInfo(sc: StorageClassObject): StorageClassInfo {
  return {
    name: sc.metadata.name,
    provisioner: sc.provisioner ?? "",
    reclaimPolicy: sc.reclaimPolicy,
    mountOptions: sc.mountOptions,
    parameters: sc.parameters,
  };
}

/** The claims this agent is working on, by PV name, so saga events reach the right claim. */
export type ActiveClaims = Map<string, KubeObject>;

/** Reconciles one claim (key `namespace/name`). */
export async function reconcileClaim(
  ctx: AgentContext,
  active: ActiveClaims,
  key: string,
): Promise<ProcessOutcome> {
  const claim = ctx.claims.get(key) as (KubeObject & ClaimObject) | undefined;
  if (!claim) return;
  const config = ctx.config();
  const className = claimClassName(claim);
  const sc = className ? ctx.storageClasses.get(className) as StorageClassObject : undefined;
  const pvName = `pvc-${claim.metadata.uid}`;
  const decision = shouldProvision({
    claim,
    storageClass: sc && {
      name: sc.metadata.name,
      provisioner: sc.provisioner ?? "",
      volumeBindingMode: sc.volumeBindingMode,
    },
    node: ctx.nodeName,
    provisioners: [config.provisionerName, LEGACY_PROVISIONER],
    existingPv: ctx.persistentVolumes.get(pvName) ? pvName : undefined,
  });
  if (decision.action === "ignore") {
    ctx.log.debug("Ignoring claim {claim}: {why}", { claim: key, why: decision.message });
    return;
  }
  const log = (message: string, props: Record<string, unknown> = {}) =>
    ctx.log.info(message, { claim: key, pv: pvName, node: ctx.nodeName, ...props });
  const fail = (note: string): ProcessOutcome => {
    ctx.events.warning(claim, "ProvisioningFailed", note);
    ctx.log.warn("Provisioning {claim} failed: {reason}", { claim: key, pv: pvName, reason: note });
    return { retry: true };
  };
  // A claim no saga was started for still counts as a failed provisioning.
  const refuse = (note: string): ProcessOutcome => {
    ctx.metrics.operationFailed("provision");
    return fail(note);
  };

  ctx.events.normal(
    claim,
    "Provisioning",
    `External provisioner is provisioning volume for claim "${key}"`,
  );
  log("Provisioning {claim}");

  // A clone: its source must be a Bound claim of ours on this very node.
  const wanted = cloneRequest(claim);
  let cloneSource: ResolvedSource | undefined;
  if (wanted.kind === "claim") {
    const sourceClaim = ctx.claims.get(`${wanted.namespace}/${wanted.name}`) as
      | SourceClaim
      | undefined;
    const volumeName = sourceClaim?.spec?.volumeName;
    const check = checkCloneSource({
      request: wanted,
      sourceClaim,
      sourcePv: volumeName
        ? ctx.persistentVolumes.get(volumeName) as SourceVolume | undefined
        : undefined,
      node: ctx.nodeName,
      hostnameLabel: ctx.hostnameLabel(),
      provisioners: [config.provisionerName, LEGACY_PROVISIONER],
    });
    if (!check.ok) return refuse(`cannot clone: ${check.reason}`);
    cloneSource = check.source;
  }

  let vgReports;
  try {
    vgReports = await listVolumeGroups(ctx.exec);
  } catch (error) {
    return refuse(`cannot read volume groups on node ${ctx.nodeName}: ${(error as Error).message}`);
  }
  const plan = planVolume({
    claim,
    storageClass: storageClassInfo(sc!),
    node: { name: ctx.nodeName, hostnameLabel: ctx.hostnameLabel() },
    config,
    vgReports,
    reservations: ctx.reservations.list(),
  });
  if (!plan.ok) {
    const reason = plan.errors.join("; ");
    return plan.reschedule ? await reschedule(ctx, claim, reason) : refuse(reason);
  }

  let { spec } = plan;
  if (cloneSource) {
    let clone;
    try {
      clone = await planClone(ctx.exec, spec, cloneSource);
    } catch (error) {
      return refuse(
        `cannot look up the clone's source on node ${ctx.nodeName}: ${(error as Error).message}`,
      );
    }
    if (!clone.ok) return refuse(`cannot clone: ${clone.reason}`);
    spec = clone.spec;
  }
  active.set(spec.pvName, claim);
  try {
    const outcome = await ctx.metrics.measureSaga(
      ctx.engine.definition.kind,
      "provision",
      () => ctx.engine.run(spec.pvName, spec),
    );
    switch (outcome.status) {
      case "completed":
        ctx.events.normal(
          claim,
          "ProvisioningSucceeded",
          `Successfully provisioned volume ${spec.pvName}: ${formatBytes(spec.sizeBytes)} ` +
            `${spec.fsType} in volume group ${spec.vg} on node ${ctx.nodeName}` +
            (spec.cloneFrom
              ? `, cloned from claim ${spec.cloneFrom.claim.namespace}/${spec.cloneFrom.claim.name}`
              : ""),
        );
        log("Provisioned {pv} in {vg}", { vg: spec.vg, bytes: spec.sizeBytes });
        return;
      case "torn-down":
        // A rollback left over from before finished just now; start afresh.
        return { requeueAfterMs: 0 };
      case "rolled-back":
        // The failure itself was reported the moment it happened (see onSagaEvent).
        log("Provisioning {pv} rolled back", { error: outcome.error.message });
        return { retry: true };
      case "stuck":
        return fail(`provisioning failed and the rollback is incomplete: ${outcome.error.message}`);
    }
  } finally {
    active.delete(spec.pvName);
  }
}
