import { hashPassword, type PasswordPolicy, verifyPassword } from "../crypto/passwords";
import { AppError } from "../errors";
import type { UserType } from "../storage/schema";
import { findUserWithBusinessesByEmail, type UserWithBusinesses, updatePasswordHash } from "../storage/users";
import type { Deps } from "./deps";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function passwordPolicy(deps: Pick<Deps, "config">): PasswordPolicy {
  return { iterations: deps.config.pbkdf2Iterations, pepper: deps.config.passwordPepper };
}

export interface PasswordLogin {
  email: string;
  password: string;
  /** When set, the account must be of this type (Ping's `User-Type`). */
  userType?: UserType;
}

/**
 * Checks an email and password. Unknown email, wrong password, wrong user type and a disabled
 * account are one and the same `invalid_credentials`, and each costs one full password hash, so
 * neither the answer nor its timing tells whether the account exists.
 */
export async function authenticatePassword(deps: Deps, login: PasswordLogin): Promise<UserWithBusinesses> {
  const found = await findUserWithBusinessesByEmail(deps.db, normalizeEmail(login.email));
  const policy = passwordPolicy(deps);
  const check = await verifyPassword(login.password, found?.user.passwordHash ?? null, policy);
  if (!found || !check.valid)
    throw new AppError("invalid_credentials", { detail: found ? "wrong password" : "unknown email" });
  if (found.user.status !== "active") throw new AppError("invalid_credentials", { detail: "account disabled" });
  if (login.userType && found.user.userType !== login.userType) {
    throw new AppError("invalid_credentials", { detail: "wrong user type" });
  }
  if (check.needsRehash) {
    const { id } = found.user;
    deps.defer(hashPassword(login.password, policy).then((hash) => updatePasswordHash(deps.db, id, hash, deps.now)));
  }
  return found;
}
