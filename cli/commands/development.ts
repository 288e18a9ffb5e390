import { type Command, Option } from "commander";
import { signDemoIdentityToken } from "../../scripts/lib/demo-identity-provider.ts";
import { generateSigningJwk, generateSigningKeySet } from "../../scripts/lib/signing-keys.ts";
import { positiveInteger } from "./globals.ts";

export function registerDevelopmentCommands(program: Command): void {
  program
    .command("signing-key")
    .description("print a new private signing JWK (to rotate into SIGNING_KEYS), or a whole SIGNING_KEYS value")
    .addOption(new Option("--alg <alg>", "the key's algorithm").choices(["ES256", "EdDSA"]).default("ES256"))
    .option("--set", "print a complete SIGNING_KEYS value holding one new key", false)
    .action(async (options: { alg: "ES256" | "EdDSA"; set: boolean }) => {
      const text = options.set
        ? await generateSigningKeySet([options.alg])
        : JSON.stringify(await generateSigningJwk(options.alg));
      process.stdout.write(`${text}\n`);
    });

  program
    .command("demo-idp-token")
    .description("development only: a fresh identity token of the demo identity provider, for POST /v2/auth/token")
    .option("--sub <subject>", "the token's subject (demo-admin is the demo tenant's admin)", "demo-user-1")
    .option("--email <email>", "the email claim (default: <sub>@example.com)")
    .option("--name <name>", "the name claim")
    .option("--ttl <seconds>", "lifetime in seconds", positiveInteger("--ttl"), 600)
    .action(async (options: { sub: string; email?: string; name?: string; ttl: number }, command: Command) => {
      const token = await signDemoIdentityToken({
        subject: options.sub,
        email: options.email ?? `${options.sub}@example.com`,
        name: options.name,
        ttlSeconds: options.ttl,
      });
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      process.stdout.write(json ? `${JSON.stringify({ authToken: token })}\n` : `${token}\n`);
    });
}
