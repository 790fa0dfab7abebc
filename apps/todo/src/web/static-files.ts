import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import * as fs from 'fs';

/** The page (index.html, app.js, todo.css) and the client SDK's browser bundle as /snorky.min.js. */
export function serveStaticFiles(app: NestExpressApplication, publicDir: string, clientBundle: string): void {
  app.use('/snorky.min.js', (_req: Request, res: Response) => {
    if (!fs.existsSync(clientBundle)) {
      res.status(500).type('text/plain').send(`client bundle missing at ${clientBundle}: run "npm run build:client" (npm start does it)`);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(clientBundle);
  });
  app.useStaticAssets(publicDir, { index: 'index.html', setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') });
}

/** A body that is not JSON gets a JSON 400 naming the problem, like every other bad input. */
export function jsonSyntaxErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number; message?: string };
  if (e && e.type === 'entity.parse.failed') {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `body is not valid JSON: ${e.message}` });
    return;
  }
  next(err);
}

/** DTOs are JSON objects: an array body gets a clear 400 instead of per-index complaints. */
export function requireObjectBody(req: Request, res: Response, next: NextFunction): void {
  if (Array.isArray(req.body)) {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'body must be a JSON object' });
    return;
  }
  next();
}
