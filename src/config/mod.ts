/**
 * The provisioner's configuration: the `config.json` format (the original's, plus JSONC
 * and optional keys), its validation with path-prefixed messages, the per-node lookup,
 * and hot reload.
 *
 * @module
 */

export * from "./constants.ts";
export * from "./types.ts";
export * from "./json_path.ts";
export * from "./jsonc.ts";
export * from "./rules.ts";
export * from "./schema.ts";
export * from "./unknown_keys.ts";
export * from "./validate_entry.ts";
export * from "./parse.ts";
export * from "./serialize.ts";
export * from "./lookup.ts";
export * from "./load.ts";
export * from "./watcher.ts";
