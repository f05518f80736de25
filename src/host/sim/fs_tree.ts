/**
 * The simulated directory tree with mounts overlaid: walking a path switches into the
 * mounted filesystem's own tree at every mount point, so data written under a mounted
 * volume lives in that volume and vanishes from view when it is unmounted.
 *
 * @module
 */

import { components, unsupported } from "./paths.ts";
import { type DirNode, type FsNode, type HostState, newDir, type SimMount } from "./state.ts";

/** The errno values the simulated file commands can meet. */
export type Errno = "ENOENT" | "ENOTDIR" | "EEXIST" | "EISDIR" | "ENOTEMPTY" | "EBUSY" | "EROFS";

/** strerror() texts in the C locale. */
export const ERRNO_TEXT: Record<Errno, string> = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EEXIST: "File exists",
  EISDIR: "Is a directory",
  ENOTEMPTY: "Directory not empty",
  EBUSY: "Device or resource busy",
  EROFS: "Read-only file system",
};

/** A failed operation: which errno, on which (normalised) path. */
export interface FsError {
  errno: Errno;
  at: string;
}

/** Where a path leads. */
export interface Located {
  /** The directory holding the last component (undefined for `/`). */
  parent?: DirNode;
  name: string;
  /** The node itself (a mounted filesystem's root at a mount point). */
  node?: FsNode;
  parentReadOnly: boolean;
  /** An intermediate component was missing or not a directory. */
  error?: FsError;
}

/** The mount on top at `target`, if any. */
export function topMount(state: HostState, target: string): SimMount | undefined {
  for (let i = state.mounts.length - 1; i >= 0; i--) {
    if (state.mounts[i].target === target) return state.mounts[i];
  }
  return undefined;
}

function mountedRoot(state: HostState, mount: SimMount): DirNode {
  const fs = state.lvs.get(mount.lv)?.fs;
  if (!fs) throw new Error(`simulated host: mount ${mount.target} lost its filesystem`);
  return fs.root;
}

/** Walks a normalised path through the tree and its mounts. */
export function locate(state: HostState, normal: string): Located {
  const parts = components(normal);
  const rootMount = topMount(state, "/");
  let dir: DirNode = rootMount ? mountedRoot(state, rootMount) : state.root;
  let readOnly = rootMount?.readOnly ?? false;
  if (parts.length === 0) return { name: "", node: dir, parentReadOnly: readOnly };
  let path = "";
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    path += "/" + name;
    let child = dir.entries.get(name);
    let childReadOnly = readOnly;
    if (child?.kind === "dir") {
      const mount = topMount(state, path);
      if (mount) {
        child = mountedRoot(state, mount);
        childReadOnly = mount.readOnly;
      }
    }
    if (i === parts.length - 1) return { parent: dir, name, node: child, parentReadOnly: readOnly };
    if (!child) return { name, parentReadOnly: readOnly, error: { errno: "ENOENT", at: path } };
    if (child.kind === "symlink") unsupported(`path ${normal} goes through a symlink at ${path}`);
    if (child.kind !== "dir") {
      return { name, parentReadOnly: readOnly, error: { errno: "ENOTDIR", at: path } };
    }
    dir = child;
    readOnly = childReadOnly;
  }
  throw new Error("unreachable");
}

/** The node at a path, or undefined. */
export function nodeAt(state: HostState, normal: string): FsNode | undefined {
  const found = locate(state, normal);
  return found.error ? undefined : found.node;
}

/**
 * `mkdir -p`: creates every missing component (mode 0755), the last one with `mode`.
 * Existing directories are left as they are.
 */
export function mkdirParents(state: HostState, normal: string, mode: number): FsError | null {
  const parts = components(normal);
  for (let i = 1; i <= parts.length; i++) {
    const path = "/" + parts.slice(0, i).join("/");
    const found = locate(state, path);
    if (found.error) return found.error;
    const last = i === parts.length;
    if (found.node?.kind === "dir") continue;
    if (found.node) return { errno: last ? "EEXIST" : "ENOTDIR", at: path };
    if (found.parentReadOnly) return { errno: "EROFS", at: path };
    found.parent!.entries.set(found.name, newDir(last ? mode : 0o755));
  }
  return null;
}

/** `rmdir`: removes an empty directory that is not a mount point. */
export function removeDir(state: HostState, normal: string): FsError | null {
  const found = locate(state, normal);
  if (found.error) return found.error;
  if (!found.node) return { errno: "ENOENT", at: normal };
  if (found.node.kind !== "dir") return { errno: "ENOTDIR", at: normal };
  if (normal === "/" || state.mounts.some((m) => m.target === normal)) {
    return { errno: "EBUSY", at: normal };
  }
  if (found.node.entries.size > 0) return { errno: "ENOTEMPTY", at: normal };
  if (found.parentReadOnly) return { errno: "EROFS", at: normal };
  found.parent!.entries.delete(found.name);
  return null;
}

/** Creates or truncates a regular file (new files get `mode`). */
export function writeFile(
  state: HostState,
  normal: string,
  content: string,
  mode = 0o644,
): FsError | null {
  const found = locate(state, normal);
  if (found.error) return found.error;
  if (!found.parent) return { errno: "EISDIR", at: normal };
  if (found.node?.kind === "dir") return { errno: "EISDIR", at: normal };
  if (found.node?.kind === "symlink") unsupported(`writing through the symlink ${normal}`);
  if (found.parentReadOnly) return { errno: "EROFS", at: normal };
  found.parent.entries.set(found.name, {
    kind: "file",
    mode: found.node?.kind === "file" ? found.node.mode : mode,
    content,
  });
  return null;
}

/** Creates a symlink; an existing entry of that name is an error. */
export function makeSymlink(state: HostState, normal: string, target: string): FsError | null {
  const found = locate(state, normal);
  if (found.error) return found.error;
  if (found.node || !found.parent) return { errno: "EEXIST", at: normal };
  if (found.parentReadOnly) return { errno: "EROFS", at: normal };
  found.parent.entries.set(found.name, { kind: "symlink", target });
  return null;
}

/** Removes a non-directory entry. A missing one is reported as ENOENT. */
export function unlink(state: HostState, normal: string): FsError | null {
  const found = locate(state, normal);
  if (found.error) return found.error;
  if (!found.node || !found.parent) return { errno: "ENOENT", at: normal };
  if (found.node.kind === "dir") return { errno: "EISDIR", at: normal };
  if (found.parentReadOnly) return { errno: "EROFS", at: normal };
  found.parent.entries.delete(found.name);
  return null;
}

/** A plain listing of a tree: path → entry, for snapshots and tests. */
export type TreeListing = Record<
  string,
  { type: "dir"; mode: string } | { type: "file"; mode: string; content: string } | {
    type: "symlink";
    target: string;
  }
>;

/** Lists a tree (without following mounts), paths relative to its root. */
export function listTree(root: DirNode): TreeListing {
  const out: TreeListing = {};
  const octal = (mode: number) => "0" + mode.toString(8).padStart(3, "0");
  const walk = (dir: DirNode, prefix: string) => {
    for (const [name, node] of [...dir.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const path = `${prefix}/${name}`;
      if (node.kind === "dir") {
        out[path] = { type: "dir", mode: octal(node.mode) };
        walk(node, path);
      } else if (node.kind === "file") {
        out[path] = { type: "file", mode: octal(node.mode), content: node.content };
      } else {
        out[path] = { type: "symlink", target: node.target };
      }
    }
  };
  walk(root, "");
  return out;
}
