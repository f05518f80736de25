/**
 * `deno task plan`: prints, without touching any node or cluster, exactly what the agent
 * would do for a claim (or, with `--delete`, for a volume's teardown).
 *
 *   plan <pvc.yaml> [--config F] [--class F] [--node N] [--host-state F] [--json]
 *   plan --delete <pv.yaml | pv name> --host-state F [--node N] [--json]
 *   plan --resize <pvc.yaml | namespace/claim> <new size> [--host-state F] [--node N] [--json]
 *
 * It needs only read permission: it runs the real steps against a simulated copy of the
 * node, so it could not change a real one even by mistake.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { planClaim, planDelete } from "../plan/plan_command.ts";
import { planResizeCommand } from "../plan/plan_resize.ts";
import { PlanInputError } from "../plan/inputs.ts";

const USAGE = `Usage:
  deno task plan <pvc.yaml> [--config FILE] [--class FILE] [--node NAME] [--host-state FILE] [--json]
  deno task plan --delete <pv.yaml | pv name> --host-state FILE [--node NAME] [--json]
  deno task plan --resize <pvc.yaml | namespace/claim> <new size> [--config FILE] [--class FILE]
                 [--node NAME] [--host-state FILE] [--json]

  --config      provisioner config (default examples/config.jsonc)
  --class       StorageClass manifest (default examples/storageclass.yaml)
  --node        node the claim goes to (default: the claim's volume.kubernetes.io/selected-node)
  --host-state  JSON {"vgs": <vgs report>, "lvs": <lvs report>} captured on the node with
                vgs/lvs --reportformat json --units b --nosuffix; without it a node with
                100 GiB in each configured volume group is simulated
  --resize      plan growing a bound claim's volume online to <new size>; the claim's
                volume is provisioned on the simulated node first, or (namespace/claim,
                or a claim file with its uid) found in --host-state
  --json        print one JSON document instead of text
`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string", default: "examples/config.jsonc" },
        class: { type: "string", default: "examples/storageclass.yaml" },
        node: { type: "string" },
        "host-state": { type: "string" },
        json: { type: "boolean", default: false },
        delete: { type: "string" },
        resize: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`plan: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const output = values.resize !== undefined
      ? await planResizeCommand({
        target: values.resize,
        newSize: positionals[0] ?? "",
        configPath: values.config,
        classPath: values.class,
        node: values.node,
        hostStatePath: values["host-state"],
        json: values.json,
      })
      : values.delete !== undefined
      ? await planDelete({
        target: values.delete,
        configPath: values.config,
        node: values.node,
        hostStatePath: values["host-state"],
        json: values.json,
      })
      : await planClaim({
        claimPath: positionals[0] ?? "",
        configPath: values.config,
        classPath: values.class,
        node: values.node,
        hostStatePath: values["host-state"],
        json: values.json,
      });
    console.log(output.text.trimEnd());
    return output.exitCode;
  } catch (error) {
    if (error instanceof PlanInputError) {
      console.error(`plan: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
