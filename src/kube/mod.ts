/**
 * Everything that talks to the API server: clients, reflectors, the work queue, PV and claim
 * operations, events, and error predicates.
 *
 * @module
 */

export * from "./api_path.ts";
export * from "./backoff.ts";
export * from "./capacity_api.ts";
export * from "./claim_api.ts";
export * from "./client.ts";
export * from "./clock.ts";
export * from "./errors.ts";
export * from "./event_object.ts";
export * from "./events.ts";
export * from "./http.ts";
export * from "./kube_volume_api.ts";
export * from "./lease.ts";
export * from "./list_watch.ts";
export * from "./logger.ts";
export * from "./memory_volume_api.ts";
export * from "./objects.ts";
export * from "./rate_limiter.ts";
export * from "./reflector.ts";
export * from "./volume_api.ts";
export * from "./watch_stream.ts";
export * from "./work_queue.ts";
