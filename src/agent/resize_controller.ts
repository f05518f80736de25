/**
 * Expansion: for each bound claim of ours whose volume is on this node and whose request
 * has grown past its capacity, grow the volume online and report on the claim as
 * external-resizer and the kubelet would. Kubernetes' expand controller only says
 * `ExternalExpanding` for a hostPath PV; everything else is ours.
 *
 * @module
 */

import { CONTROLLER_RESIZE_INFEASIBLE } from "../decide/resize_status.ts";
import { type ResizableClaim, resizeNeed } from "../decide/resize_need.ts";
import type { ClaimStatusApi } from "../kube/claim_status.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { PersistentVolumeObject, VolumeApi } from "../kube/volume_api.ts";
import type { ProcessOutcome } from "../kube/work_queue.ts";
import { planResize } from "../resize/plan_resize.ts";
import type { ResizeSpec } from "../resize/spec.ts";
import type { JournalStore } from "../saga/types.ts";
import { recoverResizes } from "../resize/recover_resizes.ts";
import { type ResizeResult, type ResizeRunner, runResize } from "../resize/run_resize.ts";
import type { AgentContext } from "./context.ts";
import { isOurVolume } from "./volume_controller.ts";

/** How long an infeasible size waits before it is tried again (the VG may have grown). */
export const INFEASIBLE_RETRY_MS = 5 * 60_000;

/** What the expansion controller works with. */
export type ResizeContext =
  & Pick<
    AgentContext,
    "nodeName" | "hostnameLabel" | "config" | "exec" | "claims" | "persistentVolumes" | "log"
  >
  & Partial<Pick<AgentContext, "metrics">>
  & {
    journal: JournalStore;
    volumes: Pick<VolumeApi, "readPersistentVolume">;
    claimStatus: ClaimStatusApi;
    runner: ResizeRunner;
    now?: () => number;
  };

/** The expansion controller of one agent. */
export class ResizeController {
  /** Sizes found infeasible, by PV, so an unchanged request is not retried in a loop. */
  readonly #infeasible = new Map<string, { request: string; at: number }>();

  constructor(readonly ctx: ResizeContext) {}

  #now(): number {
    return this.ctx.now?.() ?? Date.now();
  }

  /** Finishes or closes every expansion left in the journal; run before taking new work. */
  async recover(): Promise<void> {
    const { ctx } = this;
    const claimOf = (spec: ResizeSpec) =>
      ctx.claims.get(`${spec.claim.namespace}/${spec.claim.name}`);
    for (const r of await recoverResizes(ctx.journal, ctx.runner, claimOf)) {
      ctx.log.info("Recovered an expansion from the journal: {status}", {
        status: r.status,
        node: ctx.nodeName,
      });
    }
  }

  /** Reconciles one claim (key `namespace/name`). */
  async reconcile(key: string): Promise<ProcessOutcome> {
    const { ctx } = this;
    const cached = ctx.claims.get(key) as (KubeObject & ResizableClaim) | undefined;
    const volumeName = cached?.spec?.volumeName;
    if (!cached || !volumeName) return;
    const cachedPv = ctx.persistentVolumes.get(volumeName) as
      | (KubeObject & PersistentVolumeObject)
      | undefined;
    if (!cachedPv || !this.#ours(cachedPv) || !resizeNeed(cached, cachedPv)) return;

    // The caches may lag behind our own status patches: decide again on fresh objects.
    const [namespace, name] = key.split("/");
    const claim = await ctx.claimStatus.readClaim(namespace, name) as
      | (KubeObject & ResizableClaim)
      | undefined;
    const pv = await ctx.volumes.readPersistentVolume(volumeName);
    if (!claim || !pv || claim.metadata.uid !== cached.metadata.uid) return;
    const need = resizeNeed(claim, pv);
    if (!need) return;
    const log = { claim: key, pv: volumeName, node: ctx.nodeName, request: need.request };

    const failedBefore = this.#infeasible.get(volumeName);
    const status = claim.status?.allocatedResourceStatuses?.storage;
    if (
      failedBefore?.request === need.request && status === CONTROLLER_RESIZE_INFEASIBLE &&
      this.#now() - failedBefore.at < INFEASIBLE_RETRY_MS
    ) {
      return { requeueAfterMs: INFEASIBLE_RETRY_MS - (this.#now() - failedBefore.at) };
    }

    const plan = await planResize(ctx.exec, {
      need,
      claim: { namespace, name, uid: claim.metadata.uid! },
      pv,
      node: ctx.nodeName,
      provisioner: ctx.config().provisionerName,
    });
    if (!plan.ok) {
      ctx.metrics?.operationFailed("resize");
      ctx.runner.events.warning(claim, "VolumeResizeFailed", plan.error);
      ctx.log.warn("Cannot grow {pv} for {claim}: {reason}", { ...log, reason: plan.error });
      return { retry: true };
    }
    ctx.log.info("Growing {pv} for {claim} to {request}", log);
    let result: ResizeResult | undefined;
    const run = async () => (result = await runResize(ctx.runner, plan.spec, claim)).outcome;
    await (ctx.metrics ? ctx.metrics.measureSaga("resize", "resize", run) : run());
    if (result!.status === "resized") {
      this.#infeasible.delete(volumeName);
      ctx.log.info("Grew {pv} to {bytes} bytes", { ...log, bytes: plan.spec.sizeBytes });
      return;
    }
    ctx.log.warn("Growing {pv} failed: {reason}", { ...log, reason: result!.message });
    if (!result!.infeasible) return { retry: true };
    this.#infeasible.set(volumeName, { request: need.request, at: this.#now() });
    return { requeueAfterMs: INFEASIBLE_RETRY_MS };
  }

  #ours(pv: PersistentVolumeObject): boolean {
    const { ctx } = this;
    return isOurVolume(pv, ctx.config().provisionerName, [ctx.nodeName, ctx.hostnameLabel()]);
  }
}
