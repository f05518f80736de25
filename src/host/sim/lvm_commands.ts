/**
 * Simulated `lvcreate`, `lvremove` and `lvextend`, with lvm2 2.03.16's checks in its
 * order and its messages (stdout for progress, stderr for errors, exit 3 for command-line
 * errors and 5 for failures).
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { optionValue, parseArgs, requireValue } from "./argv.ts";
import {
  displaySize,
  ECMD_FAILED,
  EINVALID_CMD_LINE,
  lvmLines,
  lvNameError,
  parseLvmSize,
  vgNotFound,
} from "./lvm_rules.ts";
import { fail, ok, unsupported } from "./paths.ts";
import { allocateLv, checkOptionValues, extentsFor } from "./lv_allocate.ts";
import { isSnapshotCreate, lvcreateSnapshotCommand } from "./snapshot_commands.ts";
import { freeExtents, type HostState, isLvOpen, lvKey, type SimLv, snapshotsOf } from "./state.ts";

/**
 * `lvcreate [--yes] [--activate y] [--wipesignatures y|n] [--zero y|n] --name LV
 * --size SIZE [--addtag TAG ...] VG`
 */
export function lvcreateCommand(state: HostState, args: readonly string[]): CommandResult {
  if (isSnapshotCreate(args)) return lvcreateSnapshotCommand(state, args);
  const parsed = parseArgs("lvcreate", args, {
    "--yes": "flag",
    "--activate": "value",
    "--wipesignatures": "value",
    "--zero": "value",
    "--name": "value",
    "--size": "value",
    "--addtag": "repeat",
  }, { min: 1, max: 1 });
  if (parsed.options.has("--activate")) requireValue("lvcreate", parsed, "--activate", ["y"]);
  for (const opt of ["--wipesignatures", "--zero"]) {
    if (parsed.options.has(opt)) requireValue("lvcreate", parsed, opt, ["y", "n"]);
  }
  const name = optionValue(parsed, "--name");
  const size = optionValue(parsed, "--size");
  if (name === undefined || size === undefined) {
    unsupported("lvcreate: --name and --size are required");
  }
  const [vgName] = parsed.operands;
  if (vgName.includes("/")) unsupported("lvcreate: the operand must be a plain VG name");

  const badValue = checkOptionValues(args);
  if (badValue) return badValue;
  const nameError = lvNameError(name);
  if (nameError) {
    return fail(
      EINVALID_CMD_LINE,
      lvmLines(nameError, "Run `lvcreate --help' for more information."),
    );
  }
  const bytes = parseLvmSize(size);
  if (bytes === 0) unsupported("lvcreate: a zero size is not implemented");
  const vg = state.vgs.get(vgName);
  if (!vg) return fail(ECMD_FAILED, vgNotFound(vgName));

  return allocateLv(state, vg, name, bytes, parsed.options.get("--addtag") ?? [], { fs: null });
}

function vgAndLv(command: string, operand: string): [string, string] {
  const parts = operand.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    unsupported(`${command}: operand must be VG/LV`);
  }
  return [parts[0], parts[1]];
}

/** `lvremove --yes VG/LV` */
export function lvremoveCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("lvremove", args, { "--yes": "flag" }, { min: 1, max: 1 });
  if (!parsed.options.has("--yes")) unsupported("lvremove: without --yes lvremove prompts");
  const [vgName, name] = vgAndLv("lvremove", parsed.operands[0]);
  if (!state.vgs.has(vgName)) return fail(ECMD_FAILED, vgNotFound(vgName));
  const key = lvKey(vgName, name);
  const lv = state.lvs.get(key);
  if (!lv) return fail(ECMD_FAILED, lvmLines(`Failed to find logical volume "${key}"`));
  // With --yes, lvm answers its "will also remove N snapshots" prompt itself and removes
  // the origin's snapshots first; one in use stops it there.
  let stdout = "";
  const snapshots = snapshotsOf(state, key);
  const open = snapshots.filter((snap) => removalRefusal(state, snap));
  if (open.length > 0) {
    return fail(
      ECMD_FAILED,
      removalRefusal(state, open[0])! +
        lvmLines(
          `LV ${key} has open ${open.length} snapshot(s), not deactivating.`,
          `Logical volume ${key} not removed.`,
        ),
    );
  }
  for (const item of [...snapshots, lv]) {
    const refusal = removalRefusal(state, item);
    if (refusal) return fail(ECMD_FAILED, refusal, stdout);
    state.lvs.delete(lvKey(item.vg, item.name));
    stdout += lvmLines(`Logical volume "${item.name}" successfully removed.`);
  }
  return ok(stdout);
}

function removalRefusal(state: HostState, lv: SimLv): string | null {
  const key = lvKey(lv.vg, lv.name);
  if (state.mounts.some((m) => m.lv === key)) {
    return lvmLines(`Logical volume ${key} contains a filesystem in use.`);
  }
  if (isLvOpen(state, key)) return lvmLines(`Logical volume ${key} in use.`);
  return null;
}

/** `lvextend [--yes] --size SIZE VG/LV` (absolute sizes, grow only). */
export function lvextendCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("lvextend", args, { "--yes": "flag", "--size": "value" }, {
    min: 1,
    max: 1,
  });
  const size = optionValue(parsed, "--size");
  if (size === undefined) unsupported("lvextend: --size is required");
  if (/^[+-]/.test(size)) unsupported("lvextend: relative sizes are not implemented");
  const badValue = checkOptionValues(args);
  if (badValue) return badValue;
  const [vgName, name] = vgAndLv("lvextend", parsed.operands[0]);
  const vg = state.vgs.get(vgName);
  if (!vg) return fail(ECMD_FAILED, vgNotFound(vgName));
  const key = lvKey(vgName, name);
  const lv = state.lvs.get(key);
  if (!lv) return fail(ECMD_FAILED, lvmLines(`Failed to find logical volume "${key}"`));

  const { extents, stdout } = extentsFor(parseLvmSize(size), vg);
  const old = lv.extents;
  if (extents === old) {
    return fail(
      ECMD_FAILED,
      lvmLines(`New size (${extents} extents) matches existing size (${old} extents).`),
      stdout,
    );
  }
  if (extents < old) {
    return fail(
      ECMD_FAILED,
      lvmLines(
        `New size given (${extents} extents) not larger than existing size (${old} extents)`,
      ),
      stdout,
    );
  }
  const free = freeExtents(state, vg);
  if (extents - old > free) {
    return fail(
      ECMD_FAILED,
      lvmLines(
        `Insufficient free space: ${extents - old} extents needed, but only ${free} available`,
      ),
      stdout,
    );
  }
  lv.extents = extents;
  const from = `${displaySize(old * vg.extentBytes)} (${old} extents)`;
  const to = `${displaySize(extents * vg.extentBytes)} (${extents} extents)`;
  return ok(
    stdout +
      lvmLines(
        `Size of logical volume ${key} changed from ${from} to ${to}.`,
        `Logical volume ${key} successfully resized.`,
      ),
  );
}
