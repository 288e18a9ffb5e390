/** Thrown by `withDeadline` when the work has not settled in time. */
export class DeadlineExceeded extends Error {
  override readonly name = "DeadlineExceeded";
}

/**
 * For a service of the Cloudflare location itself (the Cache API, a rate limiter), which answers
 * a healthy call in milliseconds: one that has not answered after this long is treated as failed.
 */
export const LOCAL_SERVICE_DEADLINE_MS = 2_000;

/**
 * `work`, or a `DeadlineExceeded` rejection once `deadlineMs` pass first. The work itself goes on
 * (a binding call cannot be cancelled); only the wait for it ends.
 */
export function withDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
