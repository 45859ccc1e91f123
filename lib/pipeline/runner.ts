/**
 * Runs the stages of dvc.yaml in dependency order without DVC, for machines without it.
 *
 * A stage is skipped when its command, the content of its deps and the values of its params
 * are what they were at its last successful run and its outs still exist — DVC's rule,
 * recorded in a lock file of the runner's own (.meit/runner.lock.json) so that it never
 * disturbs dvc.lock.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, normalize, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../util/errors.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { isObject, readYaml, type Json } from '../config/params.ts';
import { loadDvcYaml, type Stage } from './dvc-yaml.ts';

export interface RunOptions {
  root?: string;
  /** Run every stage even if unchanged. */
  force?: boolean;
  /** Only these stages (and what they need). */
  targets?: string[];
  log?: (line: string) => void;
}

export interface StageResult {
  name: string;
  status: 'ran' | 'skipped';
  seconds: number;
}

const LOCK = join('.meit', 'runner.lock.json');

/** Orders stages so that each comes after the stages producing its deps. */
export function orderStages(stages: Stage[]): Stage[] {
  const producers = new Map<string, Stage>();
  for (const s of stages) for (const out of [...s.outs, ...s.metrics, ...s.plots]) producers.set(normalize(join(s.wdir, out)), s);
  const needs = (s: Stage): Stage[] => {
    const found = new Set<Stage>();
    for (const dep of s.deps) {
      const d = normalize(join(s.wdir, dep));
      for (const [out, producer] of producers) {
        if (producer !== s && (d === out || d.startsWith(out + '/') || out.startsWith(d + '/'))) found.add(producer);
      }
    }
    return [...found];
  };
  const ordered: Stage[] = [];
  const state = new Map<Stage, 'visiting' | 'done'>();
  const visit = (s: Stage, path: string[]) => {
    if (state.get(s) === 'done') return;
    if (state.get(s) === 'visiting') throw new InputError(`dependency cycle: ${[...path, s.name].join(' -> ')}`, { file: 'dvc.yaml' });
    state.set(s, 'visiting');
    for (const n of needs(s)) visit(n, [...path, s.name]);
    state.set(s, 'done');
    ordered.push(s);
  };
  for (const s of stages) visit(s, []);
  return ordered;
}

export async function runPipeline(options: RunOptions = {}): Promise<StageResult[]> {
  const root = resolve(options.root ?? '.');
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let stages = orderStages(loadDvcYaml(join(root, 'dvc.yaml'), join(root, 'params.yaml')));
  if (options.targets?.length) stages = withPrerequisites(stages, options.targets);
  const lockPath = join(root, LOCK);
  const lock: Record<string, string> = existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, 'utf8')) : {};
  const results: StageResult[] = [];
  for (const stage of stages) {
    const signature = stageSignature(root, stage);
    const outsExist = [...stage.outs, ...stage.metrics].every((o) => existsSync(join(root, stage.wdir, o)));
    if (!options.force && lock[stage.name] === signature && outsExist) {
      log(`Stage '${stage.name}' didn't change, skipping`);
      results.push({ name: stage.name, status: 'skipped', seconds: 0 });
      continue;
    }
    log(`Running stage '${stage.name}':`);
    const start = performance.now();
    for (const cmd of stage.cmd) {
      log(`> ${cmd}`);
      const child = await execa(cmd, { shell: true, cwd: join(root, stage.wdir), stdio: 'inherit', reject: false });
      if (child.exitCode !== 0) {
        throw new StageFailed(stage.name, cmd, child.exitCode ?? 1);
      }
    }
    for (const out of [...stage.outs, ...stage.metrics]) {
      if (!existsSync(join(root, stage.wdir, out))) throw new Error(`stage '${stage.name}' did not produce ${out}`);
    }
    // The signature is taken again after the run: deps may include files the stage itself touched.
    lock[stage.name] = stageSignature(root, stage);
    await writeJsonAtomic(lockPath, lock);
    results.push({ name: stage.name, status: 'ran', seconds: (performance.now() - start) / 1000 });
  }
  return results;
}

export class StageFailed extends Error {
  constructor(
    readonly stage: string,
    readonly cmd: string,
    readonly exitCode: number,
  ) {
    super(`stage '${stage}' failed: \`${cmd}\` exited with ${exitCode}`);
  }
}

function withPrerequisites(ordered: Stage[], targets: string[]): Stage[] {
  const wanted = new Set<string>();
  for (const t of targets) {
    const matches = ordered.filter((s) => s.name === t || s.name.startsWith(`${t}@`));
    if (!matches.length) throw new InputError(`unknown stage ${JSON.stringify(t)}`, { file: 'dvc.yaml' });
    for (const m of matches) wanted.add(m.name);
  }
  // Walk backwards: a stage is needed if a wanted stage depends on one of its outs.
  for (let i = ordered.length - 1; i >= 0; i--) {
    const s = ordered[i]!;
    if (!wanted.has(s.name)) continue;
    for (const dep of s.deps) {
      for (const p of ordered.slice(0, i)) {
        if (p.outs.some((o) => dep === o || dep.startsWith(o + '/') || o.startsWith(dep + '/'))) wanted.add(p.name);
      }
    }
  }
  return ordered.filter((s) => wanted.has(s.name));
}

/** Hash of everything that decides a stage's outputs: cmd, deps' content, params' values. */
export function stageSignature(root: string, stage: Stage): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(stage.cmd));
  for (const dep of [...stage.deps].sort()) {
    hash.update(`\0dep:${dep}\0`);
    hashPath(hash, join(root, stage.wdir, dep), root);
  }
  for (const [file, keys] of Object.entries(stage.params).sort()) {
    const doc = readYaml(join(root, stage.wdir, file));
    for (const key of [...keys].sort()) hash.update(`\0param:${file}:${key}=${JSON.stringify(lookup(doc, key) ?? null)}`);
  }
  return hash.digest('hex');
}

function hashPath(hash: ReturnType<typeof createHash>, path: string, root: string): void {
  if (!existsSync(path)) {
    hash.update('missing');
    return;
  }
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === 'node_modules' || name.includes('.tmp-') || name.includes('.old-')) continue;
      hash.update(`\0${relative(root, join(path, name))}\0`);
      hashPath(hash, join(path, name), root);
    }
  } else {
    hash.update(readFileSync(path));
  }
}

function lookup(doc: Json, key: string): Json | undefined {
  let node: Json | undefined = doc;
  for (const k of key.split('.')) node = isObject(node) ? node[k] : undefined;
  return node;
}
