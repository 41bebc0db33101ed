// Builds the browser page with esbuild into build/web/ (page, worker, the default model and the
// digits) and, with --serve, serves it on http://127.0.0.1:<port>/ (default 8080; --port N,
// 0 = any free port; the chosen URL is printed on stdout). It sends the COOP / COEP headers that
// make the page cross-origin isolated: shared wasm memory, so inference runs on several threads.
//   node web/build.mjs [--serve] [--port N]      (npm run demo:web = build + serve)
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build', 'web');

export async function buildWeb() {
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { main: join(root, 'web/main.ts'), worker: join(root, 'web/worker.ts') },
    outdir: out, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, sourcemap: true, logLevel: 'warning',
  });
  copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
  for (const f of ['mnist-resnet.onnx', 'mnist-digits.bin']) copyFileSync(join(root, 'models', f), join(out, f));
  return out;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream' };

/** Cross-origin isolation (crossOriginIsolated, SharedArrayBuffer): src/runtime/thread-pool.ts runs inference on Web Workers only then. */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

export function serve(port = 8080) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
    try {
      if (path.includes('..')) throw new Error('outside');
      const body = readFileSync(join(out, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...ISOLATION });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildWeb();
  console.error(`built ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (process.argv.includes('--serve')) {
    const i = process.argv.indexOf('--port');
    const server = await serve(i > 0 ? Number(process.argv[i + 1]) : 8080);
    console.log(`http://127.0.0.1:${server.address().port}/`);
  }
}
