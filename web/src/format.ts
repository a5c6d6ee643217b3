// Numbers as the UI shows them.

// Bytes in binary units: "512 B", "1.5 KiB", "2.0 MiB", ...
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + " " + units[i];
}

// A count with thousands separators: "10,000".
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

// A duration in seconds as a rule file writes one, to its two largest
// units: "500ms", "45s", "1m30s", "2h5m", "3d4h".
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  let s = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.length ? parts.slice(0, 2).join("") : "0s";
}

// How long before `now` the time `ms` was: "just now", "42s ago", "1h5m ago".
// A time ahead of this clock (another machine's) is "just now" too.
export function formatAgo(ms: number, now = Date.now()): string {
  const seconds = Math.floor((now - ms) / 1000);
  return seconds < 1 ? "just now" : formatDuration(seconds) + " ago";
}

// A short time taken, with three significant digits: "183 µs", "12.3 ms", "2.50 s".
export function formatElapsed(seconds: number): string {
  const digits = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  if (seconds < 1e-3) return `${Math.round(seconds * 1e6)} µs`;
  if (seconds < 1) return `${digits(seconds * 1e3)} ms`;
  return `${digits(seconds)} s`;
}

// A sample value as Prometheus' API writes it ("8e+00", "1.5e-01", "NaN",
// "+Inf") in plain notation where it is finite: "8", "0.15".
export function formatValue(text: string): string {
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? String(Number(n.toPrecision(6))) : text;
}

// A time offset within a trace: "0 ms", "0.25 ms", "210 ms", "1.2 s", "75 s".
// Milliseconds up to a second, as request timings are read.
export function formatOffset(ms: number): string {
  if (ms < 1000) return `${Number(ms.toFixed(ms < 10 ? 2 : 0))} ms`;
  return `${Number((ms / 1000).toFixed(ms < 10000 ? 2 : 1))} s`;
}
