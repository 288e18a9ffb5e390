import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type TenantWithKeys, tenantWithGatewayKeys } from "../support/gateway-credentials";
import { echoOf } from "../support/origins";
import { send } from "../support/worker";

const SMS_PATH = "/v1/notification/api/sms/send";

let tenant: TenantWithKeys;
let lines: Record<string, unknown>[];

beforeAll(async () => {
  tenant = await tenantWithGatewayKeys();
});
beforeEach(() => {
  lines = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    if (typeof line === "string" && line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The request log's lines for one request, found by the `X-Request-Id` the client got. */
function linesOf(response: Response): Record<string, unknown>[] {
  const requestId = response.headers.get("X-Request-Id");
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return lines.filter((line) => line.requestId === requestId);
}

const smsWith = (key: string) => ({ method: "POST", headers: { "X-Ping-Api-Key": key }, body: "{}" });

describe("the request log", () => {
  it("writes one line for a request to Gatehouse's own endpoints", async () => {
    const res = await send("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(linesOf(res)).toEqual([
      expect.objectContaining({ level: "info", method: "GET", path: "/.well-known/jwks.json", status: 200 }),
    ]);
  });

  it("writes one line for each request the gateway refuses, with no credential in it", async () => {
    const key = `${tenant.keys.liveSms.raw}x`;
    const res = await send(SMS_PATH, smsWith(key));
    expect(res.status).toBe(401);
    const [line, ...others] = linesOf(res);
    expect(others).toEqual([]);
    expect(line).toMatchObject({ method: "POST", path: SMS_PATH, status: 401 });
    expect(JSON.stringify(line)).not.toContain(key);
  });

  it("writes none by default for a request the origin answered: the origin has its request id", async () => {
    const res = await send(SMS_PATH, smsWith(tenant.keys.liveSms.raw));
    const echo = await echoOf(res);
    expect(echo.headers["x-request-id"]).toBe(res.headers.get("X-Request-Id"));
    expect(linesOf(res)).toEqual([]);
  });

  it("with LOG_FORWARDED_REQUESTS on, writes that line too, naming the key but never the key itself", async () => {
    const res = await send(SMS_PATH, smsWith(tenant.keys.liveSms.raw), { LOG_FORWARDED_REQUESTS: "true" });
    expect(res.status).toBe(200);
    const [line, ...others] = linesOf(res);
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      level: "info",
      status: 200,
      authMethod: "api_key",
      principalId: tenant.keys.liveSms.keyId,
    });
    expect(JSON.stringify(line)).not.toContain(tenant.keys.liveSms.raw);
  });

  it("refuses a LOG_FORWARDED_REQUESTS that is neither true nor false, like every bad setting", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => {
      errors.push(line);
    });
    const res = await send("/.well-known/jwks.json", {}, { LOG_FORWARDED_REQUESTS: "yes" });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("LOG_FORWARDED_REQUESTS");
    expect(errors.join("\n")).toContain("LOG_FORWARDED_REQUESTS");
  });
});
