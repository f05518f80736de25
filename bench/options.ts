/**
 * The bench's flags.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Sizes and outputs of one bench. */
export interface BenchOptions {
  /** Claims of the latency run, and of each bulk run (pods as many). */
  claims: number;
  /** Schedulable nodes of the bulk run. */
  nodes: number;
  /** Bulk runs. */
  runs: number;
  /** Saga/bare rounds in the guest; 0 skips the guest. */
  guestRuns: number;
  json: string;
  svg: string;
  /** kube-controller-manager's --kube-api-qps; unset: its default (20). */
  controllerManagerQps?: number;
  /** Write agents' CPU profiles (`--cpu-prof`) under this directory. */
  profileDir?: string;
  /** Each simulated node inside its agent's process rather than in a server of its own. */
  simInAgent: boolean;
  smoke: boolean;
}

const USAGE = `deno task bench [--claims N] [--nodes N] [--runs N] [--guest-runs N | --no-guest]
                [--json FILE] [--svg FILE] [--profile DIR] [--kcm-qps N] [--sim-in-agent]
                [--smoke]`;

/**
 * Parses the command line; `--smoke` means 20 claims, 2 nodes, 1 run, no guest, unless told.
 *
 * @example
 * ```ts
 * import { parseBenchArgs } from "./options.ts";
 * const o = parseBenchArgs(["--smoke", "--claims", "5"]);
 * if (o.claims !== 5 || o.nodes !== 2 || o.guestRuns !== 0) throw new Error(JSON.stringify(o));
 * ```
 */
export function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      claims: { type: "string" },
      nodes: { type: "string" },
      runs: { type: "string" },
      "guest-runs": { type: "string" },
      "no-guest": { type: "boolean" },
      json: { type: "string" },
      svg: { type: "string" },
      profile: { type: "string" },
      "kcm-qps": { type: "string" },
      "sim-in-agent": { type: "boolean" },
      smoke: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const smoke = values.smoke ?? false;
  const count = (name: string, raw: string | undefined, fallback: number, min = 1) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants an integer >= ${min}`);
    return n;
  };
  return {
    claims: count("claims", values.claims, smoke ? 20 : 500),
    nodes: count("nodes", values.nodes, smoke ? 2 : 10),
    runs: count("runs", values.runs, smoke ? 1 : 2),
    guestRuns: values["no-guest"] ? 0 : count("guest-runs", values["guest-runs"], smoke ? 0 : 7, 0),
    json: values.json ?? "bench/results/latest.json",
    svg: values.svg ?? "bench/results/latency.svg",
    profileDir: values.profile,
    simInAgent: values["sim-in-agent"] ?? false,
    controllerManagerQps: values["kcm-qps"] === undefined
      ? undefined
      : count("kcm-qps", values["kcm-qps"], 20),
    smoke,
  };
}
