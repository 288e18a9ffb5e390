import type { TestUser } from "../support/accounts";
import { sendJson } from "../support/worker";

/** A Ping token login of `user` with its password (or another), under the bindings in `vars`. */
export function pingLogin(user: TestUser, vars: Partial<Cloudflare.Env>, password = user.password) {
  return sendJson("/v1/auth/login", "POST", { email: user.email, password }, { "User-Type": user.userType }, vars);
}
