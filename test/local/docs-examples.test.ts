import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalGatehouse, startLocalGatehouse } from "../../scripts/lib/local-gatehouse.ts";

const run = promisify(execFile);

/**
 * Every ```sh block of a docs page, run in order in one shell as a reader would paste them, against
 * a fresh local Gatehouse. The pages log the demo user in a few times each; the groups keep each
 * Gatehouse under the per-account login limit (5 a minute from one IP).
 */
const GROUPS = [
  ["ping-tokens", "pingpage-cookies", "api-keys"],
  ["administration", "pers", "gateway"],
];

export function shellBlocksOf(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

async function runPage(page: string, gatehouse: LocalGatehouse, configHome: string) {
  const blocks = shellBlocksOf(readFileSync(`docs/${page}.md`, "utf8"));
  // The pages speak of `npm run dev`'s URL and local state; this Gatehouse has its own of both.
  const script = ["set -euo pipefail", ...blocks]
    .join("\n")
    .replaceAll("http://localhost:8787", gatehouse.baseUrl)
    .replace(/(create-admin[^\n]*) --local\b/g, `$1 --local --persist-to ${gatehouse.persistDir}`);
  try {
    const { stdout } = await run("bash", ["-c", script], {
      env: { ...process.env, XDG_CONFIG_HOME: configHome },
      maxBuffer: 10_000_000,
      timeout: 240_000,
    });
    return { code: 0, output: stdout, blocks: blocks.length };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout}\n${failed.stderr}`, blocks: blocks.length };
  }
}

for (const pages of GROUPS) {
  describe(`docs/ examples: ${pages.join(", ")}`, () => {
    let gatehouse: LocalGatehouse;
    let configHome: string;

    beforeAll(async () => {
      gatehouse = await startLocalGatehouse();
      configHome = mkdtempSync(join(tmpdir(), "gatehouse-docs-"));
    });

    afterAll(async () => {
      await gatehouse?.stop();
      if (configHome) rmSync(configHome, { recursive: true, force: true });
    });

    it.each(pages)("docs/%s.md runs as shown", async (page) => {
      const result = await runPage(page, gatehouse, configHome);
      expect(result.blocks).toBeGreaterThan(0);
      expect(result.code, result.output.slice(-4000)).toBe(0);
      expect(result.output).not.toMatch(/"code":"internal_error"|"error":"internal_error"/);
    });
  });
}
