/**
 * Handing a claim back to the scheduler: this node cannot serve it (too little space, VGs
 * missing, the config disables or does not cover the node), another node may. The agent
 * says why on the claim, publishes its real free space first (so the scheduler's next pick
 * does not choose this node again on stale numbers), then removes
 * `volume.kubernetes.io/selected-node`, guarded by the claim's resourceVersion. The
 * scheduler's PreBind sees the annotation gone, fails the attempt and schedules the pod again.
 *
 * @module
 */

import type { ClaimObject } from "../decide/claim.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { ProcessOutcome } from "../kube/work_queue.ts";
import type { AgentContext } from "./context.ts";

/** Warns on the claim and removes its selected node (this one). */
export async function reschedule(
  ctx: AgentContext,
  claim: KubeObject & ClaimObject,
  reason: string,
): Promise<ProcessOutcome> {
  const { name, namespace = "default", resourceVersion } = claim.metadata;
  const key = `${namespace}/${name}`;
  ctx.events.warning(
    claim,
    "ProvisioningFailed",
    `node ${ctx.nodeName} cannot provision this claim: ${reason}; ` +
      `the scheduler will pick another node`,
  );
  await ctx.capacity.publishNow();
  if (!resourceVersion) return { retry: true };
  const result = await ctx.claimApi.removeSelectedNode(namespace, name, resourceVersion);
  switch (result.status) {
    case "patched":
      ctx.log.info("Rescheduling {claim}: removed the selected node {node}: {reason}", {
        claim: key,
        node: ctx.nodeName,
        reason,
      });
      return;
    case "notFound":
      return;
    case "conflict":
      // The claim changed since this decision: decide again on the new version.
      ctx.log.debug("Rescheduling {claim}: the claim changed, deciding again", { claim: key });
      return { retry: true };
  }
}
