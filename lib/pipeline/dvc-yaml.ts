/**
 * dvc.yaml as data: parsed, `foreach`/`matrix` expanded and `${...}` interpolated the way DVC
 * does it, so that the kit's own runner executes exactly the stages DVC would.
 *
 * Supported: `vars` (inline mappings), `${item}`, `${item.key}`, `${key}` from params.yaml
 * (base values, as DVC resolves them), `foreach` over a list or a mapping, `matrix`, and per
 * stage `cmd`, `wdir`, `deps`, `params`, `outs`, `metrics`, `plots` (string entries or
 * single-key mappings with options such as `cache: false`).
 */
import { InputError } from '../util/errors.ts';
import { isObject, readYaml, type Json } from '../config/params.ts';

export interface Stage {
  /** DVC's name: "prepare@ptbxl", "train@mimic-gpt2" for foreach, "train@ptbxl-gpt2" for matrix. */
  name: string;
  cmd: string[];
  wdir: string;
  deps: string[];
  /** Params keys per params file. */
  params: Record<string, string[]>;
  outs: string[];
  metrics: string[];
  plots: string[];
}

export function loadDvcYaml(file = 'dvc.yaml', paramsFile = 'params.yaml'): Stage[] {
  const doc = readYaml(file);
  if (!isObject(doc) || !isObject(doc.stages)) throw new InputError('expected a `stages:` mapping', { file });
  const context: Record<string, Json> = {};
  const params = readYaml(paramsFile);
  if (isObject(params)) Object.assign(context, params);
  for (const v of asList(doc.vars ?? [])) if (isObject(v)) Object.assign(context, v);

  const stages: Stage[] = [];
  for (const [name, def] of Object.entries(doc.stages)) {
    if (!isObject(def)) throw new InputError(`stage ${name} must be a mapping`, { file });
    for (const { suffix, item } of expansions(def, name, file)) {
      const body = (def.do ?? def) as Record<string, Json>;
      const scope = { ...context, ...(item === undefined ? {} : { item }) };
      stages.push(toStage(suffix === undefined ? name : `${name}@${suffix}`, body, scope, file));
    }
  }
  return stages;
}

function expansions(def: Record<string, Json>, name: string, file: string): { suffix?: string; item?: Json }[] {
  if (def.foreach !== undefined) {
    const f = def.foreach;
    if (Array.isArray(f)) return f.map((item, i) => ({ suffix: typeof item === 'string' || typeof item === 'number' ? String(item) : String(i), item }));
    if (isObject(f)) return Object.entries(f).map(([key, value]) => ({ suffix: key, item: isObject(value) ? { key, ...value } : value }));
    throw new InputError(`stage ${name}: foreach must be a list or a mapping`, { file });
  }
  if (def.matrix !== undefined) {
    if (!isObject(def.matrix)) throw new InputError(`stage ${name}: matrix must be a mapping`, { file });
    let combos: Record<string, Json>[] = [{}];
    for (const [key, values] of Object.entries(def.matrix)) {
      if (!Array.isArray(values)) throw new InputError(`stage ${name}: matrix.${key} must be a list`, { file });
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
    }
    return combos.map((item) => ({ suffix: Object.values(item).map(String).join('-'), item }));
  }
  return [{}];
}

function toStage(name: string, body: Record<string, Json>, scope: Record<string, Json>, file: string): Stage {
  const text = (value: Json, what: string): string => {
    if (typeof value !== 'string') throw new InputError(`stage ${name}: ${what} must be a string`, { file });
    return interpolate(value, scope, name, file);
  };
  const paths = (key: string): string[] =>
    asList(body[key] ?? []).map((entry) => (isObject(entry) ? text(Object.keys(entry)[0] ?? '', key) : text(entry, key)));
  const params: Record<string, string[]> = {};
  for (const entry of asList(body.params ?? [])) {
    if (isObject(entry)) {
      for (const [pfile, keys] of Object.entries(entry)) (params[pfile] ??= []).push(...asList(keys).map((k) => text(k, 'params')));
    } else {
      (params['params.yaml'] ??= []).push(text(entry, 'params'));
    }
  }
  if (body.cmd === undefined) throw new InputError(`stage ${name} has no cmd`, { file });
  return {
    name,
    cmd: asList(body.cmd).map((c) => text(c, 'cmd')),
    wdir: body.wdir === undefined ? '.' : text(body.wdir, 'wdir'),
    deps: paths('deps'),
    params,
    outs: paths('outs'),
    metrics: paths('metrics'),
    plots: paths('plots'),
  };
}

function interpolate(value: string, scope: Record<string, Json>, stage: string, file: string): string {
  return value.replace(/\$\{\s*([\w.-]+)\s*\}/g, (_, path: string) => {
    let node: Json | undefined = scope;
    for (const key of path.split('.')) node = isObject(node) ? node[key] : undefined;
    if (node === undefined || isObject(node) || Array.isArray(node)) {
      throw new InputError(`stage ${stage}: cannot interpolate \${${path}}`, { file });
    }
    return String(node);
  });
}

function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [value];
}
