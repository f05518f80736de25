/**
 * `deno task orphans`: lists what nothing owns any more on this node (see orphans_find.ts)
 * and, only when asked item by item or with `--remove-all`, removes it through the
 * provisioning steps' own undo. Runs where the agent runs, with its settings.
 *
 *   deno task orphans [--json] [--remove KIND:NAME ...] [--remove-all]
 *
 * Exit code 0 when listing (orphans or not) and every asked removal succeeded, 1 when a
 * removal failed, 2 on bad usage or when an item to remove is not an orphan (then nothing
 * is removed).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import type { ClaimObject } from "../decide/claim.ts";
import type { Executor } from "../host/executor.ts";
import type { PersistentVolumeObject, VolumeApi } from "../kube/volume_api.ts";
import type { JournalStore } from "../saga/types.ts";
import { LABEL_HOSTNAME } from "../decide/names.ts";
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, resourcePath } from "../kube/api_path.ts";
import type { KubeClients } from "../kube/client.ts";
import { KubeVolumeApi } from "../kube/kube_volume_api.ts";
import { FileJournal } from "../saga/file_journal.ts";
import { findOrphans } from "./orphans_find.ts";
import { chooseRemovals, type Orphan, orphanId } from "./orphan_types.ts";
import { removeOrphan } from "./orphans_remove.ts";
import { type OpsEnv, opsEnv, opsKubeClients } from "./ops_env.ts";
import { renderTable } from "./report.ts";

const USAGE = "usage: deno task orphans [--json] [--remove KIND:NAME ...] [--remove-all]\n" +
  "  KIND is lv (NAME vg/lv), pv, mount (NAME its path), unit or journal (NAME the saga id)";

/** The outcome of one removal. */
interface Removal {
  id: string;
  ok: boolean;
  error?: string;
}

/** Where `orphans` looks and what it acts with: the node, its journal, the API. */
export interface OrphansTarget {
  nodeName: string;
  /** Names the node goes by in a PV's node affinity: its name and hostname label. */
  hostnames: string[];
  exec: Executor;
  journal: JournalStore;
  config: Config;
  /** Reads and deletes PVs (the removal of a `pv` or `lv` orphan). */
  volumes: VolumeApi;
  persistentVolumes(): Promise<PersistentVolumeObject[]>;
  claims(): Promise<ClaimObject[]>;
}

/** Where the command's lines go. */
export interface OrphansOutput {
  log(line: string): void;
  error(line: string): void;
}

async function list<T>(clients: KubeClients, path: string): Promise<T[]> {
  return (await clients.http.request<{ items?: T[] }>("GET", path))?.items ?? [];
}

/** The target as the agent's settings describe it: its node, config, journal and API. */
async function agentTarget(env: OpsEnv, clients: KubeClients): Promise<OrphansTarget> {
  const { settings } = env;
  const parsed = await loadConfigFile(settings.configPath);
  if (!parsed.ok) throw new Error(`config ${settings.configPath}: ${parsed.errors.join("; ")}`);
  const node = await clients.http.request<{ metadata?: { labels?: Record<string, string> } }>(
    "GET",
    `/api/v1/nodes/${encodeURIComponent(settings.nodeName)}`,
  ).catch(() => undefined);
  const hostname = node?.metadata?.labels?.[LABEL_HOSTNAME];
  return {
    nodeName: settings.nodeName,
    hostnames: [settings.nodeName, ...(hostname ? [hostname] : [])],
    exec: env.exec,
    journal: new FileJournal(env.journalDir),
    config: parsed.config,
    volumes: new KubeVolumeApi(clients.http),
    persistentVolumes: () => list(clients, resourcePath(PERSISTENT_VOLUMES)),
    claims: () => list(clients, resourcePath(PERSISTENT_VOLUME_CLAIMS)),
  };
}

function render(node: string, orphans: Orphan[]): string {
  if (orphans.length === 0) return `Node ${node}: no orphans`;
  const table = renderTable(
    ["KIND", "NAME", "DETAIL"],
    orphans.map((o) => [o.kind, o.name, o.detail]),
  );
  return `Node ${node}: ${orphans.length} orphan${
    orphans.length === 1 ? "" : "s"
  }\n\n${table}\n\n` +
    "Remove one with --remove KIND:NAME (repeatable), or all with --remove-all.";
}

/**
 * The command after its settings are read: lists the orphans of `target` and removes the
 * ones `args` name. Returns the exit code.
 */
export async function runOrphans(
  args: string[],
  target: OrphansTarget,
  out: OrphansOutput = { log: console.log, error: console.error },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        json: { type: "boolean", default: false },
        remove: { type: "string", multiple: true, default: [] },
        "remove-all": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    out.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const node = target.nodeName;
  const say = (line: string) => values.json || out.log(line);
  try {
    const orphans = await findOrphans({
      exec: target.exec,
      journal: target.journal,
      config: target.config,
      hostnames: target.hostnames,
      persistentVolumes: target.persistentVolumes,
      claims: target.claims,
    });
    say(render(node, orphans));
    const choice = chooseRemovals(orphans, values.remove, values["remove-all"]);
    if ("unknown" in choice) {
      out.error(
        `orphans: not an orphan on node ${node} now: ${choice.unknown.join(", ")}; ` +
          "nothing removed",
      );
      return 2;
    }
    const chosen = choice.chosen;
    const removals: Removal[] = [];
    if (chosen.length > 0) say("");
    for (const o of chosen) {
      say(`Removing ${orphanId(o)}: ${o.removal}`);
      try {
        await removeOrphan(o, {
          exec: target.exec,
          journal: target.journal,
          volumes: target.volumes,
          nodeName: node,
          provisioner: target.config.provisionerName,
        });
        removals.push({ id: orphanId(o), ok: true });
        say(`  removed`);
      } catch (error) {
        removals.push({ id: orphanId(o), ok: false, error: (error as Error).message });
        say(`  failed: ${(error as Error).message}`);
      }
    }
    if (values.json) out.log(JSON.stringify({ node, orphans, removals }, null, 2));
    return removals.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    out.error(`orphans: ${(error as Error).message}`);
    return 1;
  }
}

async function main(args: string[]): Promise<number> {
  let env: OpsEnv;
  let clients: KubeClients;
  try {
    env = opsEnv(Deno.env.toObject());
    clients = opsKubeClients();
  } catch (error) {
    console.error(`orphans: ${(error as Error).message}`);
    return 2;
  }
  try {
    return await runOrphans(args, await agentTarget(env, clients));
  } catch (error) {
    console.error(`orphans: ${(error as Error).message}`);
    return 1;
  } finally {
    await clients.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
