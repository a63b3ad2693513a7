import type { NextFunction, Request, Response } from 'express';

/**
 * The web app calls the API under `/api` (its own pages use paths like `/admin` and
 * `/credits/history`, which would otherwise meet the API's). Every route answers at both: this
 * strips a leading `/api` before routing, so `/api/users/me/credits` is `/users/me/credits`.
 */
export function stripApiPrefix(req: Request, _res: Response, next: NextFunction): void {
  if (req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?')) req.url = req.url.slice('/api'.length) || '/';
  next();
}
