/**
 * What the provisioning saga costs over the bare minimum, against real lvm2 in the QEMU test
 * guest: `lvcreate + mkfs + mount` (the same three argv the steps use, through the same
 * channel and allowlist) against the full saga (reserve-vg, lvcreate, mkfs, systemd-unit,
 * mount, write-pv with an in-memory API), alternating, cleaning up between runs. Prints
 * min/median/max of each, the ratio of medians, each step's times and where the saga's time
 * goes, command by command.
 *
 * ```sh
 * npx --yes deno@2.9.6 run --allow-read --allow-write --allow-env --allow-run \
 *   --allow-net=127.0.0.1 bench/guest_overhead.ts [--runs 7] [--json out.json]
 * ```
 *
 * Needs the guest image (`bash tests/infra/guest/build.sh`); boots one guest (~20-30 s).
 * `--json` also writes the figures ({@link OverheadResult}) to a file; other benchmarks can
 * import {@link measureGuestOverhead} instead.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AllowlistExecutor } from "../src/host/allowlist.ts";
import { type Executor, runChecked } from "../src/host/executor.ts";
import { MemoryVolumeApi } from "../src/kube/memory_volume_api.ts";
import { ReservationBook } from "../src/provision/reservations.ts";
import { MemoryJournal, SagaEngine } from "../src/saga/mod.ts";
import type { VolumeSpec } from "../src/volume.ts";
import { provisionSaga } from "../steps/mod.ts";
import { lvcreateArgv } from "../steps/lvcreate.ts";
import { mkfsArgv } from "../steps/mkfs.ts";
import { mountArgv } from "../steps/mount.ts";
import { findGuestImage, makeVolumeGroups, startGuest } from "../tests/infra/guest/guest.ts";
import { planSpec, testUid } from "../tests/guest/context.ts";

/** How to measure. */
export interface OverheadOptions {
  /** Measured runs of each (one more, unmeasured, warms the guest). Default 7. */
  runs?: number;
  /** Volume size in MiB. Default 64. */
  sizeMiB?: number;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

/** Milliseconds: smallest, median, largest, how many, and each run's figure. */
export interface Stats {
  min: number;
  median: number;
  max: number;
  n: number;
  values: number[];
}

/** One kind of command (`lvs`, `systemctl enable`...) in one saga run. */
export interface CommandTime {
  command: string;
  count: number;
  totalMs: number;
}

/** The figures of one measurement. */
export interface OverheadResult {
  /** QEMU start to systemd's end of boot. */
  guestBootMs: number;
  runs: number;
  volume: { sizeBytes: number; fsType: string };
  /** `lvcreate + mkfs + mount`. */
  bare: Stats;
  /** The whole provisioning saga. */
  saga: Stats;
  /** Median saga over median bare. */
  ratio: number;
  /** Fastest saga over fastest bare: less swayed by other load on the host. */
  ratioOfMinimums: number;
  /** Each step's `do`, in saga order. */
  steps: { step: string; stats: Stats }[];
  /** Commands of the last measured saga, in first-run order. */
  commands: CommandTime[];
  /** Node commands a bare run and a saga run send into the guest. */
  commandsPerRun: { bare: number; saga: number };
  /** Median of a command that does nothing (`test -e /`): the guest's cost per command. */
  commandFloorMs: number;
}

/** Sums command time per kind (`lvs`, `systemctl enable`, ...) while a run is measured. */
class Timing implements Executor {
  readonly byCommand = new Map<string, number[]>();
  constructor(readonly inner: Executor) {}
  async run(argv: readonly string[], options?: Parameters<Executor["run"]>[1]) {
    const started = performance.now();
    const result = await this.inner.run(argv, options);
    const key = argv[0] === "systemctl" ? `systemctl ${argv[1]}` : argv[0];
    const list = this.byCommand.get(key) ?? [];
    list.push(performance.now() - started);
    this.byCommand.set(key, list);
    return result;
  }
}

/** min, median, max of a list of milliseconds. */
export function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { min: s[0], median, max: s[s.length - 1], n: s.length, values: [...ms] };
}

