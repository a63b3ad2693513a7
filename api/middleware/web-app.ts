import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Paths that are the API's even when a browser navigates to them.
const API_ONLY = /^\/(api|webhooks|healthz|livez|readyz|metrics|openapi\.json|docs)(\/|$|\?)/;

/**
 * Serves the built web app (`npm run build` writes it to WEB_APP_DIST_DIR) from the API's own
 * origin: hashed assets with a year's caching, and `index.html` (never cached, so a deploy is seen
 * at once) for any page navigation, which React Router then routes. A navigation is a GET that
 * asks for HTML and carries no bearer token; API calls send a token and ask for JSON, so the two
 * never meet. Returns null when there is no build (development serves the app from Vite).
 */
export function serveWebApp(distDir: string): RequestHandler | null {
  const root = path.resolve(distDir);
  const indexHtml = path.join(root, 'index.html');
  if (!existsSync(indexHtml)) return null;
  const assets = express.static(root, {
    index: false,
    setHeaders: (res, file) => res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_ONLY.test(req.path)) return next();
    // A file of the build (assets, icons) if there is one; otherwise a page navigation, or the API.
    assets(req, res, () => {
      if (req.get('authorization') || req.accepts(['json', 'html']) !== 'html') return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(indexHtml);
    });
  };
}
