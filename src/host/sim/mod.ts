/**
 * The simulated LVM node, for fast tests, fault injection and `plan`.
 *
 * @module
 */

export {
  type LoggedCommand,
  SimulatedHost,
  type SimulatedHostOptions,
  UNSUPPORTED_EXIT_CODE,
} from "./host.ts";
export type { HostSnapshot, LvView, MountView, UnitFileView } from "./view.ts";
export { DEFAULT_DIRS, type NodeReports, type VgSeed } from "./build.ts";
export {
  type CrashSpec,
  type FailSpec,
  type HangSpec,
  type Matcher,
  SimulatedCrash,
} from "./faults.ts";
export type { TreeListing } from "./fs_tree.ts";
export type { HostState } from "./state.ts";
export {
  deserializeState,
  NODE_FILE_FORMAT,
  type NodeFile,
  parseNodeFile,
  serializeState,
} from "./persist.ts";
export { NodeFileError } from "./persist_check.ts";
export type { NodeFaults, PersistedFailure } from "./node_faults.ts";
export { FileBackedHost, type NodeFileInit, withNode } from "./file_host.ts";
