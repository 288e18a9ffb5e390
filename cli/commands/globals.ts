import { type Command, InvalidArgumentError, Option } from "commander";
import { normaliseUrl, type Target } from "../client.ts";
import type { Output } from "../output.ts";

export const DEFAULT_URL = "http://localhost:8787";

export interface Globals {
  target: Target;
  output: Output;
}

/** The options every command shares, read from the program whatever the nesting. */
export function globalsOf(command: Command): Globals {
  const options = command.optsWithGlobals<{ url?: string; token?: string; json?: boolean }>();
  return {
    target: {
      url: normaliseUrl(options.url ?? process.env.GATEHOUSE_URL ?? DEFAULT_URL),
      token: options.token ?? (process.env.GATEHOUSE_TOKEN || undefined),
    },
    output: { json: options.json === true },
  };
}

/** Parses a positive integer option, refusing anything else by name. */
export function positiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return number;
  };
}

/** The API's `MAX_PAGE_SIZE` (src/http/schemas/pagination.ts), not imported: it would load zod. */
const PAGE_SIZE_MAX = 100;

/** `--limit <n>`, the page size of every admin list, refused here when the API would refuse it. */
export function limitOption(): Option {
  return new Option("--limit <n>", `page size (1-${PAGE_SIZE_MAX})`).argParser((value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > PAGE_SIZE_MAX) {
      throw new InvalidArgumentError(`--limit must be an integer from 1 to ${PAGE_SIZE_MAX}`);
    }
    return number;
  });
}

/** Parses a comma-separated list option. */
export function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}
