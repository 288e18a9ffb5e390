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

export function formatTable(rows: Row[], columns: string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join("\n");
}

/** Prints `answer` whole with --json, else the rows under `key` (or one record) as a table. */
export function print(output: Output, answer: Record<string, unknown>, key: string, columns: string[]): void {
  if (output.json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  const value = answer[key];
  const rows = (Array.isArray(value) ? value : [value]) as Row[];
  process.stdout.write(`${formatTable(rows, columns)}\n`);
  if (typeof answer.next_cursor === "string") process.stdout.write(`more: --cursor ${answer.next_cursor}\n`);
}

export function note(output: Output, message: string): void {
  if (!output.json) process.stderr.write(`${message}\n`);
}
