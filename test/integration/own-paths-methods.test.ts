import { describe, expect, it } from "vitest";
import { send } from "../support/worker";

async function expect405(res: Response, allow: string[]) {
  expect(res.status).toBe(405);
  const listed = (res.headers.get("Allow") ?? "").split(",").map((method) => method.trim());
  expect(listed.sort()).toEqual([...allow].sort());
}

describe("a wrong method on one of Gatehouse's own paths", () => {
  it("GET /v1/auth/login is a 405 allowing POST, in Ping JSON when a User-Type is named", async () => {
    const res = await send("/v1/auth/login", { headers: { "User-Type": "user" } });
    await expect405(res, ["POST"]);
    expect(await res.json()).toEqual({ result: "error", message: "Method not allowed.", code: "method_not_allowed" });
  });

  it("GET /v1/auth/login without User-Type answers in PingPage's plain text", async () => {
    const res = await send("/v1/auth/login");
    await expect405(res, ["POST"]);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("Method not allowed.");
  });

  it("a path with a parameter lists every method its routes answer", async () => {
    await expect405(await send("/v1/api-keys/key_abc", { method: "PUT" }), ["GET", "HEAD", "DELETE"]);
    await expect405(await send("/v1/api-keys/key_abc/roll", { method: "GET" }), ["POST"]);
    await expect405(await send("/v1/api-keys", { method: "DELETE" }), ["GET", "HEAD", "POST"]);
  });

  it("PERS paths answer in the PERS dialect", async () => {
    const res = await send("/v2/auth/token", { method: "GET" });
    await expect405(res, ["POST"]);
    expect(await res.json()).toEqual({ error: "method_not_allowed", message: "Method not allowed." });
  });

  it("changes nothing and reads no credential: a 405 comes before authentication", async () => {
    const res = await send("/v1/admin/users", { method: "DELETE", headers: { Authorization: "Bearer forged" } });
    await expect405(res, ["GET", "HEAD", "POST"]);
  });

  it("a path Gatehouse does not own still goes to the gateway (404 there)", async () => {
    const res = await send("/v1/auth/login/extra");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });
});
