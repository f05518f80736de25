import type { Executor } from "../host/executor.ts";
import type { VolumeApi } from "../kube/volume_api.ts";
import type { ReservationBook } from "./reservations.ts";

/** What the provisioning steps act on: the node, the API server, and the agent's holds. */
export interface ProvisionDeps {
  exec: Executor;
  kube: VolumeApi;
  reservations: ReservationBook;
}
