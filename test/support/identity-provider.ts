import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import type { IdpAlgorithm } from "../../src/domain";
import { openDatabase } from "../../src/storage/db";
import { insertProviderIfIssuerFree, type ProviderValues } from "../../src/storage/identity-providers";
import type { IdentityProviderRow } from "../../src/storage/schema";
import type { TestTenant } from "./tenants";

/**
 * A fake identity provider: real key pairs (jose), and a JWKS served "over HTTP" by a stub of
 * `globalThis.fetch` that answers like a server would (status, JSON body, content type) and
 * counts the calls. Nothing in the worker is mocked; only the outside peer is.
 */

interface ProviderKey {
  kid: string;
  alg: IdpAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** What a server answers when it never answers. */
const STALLED = Symbol("stalled");
type JwksResponder = () => Response | typeof STALLED;

const servers = new Map<string, JwksResponder>();
let realFetch: typeof fetch | undefined;

function installNetwork(): void {
  if (realFetch) return;
  realFetch = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new Request(input, init).url;
    const respond = servers.get(url);
    if (!respond) throw new TypeError(`fake network: no server at ${url}`);
    const response = respond();
    if (response !== STALLED) return response;
    // A peer that never answers: the call ends only when its caller aborts it, as a real fetch does.
    return new Promise<Response>((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });
  };
}

async function generateKey(alg: IdpAlgorithm, kid: string): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey: privateKey as CryptoKey, publicJwk };
}

export interface SignOptions {
  kid?: string;
  alg?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Extra protected-header parameters (e.g. a `jwk` an attacker embeds). */
  header?: Record<string, unknown>;
  /** Sign with this key instead of the provider's (an attacker's). */
  key?: CryptoKey;
}

export class FakeIdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** Keys the provider holds (it may hold keys it has not published yet). */
  readonly keys = new Map<string, ProviderKey>();
  /** Kids currently published in the JWKS. */
  published: string[] = [];
  /** When set, the JWKS endpoint answers 503. */
  down = false;
  /**
   * When set, the JWKS endpoint stalls: `headers` never answers at all, `body` sends its 200
   * headers and then a body that never ends (a peer that hangs mid-answer).
   */
  stall: "headers" | "body" | null = null;
  fetchCount = 0;

  private constructor(readonly name: string) {
    this.issuer = `https://${name}.idp.example.test`;
    this.audience = `aud-${name}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
  }

  static async create(options: { alg?: IdpAlgorithm } = {}): Promise<FakeIdentityProvider> {
    installNetwork();
    const idp = new FakeIdentityProvider(`idp-${crypto.randomUUID().slice(0, 8)}`);
    const first = await idp.addKey(options.alg ?? "RS256");
    idp.publish(first.kid);
    servers.set(idp.jwksUrl, () => idp.serveJwks());
    return idp;
  }

  async addKey(alg: IdpAlgorithm = "RS256"): Promise<ProviderKey> {
    const key = await generateKey(alg, `${alg.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`);
    this.keys.set(key.kid, key);
    return key;
  }

  publish(...kids: string[]): void {
    this.published.push(...kids);
  }

  get firstKid(): string {
    return [...this.keys.keys()][0] as string;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((kid) => this.keys.get(kid)?.publicJwk as JWK) };
  }

  private serveJwks(): Response | typeof STALLED {
    this.fetchCount += 1;
    if (this.down) return new Response("upstream unavailable", { status: 503 });
    if (this.stall === "headers") return STALLED;
    if (this.stall === "body") {
      const endless = new ReadableStream({
        start: (controller) => controller.enqueue(new TextEncoder().encode('{"keys":[')),
      });
      return new Response(endless, { status: 200, headers: { "Content-Type": "application/json" } });
    }
    return new Response(JSON.stringify(this.jwks()), {
      status: 200,
      headers: { "Content-Type": "application/json", "Cache-Control": "max-age=300" },
    });
  }

  /** An identity token for `subject`, signed like the provider does unless options say otherwise. */
  async token(subject: string, claims: JWTPayload = {}, options: SignOptions = {}): Promise<string> {
    const kid = options.kid ?? this.firstKid;
    // A kid the provider does not hold is still signed (with its first key): a token naming an unknown kid.
    const key = this.keys.get(kid) ?? (this.keys.get(this.firstKid) as ProviderKey);
    const now = Math.floor(Date.now() / 1000);
    // Standard claims first, so a test can override any of them (a wrong `aud`, a missing `exp`).
    const payload: JWTPayload = {
      iss: this.issuer,
      aud: this.audience,
      sub: subject,
      iat: now,
      exp: now + (options.expiresIn ?? 300),
      email: `${subject}@example.com`,
      name: `Person ${subject}`,
      ...claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? key.alg, kid, typ: "JWT", ...options.header })
      .sign(options.key ?? key.privateKey);
  }

  /** Registers this provider with a tenant, straight in D1 (the admin API has its own tests). */
  async trustedBy(tenant: TestTenant, overrides: Partial<ProviderValues> = {}): Promise<IdentityProviderRow> {
    const row = await insertProviderIfIssuerFree(openDatabase(env.DB), {
      publicId: `idp_${crypto.randomUUID().slice(0, 12)}`,
      tenantId: tenant.tenantId,
      issuer: this.issuer,
      audience: this.audience,
      jwksUrl: this.jwksUrl,
      jwksInline: null,
      allowedAlgorithms: ["RS256", "PS256", "ES256", "EdDSA"],
      claimMapping: { subject: "sub", email: "email", name: "name" },
      enabled: true,
      now: new Date(),
      ...overrides,
    });
    if (!row) throw new Error("provider insert failed");
    return row;
  }
}
