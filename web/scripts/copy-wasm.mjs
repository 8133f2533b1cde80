// Copies the WebAssembly build of the C++ core (build/wasm/core.js and core.wasm, made by CMake
// with emscripten) into public/wasm/, where Vite publishes it as /wasm/… and the service worker
// precaches it. Run before every build (npm "prebuild"). The source folder can be overridden
// with AISLE_WASM_DIR (for example a build tree outside the repo).
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = resolve(process.env.AISLE_WASM_DIR ?? join(webDir, '..', 'build', 'wasm'));
const outDir = join(webDir, 'public', 'wasm');
const files = ['core.js', 'core.wasm'];

const missing = files.filter((f) => !existsSync(join(srcDir, f)));
if (missing.length > 0) {
  console.error(
    `copy-wasm: missing ${missing.join(', ')} in ${srcDir}.\n` +
      'The web app prices carts with the C++ core compiled to WebAssembly; build it first\n' +
      '(the CMake WASM build writes build/wasm/core.js and build/wasm/core.wasm),\n' +
      'or point AISLE_WASM_DIR at a folder that holds both files.',
  );
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
for (const f of files) {
  copyFileSync(join(srcDir, f), join(outDir, f));
  console.log(`copy-wasm: ${f} (${statSync(join(outDir, f)).size} bytes) -> public/wasm/`);
}
