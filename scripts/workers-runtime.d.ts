// Scripts share src/crypto with the Worker; this is the one Workers-only WebCrypto method it uses
// (only on paths the scripts never take).
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
