import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { constants, gzipSync } from "node:zlib";
import { WRANGLER } from "./wrangler.ts";

/**
 * Every cold isolate loads the whole bundle before its first request. The budget sits just above
 * today's size so that any growth fails CI; docs/performance.md says where the bytes go.
 */
export const GZIP_BUDGET_BYTES = 151 * 1024;

/** The Worker's main module in a `wrangler deploy --outdir` directory (beside it: its source map). */
async function mainModule(dir: string): Promise<string> {
  const modules = (await readdir(dir)).filter((name) => /\.m?js$/.test(name));
  if (modules.length !== 1) throw new Error(`expected one module in ${dir}, found: ${modules.join(", ") || "none"}`);
  return join(dir, modules[0] as string);
}

/**
 * Bundles the Worker as `wrangler deploy` would (`--dry-run`: offline, nothing uploaded) and
 * measures its main module: raw bytes, and gzip at level 9 (node:zlib; wrangler's own "gzip:"
 * line uses the default level and reads slightly larger).
 */
export async function measureBundle(): Promise<{ rawBytes: number; gzipBytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-bundle-"));
  try {
    await promisify(execFile)(WRANGLER, ["deploy", "--dry-run", "--outdir", dir], {
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const code = await readFile(await mainModule(dir));
    return { rawBytes: code.length, gzipBytes: gzipSync(code, { level: constants.Z_BEST_COMPRESSION }).length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
