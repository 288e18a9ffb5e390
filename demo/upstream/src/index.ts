/**
 * The demo origin: answers every request with what it received (method, path, query, headers,
 * body size and SHA-256), so a newcomer sees exactly what the gateway forwards. Requests under
 * `/sandbox` are the ones the gateway routed to the sandbox upstream (test-mode API keys).
 */
async function digestBody(body: ReadableStream<Uint8Array> | null): Promise<{ bytes: number; sha256: string }> {
  const digest = new crypto.DigestStream("SHA-256");
  let bytes = 0;
  if (body) {
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    await body.pipeThrough(counter).pipeTo(digest);
  } else {
    const writer = digest.getWriter();
    await writer.close();
  }
  const hash = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { bytes, sha256: hash };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = await digestBody(request.body);
    const echo = {
      upstream: "demo-upstream",
      sandbox: url.pathname === "/sandbox" || url.pathname.startsWith("/sandbox/"),
      method: request.method,
      path: url.pathname,
      query: url.search,
      headers: Object.fromEntries(request.headers),
      bodyBytes: body.bytes,
      bodySha256: body.sha256,
    };
    return Response.json(echo, { headers: { "X-Demo-Upstream": "echo" } });
  },
} satisfies ExportedHandler;
