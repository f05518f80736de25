/**
 * Writes a ConfigMap's data into a directory the way the kubelet projects a ConfigMap
 * volume: a timestamped directory, a `..data` symlink swapped atomically, and one symlink
 * per key. With no kubelet in the test cluster, the tests do this themselves.
 */
import { join } from "node:path";

let generation = 0;

/** Projects `data` into `dir` (creating it), replacing what was there atomically. */
export async function projectConfigMap(dir: string, data: Record<string, string>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const version = `..${Date.now()}_${++generation}`;
  await Deno.mkdir(join(dir, version));
  for (const [key, value] of Object.entries(data)) {
    await Deno.writeTextFile(join(dir, version, key), value);
  }
  const temp = join(dir, "..data_tmp");
  await Deno.remove(temp).catch(() => {});
  await Deno.symlink(version, temp);
  const old = await Deno.readLink(join(dir, "..data")).catch(() => undefined);
  await Deno.rename(temp, join(dir, "..data"));
  for (const key of Object.keys(data)) {
    await Deno.symlink(join("..data", key), join(dir, key)).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
  }
  if (old) await Deno.remove(join(dir, old), { recursive: true });
}
