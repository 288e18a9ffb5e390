/**
 * Login's floor: a bare Worker that reads a JSON body, derives one PBKDF2-SHA256 of its password
 * at Gatehouse's iterations and answers a small JSON body. Login is measured against it, so what
 * login costs beyond this is Gatehouse's own work and the storage it calls.
 */
const ITERATIONS = 100_000;
const encoder = new TextEncoder();

export default {
  async fetch(request: Request): Promise<Response> {
    const { password } = (await request.json()) as { password: string };
    const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, key, 256);
    return Response.json({ ok: true });
  },
};
