/**
 * The gauges that come from the node rather than from events: VG size and free space and
 * our volumes per VG (after every provision or teardown, and every minute), and orphans
 * per kind (every five minutes). Each refresh runs alone; a trigger during one runs it
 * again once afterwards.
 *
 * @module
 */

import { entryForNode } from "../config/lookup.ts";
import type { ClaimObject } from "../decide/claim.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import { listVolumeGroups } from "../provision/node_queries.ts";
import { listTaggedVolumes } from "../ops/node_inventory.ts";
import { findOrphans } from "../ops/orphans_find.ts";
import { countByKind } from "../ops/orphan_types.ts";
import type { AgentContext } from "./context.ts";
import type { AgentMetrics } from "./metrics.ts";

/** How often the node is asked. */
export interface RefreshIntervals {
  volumesMs: number;
  orphansMs: number;
}

export const DEFAULT_INTERVALS: RefreshIntervals = { volumesMs: 60_000, orphansMs: 300_000 };

/** A periodic task that can also be asked to run soon; never two runs at once. */
class Periodic {
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<void>;
  #again = false;
  #stopped = false;

  constructor(
    readonly name: string,
    readonly task: () => Promise<void>,
    readonly onError: (name: string, error: Error) => void,
  ) {}

  start(intervalMs: number): void {
    this.trigger();
    this.#timer = setInterval(() => this.trigger(), intervalMs);
  }

  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.task();
        } catch (error) {
          this.onError(this.name, error as Error);
        }
      } while (this.#again && !this.#stopped);
      this.#running = undefined;
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}

/** The refresh loops of one agent. */
export interface MetricsRefresh {
  /** A volume was made or removed: refresh the VG gauges soon. */
  volumesChanged(): void;
  stop(): Promise<void>;
}

/** Updates the VG and volume gauges from `lvs @local-lvm-provisioner` and `vgs`. */
export async function refreshVolumeGauges(ctx: AgentContext, metrics: AgentMetrics) {
  const ours = await listTaggedVolumes(ctx.exec);
  const lookup = entryForNode(ctx.config(), ctx.nodeName);
  // The configured VGs, and any other VG that still holds volumes of ours.
  const names = new Set([...(lookup.ok ? lookup.entry.vgs : []), ...ours.map((lv) => lv.vg)]);
  const vgs = names.size > 0 ? await listVolumeGroups(ctx.exec, [...names]) : [];
  metrics.setVolumeGroups(vgs, ours);
}

/** Updates the orphan gauge from one scan, with the reflectors' caches as the API's view. */
export async function refreshOrphanGauge(ctx: AgentContext, metrics: AgentMetrics) {
  const orphans = await findOrphans({
    exec: ctx.exec,
    journal: ctx.journal,
    config: ctx.config(),
    hostnames: [ctx.nodeName, ctx.hostnameLabel()],
    persistentVolumes: () => ctx.persistentVolumes.list() as unknown as PersistentVolumeObject[],
    claims: () => ctx.claims.list() as ClaimObject[],
  });
  metrics.setOrphans(countByKind(orphans));
}

/** Starts both loops; each runs once at once. */
export function startMetricsRefresh(
  ctx: AgentContext,
  metrics: AgentMetrics,
  intervals: RefreshIntervals = DEFAULT_INTERVALS,
): MetricsRefresh {
  const onError = (name: string, error: Error) =>
    ctx.log.warn("Refreshing the {what} metrics failed: {error}", {
      what: name,
      error: error.message,
    });
  const volumes = new Periodic("volume group", () => refreshVolumeGauges(ctx, metrics), onError);
  const orphans = new Periodic("orphan", () => refreshOrphanGauge(ctx, metrics), onError);
  volumes.start(intervals.volumesMs);
  orphans.start(intervals.orphansMs);
  return {
    volumesChanged: () => volumes.trigger(),
    stop: async () => {
      await Promise.all([volumes.stop(), orphans.stop()]);
    },
  };
}
