/**
 * The simulated LVM node: an {@link Executor} that accepts exactly the command forms the
 * steps use, answers with the real tools' outputs, messages and exit codes, and rejects
 * everything else loudly (exit 3). Faults can be injected; every command is logged.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "../executor.ts";
import { timeoutResult } from "../local_executor.ts";
import { blkidCommand, mkfsExt4Command, mkfsXfsCommand } from "./blockdev_commands.ts";
import { initialState, type NodeReports, stateFromReports, type VgSeed } from "./build.ts";
import {
  type CrashSpec,
  type FailSpec,
  FaultPlan,
  type HangSpec,
  type Matcher,
  SimulatedCrash,
} from "./faults.ts";
import { cpCommand } from "./copy_commands.ts";
import { resize2fsCommand, xfsGrowfsCommand } from "./grow_commands.ts";
import { mkdirCommand, rmCommand, rmdirCommand, teeCommand } from "./fs_commands.ts";
import { lvcreateCommand, lvextendCommand, lvremoveCommand } from "./lvm_commands.ts";
import { lvsCommand, vgsCommand } from "./lvm_reports.ts";
import { findmntCommand, mountCommand, umountCommand } from "./mount_commands.ts";
import { Unsupported } from "./paths.ts";
import { SimulatedHostView } from "./view.ts";
import type { HostState } from "./state.ts";
import { systemctlCommand } from "./systemd_commands.ts";
import { versionQuery } from "./version_commands.ts";

type Handler = (state: HostState, args: readonly string[], stdin?: string) => CommandResult;

const COMMANDS: Record<string, Handler> = {
  vgs: vgsCommand,
  lvs: lvsCommand,
  lvcreate: lvcreateCommand,
  lvremove: lvremoveCommand,
  lvextend: lvextendCommand,
  blkid: blkidCommand,
  "mkfs.ext4": mkfsExt4Command,
  "mkfs.xfs": mkfsXfsCommand,
  resize2fs: resize2fsCommand,
  xfs_growfs: xfsGrowfsCommand,
  mount: mountCommand,
  umount: umountCommand,
  findmnt: findmntCommand,
  mkdir: mkdirCommand,
  rmdir: rmdirCommand,
  tee: teeCommand,
  rm: rmCommand,
  cp: cpCommand,
  systemctl: systemctlCommand,
};

/**
 * Commands that only read the node: they run on the live state, which they leave as it is (no
 * copy), so a caller that persists the node sees the same state object and has nothing to save.
 */
const QUERIES = new Set(["vgs", "lvs", "blkid", "findmnt"]);

/** Exit code and stderr prefix of a command form the simulator does not implement. */
export const UNSUPPORTED_EXIT_CODE = 3;

/** One command as the simulator saw it. */
export interface LoggedCommand {
  argv: string[];
  stdin?: string;
  /** Exit code, or undefined when the command crashed the caller. */
  code?: number;
  /** The injected fault that fired, if any. */
  fault?: "fail" | "crash-before" | "crash-after" | "hang";
}

/** How to build a simulated host. */
export interface SimulatedHostOptions {
  vgs?: readonly VgSeed[];
  /** Directories the root filesystem starts with (default: /etc/systemd/system, /var/lib, ...). */
  dirs?: readonly string[];
  /** Called when an injected crash fires (tests abort the saga's AbortController here). */
  onCrash?: () => void;
  /** How long a hung command lasts when the caller gave no timeout. Default 120 s. */
  defaultTimeoutMs?: number;
  /**
   * Change the state object in place instead of replacing it with a changed copy (see
   * {@link SimulatedHost.fromState}). For an owner that can throw the state away: copying a
   * node of hundreds of volumes is most of what a command costs.
   */
  inPlace?: boolean;
}

/** A simulated node. */
export class SimulatedHost extends SimulatedHostView implements Executor {
  readonly #faults = new FaultPlan();
  readonly #log: LoggedCommand[] = [];
  /** Called when an injected crash fires, unless the fault brings its own. */
  onCrash?: () => void;
  readonly defaultTimeoutMs: number;
  readonly #inPlace: boolean;
  #changed = false;
  #spoiled = false;

  private constructor(state: HostState, options: SimulatedHostOptions) {
    super(state);
    this.onCrash = options.onCrash;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.#inPlace = options.inPlace ?? false;
  }

  /**
   * A fresh node with the given volume groups.
   *
   * @example
   * ```ts
   * import { SimulatedHost } from "./host.ts";
   * const host = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }] });
   * const r = await host.run(["vgs", "--reportformat", "json", "--units", "b", "--nosuffix",
   *   "-o", "vg_name,vg_free_count"]);
   * if (!r.stdout.includes('"vg_free_count":"256"')) throw new Error("wrong");
   * ```
   */
  static create(options: SimulatedHostOptions = {}): SimulatedHost {
    return new SimulatedHost(initialState(options.vgs ?? [], options.dirs), options);
  }

