import { createUser } from "./accounts";
import { call, postJson } from "./client";

/** Logs in a fresh user of `userType` and returns headers that authenticate as them. */
export async function bearerHeaders(userType: "adminuser" | "user" | "agent" = "adminuser") {
  const user = await createUser({ userType });
  const res = await postJson(
    "/v1/auth/login",
    { email: user.email, password: user.password },
    { "User-Type": userType },
  );
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { Authorization: `Bearer ${accessToken}`, "User-Type": userType };
}

export function sendJson(method: string, path: string, body: unknown, headers: Record<string, string>) {
  return call(path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
