/**
 * Starts one QEMU process for the test guest: TCG (nested KVM hangs at boot), the kernel and
 * initrd from the image, a qcow2 overlay as /dev/vda, extra virtio disks as /dev/vdb..., user
 * networking with `restrict=on` and a single loopback forward to the runner, and the runner's
 * source handed over through fw_cfg.
 *
 * @module
 */

import { serverFlags } from "../../../src/host/remote_server.ts";
import type { GuestImage } from "./image.ts";

const RUNNER_SOURCE = new URL("../../../src/host/remote_server.ts", import.meta.url).pathname;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return await Promise.resolve(port);
}

/** Everything one QEMU run needs. */
export interface QemuSpec {
  image: GuestImage;
  /** Working directory: serial log, QEMU's own log and the fw_cfg files go here. */
  dir: string;
  overlay: string;
  /** Extra disk image files (raw), in the order they appear as /dev/vdb, /dev/vdc... */
  disks: { name: string; file: string }[];
  memMiB: number;
  cpus: number;
  hostPort: number;
}

/** A running QEMU and where it logs. */
export interface QemuProcess {
  child: Deno.ChildProcess;
  serialLog: string;
  qemuLog: string;
  /** Resolves with QEMU's exit code once its output is flushed to qemuLog. */
  exited: Promise<number>;
}

/** Creates a qcow2 overlay on the read-only base, so every run starts from a clean image. */
export async function createOverlay(base: string, overlay: string): Promise<void> {
  const out = await new Deno.Command("qemu-img", {
    args: ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", base, overlay],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`qemu-img create failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Creates a sparse raw disk image of `sizeMiB`. */
export async function createRawDisk(file: string, sizeMiB: number): Promise<void> {
  using handle = await Deno.open(file, { write: true, create: true, truncate: true });
  await handle.truncate(sizeMiB * 1024 * 1024);
}

/** The QEMU argv for a spec (exported for inspection in tests). */
export function qemuArgs(spec: QemuSpec, runnerEnv: string, serialLog: string): string[] {
  const { image } = spec;
  const args = [
    "-nodefaults",
    "-no-user-config",
    "-accel",
    "tcg",
    "-cpu",
    "max",
    "-smp",
    String(spec.cpus),
    "-m",
    String(spec.memMiB),
    "-display",
    "none",
    "-monitor",
    "none",
    "-serial",
    `file:${serialLog}`,
    // A guest-initiated reboot ends QEMU; the harness boots a fresh one instead (faster).
    "-no-reboot",
    "-kernel",
    image.kernel,
    "-initrd",
    image.initrd,
    "-append",
    // Skip the kernel's crypto self-tests and soft-lockup watchdog: under TCG on a busy
    // 2-core host they can stall the boot for minutes and prove nothing about us.
    "console=ttyS0 root=/dev/vda rw mitigations=off cryptomgr.notests nowatchdog" +
    // LOCAL_LVM_GUEST_DEBUG=1 copies the guest's journal (the runner's errors too) to serial.
    (Deno.env.get("LOCAL_LVM_GUEST_DEBUG") ? " systemd.journald.forward_to_console=1" : ""),
  ];
  // Explicit devices in command-line order get PCI slots in that order, so the root disk is
  // vda and the extra disks follow (an `if=virtio` drive would be placed after them).
  args.push(
    "-drive",
    `file=${spec.overlay},if=none,id=root,format=qcow2`,
    "-device",
    "virtio-blk-pci,drive=root,serial=root",
  );
  spec.disks.forEach((disk, i) => {
    args.push(
      "-drive",
      `file=${disk.file},if=none,id=disk${i},format=raw`,
      "-device",
      `virtio-blk-pci,drive=disk${i},serial=${disk.name}`,
    );
  });
  args.push(
    "-netdev",
    `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${spec.hostPort}-:${image.guestPort}`,
    "-device",
    "virtio-net-pci,netdev=net0",
    "-fw_cfg",
    `name=opt/local-lvm/remote_server.ts,file=${RUNNER_SOURCE}`,
    "-fw_cfg",
    `name=opt/local-lvm/runner.env,file=${runnerEnv}`,
  );
  return args;
}

/** Starts QEMU for `spec`; its serial console goes to `<dir>/serial-<n>.log`. */
export async function launchQemu(spec: QemuSpec, bootNumber: number): Promise<QemuProcess> {
  const runnerEnv = `${spec.dir}/runner.env`;
  const flags = serverFlags(spec.image.guestAddress, spec.image.guestPort);
  await Deno.writeTextFile(runnerEnv, `RUNNER_FLAGS=${flags.join(" ")}\n`);
  const serialLog = `${spec.dir}/serial-${bootNumber}.log`;
  const qemuLog = `${spec.dir}/qemu-${bootNumber}.log`;
  const child = new Deno.Command("qemu-system-x86_64", {
    args: qemuArgs(spec, runnerEnv, serialLog),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log = await Deno.open(qemuLog, { write: true, create: true, truncate: true });
  const merged = async () => {
    const writer = log.writable.getWriter();
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) await writer.write(chunk);
    };
    await Promise.all([copy(child.stdout), copy(child.stderr)]);
    await writer.close();
  };
  const exited = Promise.all([child.status, merged()]).then(([status]) => status.code);
  return { child, serialLog, qemuLog, exited };
}
