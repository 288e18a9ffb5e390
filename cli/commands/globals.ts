import { type Command, InvalidArgumentError } from "commander";
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

/** Parses a comma-separated list option. */
export function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}
