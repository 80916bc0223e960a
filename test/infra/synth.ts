import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/app';
import type { PartnerReferralsStack } from '../../infra/partner-referrals-stack';

export interface Synth {
  app: App;
  stack: PartnerReferralsStack;
  template: Template;
}

/**
 * Synthesizes the real app (cdk-nag validation plugins included). Bundling runs esbuild for real unless
 * `bundle` is false, which uses CDK's own `aws:cdk:bundling-stacks` switch to skip it.
 */
export function synth(context: Record<string, unknown> = {}, bundle = true): Synth {
  const { app, stack } = createApp({
    context: { ...context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const template = Template.fromStack(stack);
  return { app, stack, template };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;

/** The resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The single resource of `type` whose logical id starts with `prefix`. */
export function onlyResource(
  template: Template,
  type: string,
  prefix: string,
): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} starting with ${prefix}, found ${found.map(([id]) => id).join(', ')}`,
    );
  }
  const [id, resource] = found[0] as [string, { Properties?: Record<string, unknown> }];
  return { id, props: resource.Properties ?? {} };
}

export const pascal = (s: string): string =>
  s
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
