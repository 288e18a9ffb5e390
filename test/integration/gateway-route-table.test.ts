import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stubOrigins } from "../support/origins";
import { send } from "../support/worker";

let origins: ReturnType<typeof stubOrigins>;
let logged: string[];
beforeEach(() => {
  origins = stubOrigins();
  logged = [];
  vi.spyOn(console, "error").mockImplementation((line: string) => {
    logged.push(line);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The Worker's own fetch handler, deployed with another GATEWAY_ROUTES. */
function fetchWithTable(table: unknown, path: string, init: RequestInit = {}): Promise<Response> {
  return send(path, init, { GATEWAY_ROUTES: JSON.stringify(table) });
}

const openRoute = {
  name: "everything",
  path: "/*",
  methods: ["GET"],
  credentials: ["public"],
  upstream: { url: "https://origin.test" },
};

describe("a deployment whose route table is wrong", () => {
  it("fails every gateway request with a bare 500 and forwards nothing", async () => {
    const table = { routes: [{ ...openRoute, credentials: ["public", "bearer"] }] };
    const res = await fetchWithTable(table, "/v1/public/x");
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: "internal_error", message: "Something went wrong." });
    expect(body).not.toMatch(/routes\[0\]|public/);
    expect(origins.reached).toHaveLength(0);
    expect(logged.join("\n")).toMatch(/routes\[0\] \(path \\"\/\*\\"\): credentials/);
  });

  it("fails the same way when it names a service binding the Worker does not have", async () => {
    const table = { routes: [{ ...openRoute, upstream: { service: "BILLING" } }] };
    const res = await fetchWithTable(table, "/v1/public/x");
    expect(res.status).toBe(500);
    expect(logged.join("\n")).toMatch(/no service binding named \\"BILLING\\"/);
  });

  it("leaves Gatehouse's own surfaces working", async () => {
    const res = await fetchWithTable({ routes: [] }, "/.well-known/jwks.json");
    expect(res.status).toBe(200);
  });
});
