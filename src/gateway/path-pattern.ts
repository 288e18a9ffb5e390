/**
 * Route path patterns: `/v1/get/*`, `/v1/templates/:id`, `/`.
 *
 * A pattern is a list of segments: literals (matched exactly, case-sensitively, against the raw
 * percent-encoded path), `:name` parameters (exactly one non-empty segment) and a final `*`
 * (zero or more further segments, so `/v1/get/*` matches `/v1/get`, `/v1/get/` and
 * `/v1/get/a/b`, never `/v1/getter`). Each pattern becomes one anchored regular expression once,
 * when the table is loaded.
 */
export type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string } | { kind: "wildcard" };

export interface PathPattern {
  source: string;
  segments: readonly Segment[];
  regex: RegExp;
}

const LITERAL = /^(?:[A-Za-z0-9._~!$&'()+,;=@-]|%[0-9A-Fa-f]{2})+$/;
const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PATTERN_LENGTH = 512;

function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function parseSegment(raw: string, isLast: boolean): Segment | string {
  if (raw === "*") return isLast ? { kind: "wildcard" } : "`*` may only be the last segment";
  if (raw.startsWith(":")) return PARAM.test(raw) ? { kind: "param", name: raw.slice(1) } : `bad parameter "${raw}"`;
  if (raw === "." || raw === "..") return "dot segments are not allowed";
  if (!LITERAL.test(raw)) return `segment "${raw}" has characters a path pattern does not allow`;
  return { kind: "literal", value: raw };
}

/** Compiles a pattern, or returns why it is not one. */
export function compilePathPattern(source: string): PathPattern | string {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (!source.startsWith("/")) return 'must start with "/"';
  if (source === "/") return { source, segments: [], regex: /^\/$/ };
  if (source.endsWith("/")) return 'must not end with "/" (use "/prefix" or "/prefix/*")';
  const raws = source.slice(1).split("/");
  const segments: Segment[] = [];
  const params = new Set<string>();
  for (const [index, raw] of raws.entries()) {
    if (raw === "") return "empty segment";
    const segment = parseSegment(raw, index === raws.length - 1);
    if (typeof segment === "string") return segment;
    if (segment.kind === "param") {
      if (params.has(segment.name)) return `parameter ":${segment.name}" appears twice`;
      params.add(segment.name);
    }
    segments.push(segment);
  }
  const body = segments
    .map((segment) => {
      if (segment.kind === "literal") return `/${escapeRegex(segment.value)}`;
      if (segment.kind === "param") return "/[^/]+";
      return "(?:/.*)?";
    })
    .join("");
  return { source, segments, regex: new RegExp(`^${body}$`) };
}

/** Whether some path would match both patterns. */
export function patternsOverlap(a: PathPattern, b: PathPattern): boolean {
  for (let i = 0; ; i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (x?.kind === "wildcard" || y?.kind === "wildcard") return true;
    if (!x || !y) return !x && !y;
    if (x.kind === "literal" && y.kind === "literal" && x.value !== y.value) return false;
  }
}
