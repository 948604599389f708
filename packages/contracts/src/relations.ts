import { z } from 'zod';

/** The caller's block on an account after PUT or DELETE …/block. */
export const BlockState = z.object({ blocked: z.boolean() });
export type BlockState = z.infer<typeof BlockState>;

/** The caller's mute on an account after PUT or DELETE …/mute. */
export const MuteState = z.object({ muted: z.boolean() });
export type MuteState = z.infer<typeof MuteState>;

/** A follow request after its owner accepted or declined it. */
export const FollowRequestDecision = z.object({ accepted: z.boolean() });
export type FollowRequestDecision = z.infer<typeof FollowRequestDecision>;
