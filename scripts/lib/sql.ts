/** A SQL string literal (SQLite quoting). Values come from our own constants or a local operator. */
export function sqlString(value: string | null): string {
  if (value === null) return "NULL";
  return `'${value.replaceAll("'", "''")}'`;
}
