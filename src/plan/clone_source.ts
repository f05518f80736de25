/**
 * The source of a clone in a dry run. `plan` has no API server to ask, so the source is
 * looked up on the node by its `pvname=<namespace>-<claim>` tag (a captured host state), or,
 * on the simulated node, made up: an LV of ours of the clone's size with a filesystem of the
 * clone's type, so the plan shows every command a real clone would run.
 *
 * @module
 */

import type { Executor } from "../host/executor.ts";
import { runChecked } from "../host/executor.ts";
import type { CloneRequest } from "../decide/clone_source.ts";
import type { ResolvedSource } from "../decide/clone_source.ts";
import { parseLvsReport } from "../host/lvm_report.ts";
import { lvsArgv } from "../provision/node_queries.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { LV_TAG_OWNER, LV_TAG_PVNAME_PREFIX, lvTags, type VolumeSpec } from "../volume.ts";

/** Placeholder uid of a made-up source claim. */
export const SOURCE_PLACEHOLDER_UID = "11111111-1111-1111-1111-111111111111";

/** The source found or made, and how, for the plan's header. */
export interface PlannedSource {
  source: ResolvedSource;
  description: string;
}

/** Finds the source claim's LV on a captured node by its tags. */
export async function findSourceOnNode(
  exec: Executor,
  request: Extract<CloneRequest, { kind: "claim" }>,
): Promise<PlannedSource | undefined> {
  const tag = `${LV_TAG_PVNAME_PREFIX}${request.namespace}-${request.name}`;
  const lvs = parseLvsReport((await runChecked(exec, lvsArgv([`@${LV_TAG_OWNER}`]))).stdout);
  const lv = lvs.find((l) => l.tags.includes(tag) && l.name.startsWith("pvc-"));
  if (!lv) return undefined;
  const uid = lv.name.slice("pvc-".length);
  return {
    source: { claim: { namespace: request.namespace, name: request.name, uid }, pvName: lv.name },
    description: `${lv.vg}/${lv.name}, found by its tag ${tag}`,
  };
}

/** Makes a source on a simulated node: an LV of ours like the clone, with a filesystem. */
export async function makeSimulatedSource(
  exec: Executor,
  clone: VolumeSpec,
  request: Extract<CloneRequest, { kind: "claim" }>,
): Promise<PlannedSource> {
  const claim = { namespace: request.namespace, name: request.name, uid: SOURCE_PLACEHOLDER_UID };
  const pvName = `pvc-${SOURCE_PLACEHOLDER_UID}`;
  const device = `/dev/${clone.vg}/${pvName}`;
  await runChecked(
    exec,
    lvcreateArgvFor(clone.vg, pvName, clone.sizeBytes, lvTags({ basePath: clone.basePath, claim })),
  );
  await runChecked(
    exec,
    clone.fsType === "xfs"
      ? ["mkfs.xfs", "-q", "-m", `uuid=${SOURCE_PLACEHOLDER_UID}`, device]
      : ["mkfs.ext4", "-q", "-m", "0", "-U", SOURCE_PLACEHOLDER_UID, device],
  );
  return {
    source: { claim, pvName },
    description: `simulated as ${clone.vg}/${pvName}, as large as the clone; pass --host-state ` +
      "to find the real one by its tags",
  };
}
