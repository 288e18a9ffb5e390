import { expect, vi } from "vitest";
import { DEPENDENCY_RETRY_AFTER_SECONDS } from "../../src/errors";

export const UNAVAILABLE = "A service Gatehouse depends on is unavailable. Try again shortly.";

/** What each surface answers when a dependency is down: 503, `Retry-After`, its own body shape. */
export async function expectUnavailable(
  res: Response,
  dialect: "ping" | "pingpage" | "pers" | "gateway" | "dashboard",
): Promise<void> {
  const body = await res.text();
  expect(res.status, body).toBe(503);
  expect(res.headers.get("Retry-After")).toBe(String(DEPENDENCY_RETRY_AFTER_SECONDS));
  expect(res.headers.get("Cache-Control")).toContain("no-store");
  // An outage is not a credential problem: nothing asks the client to authenticate again.
  expect(res.headers.get("WWW-Authenticate")).toBeNull();
  switch (dialect) {
    case "ping":
      expect(JSON.parse(body)).toEqual({ result: "error", message: UNAVAILABLE, code: "service_unavailable" });
      break;
    case "pingpage":
      expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
      expect(body).toBe(UNAVAILABLE);
      break;
    case "pers":
    case "gateway":
      expect(JSON.parse(body)).toEqual({ error: "service_unavailable", message: UNAVAILABLE });
      break;
    case "dashboard":
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(body).toContain(UNAVAILABLE);
      break;
  }
}

/**
 * Captures the `dependency_unavailable` lines logged while `work` runs (and keeps them, like every
 * other error line, out of the test output).
 */
export async function dependencyLogsOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    if (typeof line !== "string" || !line.includes('"dependency_unavailable"')) return;
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return lines;
}
