import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/domain";
import {
  buildUpstreamHeaders,
  canonical,
  FORWARDING_HEADER_NAMES,
  IDENTITY_HEADER_NAMES,
  IDENTITY_HEADER_PREFIXES,
  isIdentityHeader,
} from "../../src/gateway/identity-headers";

const key: Principal = {
  method: "api_key",
  keyId: "key-1",
  tenantId: "tenant-1",
  kind: "publishable",
  mode: "live",
  permissions: ["sms", "email"],
};

/** What `build` says of where the request came from. */
const FORWARDING = {
  "x-forwarded-for": "203.0.113.7",
  "x-real-ip": "203.0.113.7",
  "x-forwarded-host": "gateway.example.com",
  "x-forwarded-proto": "https",
};

function build(client: HeadersInit, principal: Principal | null = key, forwardCredentials = false) {
  return buildUpstreamHeaders(new Headers(client), {
    principal,
    assertion: principal ? "signed.assertion.value" : null,
    requestId: "req-1",
    forwardCredentials,
    client: { ip: "203.0.113.7", url: new URL("https://gateway.example.com/v1/get/x") },
  });
}

describe("the headers an origin receives", () => {
  it("say where the request came from as the edge saw it, whatever the client claimed", () => {
    const headers = build({
      "X-Forwarded-For": "10.0.0.1",
      x_forwarded_for: "10.0.0.2",
      "X-Real-IP": "127.0.0.1",
      "X-Forwarded-Host": "evil.example",
      "X-Forwarded-Proto": "http",
      "X-Forwarded-Port": "80",
      "X-Forwarded-Prefix": "/admin",
      Forwarded: "for=10.0.0.1;host=evil.example",
    });
    expect(Object.fromEntries([...headers].filter(([name]) => /forward|real-ip/.test(name)))).toEqual({
      "x-forwarded-for": "203.0.113.7",
      "x-real-ip": "203.0.113.7",
      "x-forwarded-host": "gateway.example.com",
      "x-forwarded-proto": "https",
    });
  });

  it("claim no address when the edge knows none", () => {
    const headers = buildUpstreamHeaders(new Headers({ "X-Forwarded-For": "10.0.0.1", "X-Real-IP": "10.0.0.1" }), {
      principal: null,
      assertion: null,
      requestId: "req-1",
      forwardCredentials: false,
      client: { ip: undefined, url: new URL("http://localhost:8787/x") },
    });
    expect(headers.has("x-forwarded-for")).toBe(false);
    expect(headers.has("x-real-ip")).toBe(false);
    expect(headers.get("x-forwarded-proto")).toBe("http");
  });

  it.each([...FORWARDING_HEADER_NAMES, "X-Original-URL", "X_HTTP_Method_Override", "True-Client-IP"])(
    "never carry %s from the client: the edge says where a request came from, and what it names",
    (name) => {
      for (const principal of [key, null]) {
        const headers = build({ [name]: "spoofed" }, principal);
        expect([...headers.values()]).not.toContain("spoofed");
      }
    },
  );

  it("carry the method and path the route table allowed, whatever an override header says", () => {
    const headers = build({ "X-HTTP-Method-Override": "DELETE", "X-Method-Override": "PUT", "X-HTTP-Method": "PATCH" });
    expect([...headers.keys()].filter((name) => name.includes("method"))).toEqual(["x-auth-method"]);
  });

  it("never carry Gatehouse's device login token, even where credentials are forwarded", () => {
    for (const forwardCredentials of [false, true]) {
      const headers = build(
        { "Gatehouse-Device-Token": "d1.token", gatehouse_device_token: "d1.other" },
        key,
        forwardCredentials,
      );
      expect(headers.has("gatehouse-device-token")).toBe(false);
      expect(headers.has("gatehouse_device_token")).toBe(false);
    }
  });

  it("drop every identity-namespace header, whatever its case or separator", () => {
    const sent = [
      "X-Auth-Key-Id",
      "x-auth-tenant-id",
      "X_AUTH_MODE",
      "x_Auth-Permissions",
      "X-Auth-Anything-New",
      "X-Request-Id",
      "x_request_id",
      "X-Forwarded-User",
      "x_forwarded_user",
      "X-Forwarded-Email",
      "X-User-Id",
      "X_USER_ID",
    ];
    const headers = build(sent.map((name) => [name, "spoofed"]));
    expect([...headers.values()]).not.toContain("spoofed");
    expect(headers.get("X-Auth-Key-Id")).toBe("key-1");
  });

  it("carry the API key's identity and nothing of a user's", () => {
    const headers = build({});
    expect(Object.fromEntries(headers)).toEqual({
      "x-auth-assertion": "signed.assertion.value",
      "x-auth-key-id": "key-1",
      "x-auth-method": "api_key",
      "x-auth-mode": "live",
      "x-auth-permissions": "sms,email",
      "x-auth-tenant-id": "tenant-1",
      "x-request-id": "req-1",
      ...FORWARDING,
    });
  });

  it("carry a PERS access token's tenant user, never as a Gatehouse user", () => {
    const pers: Principal = {
      method: "pers",
      tenantId: "tenant-1",
      tenantUserId: "tenant-user-1",
      authType: "business",
      familyId: "family-1",
      anonymous: false,
      mode: "live",
    };
    const headers = build(
      { "X-Auth-User-Id": "spoofed", X_Auth_Tenant_User_Id: "spoofed", "X-Auth-Anonymous": "true" },
      pers,
    );
    expect(Object.fromEntries(headers)).toEqual({
      "x-auth-anonymous": "false",
      "x-auth-assertion": "signed.assertion.value",
      "x-auth-auth-type": "business",
      "x-auth-method": "pers",
      "x-auth-mode": "live",
      "x-auth-session-id": "family-1",
      "x-auth-tenant-id": "tenant-1",
      "x-auth-tenant-user-id": "tenant-user-1",
      "x-request-id": "req-1",
      ...FORWARDING,
    });
  });

  it("carry only the request id on a public route", () => {
    expect(Object.fromEntries(build({ "X-Auth-User-Id": "spoofed", Accept: "*/*" }, null))).toEqual({
      accept: "*/*",
      "x-request-id": "req-1",
      ...FORWARDING,
    });
  });

  it("never include Host or hop-by-hop headers", () => {
    const headers = build({
      Host: "evil.test",
      Connection: "x-private",
      "X-Private": "1",
      Upgrade: "websocket",
      TE: "gzip",
    });
    for (const name of ["host", "connection", "x-private", "upgrade", "te"]) expect(headers.has(name)).toBe(false);
  });

  it("lose the credentials (in any spelling) unless the route forwards them", () => {
    const client = {
      Authorization: "Bearer t",
      "X-Ping-Api-Key": "sk_live_1",
      X_PING_API_KEY: "sk_live_2",
      Cookie: "session_token=s1; a=1;session_token=s2 ; b=2",
    };
    const stripped = build(client);
    expect(stripped.has("authorization")).toBe(false);
    expect(stripped.has("x-ping-api-key")).toBe(false);
    expect(stripped.has("x_ping_api_key")).toBe(false);
    expect(stripped.get("cookie")).toBe("a=1; b=2");

    const forwarded = build(client, key, true);
    expect(forwarded.get("authorization")).toBe("Bearer t");
    expect(forwarded.get("x-ping-api-key")).toBe("sk_live_1");
    expect(forwarded.get("cookie")).toBe(client.Cookie);
  });

  it("keep cookies that merely contain the session cookie's name", () => {
    expect(build({ Cookie: "my_session_token=1; session_token_v2=2" }).get("cookie")).toBe(
      "my_session_token=1; session_token_v2=2",
    );
    expect(build({ Cookie: "session_token_v2=2" }).get("cookie")).toBe("session_token_v2=2");
  });

  it("lose the session cookie when a client sent the Cookie header as several fields", () => {
    // Fields are joined with ", ", and `,` is no more part of a cookie pair than `;` is.
    const client = new Headers([
      ["Cookie", "a=b"],
      ["Cookie", "session_token=s1"],
    ]);
    expect(build(client).get("cookie")).toBe("a=b");
    expect(build({ Cookie: "a=b,session_token=s1; c=d" }).get("cookie")).toBe("a=b; c=d");
    expect(build({ Cookie: "list=1,2; c=d" }).get("cookie")).toBe("list=1,2; c=d");
  });

  it("lose the session cookie in every spelling a lenient origin (PHP) reads as its name", () => {
    const spellings = [
      '"session_token"',
      "session%5Ftoken",
      "session.token",
      "session token",
      "%73ession_token",
      "session[token",
      "session_token[x]",
      "session.token[]",
    ];
    for (const name of spellings) {
      expect(build({ Cookie: `a=1; ${name}=s1; b=2` }).get("cookie"), name).toBe("a=1; b=2");
    }
    const others = "session_tokens=1; my.session=2; session[token]=3; session_tokens[x]=4";
    expect(build({ Cookie: others }).get("cookie")).toBe(others);
  });

  it("drop the Cookie header when the session cookie was its only cookie", () => {
    expect(build({ Cookie: "session_token=s1" }).has("cookie")).toBe(false);
    expect(build({ Cookie: " session_token=s1" }).has("cookie")).toBe(false);
  });
});

