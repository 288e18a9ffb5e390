import autocannon from "autocannon";

export interface LatencySummary {
  label: string;
  samples: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `request` one at a time: on an idle machine its latency is close to its CPU time. */
export async function measureSequential(
  label: string,
  samples: number,
  request: () => Promise<Response>,
): Promise<LatencySummary> {
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const response = await request();
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${label}: HTTP ${response.status}`);
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  const mean = durations.reduce((sum, d) => sum + d, 0) / durations.length;
  return { label, samples, meanMs: mean, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99) };
}

export interface ThroughputSummary {
  label: string;
  requestsPerSecond: number;
  /** Requests answered in all. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

/**
 * Extra headers per request, taken in turn (e.g. one API key after another), the first again after
 * the last. The position carries over from one load to the next, so consecutive loads keep cycling
 * through the whole list rather than starting again at its head.
 */
export class HeaderCycle {
  private position = 0;
  constructor(readonly entries: readonly Record<string, string>[]) {
    if (entries.length === 0) throw new Error("a header cycle needs at least one entry");
  }
  next(): Record<string, string> {
    const entry = this.entries[this.position] as Record<string, string>;
    this.position = (this.position + 1) % this.entries.length;
    return entry;
  }
}

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  seconds?: number;
  /** Stop after this many requests instead (takes precedence over `seconds`)… */
  amount?: number;
  /** …or after this long, whichever comes first. */
  maxSeconds?: number;
  cycle?: HeaderCycle;
}

/** Concurrent connections of every load. */
export const CONNECTIONS = 16;

/** Loopback load with autocannon, bounded in time (or in requests). */
export async function measureThroughput(label: string, options: LoadOptions): Promise<ThroughputSummary> {
  const { cycle } = options;
  const run = autocannon({
    url: options.url,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    connections: Math.min(CONNECTIONS, options.amount ?? CONNECTIONS),
    duration: options.seconds ?? 8,
    ...(options.amount === undefined ? {} : { amount: options.amount }),
    ...(cycle
      ? {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                headers: { ...request.headers, ...cycle.next() },
              }),
            },
          ],
        }
      : {}),
  }) as Promise<autocannon.Result> & { stop(): void };
  const timer = options.maxSeconds === undefined ? undefined : setTimeout(() => run.stop(), options.maxSeconds * 1000);
  const result = await run;
  clearTimeout(timer);
  return {
    label,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}
