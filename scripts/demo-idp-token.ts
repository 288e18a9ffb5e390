/**
 * Prints a fresh identity token of the demo identity provider (development only), to exchange at
 * `POST /v2/auth/token` for PERS tokens of the demo tenant.
 *
 *   npm run --silent demo:idp-token                          # subject demo-user-1
 *   npm run --silent demo:idp-token -- --sub demo-admin      # the demo tenant's admin (authType tenant)
 *   npm run --silent demo:idp-token -- --sub alice --email alice@example.com --name Alice --ttl 300
 */
import { parseArgs } from "node:util";
import { signDemoIdentityToken } from "./lib/demo-identity-provider.ts";

const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "demo-user-1" },
    email: { type: "string" },
    name: { type: "string" },
    ttl: { type: "string", default: "600" },
  },
});

const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error("--ttl must be a positive number of seconds");

console.log(
  await signDemoIdentityToken({
    subject: values.sub ?? "demo-user-1",
    email: values.email ?? `${values.sub}@example.com`,
    name: values.name,
    ttlSeconds,
  }),
);
