/**
 * Running `deno task plan` as a user would, and the captured host state its `--host-state`
 * tests read: shared by the provisioning and the resize plan tests.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `deno task plan` exactly as a user would, with run/write/net explicitly denied on top. */
export async function plan(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: string = config.tasks.plan;
  const [, ...flags] = task.replace(/^deno run /, "run ").split(" ");
  const script = flags.pop()!;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "--deny-run", "--deny-write", "--deny-net", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * The LVM reports of a captured node: VG vg0 (255 extents of 4 MiB, 253 free) holding one
 * 8 MiB volume `pvc-<uid>` of claim default/data, mounted under /data.
 */
export function capturedLvmReports(uid: string) {
  return {
    vgs: {
      report: [{
        vg: [{
          vg_name: "vg0",
          vg_size: "1069547520",
          vg_free: "1061158912",
          vg_extent_size: "4194304",
          vg_extent_count: "255",
          vg_free_count: "253",
        }],
      }],
    },
    lvs: {
      report: [{
        lv: [{
          lv_name: `pvc-${uid}`,
          vg_name: "vg0",
          lv_size: "8388608",
          lv_tags: "local-lvm-provisioner,mount=/data,pvname=default-data",
          lv_path: `/dev/vg0/pvc-${uid}`,
          lv_attr: "-wi-ao----",
        }],
      }],
    },
  };
}

/** Writes `state` to a temporary file for `--host-state`, runs `use` on it, then removes it. */
export async function withHostStateFile(
  state: unknown,
  use: (file: string) => Promise<void>,
): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(state));
    await use(file);
  } finally {
    await Deno.remove(file);
  }
}
