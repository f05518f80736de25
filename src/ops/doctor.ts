/**
 * `deno task doctor`: checks a node and the agent's access to the API, and says how to fix
 * what is wrong. Runs where the agent runs (its pod: `kubectl exec ... -- deno task doctor`,
 * or the node with the agent's variables), reads the same settings, and changes nothing.
 *
 *   deno task doctor [--json]
 *
 * Exit code 0 when nothing failed (warnings allowed), 1 when a check failed, 2 on bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Executor } from "../host/executor.ts";
import { type ClusterAccess, clusterChecks, kubeClusterAccess } from "./doctor_cluster.ts";
import { basePathCheck, configCheck, toolChecks, volumeGroupChecks } from "./doctor_host.ts";
import { journalChecks } from "./doctor_journal.ts";
import { bootUnitChecks } from "./doctor_units.ts";
import { opsEnv, opsKubeClients } from "./ops_env.ts";
import { type CheckRow, renderChecks, tally } from "./report.ts";

/** What the checks look at. */
export interface DoctorInputs {
  exec: Executor;
  nodeName: string;
  configPath: string;
  journalDir: string;
  /** Absent: the API checks are left out. */
  cluster?: ClusterAccess;
  /** The agent's namespace, for its Role's permissions. */
  namespace?: string;
}

/** Runs every check, in the order the table shows them. */
export async function runDoctor(inputs: DoctorInputs): Promise<CheckRow[]> {
  const { exec, nodeName } = inputs;
  const config = await configCheck(inputs.configPath, nodeName);
  const rows = [...config.rows, ...await toolChecks(exec, config.entry)];
  if (config.entry) {
    rows.push(...await volumeGroupChecks(exec, nodeName, config.entry));
    rows.push(await basePathCheck(exec, config.entry));
  }
  rows.push(...await bootUnitChecks(exec));
  rows.push(...await journalChecks(inputs.journalDir));
  if (inputs.cluster) {
    rows.push(...await clusterChecks(inputs.cluster, nodeName, inputs.namespace));
  }
  return rows;
}

const USAGE = "usage: deno task doctor [--json]";

async function main(args: string[]): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseArgs({ args, options: { json: { type: "boolean", default: false } } });
    json = values.json;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let env;
  try {
    env = opsEnv(Deno.env.toObject());
  } catch (error) {
    console.error(`doctor: ${(error as Error).message}`);
    return 2;
  }
  const { settings } = env;
  let clients;
  let noApi: CheckRow | undefined;
  try {
    clients = opsKubeClients();
  } catch (error) {
    noApi = {
      name: "api",
      status: "fail",
      detail: (error as Error).message,
      fix: "run doctor in the agent's pod, or set KUBECONFIG",
    };
  }
  try {
    const rows = await runDoctor({
      exec: env.exec,
      nodeName: settings.nodeName,
      configPath: settings.configPath,
      journalDir: env.journalDir,
      cluster: clients && kubeClusterAccess(clients.http),
      namespace: settings.namespace ?? clients?.namespace,
    });
    if (noApi) rows.push(noApi);
    console.log(
      json
        ? JSON.stringify({ node: settings.nodeName, checks: rows, summary: tally(rows) }, null, 2)
        : `Node ${settings.nodeName}\n\n${renderChecks(rows)}`,
    );
    return rows.some((r) => r.status === "fail") ? 1 : 0;
  } finally {
    await clients?.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
