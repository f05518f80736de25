/**
 * The one guest the real-lvm2 tier shares: its disks and volume groups, the node executor
 * the steps use (the allowlist in front of the channel, exactly as on a node), the raw
 * channel for assertion commands, and a spec factory that plans claims against the
 * guest's real `vgs`.
 *
 * @module
 */

import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { type Executor, runChecked } from "../../src/host/executor.ts";
import type { RemoteExecutor } from "../../src/host/remote_executor.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { listVolumeGroups } from "../../src/provision/node_queries.ts";
import { planVolume } from "../../src/provision/plan_volume.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import { MemoryJournal, SagaEngine } from "../../src/saga/mod.ts";
import { provisionSaga } from "../../steps/mod.ts";
import type { FsType, VolumeSpec } from "../../src/volume.ts";
import type { ProvisionDeps } from "../../src/provision/deps.ts";
import { findGuestImage, type Guest, makeVolumeGroups, startGuest } from "../infra/guest/guest.ts";

export const MiB = 1024 ** 2;
/** Node name of the guest in every spec. */
export const NODE = "guest-node";
/** The configured base path. */
export const BASE = "/volumes";

/** The disks: two roomy VGs and one tiny one for "full" cases. */
export const DISKS = [
  { name: "d0", sizeMiB: 1024 },
  { name: "d1", sizeMiB: 1024 },
  { name: "d2", sizeMiB: 16 },
];
export const VGS = ["vg0", "vg1", "vgsmall"];

/** A running guest and the two ways into it. */
export interface GuestContext {
  guest: Guest;
  /** The executor the steps get: allowlist, then channel, as on a node. */
  exec: Executor;
  /** The raw channel, for test-only commands (cat, sha256sum, systemd-run...). */
  probe: RemoteExecutor;
  /** Host-side scratch directory (journals and PV files of driver runs). */
  dir: string;
  /** QEMU boots so far (the first one and each reboot). */
  boots: number;
}

/** Why the tier cannot run here, or undefined. Never builds the image (that takes minutes). */
export async function skipReason(): Promise<string | undefined> {
  const net = await Deno.permissions.query({ name: "net", host: "127.0.0.1" });
  if (net.state !== "granted") return "needs --allow-net=127.0.0.1";
  const run = await Deno.permissions.query({ name: "run" });
  if (run.state !== "granted") return "needs --allow-run";
  for (const bin of ["qemu-system-x86_64", "qemu-img"]) {
    const found = await new Deno.Command(bin, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output().then((o) => o.success, () => false);
    if (!found) return `QEMU is not installed (${bin})`;
  }
  if (!(await findGuestImage())) return "guest image not built (bash tests/infra/guest/build.sh)";
  return undefined;
}

/** Boots the guest and makes vg0, vg1 and vgsmall on its disks. */
export async function bootTierGuest(dir: string): Promise<GuestContext> {
  const guest = await startGuest({ dir, disks: DISKS });
  const ctx: GuestContext = {
    guest,
    exec: new AllowlistExecutor(guest.exec),
    probe: guest.exec,
    dir,
    boots: 1,
  };
  const reboot = guest.reboot;
  guest.reboot = (options) => (ctx.boots++, reboot(options));
  await makeVolumeGroups(ctx.probe, VGS.map((name, i) => ({ name, disk: guest.disks[i] })));
  return ctx;
}

/** Runs a test-only command in the guest and returns its stdout; throws on failure. */
export async function sh(
  ctx: Pick<GuestContext, "probe">,
  argv: string[],
  stdin?: string,
): Promise<string> {
  return (await runChecked(ctx.probe, argv, stdin === undefined ? {} : { stdin })).stdout;
}

/** The exit code of a test-only command (for `test -e` and friends). */
export async function code(ctx: Pick<GuestContext, "probe">, argv: string[]): Promise<number> {
  return (await ctx.probe.run(argv)).code;
}

/** A claim uid unique to this run: the API server's format, numbered. */
export function testUid(n: number): string {
  return `7e57c1a1-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** What a test claim looks like. */
export interface TestClaim {
  name: string;
  uid: string;
  storage: string;
  fsType?: FsType;
  /** The node's configured VGs; default vg0 and vg1. */
  vgs?: string[];
  reclaimPolicy?: "Delete" | "Retain";
}

/** Plans a claim against the guest's real `vgs`, with the same pure function as the agent. */
export async function planSpec(exec: Executor, c: TestClaim): Promise<VolumeSpec> {
  const vgs = c.vgs ?? ["vg0", "vg1"];
  const parsed = parseConfig(JSON.stringify({ nodeVGMap: [{ node: NODE, path: BASE, vgs }] }));
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const plan = planVolume({
    claim: {
      metadata: { name: c.name, namespace: "default", uid: c.uid },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "local-lvm",
        resources: { requests: { storage: c.storage } },
      },
    },
    storageClass: {
      name: "local-lvm",
      provisioner: "local-lvm.io",
      reclaimPolicy: c.reclaimPolicy ?? "Delete",
      parameters: { fsType: c.fsType ?? "ext4" },
    },
    node: { name: NODE, hostnameLabel: NODE },
    config: parsed.config,
    vgReports: await listVolumeGroups(exec, vgs),
    reservations: [],
  });
  if (!plan.ok) throw new Error(plan.errors.join("\n"));
  return plan.spec;
}

/** The agent-side state of one test: API server, journal, holds. */
export interface World {
  kube: MemoryVolumeApi;
  journal: MemoryJournal;
  reservations: ReservationBook;
}

/** A fresh world. */
export function newWorld(): World {
  return {
    kube: new MemoryVolumeApi(),
    journal: new MemoryJournal(),
    reservations: new ReservationBook(),
  };
}

/** The real engine and steps over the guest, as an agent would build them. */
export function engineFor(
  ctx: GuestContext,
  world: World,
  exec: Executor = ctx.exec,
): SagaEngine<VolumeSpec, ProvisionDeps> {
  return new SagaEngine(provisionSaga, {
    journal: world.journal,
    deps: { exec, kube: world.kube, reservations: world.reservations },
    undoAttempts: 2,
    undoBackoffMs: 200,
  });
}

/** Hex SHA-256 of a text, computed on the host. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash `sha256sum` prints for a file or device in the guest. */
export async function guestSha256(ctx: Pick<GuestContext, "probe">, path: string): Promise<string> {
  return (await sh(ctx, ["sha256sum", path])).split(" ")[0];
}

/** Some text that is not all zeroes, `lines` lines long, different for each seed. */
export function payload(seed: string, lines = 200): string {
  return Array.from({ length: lines }, (_, i) => `${seed} line ${i} ${(i * 7919) % 104729}\n`)
    .join("");
}

/** One scenario of the tier; runs as a step of the tier's single test. */
export interface TierCase {
  name: string;
  fn: (ctx: GuestContext) => Promise<void>;
}
