/**
 * Fault injection for the simulated host: make a matching command fail without effect,
 * "crash" the calling process before or after the effect, or hang until its timeout.
 *
 * @module
 */

/** Which commands a fault applies to: an argv prefix (`["lvcreate"]`) or a predicate. */
export type Matcher = readonly string[] | ((argv: readonly string[]) => boolean);

/** The process running the steps "died" on this command (see {@link FaultPlan.crash}). */
export class SimulatedCrash extends Error {
  constructor(readonly argv: readonly string[], readonly when: "before" | "after") {
    super(`simulated crash ${when} ${argv.join(" ")}`);
    this.name = "SimulatedCrash";
  }
}

/** How a failure looks. */
export interface FailSpec {
  code: number;
  stderr: string;
  stdout?: string;
  /** How many consecutive matches fail, starting at the nth. Default 1; Infinity for all. */
  times?: number;
  /** The first matching command to fail, counting from 1. Default 1. */
  nth?: number;
}

/** When a crash fires. */
export interface CrashSpec {
  nth?: number;
  /** Runs when the crash fires; defaults to the host's onCrash. */
  onCrash?: () => void;
}

/** When a hang fires. */
export interface HangSpec {
  nth?: number;
  times?: number;
  /** Apply the command's effect before hanging (a command that did its work, then stalled). */
  applyEffect?: boolean;
}

/** What to do with one command. */
export type FaultAction =
  | { kind: "none" }
  | { kind: "fail"; code: number; stdout: string; stderr: string }
  | { kind: "crash"; when: "before" | "after"; onCrash?: () => void }
  | { kind: "hang"; applyEffect: boolean };

interface Armed {
  matches: (argv: readonly string[]) => boolean;
  from: number;
  until: number;
  seen: number;
  action: Exclude<FaultAction, { kind: "none" }>;
}

function matcher(m: Matcher): (argv: readonly string[]) => boolean {
  if (typeof m === "function") return m;
  const prefix = [...m];
  return (argv) => prefix.length <= argv.length && prefix.every((p, i) => argv[i] === p);
}

/** The faults armed on one host, checked in the order they were added. */
export class FaultPlan {
  #armed: Armed[] = [];

  #add(m: Matcher, nth = 1, times = 1, action: Armed["action"]): void {
    if (!(nth >= 1) || !(times >= 1)) throw new RangeError("nth and times must be at least 1");
    this.#armed.push({ matches: matcher(m), from: nth, until: nth + times, seen: 0, action });
  }

  /** The nth..(nth+times-1)th matching commands fail with this result and no effect. */
  fail(m: Matcher, spec: FailSpec): void {
    this.#add(m, spec.nth, spec.times, {
      kind: "fail",
      code: spec.code,
      stdout: spec.stdout ?? "",
      stderr: spec.stderr,
    });
  }

  /** The nth matching command crashes the caller, with or without its effect. */
  crash(m: Matcher, when: "before" | "after", spec: CrashSpec = {}): void {
    this.#add(m, spec.nth, 1, { kind: "crash", when, onCrash: spec.onCrash });
  }

  /** Matching commands never finish until their timeout. */
  hang(m: Matcher, spec: HangSpec = {}): void {
    this.#add(m, spec.nth, spec.times ?? Infinity, {
      kind: "hang",
      applyEffect: spec.applyEffect ?? false,
    });
  }

  /** Disarms every fault. */
  clear(): void {
    this.#armed = [];
  }

  /** Counts the command against every fault and returns the first one that fires. */
  check(argv: readonly string[]): FaultAction {
    let fired: FaultAction = { kind: "none" };
    for (const fault of this.#armed) {
      if (!fault.matches(argv)) continue;
      fault.seen++;
      if (fired.kind === "none" && fault.seen >= fault.from && fault.seen < fault.until) {
        fired = fault.action;
      }
    }
    return fired;
  }
}
