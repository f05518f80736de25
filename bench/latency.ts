/**
 * Agent overhead per claim: claims created one after another with `selected-node` already set
 * (as the scheduler leaves them), each timed from the claim's ADDED event to its PV's ADDED
 * event, both seen by the same process through watches of the same API server, so the watch
 * delivery delay is in both ends and mostly cancels.
 *
 * @module
 */

import { createClaim } from "../tests/agent/claims.ts";
import { type BenchCluster, deferred, LATENCY_NODE, within } from "./cluster.ts";
import type { StampedEvent } from "./watch.ts";

/** What the latency run measured, per claim, in milliseconds. */
export interface LatencyRun {
  node: string;
  /** Claim ADDED seen → PV ADDED seen. */
  overheadMs: number[];
  /** Claim ADDED seen → claim Bound seen (adds the PV controller's binding). */
  boundMs: number[];
  /** Create request answered → its ADDED event seen (negative: the event came first). */
  watchLagMs: number[];
  wallMs: number;
}

const SELECTED_NODE = "volume.kubernetes.io/selected-node";

/** Creates `count` claims on the latency node, one at a time, and times each. */
export async function measureLatency(
  cluster: BenchCluster,
  count: number,
  prefix = "lat",
): Promise<LatencyRun> {
  const api = cluster.env.api;
  const claimSeen = new Map<string, number>();
  const pvSeen = new Map<string, ReturnType<typeof deferred<number>>>();
  const boundSeen = new Map<string, number>();
  const waiter = (name: string) => {
    let d = pvSeen.get(name);
    if (!d) pvSeen.set(name, d = deferred<number>());
    return d;
  };
  const onClaim = (e: StampedEvent) => {
    const name: string = e.object.metadata.name;
    if (!name.startsWith(`${prefix}-`)) return;
    if (!claimSeen.has(name) && e.object.metadata.annotations?.[SELECTED_NODE]) {
      claimSeen.set(name, e.at);
    }
    if (e.object.status?.phase === "Bound" && !boundSeen.has(name)) boundSeen.set(name, e.at);
  };
  const onPv = (e: StampedEvent) => {
    const claim: string | undefined = e.object.spec?.claimRef?.name;
    if (e.type === "ADDED" && claim?.startsWith(`${prefix}-`)) waiter(claim).resolve(e.at);
  };
  const claims = await cluster.watch("/api/v1/namespaces/default/persistentvolumeclaims", onClaim);
  const pvs = await cluster.watch("/api/v1/persistentvolumes", onPv);
  const run: LatencyRun = {
    node: LATENCY_NODE,
    overheadMs: [],
    boundMs: [],
    watchLagMs: [],
    wallMs: 0,
  };
  const started = performance.now();
  const names: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}`;
      names.push(name);
      const pv = waiter(name).promise;
      await createClaim(api, { name, node: LATENCY_NODE, size: "16Mi" });
      const answered = performance.now();
      const pvAt = await within(`PV of claim ${name}`, 60_000, pv);
      const claimAt = claimSeen.get(name);
      if (claimAt === undefined) throw new Error(`no ADDED event seen for claim ${name}`);
      run.overheadMs.push(pvAt - claimAt);
      run.watchLagMs.push(claimAt - answered);
    }
    run.wallMs = performance.now() - started;
    // The binding is the controller-manager's: collect it, but do not pace the claims by it.
    await within(
      "every latency claim Bound",
      120_000,
      (async () => {
        while (names.some((n) => !boundSeen.has(n))) await new Promise((r) => setTimeout(r, 100));
      })(),
    );
    run.boundMs = names.map((n) => boundSeen.get(n)! - claimSeen.get(n)!);
  } finally {
    await claims.stop();
    await pvs.stop();
  }
  return run;
}
