import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { createContext, runInContext } from 'vm';
import WebSocket from 'ws';

/**
 * The original Snorky.js connector (github:ntrrgc/snorky, snorky/frontend), loaded unchanged from a
 * fetched copy of that project — never from this repository, which does not ship it.
 * Set SNORKY_ORIGINAL_GIT to the copy's git directory (default: where the team's fetch tool puts it).
 */
export const ORIGINAL_GIT = process.env.SNORKY_ORIGINAL_GIT ?? '/work/.mirror/ntrrgc+snorky/repo';

/** The files in the order of the original's gruntfile (libraries, then sources). */
const FILES = [
  'lib/my.class.js',
  'lib/promise.js',
  'lib/signals.js',
  'src/stable-stringify.js',
  'src/snorky.js',
  'src/services/base.js',
  'src/services/messaging.js',
  'src/services/chat.js',
  'src/services/cursors.js',
];

export function originalSource(file: string): string {
  if (!existsSync(ORIGINAL_GIT)) {
    throw new Error(
      `the original Snorky project is not at ${ORIGINAL_GIT}: fetch github:ntrrgc/snorky (the original Snorky.js) ` +
        `and set SNORKY_ORIGINAL_GIT to its git directory`,
    );
  }
  return execFileSync('git', ['--git-dir', ORIGINAL_GIT, 'show', `HEAD:snorky/frontend/${file}`], { encoding: 'utf8' });
}

/** A fresh browser-like global with the original `Snorky` in it (WebSocket is the `ws` package's). */
export function loadOriginalSnorky(): { Snorky: any; WebSocket: typeof WebSocket; errors: unknown[] } {
  const errors: unknown[] = [];
  const sandbox: Record<string, unknown> = {
    WebSocket,
    setTimeout,
    clearTimeout,
    console: { log: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: (...a: unknown[]) => errors.push(a) },
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  const context = createContext(sandbox);
  for (const file of FILES) runInContext(originalSource(file), context, { filename: `original/${file}` });
  return { Snorky: runInContext('Snorky', context), WebSocket, errors };
}
