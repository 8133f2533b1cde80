// Build of the associate terminal: plain TypeScript modules bundled by Vite, and its service
// worker (src/sw.ts, built by vite-plugin-pwa's injectManifest with the list of files to
// precache): the whole app shell, including the WASM core, so the terminal opens and sells with
// no network; /api/ is never cached; and Background Sync uploads the outbox with the page closed.
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` talks to a local aisled (default port 8080) for the API.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
  plugins: [
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: null,
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,ico,wasm,webmanifest}'],
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
      },
      manifest: {
        name: 'Aisle',
        short_name: 'Aisle',
        description: 'Aisle point of sale — associate terminal',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#f4f5f7',
        theme_color: '#1d2733',
        icons: [
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'maskable' },
        ],
      },
    }),
  ],
});
