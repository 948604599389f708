import type { EndpointInput, EndpointName, EndpointOutput, HasInput } from '@graminsta/contracts';
import type { CallOptions } from './http.ts';

// Parts of an input the caller may leave out: those the endpoint declares optional, and those
// (a page query, say) in which every field is optional.
type Omittable<I> = {
  [K in keyof I]-?: object extends Pick<I, K> ? K : object extends I[K] ? K : never;
}[keyof I];

/** What a caller passes to endpoint N: the contract's EndpointInput<N>, all-optional parts optional. */
export type CallInput<N extends EndpointName> = {
  [K in Omittable<EndpointInput<N>>]?: EndpointInput<N>[K];
} & {
  [K in Exclude<keyof EndpointInput<N>, Omittable<EndpointInput<N>>>]: EndpointInput<N>[K];
};

/** An endpoint method's arguments: call options alone when it takes no input. */
export type CallArgs<N extends EndpointName> =
  HasInput<N> extends false
    ? [call?: CallOptions]
    : object extends CallInput<N>
      ? [input?: CallInput<N>, call?: CallOptions]
      : [input: CallInput<N>, call?: CallOptions];

/** One method per entry of the endpoint table, named by its key. */
export type EndpointMethods = {
  [N in EndpointName]: (...args: CallArgs<N>) => Promise<EndpointOutput<N>>;
};