  /** A node as a real one's reports describe it (see {@link NodeReports}). */
  static fromReports(reports: NodeReports, options: SimulatedHostOptions = {}): SimulatedHost {
    if (!reports || typeof reports !== "object" || !("vgs" in reports)) {
      throw new Error('host state needs {"vgs": <vgs report>, "lvs": <lvs report>}');
    }
    return new SimulatedHost(stateFromReports(reports), options);
  }

  /**
   * A node with exactly this state (taken over, not copied): how a persisted node is
   * loaded (see `file_host.ts`). With `inPlace`, a changing command changes `state` itself
   * (see {@link SimulatedHost.changedInPlace}); one that fails part-way may leave it half
   * changed, and then {@link SimulatedHost.spoiled} says the state must be thrown away.
   */
  static fromState(
    state: HostState,
    options: Pick<SimulatedHostOptions, "onCrash" | "defaultTimeoutMs" | "inPlace"> = {},
  ): SimulatedHost {
    return new SimulatedHost(state, options);
  }

  /** In place only: a command that may change the node ran on the live state. */
  get changedInPlace(): boolean {
    return this.#changed;
  }

  /**
   * In place only: a command stopped part-way (unsupported, or a bug) on the live state,
   * which may now be half changed; its owner must reload the node rather than keep it.
   */
  get spoiled(): boolean {
    return this.#spoiled;
  }

  /**
   * The live state, not a copy, for persisting it. Read it again after each command: unless
   * the host is in place, a command replaces the state object rather than changing it (a
   * query keeps it).
   */
  currentState(): HostState {
    return this.state;
  }

  /** An independent copy of the node's state, with no faults and an empty log. */
  clone(): SimulatedHost {
    return new SimulatedHost(structuredClone(this.state), {
      onCrash: this.onCrash,
      defaultTimeoutMs: this.defaultTimeoutMs,
    });
  }

  /** Every command run so far, in order. */
  get log(): readonly LoggedCommand[] {
    return this.#log;
  }

  /** The nth..(nth+times-1)th matching commands fail with this result and no effect. */
  failOn(matcher: Matcher, spec: FailSpec): void {
    this.#faults.fail(matcher, spec);
  }

  /** The nth matching command crashes the caller before or after its effect. */
  crashOn(matcher: Matcher, when: "before" | "after", spec: CrashSpec = {}): void {
    this.#faults.crash(matcher, when, spec);
  }

  /** Matching commands hang until their timeout, then end like a killed command. */
  hangOn(matcher: Matcher, spec: HangSpec = {}): void {
    this.#faults.hang(matcher, spec);
  }

  /** Disarms every injected fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Runs one command against the simulated node. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const entry: LoggedCommand = { argv: [...argv] };
    if (options.stdin !== undefined) entry.stdin = options.stdin;
    this.#log.push(entry);
    const action = this.#faults.check(argv);
    switch (action.kind) {
      case "fail":
        entry.fault = "fail";
        entry.code = action.code;
        return { code: action.code, stdout: action.stdout, stderr: action.stderr };
      case "crash": {
        entry.fault = action.when === "before" ? "crash-before" : "crash-after";
        if (action.when === "after") this.#execute(argv, options.stdin);
        (action.onCrash ?? this.onCrash)?.();
        throw new SimulatedCrash(argv, action.when);
      }
      case "hang": {
        entry.fault = "hang";
        if (action.applyEffect) this.#execute(argv, options.stdin);
        const ms = options.timeoutMs ?? this.defaultTimeoutMs;
        await new Promise((resolve) => setTimeout(resolve, ms));
        const result = timeoutResult(argv[0] ?? "", "", "", ms, "SIGTERM");
        entry.code = result.code;
        return result;
      }
    }
    const result = this.#execute(argv, options.stdin);
    entry.code = result.code;
    return result;
  }

  /** Runs a command on a draft of the state and keeps the draft unless it was unsupported. */
  #execute(argv: readonly string[], stdin: string | undefined): CommandResult {
    const unsupported = (reason: string): CommandResult => ({
      code: UNSUPPORTED_EXIT_CODE,
      stdout: "",
      stderr: `simulated host: unsupported command: ${argv.join(" ")}\n` +
        `simulated host: ${reason}\n`,
    });
    const version = versionQuery(argv);
    if (version) return version;
    const handler = Object.hasOwn(COMMANDS, argv[0] ?? "") ? COMMANDS[argv[0]] : undefined;
    if (!handler) return unsupported(`${argv[0] ?? "(empty argv)"} is not simulated`);
    // A query reads the live state. A change runs on a copy that replaces the state only if
    // it completes, unless in place: then on the live state, spoiled if it stops part-way.
    const query = QUERIES.has(argv[0]);
    const inPlaceChange = !query && this.#inPlace;
    const target = query || inPlaceChange ? this.state : structuredClone(this.state);
    if (inPlaceChange) this.#changed = true;
    try {
      const result = handler(target, argv.slice(1), stdin);
      this.state = target;
      return result;
    } catch (error) {
      if (inPlaceChange) this.#spoiled = true;
      if (error instanceof Unsupported) return unsupported(error.message);
      throw error;
    }
  }
}
