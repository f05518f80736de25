/**
 * The real-lvm2 tier: the provisioning steps, unchanged, against real lvm2, e2fsprogs,
 * xfsprogs, util-linux and systemd in one QEMU guest (plus one reboot). Every case is a
 * step of this one test, so the guest boots once.
 *
 * ```sh
 * npx --yes deno@2.9.6 test --allow-read --allow-write --allow-env --allow-run \
 *   --allow-net=127.0.0.1 tests/guest/
 * ```
 *
 * Skips with a message when QEMU or the guest image is missing (`bash
 * tests/infra/guest/build.sh` builds it). `LOCAL_LVM_GUEST_CASES=<regex>` runs only the
 * matching cases; `LOCAL_LVM_GUEST_LANES=<n>` sets the crash matrix's parallel lanes.
 */
import { bootTierGuest, skipReason, type TierCase } from "./context.ts";
import { planCases } from "./plan_cases.ts";
import { provisionCases } from "./provision_cases.ts";
import { failureCases } from "./failure_cases.ts";
import { safetyCases } from "./safety_cases.ts";
import { crashCases } from "./crash_matrix.ts";
import { opsCases } from "./ops_cases.ts";
import { rebootCases } from "./reboot_case.ts";
import { resizeCases } from "./resize_cases.ts";
import { cloneCases } from "./clone_cases.ts";
import { snapshotCases } from "./snapshot_cases.ts";

const skip = await skipReason();
if (skip) console.warn(`guest tier: skipped, ${skip}`);

const only = new RegExp(Deno.env.get("LOCAL_LVM_GUEST_CASES") ?? "");
// The reboot goes last: every case before it may assume the guest's first boot.
const CASES: TierCase[] = [
  ...planCases,
  ...provisionCases,
  ...failureCases,
  ...safetyCases,
  ...crashCases,
  ...resizeCases,
  ...opsCases,
  ...cloneCases,
  ...snapshotCases,
  ...rebootCases,
].filter((c) => only.test(c.name));

Deno.test({
  name: "real lvm2 in a QEMU guest: the steps, unchanged",
  ignore: skip !== undefined,
  // Steps hold the channel's connection open between cases, by design.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const started = performance.now();
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-guest-tier-" });
    const ctx = await bootTierGuest(dir);
    console.log(
      `boot: runner after ${ctx.guest.boot.pingMs} ms, booted ${ctx.guest.boot.bootedMs} ms`,
    );
    try {
      for (const c of CASES) {
        await t.step({
          name: c.name,
          fn: () => c.fn(ctx),
          sanitizeOps: false,
          sanitizeResources: false,
        });
      }
    } finally {
      await ctx.guest.stop();
      await Deno.remove(dir, { recursive: true });
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      console.log(`guest tier: ${CASES.length} cases, ${ctx.boots} boots, ${seconds} s`);
    }
  },
});
