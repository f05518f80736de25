/**
 * Which node gets a claim of an `Immediate` class: the chooser's decision, as pure functions of
 * what the caches hold. The space comes from the CSIStorageCapacity objects the agents publish
 * (what the scheduler reads too), less what the chooser has already promised to claims that
 * are not provisioned yet; a node without an object for the claim's class is not a candidate
 * (its agent found the config disabling or not covering it, or has not published yet).
 *
 * @module
 */

import type { NodeSelectionPolicy } from "../config/constants.ts";
import { formatBytes } from "./quantity.ts";

/** A Node as the choice reads it. */
export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Cordoned (`spec.unschedulable`): no pod could use a volume made there now. */
  unschedulable?: boolean;
  /** Has a deletionTimestamp. */
  deleting?: boolean;
  /** Its `Ready` condition is not `True`: its agent may be gone with its kubelet. */
  notReady?: boolean;
}

/** A StorageClass's `allowedTopologies` term. */
export interface TopologyTerm {
  matchLabelExpressions?: readonly { key: string; values: readonly string[] }[];
}

/** One node's standing for one claim. */
export interface NodeCandidate {
  node: string;
  /** Published largest volume for the claim's class, less what is promised but not made. */
  freeBytes: number;
  /** Our volumes on the node, made or promised. */
  volumes: number;
}

/** Everything the choice depends on. */
export interface NodeChoiceInput {
  policy: NodeSelectionPolicy;
  /** The claim's request, at least the smallest volume we make. */
  requestBytes: number;
  nodes: readonly NodeInfo[];
  /** Published bytes per node name, for the claim's class (absent: not published). */
  published: ReadonlyMap<string, number>;
  /** Bytes promised per node name (chosen, not yet provisioned). */
  promised: ReadonlyMap<string, number>;
  /** Our volumes per node name, made or promised. */
  volumes: ReadonlyMap<string, number>;
  /** The class's `allowedTopologies`; empty or absent allows every node. */
  allowedTopologies?: readonly TopologyTerm[];
}

/** The decision: a node, or why there is none (one clause per node). */
export type NodeChoice =
  | { ok: true; node: string; reason: string }
  | { ok: false; reason: string };

function allowed(node: NodeInfo, terms: readonly TopologyTerm[] | undefined): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((term) =>
    (term.matchLabelExpressions ?? []).every((e) => e.values.includes(node.labels[e.key]))
  );
}

/** Orders candidates best first for a policy; ties end with the node name, so it is stable. */
function better(policy: NodeSelectionPolicy, a: NodeCandidate, b: NodeCandidate): number {
  const byFree = b.freeBytes - a.freeBytes;
  const byVolumes = a.volumes - b.volumes;
  const first = policy === "least-used" ? byVolumes || byFree : byFree || byVolumes;
  return first || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}

/**
 * Picks the node for a claim, or says why none fits.
 *
 * @example
 * ```ts
 * import { chooseNode } from "./node_choice.ts";
 * const MiB = 1024 * 1024;
 * const choice = chooseNode({
 *   policy: "most-free",
 *   requestBytes: 100 * MiB,
 *   nodes: [{ name: "a", labels: {} }, { name: "b", labels: {} }, { name: "c", labels: {} }],
 *   published: new Map([["a", 500 * MiB], ["b", 300 * MiB]]),
 *   promised: new Map([["a", 400 * MiB]]),
 *   volumes: new Map(),
 * });
 * // a has 100 MiB left after its promises, c publishes nothing: b wins.
 * if (!choice.ok || choice.node !== "b") throw new Error(JSON.stringify(choice));
 * ```
 */
export function chooseNode(input: NodeChoiceInput): NodeChoice {
  const candidates: NodeCandidate[] = [];
  const excluded: string[] = [];
  for (const node of [...input.nodes].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const name = node.name;
    if (node.deleting) excluded.push(`${name}: being deleted`);
    else if (node.notReady) excluded.push(`${name}: not Ready`);
    else if (node.unschedulable) excluded.push(`${name}: cordoned`);
    else if (!allowed(node, input.allowedTopologies)) {
      excluded.push(`${name}: not in the class's allowedTopologies`);
    } else if (!input.published.has(name)) {
      excluded.push(`${name}: no capacity published (disabled or not covered by the config)`);
    } else {
      const free = Math.max(0, input.published.get(name)! - (input.promised.get(name) ?? 0));
      if (free < input.requestBytes) excluded.push(`${name}: ${formatBytes(free)} free`);
      else candidates.push({ node: name, freeBytes: free, volumes: input.volumes.get(name) ?? 0 });
    }
  }
  const size = formatBytes(input.requestBytes);
  if (candidates.length === 0) {
    const why = excluded.length > 0 ? excluded.join("; ") : "there are no nodes";
    return { ok: false, reason: `no node can fit ${size}: ${why}` };
  }
  candidates.sort((a, b) => better(input.policy, a, b));
  const best = candidates[0];
  const standing = `${formatBytes(best.freeBytes)} free, ${best.volumes} volumes`;
  return {
    ok: true,
    node: best.node,
    reason: `policy ${input.policy}: ${best.node} (${standing}) among ${candidates.length} ` +
      `node(s) that fit ${size}`,
  };
}
