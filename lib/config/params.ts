/**
 * params.yaml: every knob of the kit, with named profiles (smoke, quick, full, paper).
 *
 * The file has a base section and `profiles:` overlays; the effective params of a profile are
 * the base deep-merged with that overlay (objects merge, everything else replaces). Syntax
 * errors and wrong types are InputErrors naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { InputError, fileError } from '../util/errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ParamsTree = { [key: string]: Json };

export const PROFILES = ['smoke', 'quick', 'full', 'paper'] as const;
export type Profile = (typeof PROFILES)[number];

export interface LoadedParams {
  file: string;
  profile: string;
  /** The effective params (base ⊕ profile overlay), without the `profiles` key. */
  values: ParamsTree;
}

/** Parses a YAML file into plain data; errors name the file and line. */
export function readYaml(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(err, file);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const pos = problem.pos?.[0];
    const where = pos === undefined ? undefined : `line ${lineCounter.linePos(pos).line}`;
    throw new InputError(`invalid YAML: ${problem.message.split('\n')[0]}`, { file, where });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as Json;
  } catch (err) {
    // The syntax is fine but the value cannot be built: too many alias expansions (a
    // "billion laughs" document), or an alias to an anchor defined later.
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
}

export function loadParams(file = 'params.yaml', profile?: string): LoadedParams {
  const raw = readYaml(file);
  if (!isObject(raw)) throw new InputError('expected a mapping at the top level', { file });
  const { profiles, ...base } = raw;
  const chosen = profile ?? (typeof base.profile === 'string' ? base.profile : 'quick');
  let values: ParamsTree = base;
  if (profiles !== undefined) {
    if (!isObject(profiles)) throw new InputError('`profiles` must be a mapping of profile name to overrides', { file });
    const overlay = profiles[chosen];
    if (overlay === undefined) {
      throw new InputError(`unknown profile ${JSON.stringify(chosen)}; known: ${Object.keys(profiles).join(', ')}`, { file });
    }
    if (!isObject(overlay)) throw new InputError(`profile ${chosen} must be a mapping`, { file });
    values = deepMerge(base, overlay);
  }
  values.profile = chosen;
  return { file, profile: chosen, values };
}

export function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: ParamsTree, overlay: ParamsTree): ParamsTree {
  const out: ParamsTree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/**
 * Typed access into params with a path such as "data.synth.fs": the value must exist and
 * have the type of `kind`; otherwise an InputError names the file and key.
 */
export function param(p: LoadedParams, path: string, kind: 'number'): number;
export function param(p: LoadedParams, path: string, kind: 'string'): string;
export function param(p: LoadedParams, path: string, kind: 'boolean'): boolean;
export function param(p: LoadedParams, path: string, kind: 'object'): ParamsTree;
export function param(p: LoadedParams, path: string, kind: 'array'): Json[];
export function param(p: LoadedParams, path: string, kind: 'number' | 'string' | 'boolean' | 'object' | 'array'): Json {
  let node: Json = p.values;
  for (const key of path.split('.')) {
    if (!isObject(node) || !(key in node)) throw new InputError(`missing key ${path} (profile ${p.profile})`, { file: p.file });
    node = node[key]!;
  }
  const actual = Array.isArray(node) ? 'array' : node === null ? 'null' : typeof node;
  if (actual !== kind || (kind === 'number' && !Number.isFinite(node as number))) {
    throw new InputError(`${path} must be ${kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}, got ${JSON.stringify(node)}`, { file: p.file });
  }
  return node;
}
