/**
 * Reads a request's or response's body, giving up as soon as it passes `maxBytes` — whether the
 * sender declared its length or streams it — so an oversized body is never buffered whole.
 * Returns null when the body is too large; the caller decides what that means.
 */
export async function readBoundedBody(message: Request | Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = message.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!message.body) return new Uint8Array();
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
