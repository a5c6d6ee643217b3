// Log levels as the histogram and the patterns show them.

// Levels as Grafana colours them, most severe first; other names are
// "unknown".
export const LEVELS = ["critical", "error", "warn", "info", "debug", "trace", "unknown"];
export const LEVEL_COLORS: Record<string, string> = {
  critical: "#a0307a",
  error: "#d64541",
  warn: "#e8a317",
  info: "#3f9c4a",
  debug: "#3274d9",
  trace: "#7b61c9",
  unknown: "#8a94a6",
};

export function normalLevel(value: string | undefined): string {
  const v = (value ?? "").toLowerCase();
  if (["critical", "crit", "fatal", "emerg", "emergency", "alert", "panic"].includes(v)) return "critical";
  if (["error", "err", "eror"].includes(v)) return "error";
  if (["warn", "warning"].includes(v)) return "warn";
  if (["info", "information", "informational", "notice"].includes(v)) return "info";
  if (["debug", "dbg"].includes(v)) return "debug";
  if (["trace"].includes(v)) return "trace";
  return "unknown";
}
