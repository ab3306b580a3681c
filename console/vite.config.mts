import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by `npm run build:console` (`vite build console`) into console/dist, which the
// gateway serves at /console. `npm run dev:console` serves it with hot reload and sends
// API calls to a gateway on :4000.
const gateway = 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/graphql': gateway, '/health': gateway, '/ready': gateway, '/console/config.json': gateway } },
});
