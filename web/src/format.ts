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
