/**
 * Bulk: N claims of the WaitForFirstConsumer class and N pods using them, created at once, for
 * the real scheduler to place across the schedulable nodes; timed until every claim is Bound
 * and every pod has its node, then until everything is deleted and cleaned up (claims, pods
 * and PVs gone, no LV left on any simulated host).
 *
 * @module
 */

import { claimPath, createClaim } from "../tests/agent/claims.ts";
import { createPod, podPath } from "../tests/agent/pods.ts";
import { type BenchCluster, pool, within } from "./cluster.ts";
import type { StampedEvent } from "./watch.ts";

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
  /** Claims per node, as the scheduler spread them. */
  perNode: Record<string, number>;
  /** From the first delete until claims, pods and PVs are gone and no host has an LV. */
  downMs: number;
  /** From the first delete until the last PV is gone. */
  pvsGoneMs: number;
}

/** Concurrent requests while creating or deleting (client-go's default burst is 10; kubectl's 300). */
const IN_FLIGHT = 50;

async function hostsEmpty(cluster: BenchCluster): Promise<boolean> {
  const counts = await Promise.all(
    cluster.bulkNodes.map((n) => cluster.env.node(n, (h) => h.listLvs().length)),
  );
  return counts.every((c) => c === 0);
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
): Promise<BulkRun> {
  const api = cluster.env.api;
  const mine = (name: string | undefined) => name?.startsWith(`${prefix}-`) ?? false;
  const bound = new Map<string, number>();
  const scheduled = new Map<string, number>();
  const gone = { claims: new Set<string>(), pods: new Set<string>(), pvs: new Set<string>() };
  const pvNames = new Set<string>();
  const perNode: Record<string, number> = {};
  let lastPvGone = 0;
  const watches = await Promise.all([
    cluster.watch("/api/v1/namespaces/default/persistentvolumeclaims", (e: StampedEvent) => {
      const name = e.object.metadata.name;
      if (!mine(name)) return;
      if (e.type === "DELETED") gone.claims.add(name);
      else if (e.object.status?.phase === "Bound" && !bound.has(name)) bound.set(name, e.at);
    }),
    cluster.watch("/api/v1/namespaces/default/pods", (e: StampedEvent) => {
      const name = e.object.metadata.name;
      if (!mine(name)) return;
      if (e.type === "DELETED") gone.pods.add(name);
      else if (e.object.spec?.nodeName && !scheduled.has(name)) {
        scheduled.set(name, e.at);
        perNode[e.object.spec.nodeName] = (perNode[e.object.spec.nodeName] ?? 0) + 1;
      }
    }),
    cluster.watch("/api/v1/persistentvolumes", (e: StampedEvent) => {
      if (!mine(e.object.spec?.claimRef?.name)) return;
      pvNames.add(e.object.metadata.name);
      if (e.type === "DELETED") {
        gone.pvs.add(e.object.metadata.name);
        lastPvGone = e.at;
      }
    }),
  ]);
  const until = (what: string, ms: number, done: () => boolean | Promise<boolean>) =>
    within(
      what,
      ms,
      (async () => {
        while (!(await done())) await new Promise((r) => setTimeout(r, 50));
      })(),
    );
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    const started = performance.now();
    await pool(names, IN_FLIGHT, async (name) => {
      await createClaim(api, { name, size: "16Mi" });
      await createPod(api, { name, claim: name });
    });
    await until(
      `${count} claims Bound and ${count} pods scheduled`,
      600_000,
      () => bound.size === count && scheduled.size === count,
    );
    const up = Math.max(...bound.values(), ...scheduled.values()) - started;
    await whileUp();

    const deleting = performance.now();
    await pool(names, IN_FLIGHT, async (name) => {
      await api.delete(podPath(name), { gracePeriodSeconds: 0 });
      await api.delete(claimPath(name));
    });
    await until(
      "claims, pods and PVs gone",
      600_000,
      () =>
        gone.claims.size === count && gone.pods.size === count &&
        gone.pvs.size === pvNames.size && pvNames.size >= count,
    );
    await until("no LV left on any host", 120_000, () => hostsEmpty(cluster));
    const down = performance.now() - deleting;
    return {
      claims: count,
      nodes: cluster.bulkNodes.length,
      upMs: up,
      claimBoundMs: [...bound.values()].map((t) => t - started),
      podScheduledMs: [...scheduled.values()].map((t) => t - started),
      perNode,
      downMs: down,
      pvsGoneMs: lastPvGone - deleting,
    };
  } finally {
    await Promise.all(watches.map((w) => w.stop()));
  }
}
