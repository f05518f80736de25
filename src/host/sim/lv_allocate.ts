/**
 * What lvm2 2.03.16 shares between a plain `lvcreate`, `lvcreate --snapshot` and `lvextend`:
 * the option parser's checks of --size and --addtag values, size to extents (rounding up,
 * with its message), and the allocation tail of both lvcreate forms (the name-taken and
 * free-space checks in its order, then the new LV with its deduplicated tags).
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import {
  displaySize,
  ECMD_FAILED,
  EINVALID_CMD_LINE,
  isValidTag,
  lvmLines,
  parseLvmSize,
  SizeArgError,
} from "./lvm_rules.ts";
import { fail, ok } from "./paths.ts";
import { freeExtents, type HostState, lvKey, type SimLv, type SimVg } from "./state.ts";

function parseError(...lines: string[]): CommandResult {
  return fail(EINVALID_CMD_LINE, lvmLines(...lines, "Error during parsing of command line."));
}

/** Checks --size and --addtag values in command-line order, as lvm's option parser does. */
export function checkOptionValues(args: readonly string[]): CommandResult | null {
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    if (name !== "--size" && name !== "--addtag") continue;
    const value = inline ?? args[i + 1] ?? "";
    if (name === "--addtag" && !isValidTag(value)) {
      return parseError(`Invalid argument for --addtag: ${value}`);
    }
    if (name === "--size") {
      try {
        parseLvmSize(value);
      } catch (error) {
        if (!(error instanceof SizeArgError)) throw error;
        return parseError(error.message, `Invalid argument for --size: ${value}`);
      }
    }
  }
  return null;
}

/** Extents for a byte size, rounding up as lvm's extents_from_size does, and its message. */
export function extentsFor(bytes: number, vg: SimVg): { extents: number; stdout: string } {
  const extents = Math.ceil(bytes / vg.extentBytes);
  const stdout = bytes % vg.extentBytes === 0
    ? ""
    : lvmLines(`Rounding up size to full physical extent ${displaySize(extents * vg.extentBytes)}`);
  return { extents, stdout };
}

/**
 * Allocates LV `name` of `bytes` in `vg` and records it with `content` (its filesystem, and
 * for a snapshot its origin); `addtags` are the raw `--addtag` values.
 */
export function allocateLv(
  state: HostState,
  vg: SimVg,
  name: string,
  bytes: number,
  addtags: readonly string[],
  content: Pick<SimLv, "fs" | "snapshot">,
): CommandResult {
  const { extents, stdout } = extentsFor(bytes, vg);
  if (state.lvs.has(lvKey(vg.name, name))) {
    return fail(
      ECMD_FAILED,
      lvmLines(`Logical Volume "${name}" already exists in volume group "${vg.name}"`),
      stdout,
    );
  }
  const free = freeExtents(state, vg);
  if (free < extents) {
    return fail(
      ECMD_FAILED,
      lvmLines(
        `Volume group "${vg.name}" has insufficient free space (${free} extents): ${extents} required.`,
      ),
      stdout,
    );
  }
  const tags = [...new Set(addtags.map((t) => t.replace(/^@/, "")))];
  state.lvs.set(lvKey(vg.name, name), {
    vg: vg.name,
    name,
    extents,
    tags,
    active: true,
    externalOpens: 0,
    ...content,
  });
  return ok(stdout + lvmLines(`Logical volume "${name}" created.`));
}
