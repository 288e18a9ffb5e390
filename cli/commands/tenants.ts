import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { IDP_ALGORITHMS, OPT_IN_AUTH_TYPES } from "../../src/domain.ts";
import { CliError, callApi } from "../client.ts";
import { print } from "../output.ts";
import { globalsOf, list } from "./globals.ts";

const SETTINGS_COLUMNS = ["tenantId", "allowJWTForUnauthenticatedUsers", "enabledAuthTypes", "adminIdentities"];
const PROVIDER_COLUMNS = ["id", "issuer", "audience", "jwksUrl", "allowedAlgorithms", "enabled"];

const tenantPath = (tenant: string) => `/v1/admin/tenants/${encodeURIComponent(tenant)}`;

/** `issuer|subject` → an admin identity of the tenant (for authType `tenant`). */
function adminIdentity(value: string): { issuer: string; subject: string } {
  const [issuer, subject, ...rest] = value.split("|");
  if (!issuer || !subject || rest.length > 0) throw new CliError(`--admin takes issuer|subject, not ${value}`);
  return { issuer, subject };
}

function inlineKeys(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`--jwks-file ${file}: ${error instanceof Error ? error.message : error}`);
  }
}

function registerSettings(tenants: Command): void {
  const settings = tenants.command("settings").description("a tenant's PERS settings");

  settings
    .command("get")
    .argument("<tenant-id>", "the business's public id")
    .description("show the settings")
    .action(async (tenant: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      print(output, await callApi(target, "GET", `${tenantPath(tenant)}/settings`), "settings", SETTINGS_COLUMNS);
    });

  settings
    .command("set")
    .argument("<tenant-id>", "the business's public id")
    .description("replace the settings: every field is set, to its default when not given")
    .option("--anonymous", "allow JWTs for unauthenticated (anonymous) users", false)
    .option("--auth-types <list>", `comma-separated, of ${OPT_IN_AUTH_TYPES.join(",")}`, list, [])
    .option(
      "--admin <issuer|subject>",
      "an admin identity (authType tenant); repeat for several",
      (value: string, all: { issuer: string; subject: string }[]) => [...all, adminIdentity(value)],
      [],
    )
    .action(
      async (
        tenant: string,
        options: { anonymous: boolean; authTypes: string[]; admin: { issuer: string; subject: string }[] },
        command: Command,
      ) => {
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "PUT", `${tenantPath(tenant)}/settings`, {
          allowJWTForUnauthenticatedUsers: options.anonymous,
          enabledAuthTypes: options.authTypes,
          adminIdentities: options.admin,
        });
        print(output, answer, "settings", SETTINGS_COLUMNS);
      },
    );
}

function registerProviders(tenants: Command): void {
  const providers = tenants.command("idp").description("a tenant's identity providers");

  providers
    .command("list")
    .argument("<tenant-id>", "the business's public id")
    .description("list the identity providers")
    .action(async (tenant: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "GET", `${tenantPath(tenant)}/identity-providers`);
      print(output, answer, "identityProviders", PROVIDER_COLUMNS);
    });

  providers
    .command("add")
    .argument("<tenant-id>", "the business's public id")
    .description("trust an identity provider's tokens (a JWKS URL or inline public keys)")
    .requiredOption("--issuer <iss>", "the tokens' iss")
    .requiredOption("--audience <aud>", "the aud the tokens must carry")
    .option("--jwks-url <url>", "the provider's JWKS URL (https)")
    .option("--jwks-file <file>", 'a file holding {"keys": [...]} public JWKs')
    .addOption(
      new Option("--algorithms <list>", `comma-separated, of ${IDP_ALGORITHMS.join(",")}`)
        .argParser(list)
        .default(["RS256"]),
    )
    .option("--disabled", "add it disabled", false)
    .action(
      async (
        tenant: string,
        options: {
          issuer: string;
          audience: string;
          jwksUrl?: string;
          jwksFile?: string;
          algorithms: string[];
          disabled: boolean;
        },
        command: Command,
      ) => {
        if ((options.jwksUrl === undefined) === (options.jwksFile === undefined)) {
          throw new CliError("give exactly one of --jwks-url and --jwks-file");
        }
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "POST", `${tenantPath(tenant)}/identity-providers`, {
          issuer: options.issuer,
          audience: options.audience,
          ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : { jwksInline: inlineKeys(options.jwksFile ?? "") }),
          allowedAlgorithms: options.algorithms,
          enabled: !options.disabled,
        });
        print(output, answer, "identityProvider", PROVIDER_COLUMNS);
      },
    );

  providers
    .command("remove")
    .argument("<tenant-id>", "the business's public id")
    .argument("<provider-id>", "the provider's id")
    .description("stop trusting an identity provider")
    .action(async (tenant: string, provider: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const path = `${tenantPath(tenant)}/identity-providers/${encodeURIComponent(provider)}`;
      const answer = await callApi(target, "DELETE", path);
      if (output.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      else process.stdout.write(`Removed identity provider ${provider} of ${tenant}\n`);
    });
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command("tenants").description("PERS tenants: settings and identity providers");
  registerSettings(tenants);
  registerProviders(tenants);
}
