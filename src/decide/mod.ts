/**
 * Pure decisions: what to make for a claim, where, and how big. No I/O happens here,
 * so every rule is tested with plain tables.
 *
 * @example
 * ```ts
 * import { formatBytes, parseQuantityBytes, roundToExtents } from "./mod.ts";
 * const request = parseQuantityBytes("5Mi");
 * if (!request.ok) throw new Error(request.error);
 * const size = roundToExtents(request.bytes, 4 * 1024 * 1024);
 * if (formatBytes(size) !== "8 MiB") throw new Error();
 * ```
 *
 * @module
 */

export * from "./capacity.ts";
export * from "./capacity_diff.ts";
export * from "./claim.ts";
export * from "./claim_validation.ts";
export * from "./deleted_nodes.ts";
export * from "./names.ts";
export * from "./node_choice.ts";
export * from "./node_usage.ts";
export * from "./pv_spec.ts";
export * from "./quantity.ts";
export * from "./should_provision.ts";
export * from "./size.ts";
export * from "./systemd_escape.ts";
export * from "./vg_choice.ts";
export * from "./volume_spec.ts";
