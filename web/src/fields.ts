// Fields found in a line, as Grafana's "detected fields": a JSON object's
// members (nested ones joined by "_", as LogQL's json parser names them)
// or logfmt pairs.

export interface ParsedLine {
  parser: "json" | "logfmt" | null;
  fields: [string, string][];
}

function labelName(key: string): string {
  let name = key.replace(/[^A-Za-z0-9_]/g, "_");
  if (/^[0-9]/.test(name)) name = "_" + name;
  return name;
}

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(prefix ? prefix + "_" + labelName(k) : labelName(k), v, out);
    }
  } else if (prefix) {
    out.push([prefix, typeof value === "string" ? value : JSON.stringify(value)]);
  }
}

export function parseLogfmt(line: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([^\s="]+)=("((?:[^"\\]|\\.)*)"|[^\s]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, (_s, c) => (c === "n" ? "\n" : c === "t" ? "\t" : c)) : m[2];
    out.push([labelName(m[1]), value]);
  }
  return out;
}

export function parseLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) {
    try {
      const fields: [string, string][] = [];
      flatten("", JSON.parse(trimmed), fields);
      return { parser: "json", fields };
    } catch {
      // not JSON after all
    }
  }
  const pairs = parseLogfmt(line);
  // A line with one stray "a=b" is prose, not logfmt.
  if (pairs.length >= 2) return { parser: "logfmt", fields: pairs };
  return { parser: null, fields: [] };
}
