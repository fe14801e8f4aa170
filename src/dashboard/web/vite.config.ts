/**
 * Vite configuration of the dashboard. `npm run build:dashboard` builds with
 * it (through src/dashboard/build.ts) into dist/dashboard/, which Pulse
 * serves at /dashboard/. For front-end work, `npx vite src/dashboard/web`
 * serves the sources with hot reload and sends /api to a running Pulse
 * (PULSE_URL, default http://127.0.0.1:8080).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export const webDir = fileURLToPath(new URL('.', import.meta.url));
export const dashboardOutDir = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

export default defineConfig({
  root: webDir,
  base: '/dashboard/',
  publicDir: false,
  clearScreen: false,
  logLevel: 'warn',
  build: {
    outDir: dashboardOutDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
    rollupOptions: {
      // Chart.js in its own file: it changes less often than the dashboard, so browsers keep it cached.
      output: { manualChunks: { charts: ['chart.js'] } },
    },
  },
  server: {
    proxy: { '/api': { target: process.env['PULSE_URL'] ?? 'http://127.0.0.1:8080', changeOrigin: true } },
  },
});
