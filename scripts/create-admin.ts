/**
 * Creates an `adminuser` — the only way the first admin of a deployment comes to exist (no open
 * endpoint ever creates one). The password is read from GATEHOUSE_ADMIN_PASSWORD or standard input,
 * never from the command line (shell history).
 *
 *   printf '%s' "$PASSWORD" | npm run create-admin -- --email ops@acme.test --first-name Ops --local
 *   printf '%s' "$PASSWORD" | PASSWORD_PEPPERS=… npm run create-admin -- --email ops@acme.test > admin.sql
 *   npx wrangler d1 execute DB --remote --file admin.sql
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parsePepperList } from "../src/crypto/peppers.ts";
import { insertUserSql } from "./lib/users-sql.ts";

/** The deployment's pepper secrets, as the Worker reads them; a malformed list stops the script. */
function peppersFromEnvironment() {
  const peppers = parsePepperList(process.env.PASSWORD_PEPPERS ?? "");
  if (typeof peppers === "string") throw new Error(`PASSWORD_PEPPERS: ${peppers}`);
  return { pepper: process.env.PASSWORD_PEPPER || undefined, peppers };
}

import { executeLocalSql } from "./lib/wrangler.ts";

const MIN_PASSWORD_LENGTH = 12;

function readPassword(): string {
  const fromEnv = process.env.GATEHOUSE_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) throw new Error("pipe the password on standard input or set GATEHOUSE_ADMIN_PASSWORD");
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: "string" },
      "first-name": { type: "string", default: "Admin" },
      "last-name": { type: "string", default: "" },
      phone: { type: "string" },
      local: { type: "boolean", default: false },
    },
  });
  const email = values.email?.trim();
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error("--email with a valid address is required");
  const password = readPassword();
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);

  const statement = await insertUserSql(
    {
      publicId: crypto.randomUUID(),
      userType: "adminuser",
      email,
      password,
      firstName: values["first-name"] ?? "Admin",
      lastName: values["last-name"] ?? "",
      phoneNumber: values.phone ?? null,
    },
    peppersFromEnvironment(),
  );
  if (values.local) {
    executeLocalSql([statement]);
    console.error(`Created adminuser ${email} in the local D1 database (unless that email already existed).`);
  } else {
    process.stdout.write(`${statement};\n`);
    console.error("Run it against production with: npx wrangler d1 execute DB --remote --file <this file>");
  }
}

main().catch((error: unknown) => {
  console.error(`create-admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
