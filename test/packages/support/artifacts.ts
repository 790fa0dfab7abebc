/**
 * The built artifacts, as `npm run pack` makes them, built once per test run (scripts/pack.js into a
 * folder outside the checkout) and shared by every suite that installs them: the fresh-project tests
 * here and the Django / Rails interop scenarios. Each kind (npm, python, ruby) is built on first use,
 * under a lock, so a suite run alone builds only what it needs.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runArtifactsDir } = require('./run-dir');

export const ROOT = resolve(__dirname, '..', '..', '..');
const BUILD_TIMEOUT_MS = 5 * 60_000;

export type ArtifactKind = 'npm' | 'python' | 'ruby';

export interface NpmTarballs {
  nest: string;
  server: string;
  client: string;
  backend: string;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds `kind` into this run's folder unless it is there; returns the artifact files. */
export function artifacts(kind: ArtifactKind): string[] {
  const runId = process.env.SNORKY_TEST_RUN ?? `${process.pid}`;
  const dir = join(runArtifactsDir(runId), kind);
  const done = join(dir, 'done.json');
  const failed = `${dir}.failed`;
  const lock = `${dir}.lock`;
  mkdirSync(runArtifactsDir(runId), { recursive: true });
  let owner = false;
  try {
    mkdirSync(lock); // atomic: one suite builds, the others wait for done.json
    owner = true;
  } catch {
    /* another suite of this run builds it */
  }
  if (owner && !existsSync(done)) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack.js'), '--out', dir, '--only', kind, '--no-check'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: BUILD_TIMEOUT_MS,
      });
    } catch (err: any) {
      writeFileSync(failed, `building the ${kind} artifacts (node scripts/pack.js --only ${kind}) failed:\n${err.stderr || err.message}`);
    }
    if (!existsSync(failed)) writeFileSync(done, JSON.stringify(readdirSync(dir).filter((f) => f !== 'done.json')));
  }
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(done)) {
    if (existsSync(failed)) throw new Error(readFileSync(failed, 'utf8'));
    if (Date.now() > deadline) throw new Error(`the ${kind} artifacts were not built in time (lock ${lock})`);
    sleep(500);
  }
  return (JSON.parse(readFileSync(done, 'utf8')) as string[]).map((file) => join(dir, file));
}

export function npmTarballs(): NpmTarballs {
  const files = artifacts('npm');
  const find = (prefix: string) => {
    const file = files.find((f) => f.includes(`/${prefix}-`) && f.endsWith('.tgz'));
    if (!file) throw new Error(`no ${prefix}-*.tgz among the built artifacts: ${files.join(', ')}`);
    return file;
  };
  return { nest: find('snorky-nest'), server: find('snorky-server'), client: find('snorky-client'), backend: find('snorky-backend') };
}

export function pythonWheel(): string {
  const wheel = artifacts('python').find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error('npm run pack made no Python wheel');
  return wheel;
}

export function rubyGem(): string {
  const gem = artifacts('ruby').find((f) => f.endsWith('.gem'));
  if (!gem) throw new Error('npm run pack made no gem');
  return gem;
}
