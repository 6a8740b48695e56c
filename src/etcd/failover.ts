// Deadlines of the etcd client's unary calls, per try. The library sends a call to one member (a
// shuffled order) and, on a recoverable error such as DEADLINE_EXCEEDED, retries it on the next one
// (3 retries), while each member's circuit breaker keeps calls away from one that failed 3 times
// in a row. A member that was partitioned away or died without a FIN/RST does not answer at all:
// the call waits for its deadline, and only the keep-alive (seconds later) tells gRPC the
// connection is dead. So while a call has members left that it has not tried, a try gets a short
// deadline (`failover_timeout`); the try on the last untried member, and any after it, get the full
// `dial_timeout`. A silent member costs `failover_timeout` per call that meets it, also when the
// call first met a healthy member that was waiting out the election the lost leader caused; a slow
// but healthy cluster still gets its full time in the end. Streams (watches, lease keep-alives)
// never get a deadline.
import { AsyncLocalStorage } from 'node:async_hooks';
import { handleWhen, retry, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { isRecoverableError, type CallContext, type CallOptionsFactory } from 'etcd3';

// The try a unary call is on (0 = first), set by the retry policy around each try. The library
// resolves the call options inside the try (after an await), where this store is still current.
const currentTry = new AsyncLocalStorage<number>();

/** The library's own retry (3 retries of recoverable errors), telling each try its number. */
export function countingRetry(): IPolicy<IDefaultPolicyContext> {
  const policy = retry(handleWhen(isRecoverableError), { maxAttempts: 3 });
  const execute: IPolicy<IDefaultPolicyContext>['execute'] = (fn, signal) =>
    policy.execute((context) => currentTry.run(context.attempt, () => fn(context)), signal);
  return Object.assign(Object.create(policy) as IPolicy<IDefaultPolicyContext>, { execute });
}

export interface CallDeadlines {
  /** Deadline of a try, and of every try with a single endpoint. */
  readonly dialTimeoutMs: number;
  /** With several endpoints: deadline of a try while untried members remain (capped at dialTimeoutMs). */
  readonly failoverTimeoutMs: number;
  readonly endpoints: number;
}

/** `defaultCallOptions` for the client: per-try deadlines for unary calls, none for streams. */
export function callDeadlines(deadlines: CallDeadlines): Extract<CallOptionsFactory, (context: CallContext) => unknown> {
  const short = Math.min(deadlines.failoverTimeoutMs, deadlines.dialTimeoutMs);
  return (context) => {
    if (context.isStream) return {};
    // No try number: a call outside the retry (the library's own authentication, which walks the
    // members itself), so the short deadline fits it too.
    const tryNumber = currentTry.getStore() ?? 0;
    // Tries go to distinct members (the library walks one shuffled order), so try n has n + 1 met.
    return { deadline: Date.now() + (tryNumber < deadlines.endpoints - 1 ? short : deadlines.dialTimeoutMs) };
  };
}
