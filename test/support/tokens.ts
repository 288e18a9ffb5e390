import type { UserType } from "../../src/domain";
import { createUser, type TestUser } from "./accounts";
import { sendJson } from "./worker";

export interface SignedIn extends TestUser {
  accessToken: string;
  refreshToken: string;
  /** The headers a Ping client sends with its access token: they authenticate later requests. */
  headers: Record<string, string>;
}

/** Logs a user in through Ping's token login (`User-Type` set) and insists it worked. */
export async function signIn(user: TestUser): Promise<SignedIn> {
  const res = await sendJson(
    "/v1/auth/login",
    "POST",
    { email: user.email, password: user.password },
    { "User-Type": user.userType },
  );
  const body = (await res.json()) as { accessToken?: string; refreshToken?: string };
  if (res.status !== 200 || !body.accessToken || !body.refreshToken) {
    throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return {
    ...user,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    headers: { Authorization: `Bearer ${body.accessToken}`, "User-Type": user.userType },
  };
}

/** A fresh user of `userType`, signed in. */
export async function signedInUser(userType: UserType = "user"): Promise<SignedIn> {
  return signIn(await createUser({ userType }));
}
