/**
 * Everything that touches a node: the executor interface, the real executor, the
 * allowlist guard, report parsers, error predicates and the simulated node.
 *
 * @module
 */

export * from "./executor.ts";
export * from "./allowlist.ts";
export * from "./local_executor.ts";
export * from "./lvm_report.ts";
export * from "./timed_executor.ts";
export * from "./errors.ts";
export * from "./sim/mod.ts";
