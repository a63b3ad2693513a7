/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the API is, e.g. https://credits.example.com; default `/api` on this origin. */
  readonly VITE_API_BASE_URL?: string;
  /** Origins allowed to hand a token in with postMessage, comma-separated. */
  readonly VITE_HOST_ORIGINS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
