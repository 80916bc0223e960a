import { storyMessage } from '../../chaos/deliveries';
import type { StoryEvent } from '../../chaos/user-story';
import type { World } from './world';

/** Removes `_<suffix>` from every string in a stored value, so two deliveries of one story compare. */
export function withoutSuffix(value: unknown, suffix: string): unknown {
  const plain = JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (v instanceof Set ? [...(v as Set<string>)].sort() : v)),
  ) as unknown;
  return JSON.parse(JSON.stringify(plain).split(`_${suffix}`).join('')) as unknown;
}

/**
 * Delivers one story event as it reaches the system (`storyMessage`): app and Stripe events through their
 * ingest, the program's own facts by starting the `commission` lifecycle step.
 */
export async function deliverStoryEvent(world: World, event: StoryEvent, userId: string): Promise<void> {
  const message = storyMessage(event, userId);
  if ('via' in message) {
    try {
      world.runtime.start('commission', message.input, message.name);
    } catch (error) {
      // A redelivery of the same fact: the execution of that name already ran (as in AWS, by name).
      if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
    }
    return;
  }
  if (message.bus === 'app') await world.system.deliverAppEvent(message.envelope);
  else await world.system.deliverStripeEvent(message.envelope);
}