/** Boots a guest, measures, stops it. */
export async function measureGuestOverhead(
  options: OverheadOptions = {},
): Promise<OverheadResult> {
  const runs = options.runs ?? 7;
  const sizeMiB = options.sizeMiB ?? 64;
  const log = options.log ?? (() => {});
  if (!(await findGuestImage())) {
    throw new Error("guest image not built: tests/infra/guest/build.sh");
  }
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-bench-" });
  const guest = await startGuest({ dir, disks: [{ name: "d0", sizeMiB: 1024 }] });
  log(`guest booted in ${fmt(guest.boot.bootedMs)}`);
  try {
    await makeVolumeGroups(guest.exec, [{ name: "vg0", disk: guest.disks[0] }]);
    const timing = new Timing(guest.exec);
    const exec = new AllowlistExecutor(timing);
    const bare: number[] = [];
    const saga: number[] = [];
    const steps = new Map<string, number[]>();
    let commands: CommandTime[] = [];
    let sagaCommands = 0;
    let spec: VolumeSpec | undefined;
    const plan = async (kind: string, i: number): Promise<VolumeSpec> =>
      spec = await planSpec(exec, {
        name: `${kind}-${i}`,
        uid: testUid((kind === "bare" ? 0xb000 : 0xc000) + i),
        storage: `${sizeMiB}Mi`,
        vgs: ["vg0"],
      });

    // One unmeasured round of each warms the guest's caches (binaries, lvm metadata).
    for (let i = 0; i <= runs; i++) {
      const measured = i > 0;
      const b = await plan("bare", i);
      await runChecked(exec, ["mkdir", "-p", b.mountPoint]);
      let started = performance.now();
      for (const argv of [lvcreateArgv(b), mkfsArgv(b), mountArgv(b)]) {
        await runChecked(exec, argv);
      }
      if (measured) bare.push(performance.now() - started);
      await runChecked(exec, ["umount", b.mountPoint]);
      await runChecked(exec, ["rmdir", b.mountPoint]);
      await runChecked(exec, ["lvremove", "--yes", `${b.vg}/${b.pvName}`]);

      const s = await plan("saga", i);
      timing.byCommand.clear();
      const engine = new SagaEngine(provisionSaga, {
        journal: new MemoryJournal(),
        deps: { exec, kube: new MemoryVolumeApi(), reservations: new ReservationBook() },
        onEvent: (e) => {
          if (!measured || e.action !== "do") return;
          steps.set(e.step, [...(steps.get(e.step) ?? []), e.durationMs]);
        },
      });
      started = performance.now();
      const outcome = await engine.run(s.pvName, s);
      if (outcome.status !== "completed") throw new Error(`saga ${outcome.status}`);
      if (measured) saga.push(performance.now() - started);
      commands = [...timing.byCommand].map(([command, ms]) => ({
        command,
        count: ms.length,
        totalMs: ms.reduce((a, x) => a + x, 0),
      }));
      sagaCommands = commands.reduce((a, c) => a + c.count, 0);
      const teardown = await engine.teardown(s.pvName, s);
      if (teardown.status !== "torn-down") throw new Error(`teardown ${teardown.status}`);
      if (measured) log(`run ${i}/${runs}: bare ${fmt(bare.at(-1)!)}, saga ${fmt(saga.at(-1)!)}`);
    }
    const floor: number[] = [];
    for (let i = 0; i < 9; i++) {
      const started = performance.now();
      await runChecked(guest.exec, ["test", "-e", "/"]);
      floor.push(performance.now() - started);
    }
    return {
      commandFloorMs: stats(floor).median,
      guestBootMs: guest.boot.bootedMs,
      runs,
      volume: { sizeBytes: spec!.sizeBytes, fsType: spec!.fsType },
      bare: stats(bare),
      saga: stats(saga),
      ratio: stats(saga).median / stats(bare).median,
      ratioOfMinimums: stats(saga).min / stats(bare).min,
      // Only the steps that ran: a plain volume skips the clone's steps.
      steps: provisionSaga.steps.filter((st) => steps.has(st.name)).map((st) => ({
        step: st.name,
        stats: stats(steps.get(st.name)!),
      })),
      commands,
      commandsPerRun: { bare: 3, saga: sagaCommands },
    };
  } finally {
    await guest.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The report as printed. */
export function renderOverhead(r: OverheadResult): string {
  const line = (label: string, s: Stats) =>
    `${label.padEnd(26)} min ${fmt(s.min)}  median ${fmt(s.median)}  max ${fmt(s.max)}  (n=${s.n})`;
  const mib = r.volume.sizeBytes / 1024 ** 2;
  return [
    `${mib} MiB ${r.volume.fsType} volume, ${r.runs} runs each, alternating:`,
    line("bare lvcreate+mkfs+mount", r.bare),
    line("provisioning saga", r.saga),
    `ratio of medians: ${r.ratio.toFixed(2)}x (goal <= 1.2x), of minimums: ` +
    `${r.ratioOfMinimums.toFixed(2)}x`,
    `a command that does nothing (test -e /) takes ${r.commandFloorMs.toFixed(0)} ms in the ` +
    `guest: the saga's ${r.commandsPerRun.saga - r.commandsPerRun.bare} extra commands cost at ` +
    `least ${fmt((r.commandsPerRun.saga - r.commandsPerRun.bare) * r.commandFloorMs)}`,
    "",
    "saga per step (do):",
    ...r.steps.map((s) => `  ${line(s.step, s.stats)}`),
    "",
    `saga commands in the last run (${r.commandsPerRun.saga} commands, bare: ` +
    `${r.commandsPerRun.bare}; count, total):`,
    ...r.commands.map((c) => `  ${c.command.padEnd(24)} ${c.count}  ${fmt(c.totalMs)}`),
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string" }, json: { type: "string" } },
  });
  try {
    const result = await measureGuestOverhead({
      runs: Number(values.runs ?? "7"),
      log: (l) => console.log(l),
    });
    console.log(`\n${renderOverhead(result)}`);
    if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
}
