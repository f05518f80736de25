/**
 * A simulated node's state as a JSON file (`"format": 1`), so it can outlive a process and
 * be shared by several. Maps and directory trees become arrays in their iteration order
 * (object keys would reorder numeric names), and reading checks every field.
 *
 * @module
 */

import { decodeFaults, encodeFaults, type NodeFaults, noFaults } from "./node_faults.ts";
import {
  array,
  boolean,
  integer,
  invalid,
  NodeFileError,
  object,
  string,
  strings,
} from "./persist_check.ts";
import type {
  DirNode,
  Filesystem,
  FsNode,
  HostState,
  SimLv,
  SimMount,
  SimSnapshot,
  SimVg,
} from "./state.ts";

/** The only format this build writes and reads. */
export const NODE_FILE_FORMAT = 1;

/** What a node state file holds: the node and its fault knobs. */
export interface NodeFile {
  state: HostState;
  faults: NodeFaults;
}

/** A directory entry as stored: the node with its name. */
type StoredEntry =
  & { name: string }
  & (
    | { kind: "file"; mode: number; content: string }
    | { kind: "dir"; mode: number; entries: StoredEntry[] }
    | { kind: "symlink"; target: string }
  );

function encodeEntries(dir: DirNode): StoredEntry[] {
  return [...dir.entries].map(([name, node]): StoredEntry => {
    if (node.kind === "dir") {
      return { name, kind: "dir", mode: node.mode, entries: encodeEntries(node) };
    }
    return { name, ...node };
  });
}

function encodeDir(dir: DirNode) {
  return { mode: dir.mode, entries: encodeEntries(dir) };
}

/**
 * The state (and fault knobs) as the text of a node state file.
 *
 * @example
 * ```ts
 * import { deserializeState, serializeState } from "./persist.ts";
 * import { initialState } from "./build.ts";
 * const text = serializeState(initialState([{ name: "vg0", sizeBytes: 2 ** 30 }]));
 * if (deserializeState(text).vgs.get("vg0")?.extentCount !== 256) throw new Error("lost");
 * ```
 */
export function serializeState(state: HostState, faults: NodeFaults = noFaults()): string {
  const fields: Record<keyof HostState, unknown> = {
    // Plain records (VGs, mounts) are written as they are; a field added to their types
    // makes the decoders below fail to compile until it is read back too.
    vgs: [...state.vgs.values()],
    lvs: [...state.lvs.values()].map((lv) => ({
      ...lv,
      fs: lv.fs && { ...lv.fs, root: encodeDir(lv.fs.root) },
    })),
    root: encodeDir(state.root),
    mounts: state.mounts,
    holds: state.holds,
    daemonReloads: state.daemonReloads,
    unitFilesChanged: state.unitFilesChanged,
  };
  return JSON.stringify({ format: NODE_FILE_FORMAT, ...fields, faults: encodeFaults(faults) });
}

/** Reads a node state file's text (fault knobs ignored; see {@link parseNodeFile}). */
export function deserializeState(text: string): HostState {
  return parseNodeFile(text).state;
}

const TOP_KEYS = [
  "format",
  "vgs",
  "lvs",
  "root",
  "mounts",
  "holds",
  "daemonReloads",
  "unitFilesChanged",
  "faults",
];

