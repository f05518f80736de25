/**
 * Memory: every agent's peak and current resident set size (VmHWM, VmRSS of the agent's own
 * Deno process), read while the claims and PVs of both runs are in every agent's caches. The
 * simulated nodes' server processes are read too, but apart: on a real node that memory is the
 * node's own (lvm2, the kernel), not the agent's.
 *
 * @module
 */

import type { BenchCluster } from "./cluster.ts";
import { LATENCY_NODE } from "./cluster.ts";
import { LEADER_LEASE } from "../src/agent/leader_duties.ts";
import { residentMiB } from "./machine.ts";

/** The reading. */
export interface MemoryReading {
  /** Claims and PVs in the cluster (so in every agent's caches) when read. */
  claims: number;
  pvs: number;
  /** The latency node's agent: it ran the most sagas. */
  latencyAgent: { peakMiB: number; currentMiB: number };
  /** The highest peak over every agent. */
  maxPeakMiB: number;
  /** The node whose agent held the leader Lease (it caches every Node, and more), if any. */
  leader: string | null;
  perAgentPeakMiB: Record<string, number>;
  /** Every agent's current RSS right after start, before any claim: the baseline. */
  idleMiB?: { min: number; max: number };
  /** The simulated node servers (none with `--sim-in-agent`: then the agents hold the nodes). */
  simServers: { maxPeakMiB: number; perNodePeakMiB: Record<string, number> } | null;
}

/** Every agent's current RSS (MiB), by node. */
export async function currentRss(cluster: BenchCluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [node, agent] of cluster.env.agents) {
    if (agent.pid === undefined) throw new Error(`agent ${node} is not running`);
    out[node] = (await residentMiB(agent.pid)).current;
  }
  return out;
}

/** Reads every agent's /proc/<pid>/status. */
export async function readMemory(cluster: BenchCluster): Promise<MemoryReading> {
  const { env } = cluster;
  const claims = (await env.api.get("/api/v1/persistentvolumeclaims")).items.length;
  const pvs = (await env.api.get("/api/v1/persistentvolumes")).items.length;
  const lease = await env.api.getOrUndefined(
    `/apis/coordination.k8s.io/v1/namespaces/local-lvm-storage/leases/${LEADER_LEASE}`,
  );
  const perAgent: Record<string, { peak: number; current: number }> = {};
  for (const [node, agent] of env.agents) {
    if (agent.pid === undefined) throw new Error(`agent ${node} is not running`);
    perAgent[node] = await residentMiB(agent.pid);
  }
  const lat = perAgent[LATENCY_NODE];
  const perServer: Record<string, number> = {};
  for (const [node, server] of env.simServers) {
    if (server.pid === undefined) throw new Error(`sim server of ${node} is not running`);
    perServer[node] = (await residentMiB(server.pid)).peak;
  }
  return {
    claims,
    pvs,
    latencyAgent: { peakMiB: lat.peak, currentMiB: lat.current },
    maxPeakMiB: Math.max(...Object.values(perAgent).map((m) => m.peak)),
    leader: lease?.spec?.holderIdentity ?? null,
    perAgentPeakMiB: Object.fromEntries(Object.entries(perAgent).map(([n, m]) => [n, m.peak])),
    simServers: env.simServers.size === 0
      ? null
      : { maxPeakMiB: Math.max(...Object.values(perServer)), perNodePeakMiB: perServer },
  };
}
