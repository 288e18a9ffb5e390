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

  it("refuses an out-of-range variable, naming it", () => {
    expect(() => checkConfiguration(withVars({ PBKDF2_ITERATIONS: "200000" }))).toThrow(
      /pbkdf2Iterations: PBKDF2_ITERATIONS must be at most 100000/,
    );
    expect(() => checkConfiguration(withVars({ SESSION_LIVENESS_CACHE_SECONDS: "600" }))).toThrow(
      /sessionLivenessCacheSeconds/,
    );
  });

  it("bounds a PERS family's lifetime and inactivity timeout (1 h–400 d, 5 min–400 d)", () => {
    expect(() => checkConfiguration(withVars({ PERS_SESSION_MAX_LIFETIME_SECONDS: "60" }))).toThrow(
      /persSessionMaxLifetimeSeconds/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_MAX_LIFETIME_SECONDS: String(401 * 86_400) }))).toThrow(
      /persSessionMaxLifetimeSeconds/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_INACTIVITY_SECONDS: "0" }))).toThrow(
      /persSessionInactivitySeconds/,
    );
    expect(() => checkConfiguration(withVars({ PERS_SESSION_INACTIVITY_SECONDS: "soon" }))).toThrow(
      /persSessionInactivitySeconds/,
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
      /passwordPeppers: PASSWORD_PEPPERS: pepper "k1" must be hex of at least 32 bytes/,
    );
  });

  describe("a password pepper in production", () => {
    const pepper = `p1:${"ab".repeat(32)}`;
    const refusal =
      /passwordPeppers: PASSWORD_PEPPERS is required when ISSUER is not on localhost \(https:\/\/auth\.example\.com\): without it passwords are stored unpeppered\. Set it with `npx wrangler secret put PASSWORD_PEPPERS`, value id:hex/;

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
      ).toThrow(/PBKDF2_ITERATIONS must be at most 100000/);
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
