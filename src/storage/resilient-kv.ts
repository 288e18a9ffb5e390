import { type CallPolicy, callDependency, DEFAULT_CALL_POLICY, type FailureKind } from "./resilient-call";

/**
 * KV behind the same adapter as D1 (docs/resilience.md): a failed or stalled call is
 * `service_unavailable`, reads (`get`, `getWithMetadata`, `list`) are retried with bounded backoff,
 * writes (`put`, `delete`) are attempted once. Built once per binding per isolate; it does nothing
 * until a call is made.
 */

/**
 * KV's own refusals of a call (a key or value too large, an expiration too soon: 4xx other than
 * 429) are bugs of the caller, not outages, and pass through. 429 is KV's per-key write limit, an
 * availability failure like any 5xx.
 */
const REFUSED = /\b4(?!29)\d\d\b/;

export function classifyKvFailure(err: unknown): FailureKind {
  const text = err instanceof Error ? err.message : String(err);
  return REFUSED.test(text) ? "refused" : "transient";
}

type AnyCall = (...args: unknown[]) => Promise<unknown>;

const adapters = new WeakMap<KVNamespace, KVNamespace>();

function wrap(kv: KVNamespace, policy: CallPolicy): KVNamespace {
  const call = (operation: keyof KVNamespace, idempotent: boolean) => {
    const method = kv[operation] as unknown as AnyCall;
    return (...args: unknown[]) =>
      callDependency(() => method.apply(kv, args), {
        dependency: "kv",
        operation: `kv ${operation}`,
        idempotent,
        classify: classifyKvFailure,
        policy,
      });
  };
  return {
    get: call("get", true),
    getWithMetadata: call("getWithMetadata", true),
    list: call("list", true),
    put: call("put", false),
    delete: call("delete", false),
  } as unknown as KVNamespace;
}

/** The KV binding with outages typed and reads retried; one adapter per binding per isolate. */
export function resilientKv(kv: KVNamespace, policy: CallPolicy = DEFAULT_CALL_POLICY): KVNamespace {
  if (policy !== DEFAULT_CALL_POLICY) return wrap(kv, policy);
  let adapter = adapters.get(kv);
  if (!adapter) {
    adapter = wrap(kv, policy);
    adapters.set(kv, adapter);
  }
  return adapter;
}
