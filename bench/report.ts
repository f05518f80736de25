/**
 * The bench's result as JSON and as the table it prints, each figure next to its goal.
 *
 * @module
 */

import type { BulkRun } from "./bulk.ts";
import type { GuestFigures } from "./guest.ts";
import type { LatencyRun } from "./latency.ts";
import { type AgentBreakdown, formatBreakdown } from "./agent_breakdown.ts";
import type { Machine } from "./machine.ts";
import type { MemoryReading } from "./memory.ts";
import type { BenchOptions } from "./options.ts";
import { type Distribution, distribution, type Spread, spread } from "./stats.ts";

/** The goals of issue 8. */
export const GOALS = {
  overheadP50Ms: 50,
  overheadP99Ms: 250,
  bulkUpMs: 30_000,
  bulkDownMs: 30_000,
  peakRssMiB: 120,
  guestRatio: 1.2,
} as const;

/** Everything one bench wrote. */
export interface BenchReport {
  format: 1;
  startedAt: string;
  command: string;
  options: BenchOptions;
  machine: Machine;
  goals: typeof GOALS;
  latency: {
    claims: number;
    node: string;
    /** storage-provisioner annotation → PV: the agent's own time. */
    agentMs: Distribution;
    /** selected-node → PV: adds kube-controller-manager's PV binder marking the claim. */
    selectedToPvMs: Distribution;
    binderTriggerMs: Distribution;
    selectedToBoundMs: Distribution;
    watchLagMs: Distribution;
    wallMs: number;
    agentSamplesMs: number[];
    selectedToPvSamplesMs: number[];
    breakdown: AgentBreakdown;
  };
  bulk: { runs: BulkRun[]; upMs: Spread; downMs: Spread };
  memory: MemoryReading;
  guest: GuestFigures | { skipped: string };
  /** Wall time of the bench, cluster start and stop included. */
  totalMs: number;
}

