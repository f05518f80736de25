/**
 * The config watcher's metrics: reloads by result, the hash of the config in use (an info
 * gauge), and whether the file on disk is valid now. Read from the watcher at every scrape.
 *
 * @module
 */

import { Counter, Gauge, type Registry } from "prom-client";
import type { ConfigWatcherStats } from "../config/watcher.ts";

/** Registers the config metrics in `registry`. */
export function registerConfigMetrics(registry: Registry, stats: () => ConfigWatcherStats): void {
  const registers = [registry];
  new Counter({
    name: "local_lvm_config_reloads_total",
    help: "Config file re-reads that applied a new config (success) or found it invalid (failure)",
    labelNames: ["result"],
    registers,
    collect() {
      const s = stats();
      this.reset();
      this.inc({ result: "success" }, s.applied);
      this.inc({ result: "failure" }, s.rejected);
    },
  });
  new Gauge({
    name: "local_lvm_config_info",
    help: "The config in use; its SHA-256 is the label",
    labelNames: ["sha256"],
    registers,
    collect() {
      this.reset();
      this.set({ sha256: stats().appliedSha256 }, 1);
    },
  });
  new Gauge({
    name: "local_lvm_config_last_reload_ok",
    help: "1 while the config file on disk is valid, 0 while the last good one is kept",
    registers,
    collect() {
      this.set(stats().lastReloadOk ? 1 : 0);
    },
  });
}
