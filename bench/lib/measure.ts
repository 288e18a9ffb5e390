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

/** Loopback load with autocannon, bounded in time. */
export async function measureThroughput(
  label: string,
  options: { url: string; method?: "GET" | "POST"; headers?: Record<string, string>; body?: string; seconds?: number },
): Promise<ThroughputSummary> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    connections: 16,
    duration: options.seconds ?? 8,
  });
  return {
    label,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}
