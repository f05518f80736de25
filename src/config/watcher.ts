/**
 * Hot reload of the config file. A ConfigMap volume updates by swapping a `..data`
 * symlink, so watching the file itself would miss updates: we watch its directory,
 * debounce the burst of events a swap makes, re-read, and apply the new config only if
 * the text changed and is valid. An invalid file is logged and the last good config
 * kept (as the original did). A slow periodic re-read covers missed events and
 * filesystems without inotify.
 *
 * @module
 */

import { dirname } from "node:path";
import { readConfigText, sha256Hex } from "./load.ts";
import { parseConfig } from "./parse.ts";
import { configToJson } from "./serialize.ts";
import { type Config, ConfigError, type ConfigLogger, type ParseResult } from "./types.ts";

/** How {@link ConfigWatcher} is set up. */
export interface ConfigWatcherOptions {
  /** Path of `config.json`; its directory is watched. */
  readonly path: string;
  readonly logger: ConfigLogger;
  /** Called after a valid new config replaced the previous one. Errors are logged. */
  readonly onChange?: (next: Config, previous: Config) => void | Promise<void>;
  /** Quiet time after the last filesystem event before re-reading (default 250 ms). */
  readonly debounceMs?: number;
  /** Re-read this often whatever the events say (default 30 s; 0 turns it off). */
  readonly pollIntervalMs?: number;
  /** Watch the directory for events (default true); false leaves only the periodic re-read. */
  readonly watch?: boolean;
  /** Clock for the timestamps in {@link ConfigWatcherStats}. */
  readonly now?: () => Date;
}

/** What one re-read did. */
export type ReloadOutcome = "applied" | "unchanged" | "rejected" | "stopped";

/** Counters and last results, for metrics and health reporting. */
export interface ConfigWatcherStats {
  /** New configs applied since start (the one read at start not counted). */
  readonly applied: number;
  /** Changed files that were invalid or unreadable. */
  readonly rejected: number;
  /** Re-reads that found nothing new. */
  readonly unchanged: number;
  /** False while the file on disk is invalid (the last good config is still in use). */
  readonly lastReloadOk: boolean;
  /** Errors of the file on disk while it is invalid; empty otherwise. */
  readonly lastErrors: readonly string[];
  readonly lastAppliedAt: Date;
  readonly lastRejectedAt?: Date;
  /** SHA-256 of the text of the config in use. */
  readonly appliedSha256: string;
}

