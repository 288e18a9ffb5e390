import { createUser } from "./accounts";
import { sendJson } from "./worker";

/** Logs in a fresh user of `userType` and returns headers that authenticate as them. */
export async function bearerHeaders(userType: "adminuser" | "user" | "agent" = "adminuser") {
  const user = await createUser({ userType });
  const res = await sendJson(
    "/v1/auth/login",
    "POST",
    { email: user.email, password: user.password },
    { "User-Type": userType },
  );
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { Authorization: `Bearer ${accessToken}`, "User-Type": userType };
}
