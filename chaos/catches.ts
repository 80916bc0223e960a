import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WORKFLOWS } from '../infra/workflow-manifest';

/** One Catch block of one state machine: `workflow/State [Errors] → Next`. */
export interface CatchBlock {
  workflow: string;
  state: string;
  errors: string[];
  next: string;
}

interface AslState {
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ItemProcessor?: { States: Record<string, AslState> };
}

const STATEMACHINES = path.join(__dirname, '..', 'statemachines');

/** Every Catch block in the project's ASL files, states inside a Map included. */
export function catchBlocks(): CatchBlock[] {
  const out: CatchBlock[] = [];
  for (const spec of WORKFLOWS) {
    const asl = JSON.parse(readFileSync(path.join(STATEMACHINES, `${spec.name}.asl.json`), 'utf8')) as {
      States: Record<string, AslState>;
    };
    const walk = (states: Record<string, AslState>) => {
      for (const [state, def] of Object.entries(states)) {
        for (const c of def.Catch ?? [])
          out.push({ workflow: spec.name, state, errors: c.ErrorEquals, next: c.Next });
        if (def.ItemProcessor) walk(def.ItemProcessor.States);
      }
    };
    walk(asl.States);
  }
  return out;
}

export const catchKey = (workflow: string, state: string): string => `${workflow}/${state}`;