/** Holds the current config and keeps it in step with the file. Create with {@link start}. */
export class ConfigWatcher {
  readonly #opts: ConfigWatcherOptions;
  readonly #now: () => Date;
  #config: Config;
  #stats: ConfigWatcherStats;
  /** Identity of the last thing read (text hash or read error): re-reads of it are no-ops. */
  #seenKey: string;
  #fsWatcher?: Deno.FsWatcher;
  #watchLoop: Promise<void> = Promise.resolve();
  #watchFailureLogged = false;
  #debounce?: ReturnType<typeof setTimeout>;
  #poll?: ReturnType<typeof setInterval>;
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  private constructor(opts: ConfigWatcherOptions, config: Config, sha256: string) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.#config = config;
    this.#seenKey = sha256;
    this.#stats = {
      applied: 0,
      rejected: 0,
      unchanged: 0,
      lastReloadOk: true,
      lastErrors: [],
      lastAppliedAt: this.#now(),
      appliedSha256: sha256,
    };
  }

  /**
   * Reads the file and starts watching it. An unreadable or invalid file throws
   * {@link ConfigError} listing every problem: without a config the agent cannot work.
   * Needs `--allow-read` for the file's directory.
   */
  static async start(opts: ConfigWatcherOptions): Promise<ConfigWatcher> {
    const read = await readConfigText(opts.path);
    if (!read.ok) throw new ConfigError(opts.path, [read.error]);
    const parsed = parseConfig(read.text);
    logWarnings(opts, parsed);
    if (!parsed.ok) throw new ConfigError(opts.path, parsed.errors);
    const watcher = new ConfigWatcher(opts, parsed.config, await sha256Hex(read.text));
    opts.logger.info("Applied config from {path}", {
      path: opts.path,
      config: configToJson(parsed.config),
    });
    if (opts.watch ?? true) watcher.#startWatching();
    const interval = opts.pollIntervalMs ?? 30_000;
    if (interval > 0) watcher.#poll = setInterval(() => watcher.#onPollTick(), interval);
    return watcher;
  }

  /** The config in use: the last valid one read. */
  current(): Config {
    return this.#config;
  }

  /** A snapshot of the counters. */
  stats(): ConfigWatcherStats {
    return { ...this.#stats };
  }

  /** Re-reads the file now (also what events and the timer do). Re-reads never overlap. */
  reload(): Promise<ReloadOutcome> {
    const run = this.#chain.then(() => this.#reloadOnce());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Stops watching and polling and waits for a re-read in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    this.#fsWatcher?.close();
    this.#fsWatcher = undefined;
    await this.#watchLoop;
    await this.#chain;
  }

  async #reloadOnce(): Promise<ReloadOutcome> {
    if (this.#stopped) return "stopped";
    const { path, logger } = this.#opts;
    const read = await readConfigText(path);
    const key = read.ok ? await sha256Hex(read.text) : `error:${read.error}`;
    if (key === this.#seenKey) return this.#count("unchanged");
    this.#seenKey = key;
    if (key === this.#stats.appliedSha256) {
      // Back to the text in use after an invalid edit: nothing to apply, but healthy again.
      logger.info("Config file {path} is back to the config in use", { path });
      this.#stats = { ...this.#stats, lastReloadOk: true, lastErrors: [] };
      return this.#count("unchanged");
    }
    const parsed: ParseResult = read.ok
      ? parseConfig(read.text)
      : { ok: false, errors: [read.error], warnings: [] };
    logWarnings(this.#opts, parsed);
    if (!parsed.ok) {
      for (const error of parsed.errors) {
        logger.error("Rejected new config from {path}, keeping the last good one: {error}", {
          path,
          error,
        });
      }
      this.#stats = {
        ...this.#stats,
        lastReloadOk: false,
        lastErrors: parsed.errors,
        lastRejectedAt: this.#now(),
      };
      return this.#count("rejected");
    }
    const previous = this.#config;
    this.#config = parsed.config;
    this.#stats = {
      ...this.#stats,
      lastReloadOk: true,
      lastErrors: [],
      lastAppliedAt: this.#now(),
      appliedSha256: key,
    };
    logger.info("Applied config from {path}", { path, config: configToJson(parsed.config) });
    try {
      await this.#opts.onChange?.(parsed.config, previous);
    } catch (err) {
      logger.error("Config change listener failed: {error}", { error: String(err) });
    }
    return this.#count("applied");
  }

  #count(outcome: "applied" | "unchanged" | "rejected"): ReloadOutcome {
    this.#stats = { ...this.#stats, [outcome]: this.#stats[outcome] + 1 };
    return outcome;
  }

  #trigger(): void {
    this.reload().catch((err) => {
      this.#opts.logger.error("Config reload failed: {error}", { error: String(err) });
    });
  }

  #onPollTick(): void {
    // A watch that died (directory replaced, inotify limit) is retried here.
    if ((this.#opts.watch ?? true) && this.#fsWatcher === undefined) this.#startWatching();
    this.#trigger();
  }

  #startWatching(): void {
    const dir = dirname(this.#opts.path);
    let fsWatcher: Deno.FsWatcher;
    try {
      fsWatcher = Deno.watchFs(dir, { recursive: false });
    } catch (err) {
      if (!this.#watchFailureLogged) {
        this.#opts.logger.warn(
          "Cannot watch config directory {dir}, re-reading periodically: {error}",
          {
            dir,
            error: String(err),
          },
        );
        this.#watchFailureLogged = true;
      }
      return;
    }
    this.#watchFailureLogged = false;
    this.#fsWatcher = fsWatcher;
    this.#watchLoop = this.#consume(fsWatcher, dir);
  }

  async #consume(fsWatcher: Deno.FsWatcher, dir: string): Promise<void> {
    try {
      // Any event counts: a ConfigMap swap touches `..data`, not `config.json`, and the
      // hash comparison makes spurious re-reads harmless.
      for await (const _event of fsWatcher) this.#schedule();
    } catch (err) {
      if (!this.#stopped) {
        this.#opts.logger.warn("Watch of config directory {dir} failed: {error}", {
          dir,
          error: String(err),
        });
      }
    } finally {
      if (this.#fsWatcher === fsWatcher) this.#fsWatcher = undefined;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#trigger();
    }, this.#opts.debounceMs ?? 250);
  }
}

function logWarnings(opts: ConfigWatcherOptions, parsed: ParseResult): void {
  for (const warning of parsed.warnings) {
    opts.logger.warn("Config file {path}: {warning}", { path: opts.path, warning });
  }
}
