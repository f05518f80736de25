/**
 * The resolved config as plain JSON, for the "Applied config" log line and for tests.
 *
 * @module
 */

import type { Config } from "./types.ts";

/** Plain-JSON form of a {@link Config}: every default filled in, paths normalised. */
export interface ConfigJson {
  fsType: string;
  vgSelection: string;
  nodeSelectionPolicy: string;
  provisionerName: string;
  mountOptions: string[];
  nodeVGMap: {
    node: string;
    path: string;
    vgs: string[];
    fsType: string;
    mountOptions: string[];
  }[];
}

/**
 * Converts a config to plain JSON. The result is itself a valid config file that parses
 * back to an equal config.
 *
 * @example
 * ```ts
 * import { configToJson } from "./serialize.ts";
 * import { parseConfig } from "./parse.ts";
 * const r = parseConfig('{"nodeVGMap":[{"node":"n1","path":"/d","vgs":[]}]}');
 * if (!r.ok || configToJson(r.config).nodeVGMap[0].fsType !== "ext4") throw new Error();
 * ```
 */
export function configToJson(config: Config): ConfigJson {
  return {
    fsType: config.fsType,
    vgSelection: config.vgSelection,
    nodeSelectionPolicy: config.nodeSelectionPolicy,
    provisionerName: config.provisionerName,
    mountOptions: [...config.mountOptions],
    nodeVGMap: [...config.nodes.values()].map((e) => ({
      node: e.node,
      path: e.path,
      vgs: [...e.vgs],
      fsType: e.fsType,
      mountOptions: [...e.mountOptions],
    })),
  };
}