/** Assembles the report. */
export function buildReport(parts: {
  startedAt: Date;
  command: string;
  options: BenchOptions;
  machine: Machine;
  latency: LatencyRun;
  bulk: BulkRun[];
  memory: MemoryReading;
  guest: GuestFigures | { skipped: string };
  totalMs: number;
}): BenchReport {
  const l = parts.latency;
  const round = (xs: number[]) => xs.map((x) => Math.round(x * 100) / 100);
  return {
    format: 1,
    startedAt: parts.startedAt.toISOString(),
    command: parts.command,
    options: parts.options,
    machine: parts.machine,
    goals: GOALS,
    latency: {
      claims: l.agentMs.length,
      node: l.node,
      agentMs: distribution(l.agentMs),
      selectedToPvMs: distribution(l.selectedToPvMs),
      binderTriggerMs: distribution(l.binderTriggerMs),
      selectedToBoundMs: distribution(l.selectedToBoundMs),
      watchLagMs: distribution(l.watchLagMs),
      wallMs: l.wallMs,
      agentSamplesMs: round(l.agentMs),
      selectedToPvSamplesMs: round(l.selectedToPvMs),
      breakdown: l.breakdown,
    },
    bulk: {
      runs: parts.bulk,
      upMs: spread(parts.bulk.map((r) => r.upMs)),
      downMs: spread(parts.bulk.map((r) => r.downMs)),
    },
    memory: parts.memory,
    guest: parts.guest,
    totalMs: parts.totalMs,
  };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
const mmm = (sp: Spread, f: (x: number) => string) =>
  sp.runs.length > 1 ? `${f(sp.median)} (min ${f(sp.min)}, max ${f(sp.max)})` : f(sp.median);
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

/** The table the bench prints (a Markdown table, so it can go into the README as is). */
export function formatTable(r: BenchReport): string {
  const l = r.latency;
  const b = r.bulk;
  const g = r.guest;
  const rows: string[][] = [
    [
      `agent overhead per claim, p50 (n=${l.claims})`,
      ms(l.agentMs.p50),
      `<= ${GOALS.overheadP50Ms} ms`,
      verdict(l.agentMs.p50 <= GOALS.overheadP50Ms),
    ],
    [
      `agent overhead per claim, p99 (n=${l.claims})`,
      ms(l.agentMs.p99),
      `<= ${GOALS.overheadP99Ms} ms`,
      verdict(l.agentMs.p99 <= GOALS.overheadP99Ms),
    ],
    [
      "selected-node to PV, p50 (adds the PV binder's mark)",
      ms(l.selectedToPvMs.p50),
      `<= ${GOALS.overheadP50Ms} ms`,
      verdict(l.selectedToPvMs.p50 <= GOALS.overheadP50Ms),
    ],
    [
      "selected-node to PV, p99",
      ms(l.selectedToPvMs.p99),
      `<= ${GOALS.overheadP99Ms} ms`,
      verdict(l.selectedToPvMs.p99 <= GOALS.overheadP99Ms),
    ],
    [
      `bulk: ${b.runs[0]?.claims} claims + pods on ${b.runs[0]?.nodes} nodes, all Bound/scheduled`,
      mmm(b.upMs, s),
      `<= ${GOALS.bulkUpMs / 1000} s`,
      verdict(b.upMs.median <= GOALS.bulkUpMs),
    ],
    [
      "bulk: all deleted, PVs gone, no LV left",
      mmm(b.downMs, s),
      `<= ${GOALS.bulkDownMs / 1000} s`,
      verdict(b.downMs.median <= GOALS.bulkDownMs),
    ],
    [
      `agent peak RSS (VmHWM), ${r.memory.claims} claims + ${r.memory.pvs} PVs cached`,
      `${r.memory.maxPeakMiB.toFixed(1)} MiB`,
      `<= ${GOALS.peakRssMiB} MB`,
      verdict(r.memory.maxPeakMiB <= GOALS.peakRssMiB),
    ],
    "skipped" in g
      ? ["real lvm2: saga / bare lvcreate+mkfs+mount", `skipped (${g.skipped})`, "<= 1.2x", "-"]
      : [
        `real lvm2: saga / bare lvcreate+mkfs+mount (${g.runs} runs)`,
        `${g.ratio.toFixed(2)}x (${s(g.sagaMs.median)} / ${s(g.bareMs.median)})`,
        `<= ${GOALS.guestRatio}x`,
        verdict(g.ratio <= GOALS.guestRatio),
      ],
  ];
  const header = ["figure", "measured", "goal", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const d = (x: Distribution) => `p50 ${ms(x.p50)}, p99 ${ms(x.p99)}, max ${ms(x.max)}`;
  const extra = [
    `per claim, agent (storage-provisioner mark -> PV): ${d(l.agentMs)}`,
    formatBreakdown(l.breakdown),
    `per claim, PV binder (selected-node -> storage-provisioner mark): ${d(l.binderTriggerMs)}`,
    `per claim, selected-node -> PV: ${d(l.selectedToPvMs)}; -> Bound: ${d(l.selectedToBoundMs)}`,
    `watch lag (create answered -> its ADDED event seen): ${d(l.watchLagMs)}`,
    ...b.runs.flatMap((run, i) => [
      `bulk run ${i + 1}: up ${s(run.upMs)}, down ${s(run.downMs)} (PVs gone ${
        s(run.pvsGoneMs)
      }); per claim on the way up (p50 / p99):`,
      ...Object.entries(run.phasesMs).map(([phase, x]) =>
        `  ${phase.padEnd(26)} ${ms(x.p50)} / ${ms(x.p99)}`
      ),
    ]),
    `agent RSS idle ${r.memory.idleMiB?.min.toFixed(1)}-${
      r.memory.idleMiB?.max.toFixed(1)
    } MiB; latency node's agent peak ${r.memory.latencyAgent.peakMiB.toFixed(1)} MiB${
      r.memory.leader
        ? `; leader ${r.memory.leader}'s ${
          r.memory.perAgentPeakMiB[r.memory.leader]?.toFixed(1)
        } MiB`
        : ""
    }`,
    r.memory.simServers
      ? `simulated node servers (not the agent's): peak RSS up to ${
        r.memory.simServers.maxPeakMiB.toFixed(1)
      } MiB, latency node's ${r.memory.simServers.perNodePeakMiB[r.latency.node]?.toFixed(1)} MiB`
      : "simulated nodes ran inside the agents (--sim-in-agent): their memory is in the agents'",
    `machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryMiB} MiB, Linux ${r.machine.kernel}, Deno ${r.machine.deno}`,
    `bench wall time ${s(r.totalMs)}`,
  ];
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    ...extra,
  ].join("\n");
}
