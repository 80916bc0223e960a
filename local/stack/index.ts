/** The local stack's view of the synthesized CDK app: synthesis, the resolved model, parity. */
export { synthesizeLocalTemplate, DEFAULT_LOCAL_ASSEMBLY_DIR, LOCAL_SYNTH_CONTEXT } from './synthesize';
export type { LocalTemplate, SynthesizeOptions } from './synthesize';
export { loadLocalStackModel } from './model';
export type * from './model';
export {
  assertInventoryParity,
  diffInventory,
  modelInventory,
  stackInventory,
  INVENTORY_KINDS,
} from './parity';
export type { InventoryDiff, InventoryKind, RunningInventory } from './parity';
export { LOCAL_PSEUDO_PARAMETERS, LOCAL_SECRET_VALUES, localQueueArn, localQueueUrl } from './local-names';
export type { CfnResource, CfnTemplate } from './template';
