/**
 * Finds or builds the cached guest image (see build.sh for what is inside).
 *
 * @module
 */

const BUILD_SCRIPT = new URL("./build.sh", import.meta.url).pathname;

/** A built guest image in the cache; rootfs.img is a read-only base for overlays. */
export interface GuestImage {
  dir: string;
  rootfs: string;
  kernel: string;
  initrd: string;
  /** Where the runner listens inside the guest. */
  guestAddress: string;
  guestPort: number;
  /** Seconds the cold build took. */
  buildSeconds: number;
  /** `package=version` of the tools that matter (lvm2, e2fsprogs, systemd, kernel...). */
  packages: string[];
}

async function runBuild(args: string[], showProgress: boolean): Promise<Deno.CommandOutput> {
  return await new Deno.Command("bash", {
    args: [BUILD_SCRIPT, ...args],
    // The image embeds the Deno that runs us, and its hash covers that Deno's version.
    env: { DENO_BIN: Deno.execPath() },
    stdout: "piped",
    stderr: showProgress ? "inherit" : "piped",
  }).output();
}

async function load(dir: string): Promise<GuestImage> {
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  return {
    dir,
    rootfs: `${dir}/rootfs.img`,
    kernel: `${dir}/vmlinuz`,
    initrd: `${dir}/initrd`,
    guestAddress: manifest.guestAddress,
    guestPort: manifest.guestPort,
    buildSeconds: manifest.buildSeconds,
    packages: manifest.packages,
  };
}

function lastLine(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim().split("\n").at(-1) ?? "";
}

/**
 * The cached image for the current build script and Deno, or undefined when it is not built
 * yet. Never builds, so a test can skip quickly.
 */
export async function findGuestImage(): Promise<GuestImage | undefined> {
  const out = await runBuild(["--check"], false);
  if (out.code === 3) return undefined;
  if (out.code !== 0) {
    throw new Error(`build.sh --check failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return await load(lastLine(out.stdout));
}

/**
 * Builds the guest image unless it is cached (a cold build takes minutes: debootstrap plus
 * a kernel) and returns its paths. Progress is shown on stderr.
 */
export async function ensureGuestImage(): Promise<GuestImage> {
  const out = await runBuild([], true);
  if (out.code !== 0) throw new Error(`guest image build failed (build.sh exit ${out.code})`);
  return await load(lastLine(out.stdout));
}
