// Deadlines of the etcd client's unary calls, per try. The library sends a call to one member (a
// shuffled order) and, on a recoverable error such as DEADLINE_EXCEEDED, retries it on the next one
// (3 retries), while each member's circuit breaker keeps calls away from one that failed 3 times
// in a row. A member that was partitioned away or died without a FIN/RST does not answer at all:
// the call waits for its deadline, and only the keep-alive (seconds later) tells gRPC the
// connection is dead. So with several members the first try gets a short deadline
// (`failover_timeout`), and the retries, on other members, the full `dial_timeout`: a silent
// member costs `failover_timeout` per call that meets it, and a slow but healthy cluster still
// gets its full time. Streams (watches, lease keep-alives) never get a deadline.
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
  /** With several endpoints: deadline of a call's first try (capped at dialTimeoutMs). */
  readonly failoverTimeoutMs: number;
  readonly endpoints: number;
}

/** `defaultCallOptions` for the client: per-try deadlines for unary calls, none for streams. */
export function callDeadlines(deadlines: CallDeadlines): Extract<CallOptionsFactory, (context: CallContext) => unknown> {
  const first = deadlines.endpoints > 1 ? Math.min(deadlines.failoverTimeoutMs, deadlines.dialTimeoutMs) : deadlines.dialTimeoutMs;
  return (context) => {
    if (context.isStream) return {};
    // No try number: a call outside the retry (the library's own authentication, which walks the
    // members itself), so the short deadline fits it too.
    const tryNumber = currentTry.getStore() ?? 0;
    return { deadline: Date.now() + (tryNumber === 0 ? first : deadlines.dialTimeoutMs) };
  };
}
