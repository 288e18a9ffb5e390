import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { IDP_ALGORITHMS, OPT_IN_AUTH_TYPES, TENANT_USER_STATUSES } from "../../src/domain.ts";
import { CliError, callApi, query } from "../client.ts";
import { print, printDone } from "../output.ts";
import { globalsOf, limitOption, list } from "./globals.ts";

const SETTINGS_COLUMNS = [
  "tenantId",
  "allowJWTForUnauthenticatedUsers",
  "enabledAuthTypes",
  "adminIdentities",
  "allowedOrigins",
];
const PROVIDER_COLUMNS = ["id", "issuer", "audience", "jwksUrl", "allowedAlgorithms", "enabled"];
const TENANT_USER_COLUMNS = ["id", "kind", "status", "identity", "email", "createdAt"];

const tenantPath = (tenant: string) => `/v1/admin/tenants/${encodeURIComponent(tenant)}`;

interface AdminIdentity {
  issuer: string;
  subject: string;
}

interface SettingFlags {
  anonymous?: boolean;
  authTypes?: string[];
  admin?: AdminIdentity[];
  admins?: boolean;
  allowedOrigins?: string[];
  defaultOrigins?: boolean;
}

function onOff(value: string): boolean {
  if (value === "on") return true;
  if (value === "off") return false;
  throw new InvalidArgumentError("takes on or off");
}

/** The PATCH body: only what the flags name. */
function settingsPatch(options: SettingFlags): Record<string, unknown> {
  return {
    ...(options.anonymous === undefined ? {} : { allowJWTForUnauthenticatedUsers: options.anonymous }),
    ...(options.authTypes === undefined ? {} : { enabledAuthTypes: options.authTypes }),
    ...(options.admins === false ? { adminIdentities: [] } : options.admin ? { adminIdentities: options.admin } : {}),
    ...(options.defaultOrigins
      ? { allowedOrigins: null }
      : options.allowedOrigins
        ? { allowedOrigins: options.allowedOrigins }
        : {}),
  };
}

/** `issuer|subject` → an admin identity of the tenant (for authType `tenant`). */
function adminIdentity(value: string): AdminIdentity {
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

  const settingOptions = (command: Command) =>
    command
      .option("--anonymous <on|off>", "allow JWTs for unauthenticated (anonymous) users", onOff)
      .option("--auth-types <list>", `comma-separated, of ${OPT_IN_AUTH_TYPES.join(",")} ("" for none)`, list)
      .option(
        "--admin <issuer|subject>",
        "an admin identity (authType tenant); repeat for several",
        (value: string, all: AdminIdentity[] | undefined) => [...(all ?? []), adminIdentity(value)],
      )
      .option("--no-admins", "no admin identities")
      .option("--allowed-origins <list>", 'browser origins that may call /v2 ("" for none)', list)
      .option("--default-origins", "use PERS_CORS_ALLOWED_ORIGINS (the deployment's default)");

  settingOptions(settings.command("set"))
    .argument("<tenant-id>", "the business's public id")
    .description("replace the settings: every field is set, to off/none/the default origins when not given")
    .action(async (tenant: string, options: SettingFlags, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "PUT", `${tenantPath(tenant)}/settings`, {
        allowJWTForUnauthenticatedUsers: options.anonymous ?? false,
        enabledAuthTypes: options.authTypes ?? [],
        adminIdentities: options.admins === false ? [] : (options.admin ?? []),
        allowedOrigins: options.defaultOrigins ? null : (options.allowedOrigins ?? null),
      });
      print(output, answer, "settings", SETTINGS_COLUMNS);
    });

  settingOptions(settings.command("update"))
    .argument("<tenant-id>", "the business's public id")
    .description("change only the settings named (PATCH)")
    .action(async (tenant: string, options: SettingFlags, command: Command) => {
      const { target, output } = globalsOf(command);
      const patch = settingsPatch(options);
      if (Object.keys(patch).length === 0) throw new CliError("name at least one setting to change");
      const answer = await callApi(target, "PATCH", `${tenantPath(tenant)}/settings`, patch);
      print(output, answer, "settings", SETTINGS_COLUMNS);
    });
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

  for (const [verb, enabled, description] of [
    ["enable", true, "trust a disabled identity provider's tokens again"],
    ["disable", false, "stop trusting a provider's tokens for now; its sessions end (docs/pers.md)"],
  ] as const) {
    providers
      .command(verb)
      .argument("<tenant-id>", "the business's public id")
      .argument("<provider-id>", "the provider's id")
      .description(description)
      .action(async (tenant: string, provider: string, _options: unknown, command: Command) => {
        const { target, output } = globalsOf(command);
        const listed = await callApi(target, "GET", `${tenantPath(tenant)}/identity-providers`);
        const current = (listed.identityProviders as Record<string, unknown>[] | undefined)?.find(
          (candidate) => candidate.id === provider,
        );
        if (!current) throw new CliError(`tenant ${tenant} has no identity provider ${provider}`);
        // PUT replaces the whole configuration: send it back as it is, with only `enabled` changed.
        const { issuer, audience, jwksUrl, jwksInline, allowedAlgorithms, claimMapping } = current;
        const answer = await callApi(
          target,
          "PUT",
          `${tenantPath(tenant)}/identity-providers/${encodeURIComponent(provider)}`,
          {
            issuer,
            audience,
            ...(jwksUrl ? { jwksUrl } : { jwksInline }),
            allowedAlgorithms,
            claimMapping,
            enabled,
          },
        );
        print(output, answer, "identityProvider", PROVIDER_COLUMNS);
      });
  }

  providers
    .command("remove")
    .argument("<tenant-id>", "the business's public id")
    .argument("<provider-id>", "the provider's id")
    .description("stop trusting an identity provider")
    .action(async (tenant: string, provider: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const path = `${tenantPath(tenant)}/identity-providers/${encodeURIComponent(provider)}`;
      const answer = await callApi(target, "DELETE", path);
      printDone(output, answer, `Removed identity provider ${provider} of ${tenant}`);
    });
}

