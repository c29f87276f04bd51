import { defineConfig } from 'vite';

// `base: './'`: asset URLs relative to index.html, so the page works under any mount prefix.
// Hash routes (#/tasks) need no server-side routing. JSX compiles to Preact's automatic runtime.
export default defineConfig({
  root: 'src/ui',
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '../../dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
});
