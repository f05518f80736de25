/**
 * What the provisioning saga costs over the bare minimum, against real lvm2 in the QEMU test
 * guest: `lvcreate + mkfs.ext4 + mount` (the same three argv the steps use, through the same
 * channel and allowlist) against the full saga (reserve-vg, lvcreate, mkfs, mount,
 * systemd-unit, write-pv with an in-memory API), alternating, cleaning up between runs.
 * Prints min/median/max of each, the ratio of medians, and where the saga's time goes.
 *
 * ```sh
 * npx --yes deno@2.9.6 run --allow-read --allow-write --allow-env --allow-run \
 *   --allow-net=127.0.0.1 bench/guest_overhead.ts [--runs 7]
 * ```
 *
 * Needs the guest image (`bash tests/infra/guest/build.sh`); boots one guest (~20-30 s).
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

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { min: s[0], median, max: s[s.length - 1] };
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const line = (label: string, ms: number[]) => {
  const { min, median, max } = stats(ms);
  return `${label.padEnd(26)} min ${fmt(min)}  median ${fmt(median)}  max ${
    fmt(max)
  }  (n=${ms.length})`;
};

/** What {@link measureGuestOverhead} measured (milliseconds). */
export interface GuestOverhead {
  bootMs: number;
  bareMs: number[];
  sagaMs: number[];
  /** Median saga over median bare. */
  ratio: number;
  /** Per step of the saga (do), every measured run. */
  stepsMs: Record<string, number[]>;
  /** Per command kind in the last saga run: count and total. */
  lastRunCommands: Record<string, { count: number; totalMs: number }>;
}

/** Options of {@link measureGuestOverhead}. */
export interface GuestOverheadOptions {
  runs?: number;
  /** Progress and result lines; default none. */
  log?: (line: string) => void;
}

/**
 * Boots a guest, measures `runs` alternating rounds of bare commands and the saga, and stops
 * the guest. Throws when the guest image is not built.
 */
export async function measureGuestOverhead(
  options: GuestOverheadOptions = {},
): Promise<GuestOverhead> {
  const RUNS = options.runs ?? 7;
  const console = { log: options.log ?? (() => {}) };
  if (!(await findGuestImage())) {
    throw new Error("guest image not built: bash tests/infra/guest/build.sh");
  }
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-bench-" });
  const guest = await startGuest({ dir, disks: [{ name: "d0", sizeMiB: 1024 }] });
  console.log(`guest booted in ${fmt(guest.boot.bootedMs)}`);
  try {
    await makeVolumeGroups(guest.exec, [{ name: "vg0", disk: guest.disks[0] }]);
    const timing = new Timing(guest.exec);
    const exec = new AllowlistExecutor(timing);
    const bare: number[] = [];
    const saga: number[] = [];
    const steps = new Map<string, number[]>();
    let lastRunCommands: GuestOverhead["lastRunCommands"] = {};
    const spec = async (kind: string, i: number): Promise<VolumeSpec> =>
      await planSpec(exec, {
        name: `${kind}-${i}`,
        uid: testUid((kind === "bare" ? 0xb000 : 0xc000) + i),
        storage: "64Mi",
        vgs: ["vg0"],
      });

    // One unmeasured round of each warms the guest's caches (binaries, lvm metadata).
    for (let i = 0; i <= RUNS; i++) {
      const measured = i > 0;
      const b = await spec("bare", i);
      await runChecked(exec, ["mkdir", "-p", b.mountPoint]);
      let started = performance.now();
      for (const argv of [lvcreateArgv(b), mkfsArgv(b), mountArgv(b)]) await runChecked(exec, argv);
      if (measured) bare.push(performance.now() - started);
      await runChecked(exec, ["umount", b.mountPoint]);
      await runChecked(exec, ["rmdir", b.mountPoint]);
      await runChecked(exec, ["lvremove", "--yes", `${b.vg}/${b.pvName}`]);

      const s = await spec("saga", i);
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
      const commands = new Map(timing.byCommand);
      if (i === RUNS) {
        lastRunCommands = Object.fromEntries(
          [...commands].map((
            [k, v],
          ) => [k, { count: v.length, totalMs: v.reduce((a, x) => a + x, 0) }]),
        );
        console.log("\nsaga commands in the last run (count, total):");
        for (const [k, v] of commands) {
          console.log(`  ${k.padEnd(24)} ${v.length}  ${fmt(v.reduce((a, x) => a + x, 0))}`);
        }
      }
      const teardown = await engine.teardown(s.pvName, s);
      if (teardown.status !== "torn-down") throw new Error(`teardown ${teardown.status}`);
    }

    console.log(`\n64 MiB ext4 volume, ${RUNS} runs each, alternating:`);
    console.log(line("bare lvcreate+mkfs+mount", bare));
    console.log(line("provisioning saga", saga));
    const ratio = stats(saga).median / stats(bare).median;
    console.log(`ratio of medians: ${ratio.toFixed(2)}x (goal <= 1.2x)`);
    console.log("\nsaga per step (do):");
    for (const [name, ms] of steps) console.log(`  ${line(name, ms)}`);
    return {
      bootMs: guest.boot.bootedMs,
      bareMs: bare,
      sagaMs: saga,
      ratio,
      stepsMs: Object.fromEntries(steps),
      lastRunCommands,
    };
  } finally {
    await guest.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
  await measureGuestOverhead({ runs: Number(values.runs ?? "7"), log: console.log });
}
