/**
 * Per-claim latency: claims created one after another with `selected-node` already set (as the
 * scheduler leaves them), each timed through watches in this process from `selected-node` to
 * the PV's ADDED event, split at the moment kube-controller-manager's PV binder marks the claim
 * with `volume.kubernetes.io/storage-provisioner` (the agent waits for it, as every external
 * provisioner does, since the binder may yet bind the claim to an existing PV). Both ends come
 * through the same API server's watches, so the watch delivery delay is in both and cancels.
 *
 * @module
 */

import { createClaim } from "../tests/agent/claims.ts";
import { type BenchCluster, LATENCY_NODE } from "./cluster.ts";
import { Timelines, until } from "./timeline.ts";
import { type AgentBreakdown, agentBreakdown } from "./agent_breakdown.ts";

/** What the latency run measured, per claim, in milliseconds. */
export interface LatencyRun {
  node: string;
  /** Agent overhead: storage-provisioner annotation seen → PV seen. */
  agentMs: number[];
  /** selected-node seen → PV seen (adds the PV binder's trigger). */
  selectedToPvMs: number[];
  /** selected-node seen → storage-provisioner seen: the PV binder's share. */
  binderTriggerMs: number[];
  /** selected-node seen → claim Bound seen. */
  selectedToBoundMs: number[];
  /** Create request answered → its ADDED event seen (negative: the event came first). */
  watchLagMs: number[];
  wallMs: number;
  /** The latency agent's own account of its sagas (cumulative since it started). */
  breakdown: AgentBreakdown;
}

/** Creates `count` claims on the latency node, one at a time, and times each. */
export async function measureLatency(
  cluster: BenchCluster,
  count: number,
  prefix = "lat",
): Promise<LatencyRun> {
  const api = cluster.env.api;
  const timelines = new Timelines(prefix);
  const watches = await Promise.all([
    cluster.watch("/api/v1/namespaces/default/persistentvolumeclaims", timelines.claimEvent),
    cluster.watch("/api/v1/persistentvolumes", timelines.pvEvent),
  ]);
  const watchLagMs: number[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}`;
      await createClaim(api, { name, node: LATENCY_NODE, size: "16Mi" });
      const answered = performance.now();
      await until(timelines, `PV of claim ${name}`, 60_000, () => {
        const t = timelines.byClaim.get(name);
        return t?.pv !== undefined && t.added !== undefined;
      });
      watchLagMs.push(timelines.byClaim.get(name)!.added! - answered);
    }
    const wallMs = performance.now() - started;
    // Binding is the controller-manager's: collected, but the claims are not paced by it.
    await until(
      timelines,
      "every latency claim Bound",
      120_000,
      () => timelines.count("bound") === count,
    );
    const agent = cluster.env.agents.get(LATENCY_NODE)!;
    const scrape = await fetch(`http://127.0.0.1:${agent.options.httpPort}/metrics`);
    return {
      breakdown: agentBreakdown(await scrape.text()),
      node: LATENCY_NODE,
      agentMs: timelines.spans("triggered", "pv"),
      selectedToPvMs: timelines.spans("selectedNode", "pv"),
      binderTriggerMs: timelines.spans("selectedNode", "triggered"),
      selectedToBoundMs: timelines.spans("selectedNode", "bound"),
      watchLagMs,
      wallMs,
    };
  } finally {
    await Promise.all(watches.map((w) => w.stop()));
  }
}
