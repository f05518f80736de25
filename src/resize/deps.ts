import type { Executor } from "../host/executor.ts";
import type { ClaimStatusApi } from "../kube/claim_status.ts";
import type { PersistentVolumeCapacity, VolumeApi } from "../kube/volume_api.ts";

/** What the resize steps act on: the node, the PV and the claim's status. */
export interface ResizeDeps {
  exec: Executor;
  kube: Pick<VolumeApi, "readPersistentVolume"> & PersistentVolumeCapacity;
  claims: ClaimStatusApi;
}
