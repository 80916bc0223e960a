import type { LocalNames } from './local-names';
import { resolveString, resolveValue } from './resolve';
import { describeResource, resourcesOfType, type CfnTemplate } from './template';

/** Reads resource properties with their intrinsics resolved to local names; errors say which resource and property. */
export class TemplateReader {
  constructor(
    readonly template: CfnTemplate,
    readonly names: LocalNames,
  ) {}

  /** Logical ids of one type, in template order. */
  ids(type: string): string[] {
    return resourcesOfType(this.template, type).map(([id]) => id);
  }

  where(id: string, key: string): string {
    return `${describeResource(this.template, id)} Properties.${key}`;
  }

  /** The unresolved property, for callers that resolve only some of its fields. */
  raw(id: string, key: string): unknown {
    return this.template.Resources[id]?.Properties?.[key];
  }

  /** The resolved property (undefined when absent). Only read properties are resolved. */
  value(id: string, key: string): unknown {
    return this.resolve(id, key, this.raw(id, key));
  }

  string(id: string, key: string): string | undefined {
    return this.resolveString(id, key, this.raw(id, key));
  }

  /** Resolves part of a property; `key` names it in errors (`Targets[0].Arn`). */
  resolve(id: string, key: string, raw: unknown): unknown {
    return raw === undefined ? undefined : resolveValue(raw, this.names.context, this.where(id, key));
  }

  resolveString(id: string, key: string, raw: unknown): string | undefined {
    return raw === undefined ? undefined : resolveString(raw, this.names.context, this.where(id, key));
  }

  requiredString(id: string, key: string): string {
    const value = this.string(id, key);
    if (value === undefined) throw new Error(`${this.where(id, key)} is missing`);
    return value;
  }

  fail(id: string, key: string, message: string): never {
    throw new Error(`${this.where(id, key)}: ${message}`);
  }
}
