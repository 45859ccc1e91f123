/**
 * Supply chain: what `npm ci` installs is pinned, comes from the npm registry only, is
 * checked against an integrity hash, and runs no install script that nobody reviewed.
 * (`npm audit` needs the network; its findings are written up in SECURITY.md.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean; hasInstallScript?: boolean; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};

/** An exact version, or an npm alias to one ("npm:@tensorflow/tfjs@4.22.0"). */
const EXACT = /^(npm:(@[\w.-]+\/)?[\w.-]+@)?\d+\.\d+\.\d+(-[\w.-]+)?$/;

test('package.json pins every dependency to an exact version (no ^, ~, ranges, tags, URLs)', () => {
  const loose: string[] = [];
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) if (!EXACT.test(String(spec))) loose.push(`${field}.${name}: ${spec}`);
  }
  // Overrides nest: {"danfojs-node": {"xlsx": "0.18.5"}}.
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'string') {
      if (!EXACT.test(node)) loose.push(`${path}: ${node}`);
    } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
  };
  walk(pkg.overrides, 'overrides');
  assert.deepEqual(loose, []);
  assert.ok(!EXACT.test('^4.22.0') && !EXACT.test('~1.2.3') && !EXACT.test('latest') && !EXACT.test('github:a/b') && EXACT.test('4.22.0'));
});

test('package-lock.json is in sync with package.json', () => {
  assert.ok(lock.lockfileVersion >= 2, 'lockfile v2+ (npm 7+) records every installed package');
  const root = lock.packages[''];
  assert.ok(root, 'the lock describes the root package');
  assert.deepEqual(root.dependencies ?? {}, pkg.dependencies ?? {});
  assert.deepEqual(root.devDependencies ?? {}, pkg.devDependencies ?? {});
});

test('package-lock.json is committed', (t) => {
  let tracked: string;
  try {
    tracked = execFileSync('git', ['ls-files', 'package-lock.json'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    if (process.env.CI === 'true') throw new Error('CI must run in a git checkout');
    t.skip('not a git checkout');
    return;
  }
  assert.equal(tracked.trim(), 'package-lock.json');
});

test('every locked package comes from registry.npmjs.org with an integrity hash', () => {
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link) continue;
    // Without `resolved`, npm ci fetches NAME@VERSION from the configured registry (the
    // default one: registry.npmjs.org); with it, the URL must point there too.
    if (entry.resolved !== undefined && !entry.resolved.startsWith('https://registry.npmjs.org/')) problems.push(`${path}: resolved ${entry.resolved}`);
    if (!entry.version || !/^\d+\.\d+\.\d+/.test(entry.version)) problems.push(`${path}: version ${entry.version} (git, file or URL dependency?)`);
    if (!entry.integrity?.startsWith('sha512-')) problems.push(`${path}: no sha512 integrity`);
  }
  assert.deepEqual(problems, []);
});

/**
 * The packages that run code at install time, each reviewed. A new one fails this test until
 * somebody has read its script and added it here.
 */
const REVIEWED_INSTALL_SCRIPTS = [
  // postinstall "node install.js": checks that the platform binary from the optional
  // @esbuild/<platform> package is present; its fallback downloads that same package from
  // registry.npmjs.org. Comes with tsx, which runs the kit.
  'node_modules/esbuild',
  // install "node ./script/install.js": loads the bundled prebuilt addon; only if that fails
  // does it build from source with cmake-ts (which would fetch vcpkg sources from GitHub).
  // Comes with tslab (the Jupyter kernel's ZeroMQ sockets); notebooks only.
  'node_modules/zeromq',
  // postinstall prints a donation banner (`try { require('./postinstall') } catch {}`).
  // Comes with @tensorflow/tfjs.
  'node_modules/core-js',
  // postinstall "opencollective || exit 0": a donation banner, a no-op without the CLI.
  // Comes with nodeplotlib.
  'node_modules/@nestjs/core',
];

test('only reviewed packages run install scripts', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path)
    .sort();
  assert.deepEqual(withScripts, [...REVIEWED_INSTALL_SCRIPTS].sort());
});
