/**
 * Resolves CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`,
 * `Fn::Split`, `Fn::Base64`) and dynamic references (`{{resolve:…}}`) to plain values. What a
 * resource's `Ref` or attribute is comes from the caller, so this module knows no resource type.
 */
export interface ResolveContext {
  /** `AWS::Region`, `AWS::AccountId`, … ; any other pseudo parameter is an error. */
  pseudoParameters: Readonly<Record<string, string>>;
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  /** `{{resolve:secretsmanager:…}}`: CloudFormation resolves these after the intrinsics. */
  dynamicReference?(service: string, reference: string): string;
}

export class ResolveError extends Error {
  override name = 'ResolveError';
}

const fail = (where: string, message: string): never => {
  throw new ResolveError(`Cannot resolve ${where}: ${message}`);
};

const INTRINSIC = /^(Ref|Fn::[A-Za-z0-9]+)$/;
const DYNAMIC_REFERENCE = /\{\{resolve:([a-z0-9-]+):(.*?)\}\}/g;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value with every intrinsic and dynamic reference resolved; `where` names it in errors. */
export function resolveValue(value: unknown, ctx: ResolveContext, where: string): unknown {
  return resolveDynamicReferences(resolveIntrinsics(value, ctx, where), ctx, where);
}

/** As `resolveValue`, for a value that must end up a string (numbers are converted, as CloudFormation does). */
export function resolveString(value: unknown, ctx: ResolveContext, where: string): string {
  return asString(resolveValue(value, ctx, where), where);
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(where, `expected a string, got ${JSON.stringify(value)}`);
}

function resolveIntrinsics(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveIntrinsics(v, ctx, `${where}[${i}]`));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  const [fn] = keys;
  if (keys.length === 1 && fn !== undefined && INTRINSIC.test(fn)) {
    return intrinsic(fn, value[fn], ctx, `${where}.${fn}`);
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(value[k], ctx, `${where}.${k}`)]));
}

function intrinsic(fn: string, arg: unknown, ctx: ResolveContext, where: string): unknown {
  const str = (v: unknown, w: string): string => asString(resolveIntrinsics(v, ctx, w), w);
  switch (fn) {
    case 'Ref':
      return refOf(str(arg, where), ctx, where);
    case 'Fn::GetAtt': {
      const [id, attribute] =
        typeof arg === 'string' ? splitOnce(arg, '.') : Array.isArray(arg) ? arg : [undefined, undefined];
      if (id === undefined || attribute === undefined) return fail(where, 'expected [logicalId, attribute]');
      const [logicalId, name] = [str(id, where), str(attribute, where)];
      return reasonAt(where, () => ctx.getAtt(logicalId, name));
    }
    case 'Fn::Sub':
      return sub(arg, ctx, where);
    case 'Fn::Join': {
      const [delimiter, list] = pair(arg, where);
      const items = resolveIntrinsics(list, ctx, `${where}[1]`);
      if (!Array.isArray(items)) return fail(where, 'expected a list to join');
      return items.map((item, i) => asString(item, `${where}[1][${i}]`)).join(str(delimiter, where));
    }
    case 'Fn::Select': {
      const [index, list] = pair(arg, where);
      const items = resolveIntrinsics(list, ctx, `${where}[1]`);
      const i = Number(resolveIntrinsics(index, ctx, `${where}[0]`));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
        return fail(where, `index ${i} is not in the list`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = pair(arg, where);
      return str(source, `${where}[1]`).split(str(delimiter, `${where}[0]`));
    }
    case 'Fn::Base64':
      return Buffer.from(str(arg, where)).toString('base64');
    default:
      return fail(where, `${fn} is not supported by the local stack`);
  }
}

/** Runs a caller's lookup; its error becomes the reason of a ResolveError that says where. */
function reasonAt<T>(where: string, lookup: () => T): T {
  try {
    return lookup();
  } catch (error) {
    if (error instanceof ResolveError) throw error;
    return fail(where, (error as Error).message);
  }
}

function refOf(name: string, ctx: ResolveContext, where: string): string {
  if (!name.startsWith('AWS::')) return reasonAt(where, () => ctx.ref(name));
  return ctx.pseudoParameters[name] ?? fail(where, `pseudo parameter ${name} has no local value`);
}

/** `${Name}`, `${Res.Attr}`, `${AWS::Region}`, `${!Literal}`, and the variables of the two-argument form. */
function sub(arg: unknown, ctx: ResolveContext, where: string): string {
  const [text, vars] = Array.isArray(arg) ? pair(arg, where) : [arg, {}];
  if (typeof text !== 'string') return fail(where, 'expected a template string');
  if (!isRecord(vars)) return fail(where, 'expected a variable map');
  return text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const w = `${where} \${${name}}`;
    if (name in vars) return asString(resolveIntrinsics(vars[name], ctx, w), w);
    if (name.startsWith('AWS::')) return refOf(name, ctx, w);
    const [id, attribute] = splitOnce(name, '.');
    return attribute === undefined ? refOf(id, ctx, w) : reasonAt(w, () => ctx.getAtt(id, attribute));
  });
}

function resolveDynamicReferences(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(DYNAMIC_REFERENCE, (whole, service: string, reference: string) => {
      const resolveReference = ctx.dynamicReference?.bind(ctx);
      if (!resolveReference) return fail(where, `dynamic reference ${whole} has no local value`);
      return reasonAt(where, () => resolveReference(service, reference));
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveDynamicReferences(v, ctx, `${where}[${i}]`));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveDynamicReferences(v, ctx, `${where}.${k}`)]),
    );
  }
  return value;
}

function pair(arg: unknown, where: string): [unknown, unknown] {
  if (!Array.isArray(arg) || arg.length !== 2) return fail(where, 'expected two arguments');
  return [arg[0], arg[1]];
}

function splitOnce(s: string, separator: string): [string, string | undefined] {
  const i = s.indexOf(separator);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
