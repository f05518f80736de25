/**
 * The machine a bench ran on, from /proc and Deno itself.
 *
 * @module
 */

/** What the figures depend on. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryMiB: number;
  kernel: string;
  deno: string;
  v8: string;
}

/** Reads a /proc file through `cat`: Deno asks for every permission to read /proc itself. */
async function readOr(path: string, fallback = ""): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stderr: "null" }).output()
    .catch(() => undefined);
  return out?.success ? new TextDecoder().decode(out.stdout) : fallback;
}

/** Reads /proc/cpuinfo, /proc/meminfo and /proc/sys/kernel/osrelease. */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readOr("/proc/cpuinfo");
  const meminfo = await readOr("/proc/meminfo");
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? NaN);
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown",
    memoryMiB: Math.round(memKiB / 1024),
    kernel: (await readOr("/proc/sys/kernel/osrelease", "unknown")).trim(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** Peak and current resident set size of a process (MiB), from /proc/<pid>/status. */
export async function residentMiB(pid: number): Promise<{ peak: number; current: number }> {
  const status = await readOr(`/proc/${pid}/status`);
  if (!status) throw new Error(`cannot read /proc/${pid}/status`);
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { peak: kib("VmHWM") / 1024, current: kib("VmRSS") / 1024 };
}
