import { hashPassword, type PasswordPolicy, PBKDF2_MAX_ITERATIONS } from "../../src/crypto/passwords.ts";
import { sqlString } from "./sql.ts";

export interface UserSeed {
  publicId: string;
  userType: "user" | "adminuser" | "agent";
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  phoneNumber: string | null;
}

/**
 * An INSERT for one user, hashed exactly as the Worker hashes (same module, same iteration cap).
 * `secrets` must match the deployment's PASSWORD_PEPPERS (or legacy PASSWORD_PEPPER) secret, if it
 * has one: the hash is keyed with the first listed pepper. By default an existing email is left
 * alone (the dev seed is idempotent); `onConflict: "fail"` makes it an error.
 */
export async function insertUserSql(
  user: UserSeed,
  secrets: Pick<PasswordPolicy, "pepper" | "peppers"> = {},
  onConflict: "ignore" | "fail" = "ignore",
): Promise<string> {
  const hash = await hashPassword(user.password, { iterations: PBKDF2_MAX_ITERATIONS, ...secrets });
  const email = user.email.trim();
  const values = [
    sqlString(user.publicId),
    sqlString(user.userType),
    sqlString(email),
    sqlString(email.toLowerCase()),
    sqlString(user.firstName),
    sqlString(user.lastName),
    sqlString(`${user.firstName} ${user.lastName}`.trim()),
    sqlString(user.phoneNumber),
    sqlString(hash),
  ].join(", ");
  return (
    "INSERT INTO users (public_id, user_type, email, email_normalized, first_name, last_name, display_name, phone_number, password_hash) " +
    `VALUES (${values})${onConflict === "ignore" ? " ON CONFLICT DO NOTHING" : ""}`
  );
}
