/**
 * `deno task snapshot`: point-in-time snapshots of a claim's volume for backups, on this
 * node (run where the agent runs, like `doctor` and `orphans`).
 *
 *   deno task snapshot <namespace>/<claim> [--cow-size 512Mi|20%] [--json]
 *   deno task snapshot --list [--json]
 *   deno task snapshot --release <namespace>/<claim> | <snapshot LV>
 *
 * Exit code 0 on success, 1 when a command failed or `--list` found an invalid (overflowed)
 * snapshot, 2 on bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatBytes } from "../decide/quantity.ts";
import { type OpsEnv, opsEnv } from "./ops_env.ts";
import { renderTable } from "./report.ts";
import {
  listSnapshots,
  parseClaimRef,
  releaseSnapshots,
  snapshotRow,
  takeSnapshot,
} from "./snapshot_ops.ts";

const USAGE = "usage: deno task snapshot <namespace>/<claim> [--cow-size SIZE] [--json]\n" +
  "       deno task snapshot --list [--json]\n" +
  "       deno task snapshot --release <namespace>/<claim> | <snapshot LV>\n" +
  "  SIZE: copy-on-write space, bytes, a quantity (512Mi) or a share of the volume (20%);\n" +
  "        default 10% of the volume, at least 16 MiB";

async function main(args: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        list: { type: "boolean", default: false },
        release: { type: "string" },
        "cow-size": { type: "string" },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const modes = [values.list, values.release !== undefined, positionals.length > 0]
    .filter(Boolean).length;
  if (modes !== 1 || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  let env: OpsEnv;
  try {
    env = opsEnv(Deno.env.toObject());
  } catch (error) {
    console.error(`snapshot: ${(error as Error).message}`);
    return 2;
  }
  const node = env.settings.nodeName;
  try {
    if (values.list) {
      const snapshots = await listSnapshots(env.exec);
      const invalid = snapshots.filter((s) => s.state === "INVALID");
      if (values.json) {
        console.log(JSON.stringify({ node, snapshots }, null, 2));
      } else if (snapshots.length === 0) {
        console.log(`Node ${node}: no snapshots`);
      } else {
        console.log(
          `Node ${node}: ${snapshots.length} snapshot${snapshots.length === 1 ? "" : "s"}\n`,
        );
        console.log(renderTable(
          ["SNAPSHOT", "CLAIM", "COW SIZE", "USED", "STATE", "MOUNTED AT"],
          snapshots.map(snapshotRow),
        ));
        for (const s of invalid) {
          console.log(
            `\n${s.vg}/${s.name} is INVALID: its copy-on-write space filled up, its data is ` +
              `lost. Release it (--release ${s.vg}/${s.name}) and take a new one with a larger ` +
              "--cow-size.",
          );
        }
      }
      return invalid.length > 0 ? 1 : 0;
    }
    if (values.release !== undefined) {
      const released = await releaseSnapshots(env.exec, values.release);
      if (values.json) console.log(JSON.stringify({ node, released }, null, 2));
      else {
        for (const s of released) {
          console.log(
            `Released ${s.vg}/${s.name}${s.mountPoint ? ` (unmounted ${s.mountPoint})` : ""}`,
          );
        }
      }
      return 0;
    }
    const claim = parseClaimRef(positionals[0]);
    if (!claim) {
      console.error(`snapshot: ${positionals[0]} is not <namespace>/<claim>\n${USAGE}`);
      return 2;
    }
    const taken = await takeSnapshot(env.exec, claim, { cowSize: values["cow-size"] });
    if (values.json) console.log(JSON.stringify({ node, ...taken }, null, 2));
    else {
      console.log(
        `Snapshot ${taken.vg}/${taken.name} of ${taken.vg}/${taken.origin} ` +
          `(claim ${claim.namespace}/${claim.name}), ${
            formatBytes(taken.cowBytes)
          } copy-on-write ` +
          `space, mounted read-only at:\n${taken.mountPoint}\n\n` +
          `Release it with: deno task snapshot --release ${taken.vg}/${taken.name}`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`snapshot: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

export { main };
