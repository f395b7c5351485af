/**
 * A small CSDL (OData v4 metadata) reader and a JSON checker: every property name and JSON type
 * the simulator answers must exist in Graph's v1.0 metadata with a compatible type.
 */
import { readFileSync } from 'node:fs';

export interface CsdlProperty {
  name: string;
  /** Fully qualified type, e.g. Edm.String, Collection(microsoft.graph.recipient). */
  type: string;
  nullable: boolean;
  navigation: boolean;
}

export interface CsdlStructured {
  name: string; // qualified
  kind: 'entity' | 'complex';
  baseType?: string;
  open: boolean;
  abstract: boolean;
  properties: Map<string, CsdlProperty>;
}

export interface CsdlModel {
  types: Map<string, CsdlStructured>;
  enums: Map<string, { name: string; members: Set<string>; flags: boolean }>;
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

/** Parses the CSDL XML (only what the checker needs). */
export function parseCsdl(xml: string): CsdlModel {
  const model: CsdlModel = { types: new Map(), enums: new Map() };
  const aliases = new Map<string, string>();
  const raw: { ns: string; tag: string; a: Record<string, string>; children: { tag: string; a: Record<string, string> }[] }[] = [];
  let ns = '';
  let current: (typeof raw)[number] | undefined;
  const re = /<(\/?)(Schema|EntityType|ComplexType|EnumType|Property|NavigationProperty|Member)\b([^>]*?)(\/?)>/g;
  for (const m of xml.matchAll(re)) {
    const [, close, tag, attrText, selfClose] = m;
    if (close) {
      if (tag !== 'Property' && tag !== 'NavigationProperty' && tag !== 'Member') current = undefined;
      continue;
    }
    const a = attrs(attrText);
    if (tag === 'Schema') {
      ns = a.Namespace;
      if (a.Alias) aliases.set(a.Alias, a.Namespace);
      continue;
    }
    if (tag === 'EntityType' || tag === 'ComplexType' || tag === 'EnumType') {
      const node = { ns, tag, a, children: [] as { tag: string; a: Record<string, string> }[] };
      raw.push(node);
      current = selfClose ? undefined : node;
      continue;
    }
    current?.children.push({ tag, a });
  }
  const qualify = (t: string): string => {
    const coll = /^Collection\((.+)\)$/.exec(t);
    if (coll) return `Collection(${qualify(coll[1])})`;
    if (t.startsWith('Edm.')) return t;
    const dot = t.indexOf('.');
    const head = t.slice(0, dot);
    if (aliases.has(head)) return `${aliases.get(head)}${t.slice(dot)}`;
    return t;
  };
  for (const n of raw) {
    const name = `${n.ns}.${n.a.Name}`;
    if (n.tag === 'EnumType') {
      model.enums.set(name, { name, members: new Set(n.children.filter((c) => c.tag === 'Member').map((c) => c.a.Name)), flags: n.a.IsFlags === 'true' });
      continue;
    }
    const properties = new Map<string, CsdlProperty>();
    for (const c of n.children) {
      if (c.tag !== 'Property' && c.tag !== 'NavigationProperty') continue;
      properties.set(c.a.Name, { name: c.a.Name, type: qualify(c.a.Type), nullable: c.a.Nullable !== 'false', navigation: c.tag === 'NavigationProperty' });
    }
    model.types.set(name, {
      name,
      kind: n.tag === 'EntityType' ? 'entity' : 'complex',
      baseType: n.a.BaseType ? qualify(n.a.BaseType) : undefined,
      open: n.a.OpenType === 'true',
      abstract: n.a.Abstract === 'true',
      properties,
    });
  }
  return model;
}

let cached: CsdlModel | undefined;
export const CSDL_PATH = '/work/shared/graph/v1.0-Prod.csdl';

export function loadCsdl(p = process.env.GRAPH_CSDL ?? CSDL_PATH): CsdlModel {
  cached ??= parseCsdl(readFileSync(p, 'utf8'));
  return cached;
}

/** A property of a type or of one of its base types. */
export function findProperty(model: CsdlModel, typeName: string, prop: string): CsdlProperty | undefined {
  let t = model.types.get(typeName);
  while (t) {
    const p = t.properties.get(prop);
    if (p) return p;
    t = t.baseType ? model.types.get(t.baseType) : undefined;
  }
  return undefined;
}

export function isSubtype(model: CsdlModel, sub: string, base: string): boolean {
  let t = model.types.get(sub);
  while (t) {
    if (t.name === base) return true;
    t = t.baseType ? model.types.get(t.baseType) : undefined;
  }
  return false;
}

function isOpen(model: CsdlModel, typeName: string): boolean {
  let t = model.types.get(typeName);
  while (t) {
    if (t.open) return true;
    t = t.baseType ? model.types.get(t.baseType) : undefined;
  }
  return false;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Checks a JSON value against a CSDL type. Returns problems as `path: message`.
 * Annotations (`@odata.*`, `prop@odata.*`) are skipped; `@odata.type` switches to the derived type.
 */
export function checkValue(model: CsdlModel, type: string, value: unknown, path: string, nullable = true): string[] {
  if (value === null) return nullable ? [] : [`${path}: null but Nullable="false" (${type})`];
  const coll = /^Collection\((.+)\)$/.exec(type);
  if (coll) {
    if (!Array.isArray(value)) return [`${path}: expected an array of ${coll[1]}, got ${typeof value}`];
    return value.flatMap((v, i) => checkValue(model, coll[1], v, `${path}[${i}]`, false));
  }
  switch (type) {
    case 'Edm.String':
      return typeof value === 'string' ? [] : [`${path}: expected string, got ${typeof value}`];
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${typeof value}`];
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Byte':
    case 'Edm.SByte':
      return typeof value === 'number' && Number.isInteger(value) ? [] : [`${path}: expected integer (${type}), got ${JSON.stringify(value)}`];
    case 'Edm.Double':
    case 'Edm.Single':
    case 'Edm.Decimal':
      return typeof value === 'number' || value === 'NaN' || value === 'INF' || value === '-INF' ? [] : [`${path}: expected number, got ${typeof value}`];
    case 'Edm.DateTimeOffset':
      return typeof value === 'string' && ISO.test(value) ? [] : [`${path}: expected ISO date-time, got ${JSON.stringify(value)}`];
    case 'Edm.Date':
      return typeof value === 'string' && /^\d{4}-\d\d-\d\d$/.test(value) ? [] : [`${path}: expected date, got ${JSON.stringify(value)}`];
    case 'Edm.TimeOfDay':
      return typeof value === 'string' && /^\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? [] : [`${path}: expected time of day, got ${JSON.stringify(value)}`];
    case 'Edm.Duration':
      return typeof value === 'string' && /^-?P/.test(value) ? [] : [`${path}: expected ISO duration, got ${JSON.stringify(value)}`];
    case 'Edm.Guid':
      return typeof value === 'string' && GUID.test(value) ? [] : [`${path}: expected GUID, got ${JSON.stringify(value)}`];
    case 'Edm.Binary':
      return typeof value === 'string' && /^[A-Za-z0-9+/=_-]*$/.test(value) ? [] : [`${path}: expected base64, got ${JSON.stringify(value)?.slice(0, 40)}`];
    case 'Edm.Stream':
    case 'Edm.Untyped':
      return [];
  }
  const en = model.enums.get(type);
  if (en) {
    if (typeof value !== 'string') return [`${path}: expected ${type} enum string, got ${typeof value}`];
    const parts = en.flags ? value.split(',').map((s) => s.trim()) : [value];
    const bad = parts.filter((p) => !en.members.has(p));
    return bad.length ? [`${path}: '${bad.join(',')}' is not a member of ${type}`] : [];
  }
  const st = model.types.get(type);
  if (!st) return [`${path}: unknown type ${type}`];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected object ${type}, got ${Array.isArray(value) ? 'array' : typeof value}`];
  return checkObject(model, type, value as Record<string, unknown>, path);
}

/**
 * Open ENTITY types (user, group... are open for extensions) are checked strictly; open COMPLEX
 * types (identity, identitySet: Graph really adds email, group, siteUser...) accept extra names.
 */
export function checkObject(model: CsdlModel, type: string, obj: Record<string, unknown>, path: string, allowOpen = false): string[] {
  let actual = type;
  const problems: string[] = [];
  const odt = obj['@odata.type'];
  if (typeof odt === 'string') {
    const derived = odt.replace(/^#/, '');
    if (!model.types.has(derived)) problems.push(`${path}: @odata.type ${odt} does not exist`);
    else if (!isSubtype(model, derived, type)) problems.push(`${path}: @odata.type ${odt} is not a ${type}`);
    else actual = derived;
  }
  const st = model.types.get(actual);
  // complex open types, and open "property bags" without declared properties (fieldValueSet)
  const open = (allowOpen || st?.kind === 'complex' || st?.properties.size === 0) && isOpen(model, actual);
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('@') || k.includes('@odata.') || k.includes('@microsoft.graph.')) continue;
    const p = findProperty(model, actual, k);
    if (!p) {
      if (!open) problems.push(`${path}.${k}: no property '${k}' on ${actual}`);
      continue;
    }
    problems.push(...checkValue(model, p.type, v, `${path}.${k}`, p.nullable || p.navigation));
  }
  return problems;
}
