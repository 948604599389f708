/** The actions an endpoint can count against; core sets each one's budget (limits/). */
export const LIMITED_ACTIONS = [
  'signup',
  'login',
  'upload',
  'photo',
  'comment',
  'like',
  'follow',
  'report',
  'recovery',
] as const;
export type LimitedAction = (typeof LIMITED_ACTIONS)[number];
