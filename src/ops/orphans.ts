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

async function list<T>(clients: KubeClients, path: string): Promise<T[]> {
  return (await clients.http.request<{ items?: T[] }>("GET", path))?.items ?? [];
}

async function scan(env: OpsEnv, clients: KubeClients, journal: FileJournal) {
  const { settings } = env;
  const parsed = await loadConfigFile(settings.configPath);
  if (!parsed.ok) throw new Error(`config ${settings.configPath}: ${parsed.errors.join("; ")}`);
  const node = await clients.http.request<{ metadata?: { labels?: Record<string, string> } }>(
    "GET",
    `/api/v1/nodes/${encodeURIComponent(settings.nodeName)}`,
  ).catch(() => undefined);
  const hostname = node?.metadata?.labels?.[LABEL_HOSTNAME];
  const orphans = await findOrphans({
    exec: env.exec,
    journal,
    config: parsed.config,
    hostnames: [settings.nodeName, ...(hostname ? [hostname] : [])],
    persistentVolumes: () => list(clients, resourcePath(PERSISTENT_VOLUMES)),
    claims: () => list(clients, resourcePath(PERSISTENT_VOLUME_CLAIMS)),
  });
  return { orphans, provisioner: parsed.config.provisionerName };
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

async function main(args: string[]): Promise<number> {
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
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let env: OpsEnv;
  let clients: KubeClients;
  try {
    env = opsEnv(Deno.env.toObject());
    clients = opsKubeClients();
  } catch (error) {
    console.error(`orphans: ${(error as Error).message}`);
    return 2;
  }
  const node = env.settings.nodeName;
  const say = (line: string) => values.json || console.log(line);
  try {
    const journal = new FileJournal(env.journalDir);
    const { orphans, provisioner } = await scan(env, clients, journal);
    say(render(node, orphans));
    const choice = chooseRemovals(orphans, values.remove, values["remove-all"]);
    if ("unknown" in choice) {
      console.error(
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
          exec: env.exec,
          journal,
          volumes: new KubeVolumeApi(clients.http),
          nodeName: node,
          provisioner,
        });
        removals.push({ id: orphanId(o), ok: true });
        say(`  removed`);
      } catch (error) {
        removals.push({ id: orphanId(o), ok: false, error: (error as Error).message });
        say(`  failed: ${(error as Error).message}`);
      }
    }
    if (values.json) console.log(JSON.stringify({ node, orphans, removals }, null, 2));
    return removals.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    console.error(`orphans: ${(error as Error).message}`);
    return 1;
  } finally {
    await clients.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
