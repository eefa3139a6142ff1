// Compiles the custom server entry (and the server/ and lib/ code it imports) to one ESM file.
// Running compiled JS instead of tsx saves about 100 MB of RSS in production (platform notes).
import { build } from "esbuild";

await build({
  entryPoints: ["entrypoints/web.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  // ESM output has no require(); some bundled CommonJS helpers still call it.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
console.log("built dist/server.mjs");
