/**
 * Which config entry applies to a node.
 *
 * @module
 */

import { DEFAULT_NODE_KEY } from "./constants.ts";
import type { Config, NodeEntry } from "./types.ts";

/** Result of {@link entryForNode}. */
export type NodeLookup =
  | {
    readonly ok: true;
    /** The node's own entry, or the default entry (whose `node` is {@link DEFAULT_NODE_KEY}). */
    readonly entry: NodeEntry;
    /** True when the node is not listed and the default entry applies. */
    readonly viaDefault: boolean;
  }
  | { readonly ok: false; readonly reason: string };

/**
 * Finds the entry for a node: its own, else the `DEFAULT_VGS_FOR_NON_LISTED_NODES` one.
 * A node whose entry lists no VG cannot provision (the original's `vgs: []` switch).
 *
 * @example
 * ```ts
 * import { entryForNode } from "./lookup.ts";
 * import { parseConfig } from "./parse.ts";
 * const r = parseConfig('{"nodeVGMap":[{"node":"a","path":"/d","vgs":["vg0"]}]}');
 * if (!r.ok) throw new Error();
 * const miss = entryForNode(r.config, "b");
 * if (miss.ok || !miss.reason.startsWith("config doesn't contain node b")) throw new Error();
 * ```
 */
export function entryForNode(config: Config, nodeName: string): NodeLookup {
  let entry = config.nodes.get(nodeName);
  const viaDefault = entry === undefined;
  entry ??= config.nodes.get(DEFAULT_NODE_KEY);
  if (entry === undefined) {
    return {
      ok: false,
      reason: `config doesn't contain node ${nodeName}, and no ${DEFAULT_NODE_KEY} available`,
    };
  }
  if (entry.vgs.length === 0) {
    return { ok: false, reason: `no local volume group available on node ${nodeName}` };
  }
  return { ok: true, entry, viaDefault };
}
