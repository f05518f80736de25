/**
 * Checks one `nodeVGMap` entry: its shape (zod), then the original's rules, which need the
 * node name for their messages. Every problem is reported, even when the shape is wrong,
 * by checking each field that does have the right type.
 *
 * @module
 */

import { at, isJsonObject, jsonTypeOf, type PathSegment } from "./json_path.ts";
import { fitsInLvmTag, normaliseMountPath, vgNameProblems } from "./rules.ts";
import { checkSchema, entrySchema } from "./schema.ts";
import type { FsType, NodeEntry } from "./types.ts";
import { unknownKeyWarnings } from "./unknown_keys.ts";

/** Values an entry inherits from the top level when it does not set its own. */
export interface EntryDefaults {
  readonly fsType: FsType;
  readonly mountOptions: readonly string[];
}

/** What checking one entry found; `entry` is set only when there are no errors. */
export interface EntryOutcome {
  readonly entry?: NodeEntry;
  readonly errors: string[];
  readonly warnings: string[];
}

const ENTRY_KEYS = Object.keys(entrySchema.shape);

/**
 * Checks entry `index` of `nodeVGMap`. `seenNodes` carries the node names of earlier
 * entries (for `duplicate node`) and gains this entry's name.
 */
export function validateEntry(
  raw: unknown,
  index: number,
  seenNodes: Set<string>,
  defaults: EntryDefaults,
): EntryOutcome {
  const base: PathSegment[] = ["nodeVGMap", index];
  if (!isJsonObject(raw)) {
    return {
      errors: [at(base, `expected node entry object, got ${jsonTypeOf(raw)}`)],
      warnings: [],
    };
  }
  const warnings = unknownKeyWarnings(raw, ENTRY_KEYS, base);
  const shape = checkSchema(entrySchema, raw, base);
  const errors = shape.ok ? [] : [...shape.errors];

  const node = typeof raw.node === "string" && raw.node !== "" ? raw.node : undefined;
  // Messages below name the node; an entry without a usable name is named by position.
  const label = node ?? `<entry ${index}>`;
  if (node !== undefined) {
    if (seenNodes.has(node)) errors.push(at([...base, "node"], `duplicate node ${node}`));
    seenNodes.add(node);
  }
  const path = checkPath(raw.path, label, [...base, "path"], errors);
  checkVgs(raw.vgs, label, [...base, "vgs"], errors, warnings);

  if (!shape.ok || errors.length > 0 || node === undefined || path === undefined) {
    return { errors, warnings };
  }
  const entry: NodeEntry = {
    node,
    path,
    vgs: shape.data.vgs ?? [],
    fsType: shape.data.fsType ?? defaults.fsType,
    mountOptions: shape.data.mountOptions ?? defaults.mountOptions,
  };
  return { entry, errors, warnings };
}

/** Returns the normalised path, or undefined after recording why there is none. */
function checkPath(
  value: unknown,
  node: string,
  where: PathSegment[],
  errors: string[],
): string | undefined {
  if (value === undefined || value === "") {
    // The original indexed path[0] here and panicked.
    errors.push(at(where, `mount path is missing or empty on node ${node}`));
    return undefined;
  }
  if (typeof value !== "string") return undefined; // the schema reported the type
  if (!value.startsWith("/")) {
    errors.push(at(where, `mount path must start with / for path ${value} on node ${node}`));
    return undefined;
  }
  const path = normaliseMountPath(value);
  if (path === "/") {
    errors.push(at(where, `cannot use root ('/') as mount path on node ${node}`));
    return undefined;
  }
  if (!fitsInLvmTag(path)) {
    errors.push(at(
      where,
      `mount path ${path} on node ${node} has characters an LVM tag cannot hold ` +
        "(allowed: letters, digits and _ + . - / = ! : & #)",
    ));
    return undefined;
  }
  return path;
}

function checkVgs(
  value: unknown,
  node: string,
  where: PathSegment[],
  errors: string[],
  warnings: string[],
): void {
  if (value === undefined) {
    // The original treated a missing list as empty; keep that, but say so.
    warnings.push(at(where, `missing, treated as [] (provisioning disabled on node ${node})`));
    return;
  }
  if (!Array.isArray(value)) return; // the schema reported the type
  const seen = new Set<string>();
  value.forEach((vg: unknown, i) => {
    if (typeof vg !== "string") return;
    for (const problem of vgNameProblems(vg)) {
      errors.push(
        at(
          [...where, i],
          `invalid volume group name ${JSON.stringify(vg)} on node ${node}: ${problem}`,
        ),
      );
    }
    if (seen.has(vg)) {
      errors.push(at([...where, i], `duplicate volume group ${vg} on node ${node}`));
    }
    seen.add(vg);
  });
}
