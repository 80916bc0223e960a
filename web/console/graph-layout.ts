/** The execution graph's layout and labels, apart from the component so node tests can run it. */
import { graphlib, layout } from '@dagrejs/dagre';
import type { AslStateView, AslView, StateRunView } from './execution-views';

export interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface GraphLayout {
  width: number;
  height: number;
  nodes: { name: string; type: string; box: NodeBox }[];
  clusters: { name: string; box: NodeBox }[];
  edges: { from: string; to: string; caught: boolean; points: { x: number; y: number }[] }[];
}

const NODE_HEIGHT = 34;
const nodeWidth = (name: string): number => Math.max(90, name.length * 7.4 + 28);
const clusterId = (name: string): string => `${name} (cluster)`;

/** A state's nested machines: a Parallel's branches, a Map's item processor. */
const nestedOf = (s: AslStateView): AslView[] => [
  ...(s.Branches ?? []),
  ...(s.ItemProcessor ? [s.ItemProcessor] : []),
  ...(s.Iterator ? [s.Iterator] : []),
];

/**
 * The ASL laid out by dagre: one node per state; a Parallel or Map is a cluster holding the state itself
 * and its nested states (dagre draws no edges to a cluster, so edges in and out go to the state's node).
 */
export function layoutAsl(asl: AslView): GraphLayout {
  const g = new graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const types = new Map<string, string>();
  const clusters: string[] = [];
  const add = (machine: AslView, parent?: string) => {
    for (const [name, s] of Object.entries(machine.States)) {
      types.set(name, s.Type);
      g.setNode(name, { width: nodeWidth(name), height: NODE_HEIGHT });
      const nested = nestedOf(s);
      const top = nested.length > 0 ? clusterId(name) : name;
      if (nested.length > 0) {
        clusters.push(top);
        g.setNode(top, {});
        g.setParent(name, top);
        for (const inner of nested) {
          add(inner, top);
          g.setEdge(name, inner.StartAt, { caught: false }, `${name}->${inner.StartAt}`);
        }
      }
      if (parent) g.setParent(top, parent);
      const next = [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next)].filter(
        (n): n is string => n !== undefined,
      );
      for (const n of new Set(next)) g.setEdge(name, n, { caught: false }, `${name}->${n}`);
      for (const c of s.Catch ?? []) g.setEdge(name, c.Next, { caught: true }, `${name}-catch->${c.Next}`);
    }
  };
  add(asl);
  layout(g);
  const boxOf = (id: string): NodeBox => {
    const n = g.node(id) as unknown as NodeBox;
    return { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  };
  const graph = g.graph() as { width?: number; height?: number };
  return {
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: [...types].map(([name, type]) => ({ name, type, box: boxOf(name) })),
    clusters: clusters.map((c) => ({ name: c, box: boxOf(c) })),
    edges: g.edges().map((e) => {
      const label = g.edge(e) as unknown as { caught: boolean; points: { x: number; y: number }[] };
      return { from: e.v, to: e.w, caught: label.caught, points: label.points };
    }),
  };
}

export function runStatus(run: StateRunView | undefined): 'failed' | 'caught' | 'taken' | 'not-taken' {
  if (!run) return 'not-taken';
  if (run.failed) return 'failed';
  if (run.caught > 0) return 'caught';
  return 'taken';
}

/** What a state's node says to a screen reader and in its tooltip. */
export function describeRun(name: string, run: StateRunView | undefined): string {
  const parts = [name, runStatus(run).replace('-', ' ')];
  if (run && run.retries > 0) parts.push(`retried ${run.retries} times`);
  if (run && run.caught > 0) parts.push(`error caught ${run.caught} times`);
  return parts.join(', ');
}
