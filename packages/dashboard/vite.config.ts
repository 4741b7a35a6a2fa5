/**
 * Builds the dashboard into `dist/` with relative asset URLs (`base: "./"`), so the gateway can
 * serve it under any `dashboard.path`. Hashed file names under `dist/assets/` let the gateway
 * mark them immutable. `npm run dev -w packages/dashboard` proxies the API and the WebSocket to
 * a gateway on HERALD_URL (default http://127.0.0.1:8080).
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const gateway = process.env.HERALD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: {
      "/api": gateway,
      "/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
    },
  },
});
