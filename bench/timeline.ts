/**
 * Per-claim timelines from stamped watch events: when this process first saw each milestone of
 * a claim (and of its PV and pod), so a latency splits into who spent it (the scheduler picks a
 * node, kube-controller-manager's PV binder marks the claim for its provisioner, the agent makes
 * the PV, the binder binds).
 *
 * @module
 */

import type { StampedEvent } from "./watch.ts";

/** Milestones, in the order they happen. */
export interface ClaimTimeline {
  /** First event of the claim. */
  added?: number;
  /** `volume.kubernetes.io/selected-node` set (by the scheduler, or at creation). */
  selectedNode?: number;
  /** `volume.kubernetes.io/storage-provisioner` set by the PV binder: the agent may start. */
  triggered?: number;
  /** Our PV's ADDED event. */
  pv?: number;
  /** Claim phase Bound. */
  bound?: number;
  /** The claim's pod has a node (bulk only: pod and claim share a name). */
  scheduled?: number;
  claimGone?: number;
  podGone?: number;
  pvGone?: number;
}

const SELECTED_NODE = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";

/** Timelines of the claims whose names start with `prefix-`. */
export class Timelines {
  readonly byClaim = new Map<string, ClaimTimeline>();
  readonly pvNames = new Set<string>();
  /** Called after every event that changed a timeline. */
  onChange: () => void = () => {};

  constructor(readonly prefix: string) {}

  #of(name: string | undefined): ClaimTimeline | undefined {
    if (!name?.startsWith(`${this.prefix}-`)) return undefined;
    let t = this.byClaim.get(name);
    if (!t) this.byClaim.set(name, t = {});
    return t;
  }

  claimEvent = (e: StampedEvent) => {
    const t = this.#of(e.object.metadata.name);
    if (!t) return;
    const annotations = e.object.metadata.annotations ?? {};
    t.added ??= e.at;
    if (annotations[SELECTED_NODE]) t.selectedNode ??= e.at;
    if (annotations[STORAGE_PROVISIONER]) t.triggered ??= e.at;
    if (e.object.status?.phase === "Bound") t.bound ??= e.at;
    if (e.type === "DELETED") t.claimGone ??= e.at;
    this.onChange();
  };

  pvEvent = (e: StampedEvent) => {
    const t = this.#of(e.object.spec?.claimRef?.name);
    if (!t) return;
    this.pvNames.add(e.object.metadata.name);
    t.pv ??= e.at;
    if (e.type === "DELETED") t.pvGone ??= e.at;
    this.onChange();
  };

  podEvent = (e: StampedEvent) => {
    const t = this.#of(e.object.metadata.name);
    if (!t) return;
    if (e.object.spec?.nodeName) t.scheduled ??= e.at;
    if (e.type === "DELETED") t.podGone ??= e.at;
    this.onChange();
  };

  /** `to - from` of every claim that has both milestones. */
  spans(from: keyof ClaimTimeline, to: keyof ClaimTimeline): number[] {
    return [...this.byClaim.values()].flatMap((t) =>
      t[from] !== undefined && t[to] !== undefined ? [t[to]! - t[from]!] : []
    );
  }

  /** How many claims reached a milestone. */
  count(m: keyof ClaimTimeline): number {
    let n = 0;
    for (const t of this.byClaim.values()) if (t[m] !== undefined) n++;
    return n;
  }

  /** The latest time any claim reached a milestone. */
  last(m: keyof ClaimTimeline): number {
    return Math.max(...[...this.byClaim.values()].map((t) => t[m] ?? -Infinity));
  }
}

/** Resolves once `done()` holds, checking after every change; rejects after `ms`. */
export function until(
  timelines: Timelines,
  what: string,
  ms: number,
  done: () => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      timelines.onChange = () => {};
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      timelines.onChange = () => {};
      resolve();
    };
    timelines.onChange = check;
    check();
  });
}
