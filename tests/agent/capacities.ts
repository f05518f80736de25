/** The CSIStorageCapacity objects the agents publish, as the tests compare them. */
import { LABEL_CAPACITY_NODE } from "../../src/decide/names.ts";
import { parseQuantityBytes } from "../../src/decide/quantity.ts";
import type { KubeObject } from "../infra/kube/api_client.ts";
import { type Environment, waitFor } from "./environment.ts";

export const CAPACITIES =
  "/apis/storage.k8s.io/v1/namespaces/local-lvm-storage/csistoragecapacities";

/** `node/class=bytes` for every published object, sorted. */
export async function published(env: Environment): Promise<string[]> {
  const list = await env.api.get(CAPACITIES);
  return list.items.map((o: KubeObject) => {
    const bytes = parseQuantityBytes(o.maximumVolumeSize);
    const node = o.metadata.labels?.[LABEL_CAPACITY_NODE];
    return `${node}/${o.storageClassName}=${bytes.ok ? bytes.bytes : o.maximumVolumeSize}`;
  }).sort();
}

/** Waits until exactly these objects are published. */
export async function waitPublished(env: Environment, want: string[], timeoutMs = 15_000) {
  let last: string[] = [];
  try {
    await waitFor(`published ${want}`, async () => {
      last = await published(env);
      return JSON.stringify(last) === JSON.stringify([...want].sort());
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${last.join(", ")}`);
  }
}
