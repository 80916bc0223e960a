import { useMemo } from 'preact/hooks';
import type { AslView, StateRunView } from './execution-views';
import { describeRun, layoutAsl, runStatus } from './graph-layout';

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
