import type { Template } from 'aws-cdk-lib/assertions';

/** One IAM statement, its resources normalised to strings: `Logical.Arn`, `Logical`, `Logical.Arn/index/x`, `*`. */
export interface Grant {
  actions: string[];
  resources: string[];
}

type Json = unknown;

export function normaliseResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  const r = resource as Record<string, unknown>;
  if (r.Ref) return String(r.Ref);
  const getAtt = r['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) return `${getAtt[0]}.${getAtt[1]}`;
  const join = r['Fn::Join'] as [string, Json[]] | undefined;
  if (join) return join[1].map(normaliseResource).join(join[0]);
  return JSON.stringify(resource);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every Allow statement granted to a role (its attached AWS::IAM::Policy resources and inline policies). */
export function grantsOfRole(template: Template, roleLogicalId: string): Grant[] {
  const grants: Grant[] = [];
  const collect = (doc: { Statement: Record<string, Json>[] }): void => {
    for (const st of doc.Statement) {
      if (st.Effect !== 'Allow') continue;
      grants.push({
        actions: asArray(st.Action as string | string[]),
        resources: asArray(st.Resource as Json).map(normaliseResource),
      });
    }
  };
  const policies = template.findResources('AWS::IAM::Policy') as Record<
    string,
    { Properties: Record<string, Json> }
  >;
  for (const policy of Object.values(policies)) {
    const roles = asArray(policy.Properties.Roles as Json[]).map(normaliseResource);
    if (roles.includes(roleLogicalId)) collect(policy.Properties.PolicyDocument as { Statement: [] });
  }
  const role = template.toJSON().Resources[roleLogicalId] as { Properties: Record<string, Json> };
  for (const inline of asArray(role.Properties.Policies as { PolicyDocument: { Statement: [] } }[])) {
    collect(inline.PolicyDocument);
  }
  return grants;
}

/** The resources on which a role may perform `action`. */
export function resourcesFor(grants: Grant[], action: string): string[] {
  return [...new Set(grants.filter((g) => g.actions.includes(action)).flatMap((g) => g.resources))].sort();
}

/** Every action a role has, by service prefix. */
export function servicesOf(grants: Grant[]): string[] {
  return [...new Set(grants.flatMap((g) => g.actions.map((a) => a.split(':')[0] as string)))].sort();
}
