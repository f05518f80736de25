/**
 * The boot unit does its job: after a reboot, systemd's own records show every volume's
 * `.mount` unit active before `kubelet.service` started, and the data is intact.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { VolumeSpec } from "../../src/volume.ts";
import { activationUnitName, UNIT_DIR } from "../../steps/systemd_unit.ts";
import { type GuestContext, guestSha256, planSpec, sh, testUid, type TierCase } from "./context.ts";
import { mapperPath, readVolumeState } from "./node_state.ts";
import { provisionOk, teardownOk, writeAndReadBack } from "./provision_cases.ts";

/**
 * A stand-in kubelet. DefaultDependencies=no takes away the ordering after local-fs.target
 * that every ordinary service gets, so only our units' `Before=kubelet.service` can hold it
 * back: without it, this kubelet would start at the very beginning of the boot.
 */
const KUBELET_UNIT = `[Unit]
Description=Stand-in kubelet for the local-lvm guest tier
DefaultDependencies=no

[Service]
ExecStart=/bin/sleep infinity

[Install]
WantedBy=multi-user.target
`;

/** `systemctl show` properties as a map. */
async function show(ctx: GuestContext, unit: string, props: string[]) {
  const out = await sh(ctx, ["systemctl", "show", ...props.map((p) => `--property=${p}`), unit]);
  return Object.fromEntries(
    out.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** A unit list as `systemctl show` prints it: names with a backslash come C-quoted. */
function unitList(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)]
    .map((m) => m[2] ?? m[1].replace(/\\(.)/g, "$1"));
}

/** systemd's records after a boot: every mount active before the kubelet started; data intact. */
async function checkAfterBoot(ctx: GuestContext, specs: VolumeSpec[], hashes: string[]) {
  const kubelet = await show(ctx, "kubelet.service", [
    "ActiveState",
    "After",
    "InactiveExitTimestampMonotonic",
    "ExecMainStartTimestampMonotonic",
  ]);
  assert.equal(kubelet.ActiveState, "active", "the stand-in kubelet runs");
  // The earlier of "left inactive" and "forked its main process" (simple services fork
  // first, then change state), in µs since boot.
  const marks = [kubelet.InactiveExitTimestampMonotonic, kubelet.ExecMainStartTimestampMonotonic]
    .map(Number);
  assert.ok(marks.every((m) => m > 0), `kubelet.service start recorded: ${marks}`);
  const kubeletStart = Math.min(...marks);
  const after = unitList(kubelet.After);
  for (const [i, spec] of specs.entries()) {
    const unit = await show(ctx, spec.unitName, [
      "ActiveState",
      "ActiveEnterTimestampMonotonic",
      "What",
      "Where",
    ]);
    if (unit.ActiveState !== "active") {
      const log = await ctx.probe.run([
        "journalctl",
        "-b",
        "--no-pager",
        "-o",
        "short-monotonic",
      ]);
      const lines = log.stdout.split("\n").filter((l) =>
        /mount|lvm|pvscan|vg0|vg1|dev-|kubelet/i.test(l)
      );
      assert.fail(`${spec.unitName} is ${unit.ActiveState} after boot:\n${lines.join("\n")}`);
    }
    assert.equal(unit.Where, spec.mountPoint);
    const mounted = Number(unit.ActiveEnterTimestampMonotonic);
    // The activation service ran, succeeded, and ended before the mount.
    const activation = await show(ctx, activationUnitName(spec), [
      "Result",
      "ExecMainStatus",
      "ExecMainExitTimestampMonotonic",
    ]);
    const activated = Number(activation.ExecMainExitTimestampMonotonic);
    assert.deepEqual(
      [activation.Result, activation.ExecMainStatus],
      ["success", "0"],
      `${activationUnitName(spec)} succeeded`,
    );
    assert.ok(
      activated > 0 && activated <= mounted,
      `${activationUnitName(spec)} done at ${activated} µs, mounted at ${mounted} µs`,
    );
    assert.ok(
      mounted > 0 && mounted <= kubeletStart,
      `${spec.unitName} active at ${mounted} µs, kubelet started at ${kubeletStart} µs`,
    );
    assert.ok(
      after.includes(spec.unitName),
      `kubelet.service is After=${spec.unitName}: ${kubelet.After}`,
    );
    const state = await readVolumeState(ctx, spec);
    assert.deepEqual(state.mount, {
      source: mapperPath(spec.vg, spec.pvName),
      fstype: spec.fsType,
    });
    assert.ok(state.dataDirExists, "the data dir is back");
    assert.equal(await guestSha256(ctx, `${spec.hostPath}/payload.txt`), hashes[i]);
    const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
    console.log(
      `  ${spec.unitName}: LV activation done at ${ms(activated)}, mounted at ${ms(mounted)}, ` +
        `${ms(kubeletStart - mounted)} before kubelet.service started`,
    );
  }
}

export const rebootCases: TierCase[] = [{
  name: "reboot: all three mounts were active before kubelet.service started; data intact",
  async fn(ctx) {
    await sh(ctx, ["tee", `${UNIT_DIR}/kubelet.service`], KUBELET_UNIT);
    await sh(ctx, ["systemctl", "enable", "kubelet.service"]);
    const specs: VolumeSpec[] = await Promise.all([
      planSpec(ctx.exec, { name: "boot-a", uid: testUid(0x700), storage: "8Mi", vgs: ["vg0"] }),
      planSpec(ctx.exec, { name: "boot-b", uid: testUid(0x701), storage: "12Mi", vgs: ["vg1"] }),
      planSpec(ctx.exec, {
        name: "boot-c",
        uid: testUid(0x702),
        storage: "300Mi",
        fsType: "xfs",
        vgs: ["vg0"],
      }),
    ]);
    const worlds = await Promise.all(specs.map((s) => provisionOk(ctx, s)));
    const hashes = await Promise.all(specs.map((s) => writeAndReadBack(ctx, s)));

    const reboots = Number(Deno.env.get("LOCAL_LVM_GUEST_REBOOTS") ?? "1");
    for (let n = 1; n <= reboots; n++) {
      const boot = await ctx.guest.reboot();
      console.log(
        `  reboot ${n}/${reboots}: runner after ${boot.pingMs} ms, booted after ${boot.bootedMs} ms`,
      );
      await checkAfterBoot(ctx, specs, hashes);
    }
    // And a teardown after the boot, when systemd itself made the mounts.
    for (const [i, spec] of specs.entries()) await teardownOk(ctx, spec, worlds[i]);
  },
}];
