import type { UserType } from "../../src/domain";
import { createUser, type TestUser } from "./accounts";
import { sendJson } from "./worker";

export interface LoggedIn {
  user: TestUser;
  accessToken: string;
  refreshToken: string;
  /** The headers a Ping client sends with its access token. */
  bearer: Record<string, string>;
}

/** A fresh user of `userType`, logged in through Ping's token login. */
export async function logInWithToken(userType: UserType = "user"): Promise<LoggedIn> {
  const user = await createUser({ userType });
  const res = await sendJson(
    "/v1/auth/login",
    "POST",
    { email: user.email, password: user.password },
    { "User-Type": userType },
  );
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; refreshToken: string };
  return {
    user,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    bearer: { Authorization: `Bearer ${body.accessToken}`, "User-Type": userType },
  };
}
