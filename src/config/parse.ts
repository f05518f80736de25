/**
 * From config text to a {@link Config}: JSONC syntax, the top-level shape, each entry,
 * and unknown keys. Every error and warning is collected, none stops the others (except
 * syntax errors, after which the recovered document would only produce noise).
 *
 * @module
 */

import {
  DEFAULT_FS_TYPE,
  DEFAULT_NODE_SELECTION_POLICY,
  DEFAULT_PROVISIONER,
  DEFAULT_VG_SELECTION,
  LEGACY_PROVISIONER,
} from "./constants.ts";
import { at, isJsonObject, jsonTypeOf } from "./json_path.ts";
import { parseJsonc } from "./jsonc.ts";
import { checkSchema, topLevelSchema } from "./schema.ts";
import type { Config, NodeEntry, ParseResult } from "./types.ts";
import { unknownKeyWarnings } from "./unknown_keys.ts";
import { validateEntry } from "./validate_entry.ts";

const TOP_LEVEL_KEYS = Object.keys(topLevelSchema.shape);

/**
 * Parses and validates the text of `config.json`.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./parse.ts";
 * const r = parseConfig('{"nodeVGMap":[{"node":"n1","path":"/data/","vgs":["vg0"]}]}');
 * if (!r.ok || r.config.nodes.get("n1")?.path !== "/data") throw new Error();
 * const bad = parseConfig('{"nodeVGMap":[{"node":"n1","path":"data","vgs":[]}]}');
 * if (bad.ok) throw new Error();
 * // bad.errors: ["$.nodeVGMap[0].path: mount path must start with / for path data on node n1"]
 * ```
 */
export function parseConfig(text: string): ParseResult {
  const json = parseJsonc(text);
  if (!json.ok) return { ok: false, errors: json.errors, warnings: [] };
  return validateConfig(json.value);
}

/** Validates an already parsed JSON value (see {@link parseConfig}). */
export function validateConfig(value: unknown): ParseResult {
  if (!isJsonObject(value)) {
    return {
      ok: false,
      errors: [at([], `expected object, got ${jsonTypeOf(value)}`)],
      warnings: [],
    };
  }
  const warnings = unknownKeyWarnings(value, TOP_LEVEL_KEYS, []);
  const top = checkSchema(topLevelSchema, value, []);
  const errors = top.ok ? [] : [...top.errors];

  const fsType = top.ok ? top.data.fsType ?? DEFAULT_FS_TYPE : DEFAULT_FS_TYPE;
  const mountOptions = top.ok ? top.data.mountOptions ?? [] : [];
  if (value.provisionerName === LEGACY_PROVISIONER) {
    warnings.push(at(
      ["provisionerName"],
      `legacy name ${JSON.stringify(LEGACY_PROVISIONER)} is not a DNS-1123 subdomain: no ` +
        "CSIDriver can have it, so the scheduler cannot use capacity information",
    ));
  }

  const nodes = new Map<string, NodeEntry>();
  if (Array.isArray(value.nodeVGMap)) {
    if (value.nodeVGMap.length === 0) {
      warnings.push(at(["nodeVGMap"], "empty, so no node can provision volumes"));
    }
    const seen = new Set<string>();
    value.nodeVGMap.forEach((raw: unknown, index) => {
      const outcome = validateEntry(raw, index, seen, { fsType, mountOptions });
      errors.push(...outcome.errors);
      warnings.push(...outcome.warnings);
      if (outcome.entry) nodes.set(outcome.entry.node, outcome.entry);
    });
  }

  if (!top.ok || errors.length > 0) return { ok: false, errors, warnings };
  const config: Config = {
    fsType,
    vgSelection: top.data.vgSelection ?? DEFAULT_VG_SELECTION,
    nodeSelectionPolicy: top.data.nodeSelectionPolicy ?? DEFAULT_NODE_SELECTION_POLICY,
    provisionerName: top.data.provisionerName ?? DEFAULT_PROVISIONER,
    mountOptions,
    nodes,
  };
  return { ok: true, config, warnings };
}