function registerTenantUsers(tenants: Command): void {
  const users = tenants.command("users").description("a tenant's end users (PERS): find, disable, enable");
  const userPath = (tenant: string, user: string) => `${tenantPath(tenant)}/users/${encodeURIComponent(user)}`;

  users
    .command("list")
    .argument("<tenant-id>", "the business's public id")
    .description("list the tenant's users, newest first")
    .addOption(new Option("--status <status>", "only users of this status").choices(TENANT_USER_STATUSES))
    .option("--issuer <iss>", "with --subject: the user a provider account signs in as")
    .option("--subject <sub>", "with --issuer")
    .addOption(limitOption())
    .option("--cursor <cursor>", "next page, as printed by the previous one")
    .action(
      async (
        tenant: string,
        options: { status?: string; issuer?: string; subject?: string; limit?: number; cursor?: string },
        command: Command,
      ) => {
        if ((options.issuer === undefined) !== (options.subject === undefined)) {
          throw new CliError("give --issuer and --subject together");
        }
        const { target, output } = globalsOf(command);
        const path = `${tenantPath(tenant)}/users${query({ ...options })}`;
        print(output, await callApi(target, "GET", path), "tenantUsers", TENANT_USER_COLUMNS);
      },
    );

  users
    .command("get")
    .argument("<tenant-id>", "the business's public id")
    .argument("<user-id>", "the tenant user's id (a PERS token's sub)")
    .description("show one tenant user")
    .action(async (tenant: string, user: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      print(output, await callApi(target, "GET", userPath(tenant, user)), "tenantUser", TENANT_USER_COLUMNS);
    });

  for (const [verb, description] of [
    ["disable", "disable a tenant user: their sessions end and their exchanges and refreshes are refused"],
    ["enable", "let a disabled tenant user sign in again (the sessions that ended stay ended)"],
  ] as const) {
    users
      .command(verb)
      .argument("<tenant-id>", "the business's public id")
      .argument("<user-id>", "the tenant user's id (a PERS token's sub)")
      .description(description)
      .action(async (tenant: string, user: string, _options: unknown, command: Command) => {
        const { target, output } = globalsOf(command);
        const answer = await callApi(target, "POST", `${userPath(tenant, user)}/${verb}`);
        print(output, answer, "tenantUser", TENANT_USER_COLUMNS);
      });
  }

  users
    .command("end-sessions")
    .argument("<tenant-id>", "the business's public id")
    .argument("<user-id>", "the tenant user's id (a PERS token's sub)")
    .description("end every PERS session of a tenant user, without disabling them")
    .action(async (tenant: string, user: string, _options: unknown, command: Command) => {
      const { target, output } = globalsOf(command);
      const answer = await callApi(target, "DELETE", `${userPath(tenant, user)}/sessions`);
      printDone(output, answer, `Ended every session of ${user} at ${tenant}`);
    });
}

export function registerTenantCommands(program: Command): void {
  const tenants = program.command("tenants").description("PERS tenants: settings, identity providers and end users");
  registerSettings(tenants);
  registerProviders(tenants);
  registerTenantUsers(tenants);
}