/** Reads and checks a node state file's text; throws {@link NodeFileError} on a bad file. */
export function parseNodeFile(text: string): NodeFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NodeFileError(`node state file is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const top = json as Record<string, unknown> | null;
  if (typeof top !== "object" || top === null || !("format" in top)) {
    throw new NodeFileError('not a node state file: no "format" field');
  }
  if (top.format !== NODE_FILE_FORMAT) {
    throw new NodeFileError(
      `unsupported node state file format ${JSON.stringify(top.format)} ` +
        `(this build reads format ${NODE_FILE_FORMAT})`,
    );
  }
  const o = object(json, "$", TOP_KEYS);
  const state: HostState = {
    vgs: new Map(),
    lvs: new Map(),
    root: decodeDir(o.root, "$.root"),
    mounts: array(o.mounts, "$.mounts").map((m, i) => decodeMount(m, `$.mounts[${i}]`)),
    holds: strings(o.holds, "$.holds"),
    daemonReloads: integer(o.daemonReloads, "$.daemonReloads"),
    unitFilesChanged: boolean(o.unitFilesChanged, "$.unitFilesChanged"),
  };
  array(o.vgs, "$.vgs").forEach((v, i) => {
    const vg = decodeVg(v, `$.vgs[${i}]`);
    if (state.vgs.has(vg.name)) invalid(`$.vgs[${i}].name`, `VG ${vg.name} appears twice`);
    state.vgs.set(vg.name, vg);
  });
  array(o.lvs, "$.lvs").forEach((v, i) => {
    const lv = decodeLv(v, `$.lvs[${i}]`);
    const key = `${lv.vg}/${lv.name}`;
    if (!state.vgs.has(lv.vg)) invalid(`$.lvs[${i}].vg`, `no VG ${lv.vg}`);
    if (state.lvs.has(key)) invalid(`$.lvs[${i}].name`, `LV ${key} appears twice`);
    state.lvs.set(key, lv);
  });
  state.mounts.forEach((m, i) => {
    if (!state.lvs.get(m.lv)?.fs) invalid(`$.mounts[${i}].lv`, `no LV ${m.lv} with a filesystem`);
  });
  return { state, faults: decodeFaults(o.faults, "$.faults") };
}

function decodeVg(value: unknown, at: string): SimVg {
  const o = object(value, at, ["name", "extentBytes", "extentCount", "otherUsedExtents"]);
  return {
    name: string(o.name, `${at}.name`, true),
    extentBytes: integer(o.extentBytes, `${at}.extentBytes`, 1),
    extentCount: integer(o.extentCount, `${at}.extentCount`),
    otherUsedExtents: integer(o.otherUsedExtents, `${at}.otherUsedExtents`),
  };
}

function decodeLv(value: unknown, at: string): SimLv {
  const keys = ["vg", "name", "extents", "tags", "active", "externalOpens", "fs", "snapshot"];
  const o = object(value, at, keys);
  let fs: Filesystem | null = null;
  if (o.fs !== null) {
    const f = object(o.fs, `${at}.fs`, ["type", "uuid", "sizeBytes", "madeBytes", "root"]);
    fs = {
      type: string(f.type, `${at}.fs.type`, true),
      uuid: string(f.uuid, `${at}.fs.uuid`),
      sizeBytes: integer(f.sizeBytes, `${at}.fs.sizeBytes`),
      ...(f.madeBytes === undefined
        ? {}
        : { madeBytes: integer(f.madeBytes, `${at}.fs.madeBytes`) }),
      root: decodeDir(f.root, `${at}.fs.root`),
    };
  }
  return {
    vg: string(o.vg, `${at}.vg`, true),
    name: string(o.name, `${at}.name`, true),
    extents: integer(o.extents, `${at}.extents`),
    tags: strings(o.tags, `${at}.tags`),
    active: boolean(o.active, `${at}.active`),
    externalOpens: integer(o.externalOpens, `${at}.externalOpens`),
    fs,
    ...(o.snapshot === undefined ? {} : { snapshot: decodeSnapshot(o.snapshot, `${at}.snapshot`) }),
  };
}

function decodeSnapshot(value: unknown, at: string): SimSnapshot {
  const o = object(value, at, ["origin", "cowUsedBytes", "invalid"]);
  return {
    origin: string(o.origin, `${at}.origin`, true),
    cowUsedBytes: integer(o.cowUsedBytes, `${at}.cowUsedBytes`),
    invalid: boolean(o.invalid, `${at}.invalid`),
  };
}

function decodeMount(value: unknown, at: string): SimMount {
  const o = object(value, at, ["target", "lv", "fstype", "options", "readOnly"]);
  return {
    target: absolute(o.target, `${at}.target`),
    lv: string(o.lv, `${at}.lv`, true),
    fstype: string(o.fstype, `${at}.fstype`, true),
    options: string(o.options, `${at}.options`),
    readOnly: boolean(o.readOnly, `${at}.readOnly`),
  };
}

function absolute(value: unknown, at: string): string {
  const path = string(value, at);
  if (!path.startsWith("/")) invalid(at, `expected an absolute path, got ${JSON.stringify(path)}`);
  return path;
}

function mode(value: unknown, at: string): number {
  const m = integer(value, at);
  if (m > 0o7777) invalid(at, `mode ${m} is above 0o7777`);
  return m;
}

function decodeDir(value: unknown, at: string): DirNode {
  const o = object(value, at, ["mode", "entries"]);
  return { kind: "dir", mode: mode(o.mode, `${at}.mode`), entries: decodeEntries(o.entries, at) };
}

function decodeEntries(value: unknown, at: string): Map<string, FsNode> {
  const entries = new Map<string, FsNode>();
  array(value, `${at}.entries`).forEach((v, i) => {
    const where = `${at}.entries[${i}]`;
    const kind = (v as { kind?: unknown } | null)?.kind;
    const keys = kind === "dir"
      ? ["name", "kind", "mode", "entries"]
      : kind === "file"
      ? ["name", "kind", "mode", "content"]
      : ["name", "kind", "target"];
    const o = object(v, where, keys);
    const name = string(o.name, `${where}.name`, true);
    if (name.includes("/") || name === "." || name === "..") {
      invalid(`${where}.name`, `${JSON.stringify(name)} is not a file name`);
    }
    if (entries.has(name)) invalid(`${where}.name`, `${JSON.stringify(name)} appears twice`);
    let node: FsNode;
    if (kind === "dir") {
      node = {
        kind,
        mode: mode(o.mode, `${where}.mode`),
        entries: decodeEntries(o.entries, where),
      };
    } else if (kind === "file") {
      node = {
        kind,
        mode: mode(o.mode, `${where}.mode`),
        content: string(o.content, `${where}.content`),
      };
    } else if (kind === "symlink") {
      node = { kind, target: string(o.target, `${where}.target`, true) };
    } else {
      invalid(`${where}.kind`, `expected "dir", "file" or "symlink", got ${JSON.stringify(kind)}`);
    }
    entries.set(name, node);
  });
  return entries;
}
