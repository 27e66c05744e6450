/**
 * What each consumer in this process reports about itself, for /health/live:
 * a consumer that crashed and gave up must take the pod down with it.
 */
export interface ConsumerState {
  groupId: string;
  crashed: boolean;
  reason?: string;
}

const states = new Map<string, ConsumerState>();

export const consumerHealth = {
  register(groupId: string): ConsumerState {
    const state: ConsumerState = { groupId, crashed: false };
    states.set(groupId, state);
    return state;
  },
  unregister(groupId: string): void {
    states.delete(groupId);
  },
  all(): ConsumerState[] {
    return [...states.values()];
  },
};
