import { CliError } from "./client.ts";

/** People get aligned columns; scripts (`--json`) get the API's own JSON. */
export interface Output {
  json: boolean;
}

export type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const cellsOf = (rows: Row[], columns: string[]) => rows.map((row) => columns.map((column) => cell(row[column])));

/** Each column as wide as its widest cell, its header and (when given) the width it already had. */
function widthsOf(columns: string[], cells: string[][], floor: number[] = []): number[] {
  return columns.map((column, i) =>
    Math.max(floor[i] ?? 0, column.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
}

function lineOf(values: string[], widths: number[]): string {
  return values
    .map((value, i) => value.padEnd(widths[i] ?? 0))
    .join("  ")
    .trimEnd();
}

const headerOf = (columns: string[], widths: number[]) =>
  lineOf(
    columns.map((column) => column.toUpperCase()),
    widths,
  );

export function formatTable(rows: Row[], columns: string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = cellsOf(rows, columns);
  const widths = widthsOf(columns, cells);
  return [headerOf(columns, widths), ...cells.map((line) => lineOf(line, widths))].join("\n");
}

/**
 * One table written batch by batch as rows arrive (`audit tail --follow`): the header once, above
 * the first rows. Columns keep the widest width seen so far, so they stay aligned unless a later
 * cell is wider than any before it.
 */
export function tableStream(columns: string[], write: (text: string) => void): (rows: Row[]) => void {
  let widths: number[] | undefined;
  return (rows) => {
    if (rows.length === 0) return;
    const cells = cellsOf(rows, columns);
    const first = widths === undefined;
    const current = widthsOf(columns, cells, widths);
    widths = current;
    const lines = cells.map((line) => lineOf(line, current));
    write(`${(first ? [headerOf(columns, current), ...lines] : lines).join("\n")}\n`);
  };
}

/** Prints `answer` whole with --json, else the rows under `key` (or one record) as a table. */
export function print(output: Output, answer: Record<string, unknown>, key: string, columns: string[]): void {
  if (output.json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  const value = answer[key];
  // Every command names the field its answer holds; an answer without it came from something else.
  if (value === null || typeof value !== "object") throw new CliError(`the answer holds no ${key}: is --url right?`);
  const rows = (Array.isArray(value) ? value : [value]) as Row[];
  process.stdout.write(`${formatTable(rows, columns)}\n`);
  if (typeof answer.next_cursor === "string") process.stdout.write(`more: --cursor ${answer.next_cursor}\n`);
}

/** For an answer that holds no record to show: `answer` whole with --json, else `message`. */
export function printDone(output: Output, answer: Record<string, unknown>, message: string): void {
  process.stdout.write(output.json ? `${JSON.stringify(answer, null, 2)}\n` : `${message}\n`);
}

export function note(output: Output, message: string): void {
  if (!output.json) process.stderr.write(`${message}\n`);
}
