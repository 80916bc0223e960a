import { graphlib, layout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { AslStateView, AslView, StateRunView } from './execution-views';

interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface GraphLayout {
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

/** The state machine's graph with the path the execution took; a state is a button that selects it. */
export function StateGraph(props: {
  definition: AslView;
  states: Record<string, StateRunView>;
  selected: string | undefined;
  onSelect(name: string): void;
}) {
  const g = useMemo(() => layoutAsl(props.definition), [props.definition]);
  const taken = (name: string) => props.states[name] !== undefined;
  return (
    <svg
      class="graph"
      role="group"
      aria-label="State machine graph"
      viewBox={`0 0 ${g.width} ${g.height}`}
      width={g.width}
      height={g.height}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      {g.clusters.map((c) => (
        <rect
          key={c.name}
          class="cluster"
          x={c.box.x}
          y={c.box.y}
          width={c.box.width}
          height={c.box.height}
          rx={6}
        />
      ))}
      {g.edges.map((e) => (
        <polyline
          key={`${e.from}-${e.caught ? 'catch-' : ''}${e.to}`}
          class={`edge${e.caught ? ' edge-catch' : ''}${taken(e.from) && taken(e.to) ? ' edge-taken' : ''}`}
          points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
          marker-end="url(#arrow)"
        />
      ))}
      {g.nodes.map(({ name, type, box }) => {
        const run = props.states[name];
        const label = describeRun(name, run);
        const select = () => props.onSelect(name);
        return (
          <g
            key={name}
            class={`node node-${runStatus(run)}${props.selected === name ? ' node-selected' : ''}`}
            data-state={name}
            data-status={runStatus(run)}
            role="button"
            tabIndex={0}
            aria-label={label}
            aria-pressed={props.selected === name}
            onClick={select}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                select();
              }
            }}
          >
            <title>{`${label} (${type})`}</title>
            <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={type === 'Choice' ? 14 : 4} />
            <text x={box.x + box.width / 2} y={box.y + box.height / 2 + 4} text-anchor="middle">
              {name}
            </text>
            {run && run.retries > 0 && (
              <text class="mark" x={box.x + box.width - 4} y={box.y + 10} text-anchor="end">
                {`↻${run.retries}`}
              </text>
            )}
            {run && run.caught > 0 && (
              <text class="mark" x={box.x + 4} y={box.y + 10}>
                caught
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
