import { DeadlineExceeded, withDeadline } from "../deadline";
import { AppError, type Dependency, dependencyUnavailable } from "../errors";

/**
 * How a storage adapter calls its binding: a deadline on every call, and bounded retries with
 * jittered backoff for the idempotent reads whose failure the binding's owner calls transient.
 * Writes are attempted exactly once: a write that failed in transit may still have landed, and
 * only the flow that issued it knows whether doing it again is harmless.
 */
export interface CallPolicy {
  /** Waits before each retry of a read; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** A call that has not settled after this long is given up on as unavailable. */
  deadlineMs: number;
}

export const DEFAULT_CALL_POLICY: CallPolicy = {
  retryDelaysMs: [25, 100],
  // Far above a healthy D1 or KV call (milliseconds), well below Workers' wall-clock patience.
  deadlineMs: 10_000,
};

export type FailureKind =
  /** Transient by the binding's own documentation: a read may try again. */
  | "transient"
  /** The dependency cannot serve now (overloaded, gone, stalled): 503, no retry. */
  | "unavailable"
  /** The statement or value itself was refused (a constraint, bad SQL): the caller's to handle. */
  | "refused";

export interface CallOptions {
  dependency: Dependency;
  /** What the call is, for the log: an operation name, never a value or a query parameter. */
  operation: string;
  /** Whether the call is an idempotent read that may be retried. */
  idempotent: boolean;
  classify: (err: unknown) => FailureKind;
  policy: CallPolicy;
}

/** Full jitter on the upper half: between half the delay and the whole of it. */
function jittered(delayMs: number): number {
  return delayMs / 2 + Math.random() * (delayMs / 2);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : "unknown failure";
}

/**
 * Runs `call` under the policy. A refused call's error passes through untouched (services rely
 * on it, e.g. a UNIQUE violation); an unavailable one, or a transient one past its retries,
 * becomes `service_unavailable` naming the dependency.
 */
export async function callDependency<T>(call: () => Promise<T>, options: CallOptions): Promise<T> {
  const { policy } = options;
  const retries = options.idempotent ? policy.retryDelaysMs.length : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(call(), policy.deadlineMs);
    } catch (err) {
      if (err instanceof AppError) throw err;
      const kind = err instanceof DeadlineExceeded ? "unavailable" : options.classify(err);
      if (kind === "refused") throw err;
      const delay = policy.retryDelaysMs[attempt];
      if (kind === "transient" && attempt < retries && delay !== undefined) {
        await wait(jittered(delay));
        continue;
      }
      throw dependencyUnavailable(
        options.dependency,
        `${options.operation} failed after ${attempt + 1} attempt(s): ${describe(err)}`,
      );
    }
  }
}
