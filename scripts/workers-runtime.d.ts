// Scripts share src/crypto with the Worker; this is the one Workers-only WebCrypto method it uses
// (only on paths the scripts never take).
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}

// src/env.ts names the Workers bindings' types; the scripts only read its configuration schema.
type D1Database = unknown;
type KVNamespace = unknown;
type RateLimit = unknown;
type Fetcher = unknown;
