/**
 * A QEMU guest with real systemd, udev, device-mapper and lvm2, for tests whose node
 * commands must meet the real tools. Commands run inside it through {@link RemoteExecutor}.
 *
 * @example
 * ```ts ignore
 * const guest = await startGuest({ dir, disks: [{ name: "d0", sizeMiB: 1024 }] });
 * await makeVolumeGroups(guest.exec, [{ name: "vg0", disk: guest.disks[0] }]);
 * await guest.stop();
 * ```
 *
 * @module
 */

import { type Executor, runChecked } from "../../../src/host/executor.ts";
import { RemoteExecutor } from "../../../src/host/remote_executor.ts";
import { ensureGuestImage, type GuestImage } from "./image.ts";
import {
  createOverlay,
  createRawDisk,
  freePort,
  launchQemu,
  type QemuProcess,
  type QemuSpec,
} from "./qemu.ts";

export { ensureGuestImage, findGuestImage, type GuestImage } from "./image.ts";

/** An extra disk; it appears in the guest as /dev/vdb, /dev/vdc... in this order. */
export interface DiskSpec {
  name: string;
  sizeMiB: number;
}

/** How to start a guest. */
export interface StartGuestOptions {
  /** Directory for the overlay, disks and logs (the caller owns it). */
  dir: string;
  disks?: DiskSpec[];
  memMiB?: number;
  cpus?: number;
  /** Image to boot; default: {@link ensureGuestImage}. */
  image?: GuestImage;
  /** Give up on a boot after this long. Default 300 s (TCG boots take 20–60 s). */
  bootTimeoutMs?: number;
}

/** Milliseconds from QEMU start to the runner's first pong, and to systemd's boot end. */
export interface BootTimes {
  pingMs: number;
  bootedMs: number;
}

/** A running guest. */
export interface Guest {
  /** Runs commands inside; stays valid across {@link Guest.reboot}. */
  readonly exec: RemoteExecutor;
  /** Device paths inside the guest, in the order of `disks`. */
  readonly disks: string[];
  /** Timings of the latest boot. */
  readonly boot: BootTimes;
  /** Serial console log of the latest boot. */
  readonly serialLog: string;
  /** Syncs, powers off cleanly (kills QEMU if it hangs), removes overlay and disks. */
  stop(options?: { keepFiles?: boolean }): Promise<void>;
  /** Powers off (or, with `hard`, kills QEMU: a power cut) and boots again on the same disks. */
  reboot(options?: { hard?: boolean }): Promise<BootTimes>;
  /** Kills QEMU at once, as a power cut; {@link Guest.reboot} powers it on again. */
  kill(): Promise<void>;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tail(file: string, lines = 30): Promise<string> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

/** Boots a fresh guest on a new overlay of the cached image and waits until systemd is up. */
export async function startGuest(options: StartGuestOptions): Promise<Guest> {
  const image = options.image ?? await ensureGuestImage();
  const dir = options.dir;
  const disks = options.disks ?? [];
  const spec: QemuSpec = {
    image,
    dir,
    overlay: `${dir}/rootfs.qcow2`,
    disks: disks.map((d) => ({ name: d.name, file: `${dir}/${d.name}.raw` })),
    memMiB: options.memMiB ?? 512,
    // Two vCPUs (multi-threaded TCG) boot in ~19 s instead of ~31 s on a 2-core host.
    cpus: options.cpus ?? 2,
    hostPort: await freePort(),
  };
  await createOverlay(image.rootfs, spec.overlay);
  for (const [i, d] of disks.entries()) await createRawDisk(spec.disks[i].file, d.sizeMiB);
  const bootTimeoutMs = options.bootTimeoutMs ?? 300_000;
  const exec = new RemoteExecutor({ port: spec.hostPort });
  let qemu: QemuProcess | undefined;
  let running = false;
  let boots = 0;
  let boot: BootTimes = { pingMs: 0, bootedMs: 0 };

  const powerOn = async (): Promise<BootTimes> => {
    const started = Date.now();
    const current = await launchQemu(spec, ++boots);
    qemu = current;
    running = true;
    current.exited.then(() => running = false);
    const fail = async (why: string): Promise<never> => {
      await killQemu();
      throw new Error(
        `${why}\n--- ${current.qemuLog}:\n${await tail(
          current.qemuLog,
        )}\n--- ${current.serialLog}:\n${await tail(current.serialLog)}`,
      );
    };
    while (!(await exec.ping(1_000))) {
      if (!running) return await fail("QEMU exited during boot");
      if (Date.now() - started > bootTimeoutMs) return await fail("guest runner never answered");
      await delay(500);
    }
    const pingMs = Date.now() - started;
    // The runner starts early; wait until systemd has finished booting (mount units too).
    const state = await exec.run(["systemctl", "is-system-running", "--wait"], {
      timeoutMs: bootTimeoutMs,
    });
    if (!["running", "degraded"].includes(state.stdout.trim())) {
      return await fail(`guest did not finish booting: ${state.stdout}${state.stderr}`);
    }
    boot = { pingMs, bootedMs: Date.now() - started };
    return boot;
  };

  const killQemu = async () => {
    if (!qemu) return;
    if (running) {
      try {
        qemu.child.kill("SIGKILL");
      } catch { /* exited meanwhile */ }
    }
    await qemu.exited;
    exec.close();
  };

  const powerOff = async () => {
    if (!qemu) return;
    if (running) {
      await exec.run(["sync"], { timeoutMs: 60_000 });
      // The answer may never come: the runner dies with the guest.
      await exec.run(["systemctl", "poweroff"], { timeoutMs: 10_000 });
      const exited = await Promise.race([qemu.exited.then(() => true), delay(60_000)]);
      if (!exited) console.warn("guest: no clean poweroff within 60 s, killing QEMU");
    }
    await killQemu();
  };

  await powerOn();
  return {
    exec,
    disks: disks.map((_, i) => `/dev/vd${String.fromCharCode("b".charCodeAt(0) + i)}`),
    get boot() {
      return boot;
    },
    get serialLog() {
      return qemu?.serialLog ?? "";
    },
    async stop({ keepFiles = false } = {}) {
      await powerOff();
      if (keepFiles) return;
      for (const file of [spec.overlay, ...spec.disks.map((d) => d.file)]) {
        await Deno.remove(file).catch(() => {});
      }
    },
    async reboot({ hard = false } = {}) {
      await (hard ? killQemu() : powerOff());
      return await powerOn();
    },
    kill: killQemu,
  };
}

/** Creates one PV and VG per entry inside the guest (`pvcreate`, `vgcreate`). */
export async function makeVolumeGroups(
  exec: Executor,
  groups: { name: string; disk: string }[],
): Promise<void> {
  for (const { name, disk } of groups) {
    await runChecked(exec, ["pvcreate", "--yes", disk]);
    await runChecked(exec, ["vgcreate", name, disk]);
  }
}