/** The spellings an origin might fold into the listed name: as listed, upper case, `_`, `.`. */
function variantsOf(name: string): string[] {
  const titled = name.replace(/(^|-)([a-z])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase());
  return [
    name,
    name.toUpperCase(),
    titled,
    name.replaceAll("-", "_"),
    titled.replaceAll("-", "."),
    name.replaceAll("-", "-_"),
  ];
}

describe("other proxies' identity headers", () => {
  const named = [
    ...IDENTITY_HEADER_NAMES,
    ...IDENTITY_HEADER_PREFIXES,
    ...IDENTITY_HEADER_PREFIXES.map((prefix) => `${prefix}-user`),
    "x-auth-request-user",
    "x-auth-request-email",
    "remote-groups",
    "cf-access-authenticated-user-email",
    "x-goog-iap-jwt-assertion",
    "x-amzn-oidc-data",
    "x-ms-client-principal-name",
  ];
  const user: Principal = { method: "jwt", userPublicId: "usr_1", userType: "user", sessionId: "ses_1" };

  for (const name of named) {
    it.each(variantsOf(name))(`never reach the origin as sent: %s (${name})`, (sent) => {
      for (const principal of [key, user, null]) {
        const headers = build([[sent, "spoofed"]], principal);
        expect([...headers.values()]).not.toContain("spoofed");
      }
    });
  }

  it("fold every separator and case, and leave names that merely look alike", () => {
    expect(canonical("X-Auth.User_Id")).toBe("x-auth-user-id");
    expect(canonical("__User--Type..")).toBe("user-type");
    expect(isIdentityHeader("X-Authorization-Hint")).toBe(false);
    expect(isIdentityHeader("X-Emails")).toBe(false);
    expect(isIdentityHeader("X.Auth")).toBe(true);
    expect(isIdentityHeader("Remoteness")).toBe(false);
    expect(isIdentityHeader("X-Consumers-Count")).toBe(false);
  });

  it("carry User-Type only as the verified credential states it", () => {
    expect(build({ "User-Type": "adminuser" }, user).get("User-Type")).toBe("user");
    expect(build({ "User-Type": "adminuser" }, key).get("User-Type")).toBeNull();
    expect(build({ "User-Type": "adminuser" }, null).get("User-Type")).toBeNull();
  });
});
