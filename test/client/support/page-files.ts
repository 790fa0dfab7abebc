import { Controller, Get, Header, type Type } from '@nestjs/common';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The build script is plain CommonJS so tests and `npm run build:client` share it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { buildBrowserBundle } = require('../../../libs/client/scripts/build.js');

export interface TestBundle {
  outfile: string;
  bytes: number;
  /** Deletes the private build directory. */
  remove(): void;
}

/**
 * Builds `snorky.min.js` to a private path: the build test wipes
 * libs/client/dist and may run in a parallel worker.
 */
export async function buildTestBundle(label: string): Promise<TestBundle> {
  const dir = path.join(os.tmpdir(), `snorky-${label}-${process.pid}`);
  const bundle = await buildBrowserBundle({ outfile: path.join(dir, 'snorky.min.js') });
  return { outfile: bundle.outfile, bytes: bundle.bytes, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface PageFile {
  contentType: string;
  /** Read on every request, so a rebuilt file is served as is. */
  body(): string;
}

export const html = (text: string): PageFile => ({ contentType: 'text/html; charset=utf-8', body: () => text });
export const script = (file: string): PageFile => ({ contentType: 'application/javascript; charset=utf-8', body: () => fs.readFileSync(file, 'utf8') });

/**
 * A controller serving fixed files (route -> file), so the page, its scripts
 * and Snorky come from one Nest app and one origin.
 */
export function pageFilesController(files: Record<string, PageFile>): Type<unknown> {
  class PageFilesController {}
  Object.entries(files).forEach(([route, file], index) => {
    const key = `file${index}`;
    Object.defineProperty(PageFilesController.prototype, key, { value: () => file.body() });
    const descriptor = Object.getOwnPropertyDescriptor(PageFilesController.prototype, key)!;
    Get(route)(PageFilesController.prototype, key, descriptor);
    Header('Content-Type', file.contentType)(PageFilesController.prototype, key, descriptor);
  });
  Controller()(PageFilesController);
  return PageFilesController;
}
