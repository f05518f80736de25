/**
 * Where the latency node's agent spent a provisioning, in means per saga, read from its own
 * `/metrics` after the latency run: time in the steps that run node commands, in the PV
 * write, and in the engine and journal between the steps; and what one node command cost.
 * On a simulated node a command's cost grows with the node's volume count (the simulator
 * rewrites its whole state file), so this tells the agent's share from the simulator's.
 *
 * @module
 */

import { parseSamples, type Sample } from "../tests/agent/prom_text.ts";

/** Means per successful provisioning, in milliseconds. */
export interface AgentBreakdown {
  sagas: number;
  sagaMs: number;
  /** Steps other than write-pv: node commands and the parsing of their output. */
  nodeStepsMs: number;
  writePvMs: number;
  /** The saga minus its steps: journal writes, events, metrics. */
  engineMs: number;
  /** Every node command of the agent in the run (capacity queries too). */
  commands: number;
  commandMs: number;
}

const sum = (samples: Sample[], name: string, match: (l: Record<string, string>) => boolean) =>
  samples.filter((s) => s.name === name && match(s.labels)).reduce((a, s) => a + s.value, 0);

/**
 * The breakdown of one scrape.
 *
 * @example
 * ```ts
 * import { agentBreakdown } from "./agent_breakdown.ts";
 * const b = agentBreakdown([
 *   'local_lvm_saga_duration_seconds_sum{kind="provision",operation="provision",outcome="succeeded"} 0.2',
 *   'local_lvm_saga_duration_seconds_count{kind="provision",operation="provision",outcome="succeeded"} 2',
 *   'local_lvm_step_duration_seconds_sum{kind="provision",step="mount",action="do",outcome="ok"} 0.12',
 *   'local_lvm_step_duration_seconds_sum{kind="provision",step="write-pv",action="do",outcome="ok"} 0.04',
 *   'local_lvm_host_command_duration_seconds_sum{command="mount",outcome="ok"} 0.1',
 *   'local_lvm_host_command_duration_seconds_count{command="mount",outcome="ok"} 4',
 * ].join("\n"));
 * if (b.sagaMs !== 100 || b.nodeStepsMs !== 60 || b.writePvMs !== 20 || b.commandMs !== 25) {
 *   throw new Error(JSON.stringify(b));
 * }
 * ```
 */
export function agentBreakdown(metricsText: string): AgentBreakdown {
  const samples = parseSamples(metricsText);
  const provision = (l: Record<string, string>) =>
    l.kind === "provision" && l.operation === "provision" && l.outcome === "succeeded";
  const sagas = sum(samples, "local_lvm_saga_duration_seconds_count", provision);
  const per = (seconds: number) => sagas > 0 ? (seconds * 1000) / sagas : 0;
  const steps = (l: Record<string, string>) =>
    l.kind === "provision" && l.action === "do" && l.outcome === "ok";
  const stepsMs = per(sum(samples, "local_lvm_step_duration_seconds_sum", steps));
  const writePvMs = per(
    sum(samples, "local_lvm_step_duration_seconds_sum", (l) => steps(l) && l.step === "write-pv"),
  );
  const sagaMs = per(sum(samples, "local_lvm_saga_duration_seconds_sum", provision));
  const all = () => true;
  const commands = sum(samples, "local_lvm_host_command_duration_seconds_count", all);
  const commandSeconds = sum(samples, "local_lvm_host_command_duration_seconds_sum", all);
  return {
    sagas,
    sagaMs,
    nodeStepsMs: stepsMs - writePvMs,
    writePvMs,
    engineMs: sagaMs - stepsMs,
    commands,
    commandMs: commands > 0 ? (commandSeconds * 1000) / commands : 0,
  };
}

/** One line for the bench's printout. */
export function formatBreakdown(b: AgentBreakdown): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return `latency agent, means per claim from its /metrics (n=${b.sagas}): saga ${
    ms(b.sagaMs)
  } = steps on the node ${ms(b.nodeStepsMs)} + write-pv ${ms(b.writePvMs)} + engine and journal ${
    ms(b.engineMs)
  }; a node command took ${ms(b.commandMs)} on average (n=${b.commands})`;
}
