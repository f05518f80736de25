/**
 * `deno task bench`: how fast and how lean the provisioner is, every figure measured in one run
 * (see README, "Performance"). Prints a table, writes JSON and an SVG chart; never fails on a
 * figure, only when something could not be measured.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { measureBulk } from "./bulk.ts";
import { renderChart } from "./chart.ts";
import { LATENCY_NODE, startBenchCluster } from "./cluster.ts";
import { type GuestFigures, guestFigures } from "./guest.ts";
import { measureLatency } from "./latency.ts";
import { describeMachine } from "./machine.ts";
import { currentRss, type MemoryReading, readMemory } from "./memory.ts";
import { parseBenchArgs } from "./options.ts";
import { buildReport, formatTable, GOALS } from "./report.ts";
import type { BulkRun } from "./bulk.ts";

const options = parseBenchArgs(Deno.args);
const startedAt = new Date();
const t0 = performance.now();
const progress = (line: string) =>
  console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const machine = await describeMachine();

progress(`starting the control plane, ${options.nodes + 1} fake nodes and their agents`);
const cluster = await startBenchCluster(options.nodes, {
  controllerManagerQps: options.controllerManagerQps,
  simInAgent: options.simInAgent,
  agentDenoFlags: options.profileDir
    ? (node) => ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir!, node)}`]
    : undefined,
});
let latency, memory: MemoryReading | undefined;
const bulk: BulkRun[] = [];
try {
  const idle = Object.values(await currentRss(cluster));
  progress(
    `agents idle at ${Math.min(...idle).toFixed(1)}-${Math.max(...idle).toFixed(1)} MiB RSS`,
  );
  progress(`latency: ${options.claims} claims one after another on ${LATENCY_NODE}`);
  latency = await measureLatency(cluster, options.claims);
  for (let run = 0; run < options.runs; run++) {
    progress(`bulk run ${run + 1}/${options.runs}: ${options.claims} claims + pods`);
    bulk.push(
      await measureBulk(cluster, options.claims, `bulk${run}`, async () => {
        // The first time everything is up, both runs' claims and PVs are in every cache.
        if (run === 0) {
          memory = {
            ...await readMemory(cluster),
            idleMiB: { min: Math.min(...idle), max: Math.max(...idle) },
          };
        }
      }, progress),
    );
    progress(
      `bulk run ${run + 1}: up ${(bulk[run].upMs / 1000).toFixed(1)} s, down ${
        (bulk[run].downMs / 1000).toFixed(1)
      } s`,
    );
  }
} finally {
  progress("stopping the control plane");
  await cluster.env.stop();
}

let guest: GuestFigures | { skipped: string };
if (options.guestRuns > 0) {
  progress(`real lvm2 in the QEMU guest: ${options.guestRuns} rounds`);
  guest = await guestFigures(options.guestRuns, (l) => progress(`guest: ${l.trim()}`));
} else {
  guest = { skipped: options.smoke ? "smoke run" : "--no-guest" };
}

const report = buildReport({
  startedAt,
  command: ["deno task bench", ...Deno.args].join(" "),
  options,
  machine,
  latency: latency!,
  bulk,
  memory: memory!,
  guest,
  totalMs: performance.now() - t0,
});
await Deno.mkdir(dirname(options.json), { recursive: true });
await Deno.writeTextFile(options.json, JSON.stringify(report, null, 2) + "\n");
await Deno.mkdir(dirname(options.svg), { recursive: true });
await Deno.writeTextFile(
  options.svg,
  renderChart({
    agentMs: latency!.agentMs,
    selectedToPvMs: latency!.selectedToPvMs,
    goals: { p50: GOALS.overheadP50Ms, p99: GOALS.overheadP99Ms },
    bulk: bulk[0] && {
      claimBoundMs: bulk[0].claimBoundMs,
      podScheduledMs: bulk[0].podScheduledMs,
      claims: bulk[0].claims,
      nodes: bulk[0].nodes,
    },
    caption:
      `${report.command} on ${machine.cpus} CPUs (${machine.cpuModel}), Deno ${machine.deno}, ${
        startedAt.toISOString().slice(0, 10)
      }`,
  }),
);
console.log(formatTable(report));
console.log(`\nwrote ${options.json} and ${options.svg}`);
