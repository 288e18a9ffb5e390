/**
 * Password peppers: secrets kept outside D1 (a Workers secret), each with a short id that the
 * stored hash names, so that a pepper can be rotated while hashes under the previous one still
 * verify. `PASSWORD_PEPPERS` lists them as `id:hex,id:hex`, the first being the current one.
 */
export interface Pepper {
  id: string;
  secret: Uint8Array<ArrayBuffer>;
}

export const PEPPER_MIN_BYTES = 32;
const PEPPER_ID = /^[A-Za-z0-9_-]{1,16}$/;
const HEX_SECRET = new RegExp(`^(?:[0-9a-fA-F]{2}){${PEPPER_MIN_BYTES},}$`);

/** What `PASSWORD_PEPPERS` holds, in words, for the messages that ask for it. */
export const PEPPER_LIST_FORMAT = `id:hex[,id:hex…], the first current; each id 1-16 of [A-Za-z0-9_-], each secret at least ${PEPPER_MIN_BYTES} bytes of hex`;

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Parses `id:hex,...`; returns the problem as a string so the config reader can name it. */
export function parsePepperList(list: string): Pepper[] | string {
  const peppers: Pepper[] = [];
  for (const entry of list
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [id = "", secret = "", ...rest] = entry.split(":");
    if (rest.length > 0 || !PEPPER_ID.test(id)) return `pepper id must match ${PEPPER_ID.source}`;
    if (!HEX_SECRET.test(secret)) return `pepper "${id}" must be hex of at least ${PEPPER_MIN_BYTES} bytes`;
    if (peppers.some((pepper) => pepper.id === id)) return `pepper id "${id}" is listed twice`;
    peppers.push({ id, secret: hexBytes(secret) });
  }
  return peppers;
}
