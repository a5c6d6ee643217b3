// Bundles the UI into OUTDIR (default dist/): index.html, app.js, app.css.
// Run by the C++ build, which embeds the three files in the lode binary.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
let build;
try {
  ({ build } = await import("esbuild"));
} catch {
  console.error("web/build.mjs: esbuild is not installed; run make deps (npm ci --prefix web)");
  process.exit(1);
}
const outdir = process.argv[2] ?? join(here, "dist");
mkdirSync(outdir, { recursive: true });
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning" };
await build({
  ...common,
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(outdir, "app.js"),
  format: "iife",
  target: ["es2020"],
});
await build({ ...common, entryPoints: [join(here, "src/style.css")], outfile: join(outdir, "app.css") });
copyFileSync(join(here, "src/index.html"), join(outdir, "index.html"));
