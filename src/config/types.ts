/**
 * The validated configuration as the rest of the program sees it: every default and
 * per-node override already resolved, every path normalised.
 *
 * @module
 */

import type { FsType } from "../volume.ts";
import type { NodeSelectionPolicy, VgSelection } from "./constants.ts";

export type { FsType } from "../volume.ts";
export type { NodeSelectionPolicy, VgSelection } from "./constants.ts";

/** One node's storage settings, with the top-level defaults already applied. */
export interface NodeEntry {
  /** Node name, or {@link DEFAULT_NODE_KEY} for the fallback entry. */
  readonly node: string;
  /** Absolute, normalised base directory under which volumes are mounted (never `/`). */
  readonly path: string;
  /** Volume groups to allocate from, in file order; empty disables the node. */
  readonly vgs: readonly string[];
  readonly fsType: FsType;
  /** Options for our own `mount -o`. */
  readonly mountOptions: readonly string[];
}

/** A valid configuration. */
export interface Config {
  readonly fsType: FsType;
  readonly vgSelection: VgSelection;
  /** How the chooser picks a node for claims of `Immediate` classes. */
  readonly nodeSelectionPolicy: NodeSelectionPolicy;
  /** Name written to StorageClasses' `provisioner` and to `pv.kubernetes.io/provisioned-by`. */
  readonly provisionerName: string;
  readonly mountOptions: readonly string[];
  /** Entries by node name, in file order. */
  readonly nodes: ReadonlyMap<string, NodeEntry>;
}

/**
 * Outcome of parsing a config text. Errors and warnings are complete lists, each message
 * prefixed with the JSON path of the value it is about (e.g. `$.nodeVGMap[1].path: ...`).
 */
export type ParseResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly string[] }
  | {
    readonly ok: false;
    readonly errors: readonly string[];
    readonly warnings: readonly string[];
  };

/**
 * The logging this module needs. A `@logtape/logtape` Logger satisfies it; messages are
 * fixed templates and variable parts go in `properties`.
 */
export interface ConfigLogger {
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/** The config file could not be read or is invalid; `errors` lists every problem. */
export class ConfigError extends Error {
  constructor(readonly path: string, readonly errors: readonly string[]) {
    super(`Invalid config file ${path}:\n${errors.map((e) => `  ${e}`).join("\n")}`);
    this.name = "ConfigError";
  }
}
