/**
 * Reclaiming: for each PV of ours on this node, keep our finalizer while it may be
 * needed, and when the claim is gone under reclaim policy `Delete`, tear the volume down
 * (storage first, the PV object last). `Retain` leaves everything.
 *
 * @module
 */

import { LEGACY_PROVISIONER } from "../config/constants.ts";
import { ANN_PROVISIONED_BY, FINALIZER } from "../decide/names.ts";
import { pinnedHostnames } from "../decide/node_usage.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import type { ProcessOutcome } from "../kube/work_queue.ts";
import { findLogicalVolumes } from "../provision/node_queries.ts";
import { specFromExisting, specFromVolumeOnly } from "../provision/existing_volume.ts";
import type { AgentContext } from "./context.ts";

type PvObject = KubeObject & PersistentVolumeObject;

/** The node values of a PV's required `kubernetes.io/hostname` affinity. */
export { pinnedHostnames };

/** True when the PV was made by us (or by the original project) for this node. */
export function isOurVolume(
  pv: PersistentVolumeObject,
  provisioner: string,
  hostnames: readonly string[],
): boolean {
  const by = pv.metadata.annotations?.[ANN_PROVISIONED_BY];
  if (by !== provisioner && by !== LEGACY_PROVISIONER) return false;
  const pinned = pinnedHostnames(pv);
  return pinned.length === 1 && hostnames.includes(pinned[0]);
}

/** Reconciles one PV (key: its name). */
export async function reconcileVolume(ctx: AgentContext, name: string): Promise<ProcessOutcome> {
  const pv = ctx.persistentVolumes.get(name) as PvObject | undefined;
  if (!pv) return;
  const config = ctx.config();
  if (!isOurVolume(pv, config.provisionerName, [ctx.nodeName, ctx.hostnameLabel()])) return;
  const policy = pv.spec.persistentVolumeReclaimPolicy;
  const phase = pv.status?.phase;
  const hasFinalizer = pv.metadata.finalizers?.includes(FINALIZER) ?? false;

  if (policy !== "Delete") {
    // Retained storage is the admin's: the PV object may go whenever they say.
    if (hasFinalizer) await ctx.volumes.removeFinalizer(name);
    return;
  }
  // Being deleted without our finalizer: our teardown already ran, the object is going.
  if (pv.metadata.deletionTimestamp && !hasFinalizer) return;
  const released = phase === "Released" || phase === "Failed";
  // Deleted by hand while not bound to a claim: nothing will ever use it.
  const orphaned = Boolean(pv.metadata.deletionTimestamp) && phase !== "Bound";
  if (!released && !orphaned) {
    // The finalizer keeps the PV object until we have removed the storage (KEP-2644).
    if (!hasFinalizer && !pv.metadata.deletionTimestamp) await ctx.volumes.addFinalizer(name);
    return;
  }
  return await tearDown(ctx, pv);
}

async function tearDown(ctx: AgentContext, pv: PvObject): Promise<ProcessOutcome> {
  const name = pv.metadata.name;
  const log = { pv: name, node: ctx.nodeName };
  const lvs = await findLogicalVolumes(ctx.exec, name);
  const existing = lvs.length > 0
    ? specFromExisting({
      lv: lvs[0],
      pv,
      node: ctx.nodeName,
      provisioner: ctx.config().provisionerName,
    })
    : specFromVolumeOnly(pv, ctx.nodeName);
  if (!existing.ok) {
    ctx.metrics.operationFailed("delete");
    ctx.events.warning(pv, "VolumeFailedDelete", existing.error);
    ctx.log.warn("Cannot delete {pv}: {reason}", { ...log, reason: existing.error });
    return { retry: true };
  }
  ctx.log.info("Deleting {pv} (reclaim policy Delete)", log);
  const outcome = await ctx.metrics.measureSaga(
    ctx.engine.definition.kind,
    "delete",
    () => ctx.engine.teardown(name, existing.spec),
  );
  if (outcome.status === "torn-down") {
    ctx.log.info("Deleted {pv}", log);
    return;
  }
  const message = "error" in outcome ? outcome.error.message : outcome.status;
  ctx.events.warning(pv, "VolumeFailedDelete", message);
  ctx.log.warn("Deleting {pv} failed: {reason}", { ...log, reason: message });
  return { retry: true };
}
