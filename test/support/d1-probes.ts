/**
 * D1 bindings that observe or refuse, built over the real one: the statements a piece of code
 * sends (counted, not faked), or an outage (every batch refused, or left hanging). Pass one to
 * `openDatabase` to get a `deps.db` over it.
 */
export interface CountingD1 {
  d1: D1Database;
  /** The SQL of every statement prepared, in order. */
  statements: string[];
  /** The number of statements in each `batch` call, in order. */
  batches: number[];
}

function overD1(real: D1Database, overrides: Partial<Record<keyof D1Database, unknown>>): D1Database {
  return new Proxy(real, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof D1Database];
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export function countingD1(real: D1Database): CountingD1 {
  const statements: string[] = [];
  const batches: number[] = [];
  const d1 = overD1(real, {
    prepare: (query: string) => {
      statements.push(query);
      return real.prepare(query);
    },
    batch: (prepared: D1PreparedStatement[]) => {
      batches.push(prepared.length);
      return real.batch(prepared);
    },
  });
  return { d1, statements, batches };
}

export interface FailingD1 {
  d1: D1Database;
  /** How many batches were attempted. */
  attempts: () => number;
}

/** D1 refusing every batch as an outage would (statements still prepare, as they do locally). */
export function refusingD1(real: D1Database, message = "D1_ERROR: Network connection lost."): FailingD1 {
  let attempts = 0;
  const d1 = overD1(real, {
    batch: () => {
      attempts += 1;
      return Promise.reject(new Error(message));
    },
  });
  return { d1, attempts: () => attempts };
}

/** D1 that accepts a batch and never answers. */
export function stalledD1(real: D1Database): FailingD1 {
  let attempts = 0;
  const d1 = overD1(real, {
    batch: () => {
      attempts += 1;
      return new Promise<never>(() => undefined);
    },
  });
  return { d1, attempts: () => attempts };
}
