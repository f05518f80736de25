/**
 * Bulk: N claims of the WaitForFirstConsumer class and N pods using them, created at once, for
 * the real scheduler to place across the schedulable nodes; timed until every claim is Bound
 * and every pod has its node, then until everything is deleted and cleaned up (claims, pods
 * and PVs gone, no LV left on any simulated host). Each claim's timeline says who spent the
 * time.
 *
 * @module
 */

import { claimPath, createClaim } from "../tests/agent/claims.ts";
import { createPod, podPath } from "../tests/agent/pods.ts";
import { type BenchCluster, pool, within } from "./cluster.ts";
import { type Distribution, distribution } from "./stats.ts";
import { type ClaimTimeline, Timelines, until } from "./timeline.ts";

/** One bulk run, in milliseconds from its start. */
export interface BulkRun {
  claims: number;
  nodes: number;
  /** Until the last claim is Bound and the last pod has its node. */
  upMs: number;
  /** Each claim's Bound, from the start. */
  claimBoundMs: number[];
  /** Each pod's node, from the start. */
  podScheduledMs: number[];
  /** Per claim, who spent how long on the way up. */
  phasesMs: Record<string, Distribution>;
  /** Claims per node, as the scheduler spread them. */
  perNode: Record<string, number>;
  /** From the first delete until claims, pods and PVs are gone and no host has an LV. */
  downMs: number;
  /** From the first delete until the last PV is gone. */
  pvsGoneMs: number;
}

/** Concurrent requests while creating or deleting. */
const IN_FLIGHT = 50;

/** The way up, split by who acts (see ClaimTimeline). */
const PHASES: [string, keyof ClaimTimeline, keyof ClaimTimeline][] = [
  ["scheduler picks a node", "added", "selectedNode"],
  ["PV binder marks the claim", "selectedNode", "triggered"],
  ["agent makes the PV", "triggered", "pv"],
  ["PV binder binds", "pv", "bound"],
  ["scheduler binds the pod", "bound", "scheduled"],
];

async function lvsLeft(cluster: BenchCluster): Promise<number> {
  const counts = await Promise.all(
    cluster.bulkNodes.map((n) => cluster.env.node(n, (h) => h.listLvs().length)),
  );
  return counts.reduce((a, c) => a + c, 0);
}

/**
 * One bulk run. `whileUp` runs once everything is bound (the memory reading), before the
 * deletes.
 */
export async function measureBulk(
  cluster: BenchCluster,
  count: number,
  prefix: string,
  whileUp: () => Promise<void> = async () => {},
  progress: (line: string) => void = () => {},
): Promise<BulkRun> {
  const api = cluster.env.api;
  const t = new Timelines(prefix);
  const watches = await Promise.all([
    cluster.watch("/api/v1/namespaces/default/persistentvolumeclaims", t.claimEvent),
    cluster.watch("/api/v1/namespaces/default/pods", t.podEvent),
    cluster.watch("/api/v1/persistentvolumes", t.pvEvent),
  ]);
  progress("watching claims, pods and PVs");
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    const started = performance.now();
    await pool(names, IN_FLIGHT, async (name) => {
      await createClaim(api, { name, size: "16Mi" });
      await createPod(api, { name, claim: name });
    });
    progress(`created ${count} claims and pods`);
    await until(
      t,
      `${count} claims Bound and ${count} pods scheduled`,
      600_000,
      () => t.count("bound") === count && t.count("scheduled") === count,
    );
    const up = Math.max(t.last("bound"), t.last("scheduled")) - started;
    const perNode: Record<string, number> = {};
    for (const pod of (await api.get("/api/v1/namespaces/default/pods")).items) {
      if (pod.metadata.name.startsWith(`${prefix}-`)) {
        perNode[pod.spec.nodeName] = (perNode[pod.spec.nodeName] ?? 0) + 1;
      }
    }
    progress(`all Bound and scheduled after ${(up / 1000).toFixed(1)} s`);
    await whileUp();

    const deleting = performance.now();
    await pool(names, IN_FLIGHT, async (name) => {
      await api.delete(podPath(name), { gracePeriodSeconds: 0 });
      await api.delete(claimPath(name));
    });
    await until(
      t,
      "claims, pods and PVs gone",
      600_000,
      () =>
        t.count("claimGone") === count && t.count("podGone") === count &&
        t.count("pvGone") === count,
    );
    const pvsGone = t.last("pvGone") - deleting;
    progress(`claims, pods and PVs gone after ${(pvsGone / 1000).toFixed(1)} s`);
    await within(
      "no LV left on any host",
      120_000,
      (async () => {
        while (await lvsLeft(cluster) > 0) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
    const down = performance.now() - deleting;
    return {
      claims: count,
      nodes: cluster.bulkNodes.length,
      upMs: up,
      claimBoundMs: [...t.byClaim.values()].map((c) => c.bound! - started),
      podScheduledMs: [...t.byClaim.values()].map((c) => c.scheduled! - started),
      phasesMs: Object.fromEntries(
        PHASES.map(([label, from, to]) => [label, distribution(t.spans(from, to))]),
      ),
      perNode,
      downMs: down,
      pvsGoneMs: pvsGone,
    };
  } finally {
    await Promise.all(watches.map((w) => w.stop()));
  }
}
