/**
 * Smoke test of the QEMU guest and the command channel against real tools: runs the script
 * in real_cases.ts (contract commands, their error cases, a reboot with an enabled .mount
 * unit) and compares every result with real_outputs.json. With LOCAL_LVM_RECORD_REAL=1 it
 * rewrites that file instead (the exit codes are still checked against the contract).
 *
 * Skips when the guest image is not built: `bash tests/infra/guest/build.sh` builds it.
 */
import assert from "node:assert/strict";
import type { CommandResult } from "../../../src/host/executor.ts";
import { findGuestImage, makeVolumeGroups, startGuest } from "./guest.ts";
import { DISKS, GROUPS, STEPS } from "./real_cases.ts";

const OUTPUTS = new URL("./real_outputs.json", import.meta.url);
const RECORD = Deno.env.get("LOCAL_LVM_RECORD_REAL") === "1";

interface Recorded extends CommandResult {
  argv: string[];
  stdin?: string;
}

async function skipReason(): Promise<string | undefined> {
  const net = await Deno.permissions.query({ name: "net", host: "127.0.0.1" });
  if (net.state !== "granted") return "needs --allow-net=127.0.0.1";
  const run = await Deno.permissions.query({ name: "run" });
  if (run.state !== "granted") return "needs --allow-run";
  if (!(await findGuestImage())) return "guest image not built (bash tests/infra/guest/build.sh)";
  return undefined;
}

const skip = await skipReason();
if (skip) console.warn(`guest_test: skipped, ${skip}`);

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `n=${ms.length} min=${at(0).toFixed(1)} median=${at(0.5).toFixed(1)} ` +
    `p90=${at(0.9).toFixed(1)} max=${at(1).toFixed(1)} ms`;
}

Deno.test({
  name: "guest runs the node command contract against real lvm2, util-linux and systemd",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-guest-" });
    const guest = await startGuest({ dir, disks: DISKS });
    console.log(
      `boot: runner answered after ${guest.boot.pingMs} ms, booted ${guest.boot.bootedMs} ms`,
    );
    try {
      await makeVolumeGroups(guest.exec, GROUPS);
      const cases: Record<string, Recorded> = {};
      const wrongCodes: string[] = [];
      const latencies: { name: string; ms: number }[] = [];
      for (const step of STEPS) {
        if ("reboot" in step) {
          const times = await guest.reboot();
          console.log(`reboot: runner after ${times.pingMs} ms, booted ${times.bootedMs} ms`);
          continue;
        }
        const started = performance.now();
        const res = await guest.exec.run(step.argv, { stdin: step.stdin });
        latencies.push({ name: step.name, ms: performance.now() - started });
        cases[step.name] = {
          argv: step.argv,
          ...(step.stdin ? { stdin: step.stdin } : {}),
          ...res,
        };
        if (res.code !== step.code) {
          wrongCodes.push(`${step.name}: exit ${res.code}, want ${step.code}; ${res.stderr}`);
        }
      }
      const pings: number[] = [];
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        assert.ok(await guest.exec.ping());
        pings.push(performance.now() - started);
      }
      console.log(`ping round trip: ${summary(pings)}`);
      console.log(`contract commands: ${summary(latencies.map((l) => l.ms))}`);
      const slowest = [...latencies].sort((a, b) => b.ms - a.ms).slice(0, 5);
      console.log(`slowest: ${slowest.map((l) => `${l.name} ${l.ms.toFixed(0)} ms`).join(", ")}`);
      if (RECORD) {
        const packages = (await findGuestImage())?.packages;
        const file = {
          about: "Written by guest_test.ts (LOCAL_LVM_RECORD_REAL=1)",
          packages,
          cases,
        };
        await Deno.writeTextFile(OUTPUTS, JSON.stringify(file, null, 2) + "\n");
        console.log(`recorded ${Object.keys(cases).length} cases in ${OUTPUTS.pathname}`);
      }
      assert.deepEqual(wrongCodes, [], "exit codes differ from the contract");
      if (RECORD) return;
      const recorded = JSON.parse(await Deno.readTextFile(OUTPUTS)).cases as Record<
        string,
        Recorded
      >;
      for (const [name, want] of Object.entries(recorded)) {
        assert.deepEqual(cases[name], want, `${name} differs from real_outputs.json`);
      }
      assert.deepEqual(Object.keys(cases), Object.keys(recorded));
    } finally {
      await guest.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
