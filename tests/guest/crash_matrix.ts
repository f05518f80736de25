/**
 * Crash convergence with real process deaths: for every effect N of a clean provisioning
 * and of a clean teardown, a driver process (saga_driver.ts) is SIGKILLed right after
 * effect N, a new driver recovers from the journal, and the guest's real lvs, findmnt, unit
 * files and mount point must show exactly the provisioned volume, or nothing at all.
 *
 * Provisioning is recovered forwards and, in a second variant, backwards; teardown
 * backwards. Chains run in parallel lanes (each its own claim), since most of the time is
 * systemd reloading under TCG.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FileJournal } from "../../src/saga/mod.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import { type GuestContext, planSpec, testUid, type TierCase } from "./context.ts";
import { FileVolumeApi } from "./file_volume_api.ts";
import { assertNothingLeftOnGuest, assertProvisionedOnGuest } from "./node_state.ts";
import type { DriverResult } from "./saga_driver.ts";
import { predictEffects } from "./predicted_effects.ts";

const DRIVER = new URL("./saga_driver.ts", import.meta.url).pathname;
type Mode = "provision" | "teardown" | "recover-forward" | "recover-backward";

/** One claim's driver runs, with its own journal and PV directory. */
class Lane {
  constructor(
    readonly ctx: GuestContext,
    readonly spec: VolumeSpec,
    readonly state: string,
    /** What `plan` predicts, per mode: the driver must die right after effect n of these. */
    readonly predicted: { provision: string[][]; teardown: string[][] },
  ) {}

  static async create(ctx: GuestContext, label: string, n: number): Promise<Lane> {
    const spec = await planSpec(ctx.exec, { name: label, uid: testUid(n), storage: "4Mi" });
    const state = `${ctx.dir}/${label}`;
    await Deno.mkdir(state, { recursive: true });
    await Deno.writeTextFile(`${state}/spec.json`, JSON.stringify(spec));
    return new Lane(ctx, spec, state, await predictEffects(spec));
  }

  get agent() {
    return {
      kube: new FileVolumeApi(`${this.state}/pvs`),
      journal: new FileJournal(`${this.state}/journal`),
    };
  }

  /** Runs the driver to its end; throws unless it ended as `want`. */
  async run(mode: Mode, want: DriverResult["status"]): Promise<DriverResult> {
    const out = await this.#spawn(mode);
    const text = new TextDecoder().decode(out.stdout).trim();
    if (out.code !== 0 || !text) {
      throw new Error(`driver ${mode} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
    }
    const result = JSON.parse(text) as DriverResult;
    assert.equal(result.status, want, `driver ${mode}: ${result.error ?? ""}`);
    return result;
  }

  /**
   * Runs the driver until it kills itself after effect `n`, which must be the one `plan`
   * predicted; throws if it was not killed there.
   */
  async kill(mode: "provision" | "teardown", n: number): Promise<void> {
    const out = await this.#spawn(mode, n);
    const stderr = new TextDecoder().decode(out.stderr);
    const want = `killed after effect ${n}: ${this.predicted[mode][n - 1].join(" ")}\n`;
    if (out.signal !== "SIGKILL" || !stderr.endsWith(want)) {
      throw new Error(
        `driver ${mode} was not killed after the predicted effect ${n} (exit ${out.code}): ` +
          `${stderr}${new TextDecoder().decode(out.stdout)}`,
      );
    }
  }

  #spawn(mode: Mode, killAfter?: number): Promise<Deno.CommandOutput> {
    const port = this.ctx.probe.port;
    return new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-lock",
        "--no-prompt",
        `--allow-net=127.0.0.1:${port}`,
        `--allow-read=${this.state}`,
        `--allow-write=${this.state}`,
        DRIVER,
        ...["--port", String(port), "--spec", `${this.state}/spec.json`, "--state", this.state],
        ...["--mode", mode, ...(killAfter ? ["--kill-after", String(killAfter)] : [])],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  }
}

/** Runs `tasks` with at most `lanes` at a time. */
async function pool(tasks: (() => Promise<void>)[], lanes: number): Promise<void> {
  const queue = [...tasks];
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  };
  await Promise.all(Array.from({ length: lanes }, worker));
}

const LANES = Number(Deno.env.get("LOCAL_LVM_GUEST_LANES") ?? "3");

export const crashCases: TierCase[] = [{
  name: "SIGKILL after every effect converges: provisioning forward and backward, teardown",
  async fn(ctx) {
    // The matrix is laid out on plan's prediction; each kill checks the real effect n is
    // the predicted one, and plan_cases.ts compares whole sequences.
    const { provision, teardown } = (await Lane.create(ctx, "crash-plan", 0x300)).predicted;
    console.log(`  provisioning effects: ${provision.map((e) => e[0] + " " + e[1]).join(" | ")}`);
    console.log(`  teardown effects: ${teardown.map((e) => e[0] + " " + e[1]).join(" | ")}`);
    assert.ok(provision.length >= 5 && teardown.length >= 5, "both runs change the node");

    let cases = 0;
    const failures: string[] = [];
    const attempt = async (label: string, body: () => Promise<void>) => {
      cases++;
      try {
        await body();
      } catch (error) {
        failures.push(`${label}: ${(error as Error).message}`);
      }
    };
    const chains: (() => Promise<void>)[] = [];
    for (let n = 1; n <= provision.length; n++) {
      const what = `effect ${n} (${provision[n - 1].join(" ").slice(0, 60)})`;
      chains.push(async () => {
        const lane = await Lane.create(ctx, `crash-f${n}`, 0x310 + n);
        await attempt(`provision, kill after ${what}, recover forward`, async () => {
          await lane.kill("provision", n);
          await lane.run("recover-forward", "completed");
          await assertProvisionedOnGuest(ctx, lane.spec, lane.agent);
        });
        // The volume this chain provisioned is the starting point of a teardown case.
        if (n <= teardown.length) {
          const tw = `effect ${n} (${teardown[n - 1].join(" ").slice(0, 60)})`;
          await attempt(`teardown, kill after ${tw}, recover backward`, async () => {
            await lane.kill("teardown", n);
            await lane.run("recover-backward", "torn-down");
            await assertNothingLeftOnGuest(ctx, lane.spec, lane.agent);
          });
        } else {
          await lane.run("teardown", "torn-down");
          await assertNothingLeftOnGuest(ctx, lane.spec, lane.agent);
        }
      });
      chains.push(() =>
        attempt(`provision, kill after ${what}, recover backward`, async () => {
          const lane = await Lane.create(ctx, `crash-b${n}`, 0x330 + n);
          await lane.kill("provision", n);
          await lane.run("recover-backward", "torn-down");
          await assertNothingLeftOnGuest(ctx, lane.spec, lane.agent);
        })
      );
    }
    await pool(chains, LANES);
    console.log(`guest crash matrix: ${cases - failures.length} of ${cases} cases converge`);
    assert.deepEqual(failures, []);
    assert.equal(cases, 2 * provision.length + teardown.length);
  },
}];
