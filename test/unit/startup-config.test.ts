import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Bindings, readConfig } from "../../src/env";
import { checkConfiguration } from "../../src/startup";

/** The Worker's bindings with some variables replaced, as wrangler would hand them to a new isolate. */
const withVars = (vars: Record<string, string>) => ({ ...env, ...vars }) as unknown as Bindings;

describe("the configuration checked when the Worker starts", () => {
  it("accepts the configuration the tests run with", () => {
    expect(() => checkConfiguration(withVars({}))).not.toThrow();
  });

  it.each(["DB", "KV", "ASSETS", "LOGIN_IP_LIMITER", "API_KEY_FAILURE_IP_LIMITER"])(
    "refuses to start without the binding %s, naming it",
    (binding) => {
      expect(() => checkConfiguration({ ...env, [binding]: undefined } as unknown as Bindings)).toThrow(
        `the binding ${binding} is missing`,
      );
    },
  );

  it("refuses an out-of-range variable, naming it", () => {
    expect(() => checkConfiguration(withVars({ PBKDF2_ITERATIONS: "200000" }))).toThrow(
      /PBKDF2_ITERATIONS: must be at most 100000 \(fewer makes a leaked hash cheap to guess; more is over Workers' production cap\)/,
    );
    expect(() => checkConfiguration(withVars({ SESSION_LIVENESS_CACHE_SECONDS: "600" }))).toThrow(
      /SESSION_LIVENESS_CACHE_SECONDS: must be at most 60/,
    );
  });

  it("names the variable an operator sets in every refusal, and reads numbers as digits only", () => {
    const refusals: Array<[Record<string, string>, string]> = [
      [{ ACCESS_TOKEN_TTL_SECONDS: "0" }, "ACCESS_TOKEN_TTL_SECONDS: must be at least 1"],
      [{ MAX_BODY_BYTES: "16k" }, "MAX_BODY_BYTES: must be a whole number, digits only"],
      [{ MAX_BODY_BYTES: "0x4000" }, "MAX_BODY_BYTES: must be a whole number, digits only"],
      [{ MAX_BODY_BYTES: "1e4" }, "MAX_BODY_BYTES: must be a whole number, digits only"],
      [{ TOKEN_AUDIENCE: "" }, "TOKEN_AUDIENCE: is required"],
      [{ ISSUER: "not a url" }, "ISSUER: must be the http(s) origin Gatehouse is reached at"],
      [{ ISSUER: "http://localhost:8787/" }, "ISSUER: must be the http(s) origin Gatehouse is reached at"],
      [{ ISSUER: "https://auth.example.com/gatehouse" }, "ISSUER: must be the http(s) origin Gatehouse is reached at"],
      [{ ISSUER: "wss://auth.example.com" }, "ISSUER: must be the http(s) origin Gatehouse is reached at"],
      [{ PBKDF2_ITERATIONS: "1" }, "PBKDF2_ITERATIONS: must be at least 10000"],
      [{ PERS_AUDIENCE: env.TOKEN_AUDIENCE }, "PERS_AUDIENCE: must differ from TOKEN_AUDIENCE"],
      [
        { ACCESS_TOKEN_TTL_SECONDS: "200", REFRESH_TOKEN_TTL_SECONDS: "100" },
        "ACCESS_TOKEN_TTL_SECONDS: must not exceed REFRESH_TOKEN_TTL_SECONDS",
      ],
      [
        { PERS_ACCESS_TOKEN_TTL_SECONDS: "200", PERS_REFRESH_TOKEN_TTL_SECONDS: "100" },
        "PERS_ACCESS_TOKEN_TTL_SECONDS: must not exceed PERS_REFRESH_TOKEN_TTL_SECONDS",
      ],
    ];
    for (const [vars, refusal] of refusals) {
      expect(() => checkConfiguration(withVars(vars)), JSON.stringify(vars)).toThrow(refusal);
    }
    expect(checkConfiguration(withVars({ MAX_BODY_BYTES: " 16384 " })).maxBodyBytes).toBe(16384);
  });

  it("refuses a missing or malformed signing key set, naming the secret", () => {
    for (const [keys, refusal] of [
      ["", "SIGNING_KEYS is required"],
      ["{not json", "SIGNING_KEYS is not valid JSON"],
      ['{"keys":[]}', "SIGNING_KEYS is not a valid key set (keys): must hold at least one key"],
    ]) {
      expect(() => checkConfiguration(withVars({ SIGNING_KEYS: keys ?? "" }))).toThrow(refusal);
    }
    // Offline, a key set not given is one set in Cloudflare.
    expect(() => checkConfiguration(withVars({ SIGNING_KEYS: "" }), { secretsVisible: false })).not.toThrow();
  });

  it("bounds a PERS family's lifetime and inactivity timeout (1 h–400 d, 5 min–400 d)", () => {
    expect(() => checkConfiguration(withVars({ PERS_SESSION_MAX_LIFETIME_SECONDS: "60" }))).toThrow(
      /PERS_SESSION_MAX_LIFETIME_SECONDS: must be/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_MAX_LIFETIME_SECONDS: String(401 * 86_400) }))).toThrow(
      /PERS_SESSION_MAX_LIFETIME_SECONDS: must be/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_INACTIVITY_SECONDS: "0" }))).toThrow(
      /PERS_SESSION_INACTIVITY_SECONDS: must be/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_INACTIVITY_SECONDS: "soon" }))).toThrow(
      /PERS_SESSION_INACTIVITY_SECONDS: must be/,
    );
    expect(() =>
      checkConfiguration(
        withVars({ PERS_SESSION_MAX_LIFETIME_SECONDS: "3600", PERS_SESSION_INACTIVITY_SECONDS: String(400 * 86_400) }),
      ),
    ).not.toThrow();
  });

  it("refuses a route whose assertions would have the audience of Gatehouse's own tokens", () => {
    const routesWithAudience = (audience: string) =>
      JSON.stringify({
        routes: [
          {
            name: "orders",
            path: "/orders/*",
            methods: ["GET"],
            credentials: ["bearer"],
            userTypes: ["user"],
            upstream: { url: "https://orders.internal" },
            audience,
          },
        ],
      });
    for (const audience of [env.TOKEN_AUDIENCE, env.PERS_AUDIENCE]) {
      expect(() => checkConfiguration(withVars({ GATEWAY_ROUTES: routesWithAudience(audience) }))).toThrow(
        `audience: "${audience}" is the audience of Gatehouse's own tokens`,
      );
    }
    expect(() => checkConfiguration(withVars({ GATEWAY_ROUTES: routesWithAudience("orders") }))).not.toThrow();
  });

  it("refuses a short pepper in PASSWORD_PEPPERS, naming the variable", () => {
    expect(() => checkConfiguration(withVars({ PASSWORD_PEPPERS: `k1:${"ab".repeat(32)}` }))).not.toThrow();
    expect(() => checkConfiguration(withVars({ PASSWORD_PEPPERS: `k1:${"ab".repeat(31)}` }))).toThrow(
      /PASSWORD_PEPPERS: pepper "k1" must be hex of at least 32 bytes/,
    );
  });

  describe("a password pepper in production", () => {
    const pepper = `p1:${"ab".repeat(32)}`;
    const refusal =
      /PASSWORD_PEPPERS is required when ISSUER is not on localhost \(https:\/\/auth\.example\.com\): without it passwords are stored unpeppered\. Set it with `npx wrangler secret put PASSWORD_PEPPERS`, value id:hex/;

    it("refuses a production ISSUER without PASSWORD_PEPPERS, naming the secret and the command", () => {
      expect(() => checkConfiguration(withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "" }))).toThrow(
        refusal,
      );
      // The first request reads the configuration the same way, whatever the module load did.
      expect(() => readConfig(withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "" }))).toThrow(refusal);
    });

    it("counts every ISSUER not on localhost as production, and the legacy pepper as none", () => {
      for (const issuer of ["http://auth.example.com", "https://localhost:8787", "http://10.0.0.8:8787"]) {
        expect(() => checkConfiguration(withVars({ ISSUER: issuer, PASSWORD_PEPPERS: "" })), issuer).toThrow(
          /PASSWORD_PEPPERS is required/,
        );
      }
      expect(() =>
        checkConfiguration(
          withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "", PASSWORD_PEPPER: "x".repeat(32) }),
        ),
      ).toThrow(/PASSWORD_PEPPERS is required/);
    });

    it("accepts a production ISSUER with a pepper", () => {
      const config = checkConfiguration(withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: pepper }));
      expect(config.passwordPeppers.map((entry) => entry.id)).toEqual(["p1"]);
    });

    it("accepts a localhost ISSUER without one, as `npm run dev` may run", () => {
      for (const issuer of ["http://localhost:8787", "http://127.0.0.1:9000", "http://[::1]:8787"]) {
        expect(() => checkConfiguration(withVars({ ISSUER: issuer, PASSWORD_PEPPERS: "" })), issuer).not.toThrow();
      }
    });

    it("offline, with the secrets out of sight, does not ask for it but still checks one given", () => {
      const offline = { secretsVisible: false };
      expect(() =>
        checkConfiguration(withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "" }), offline),
      ).not.toThrow();
      expect(() =>
        checkConfiguration(withVars({ ISSUER: "https://auth.example.com", PASSWORD_PEPPERS: "p1:abcd" }), offline),
      ).toThrow(/PASSWORD_PEPPERS: pepper "p1" must be hex of at least 32 bytes/);
      expect(() =>
        checkConfiguration(withVars({ ISSUER: "https://auth.example.com", PBKDF2_ITERATIONS: "200000" }), offline),
      ).toThrow(/PBKDF2_ITERATIONS: must be at most 100000/);
    });
  });

  it("refuses a route table that is not JSON", () => {
    expect(() => checkConfiguration(withVars({ GATEWAY_ROUTES: '{"routes": [' }))).toThrow(
      /Invalid gateway route table/,
    );
  });

  it("refuses a route table with a bad entry, naming the entry and the field", () => {
    const table = JSON.stringify({
      routes: [
        {
          name: "ok",
          path: "/ok/*",
          methods: ["GET"],
          credentials: ["public"],
          upstream: { url: "https://origin.example.com" },
        },
        { name: "typo", path: "/typo/*", methods: ["GETT"], credentials: ["public"], upstream: { url: "x" } },
      ],
    });
    expect(() => checkConfiguration(withVars({ GATEWAY_ROUTES: table }))).toThrow(/routes\[1\] \(path "\/typo\/\*"\)/);
  });

  it("refuses a route naming a service binding the Worker does not have", () => {
    const table = JSON.stringify({
      routes: [
        { name: "svc", path: "/svc/*", methods: ["GET"], credentials: ["public"], upstream: { service: "NO_SUCH" } },
      ],
    });
    expect(() => checkConfiguration(withVars({ GATEWAY_ROUTES: table }))).toThrow(/no service binding named "NO_SUCH"/);
  });
});
