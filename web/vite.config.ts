import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// The app lives in web/; run from the repository root with `npm run web:dev` / `npm run web:build`.
const root = new URL('.', import.meta.url).pathname;

export default defineConfig(({ mode }) => {
  // API_URL (no VITE_ prefix: it never reaches the browser) is where the dev server proxies /api.
  const env = loadEnv(mode, root, '');
  const apiUrl = env.API_URL ?? `http://127.0.0.1:${env.API_PORT ?? '3000'}`;
  const proxy = { '/api': { target: apiUrl, changeOrigin: true, rewrite: (path: string) => path.replace(/^\/api/, '') } };
  return {
    root,
    plugins: [react()],
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
    server: {
      port: Number(env.WEB_PORT ?? 5173),
      // One origin in development: the browser calls /api/..., Vite forwards it to the API without
      // the prefix. Server-sent events pass through unbuffered.
      proxy,
    },
    preview: { port: Number(env.WEB_PORT ?? 4173), proxy },
  };
});
