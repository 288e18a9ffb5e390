import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What `gatehouse login` keeps for one Gatehouse URL: a Ping token pair of an `adminuser`. */
export interface SavedLogin {
  email: string;
  accessToken: string;
  refreshToken: string;
}

type Store = Record<string, SavedLogin>;

/** `$GATEHOUSE_CREDENTIALS`, else `$XDG_CONFIG_HOME/gatehouse/credentials.json` (mode 0600). */
export function credentialsPath(): string {
  if (process.env.GATEHOUSE_CREDENTIALS) return process.env.GATEHOUSE_CREDENTIALS;
  const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(configHome, "gatehouse", "credentials.json");
}

function readStore(): Store {
  const path = credentialsPath();
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Store;
  } catch {
    return {};
  }
}

function writeStore(store: Store): void {
  const path = credentialsPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function savedLogin(url: string): SavedLogin | undefined {
  return readStore()[url];
}

export function saveLogin(url: string, login: SavedLogin): void {
  writeStore({ ...readStore(), [url]: login });
}

export function forgetLogin(url: string): boolean {
  const store = readStore();
  if (!(url in store)) return false;
  delete store[url];
  writeStore(store);
  return true;
}
