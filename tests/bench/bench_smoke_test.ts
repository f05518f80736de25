/**
 * `deno task bench --smoke` (20 claims, 2 nodes, no guest) runs end to end on the real control
 * plane and writes a well-formed report and chart. Figures are never asserted: a slow machine
 * is not a failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Tags of an SVG document nest properly (enough to know a viewer can draw it). */
function assertWellFormedSvg(svg: string) {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes something else`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], "unclosed tags");
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
}

const finite = (x: unknown, what: string) =>
  assert.ok(typeof x === "number" && Number.isFinite(x), `${what} is ${x}`);

Deno.test({
  name: "deno task bench --smoke writes a report and a chart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-bench-smoke-" });
    try {
      const json = join(dir, "latest.json");
      const svg = join(dir, "latency.svg");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "bench", "--smoke", "--json", json, "--svg", svg],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(out.success, `${text}\n${new TextDecoder().decode(out.stderr)}`);
      assert.match(text, /\| agent overhead per claim, p50 \(n=20\)/);

      const report = JSON.parse(await Deno.readTextFile(json));
      assert.equal(report.format, 1);
      assert.equal(report.latency.claims, 20);
      assert.equal(report.latency.agentSamplesMs.length, 20);
      for (const key of ["agentMs", "selectedToPvMs", "binderTriggerMs", "selectedToBoundMs"]) {
        const d = report.latency[key];
        assert.equal(d.n, 20, key);
        for (const q of ["min", "p50", "p99", "max"]) finite(d[q], `${key}.${q}`);
        assert.ok(d.min <= d.p50 && d.p50 <= d.p99 && d.p99 <= d.max, key);
      }
      // The latency agent's own account: 20 sagas, whose parts add up to the whole.
      const b = report.latency.breakdown;
      assert.equal(b.sagas, 20);
      assert.ok(b.commands >= 20 * 10, `${b.commands} node commands for 20 claims`);
      for (const key of ["sagaMs", "nodeStepsMs", "writePvMs", "engineMs", "commandMs"]) {
        finite(b[key], `breakdown.${key}`);
        assert.ok(b[key] > 0, key);
      }
      assert.ok(Math.abs(b.nodeStepsMs + b.writePvMs + b.engineMs - b.sagaMs) < 1e-6);
      assert.match(text, /latency agent, means per claim from its \/metrics \(n=20\)/);
      assert.equal(report.bulk.runs.length, 1);
      const run = report.bulk.runs[0];
      assert.equal(run.claims, 20);
      assert.equal(run.nodes, 2);
      assert.equal(run.claimBoundMs.length, 20);
      assert.equal(
        Object.values(run.perNode as Record<string, number>).reduce((a, n) => a + n, 0),
        20,
      );
      finite(run.upMs, "bulk up");
      finite(run.downMs, "bulk down");
      // Both runs' claims were cached when the memory was read.
      assert.equal(report.memory.claims, 40);
      finite(report.memory.maxPeakMiB, "peak RSS");
      assert.ok(report.memory.maxPeakMiB > 10);
      // Every node's simulator ran in a server process of its own, measured apart.
      const servers = report.memory.simServers;
      assert.deepEqual(
        Object.keys(servers.perNodePeakMiB).sort(),
        Object.keys(report.memory.perAgentPeakMiB).sort(),
      );
      finite(servers.maxPeakMiB, "sim servers' peak RSS");
      assert.deepEqual(report.guest, { skipped: "smoke run" });
      assert.ok(report.machine.cpus >= 1 && report.machine.deno);

      assertWellFormedSvg(await Deno.readTextFile(svg));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
