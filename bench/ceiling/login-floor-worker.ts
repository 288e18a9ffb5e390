/**
 * Login's floor in this simulation: one PBKDF2-SHA256 at Gatehouse's iterations plus the very
 * storage calls a Ping login makes (two rate-limit checks, the user read, the session's KV write
 * and the deferred audit row), with none of Gatehouse's own code. Locally, D1, KV and the rate
 * limiter are simulated inside workerd and their CPU is counted with the worker's; login measured
 * against this worker shows what Gatehouse adds beyond its PBKDF2 and its storage.
 */
// The little of the bindings this worker uses, typed here: the bench is type-checked with Node's types.
interface Statement {
  bind(...values: unknown[]): Statement;
  first<T>(): Promise<T | null>;
  run(): Promise<unknown>;
}
interface Env {
  DB: { prepare(sql: string): Statement };
  KV: { put(key: string, value: string, options: { expirationTtl: number }): Promise<void> };
  LIMITER: { limit(options: { key: string }): Promise<{ success: boolean }> };
}

const ITERATIONS = 100_000;
const SESSION_SECONDS = 30 * 24 * 60 * 60;
const encoder = new TextEncoder();

const USER_WITH_BUSINESSES =
  "SELECT u.*, b.id, b.public_id, b.name, b.status FROM users u " +
  "LEFT JOIN business_members m ON m.user_id = u.id LEFT JOIN businesses b ON b.id = m.business_id " +
  "WHERE u.email_normalized = ? ORDER BY b.id";
const AUDIT_ROW =
  "INSERT INTO audit_events (at, actor_public_id, actor_type, action, target, ip, user_agent, details) " +
  "VALUES (?, ?, 'user', 'auth.login', ?, NULL, NULL, ?)";

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(work: Promise<unknown>): void }): Promise<Response> {
    const { email, password } = (await request.json()) as { email: string; password: string };
    await env.LIMITER.limit({ key: "ip" });
    await env.LIMITER.limit({ key: `account:${email}` });
    const user = await env.DB.prepare(USER_WITH_BUSINESSES).bind(email.toLowerCase()).first<{ public_id: string }>();
    const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, key, 256);
    const sessionId = crypto.randomUUID();
    const publicId = user?.public_id ?? "";
    await env.KV.put(
      `session:${publicId}:${sessionId}`,
      JSON.stringify({ id: sessionId, userPublicId: publicId, kind: "token", createdAt: Date.now() }),
      { expirationTtl: SESSION_SECONDS },
    );
    ctx.waitUntil(
      env.DB.prepare(AUDIT_ROW)
        .bind(Date.now(), publicId, publicId, JSON.stringify({ flow: "token", session_id: sessionId }))
        .run(),
    );
    return Response.json({ ok: true });
  },
};
