/**
 * Sliding-window lockout: with `limit` failures allowed per `windowMs`, returns the instant the next
 * attempt is allowed again, or undefined when it is allowed now.
 *
 * `failures` are the times of failures, oldest first. Once `limit` of them fall in the window, the
 * lock lasts until the oldest of the most recent `limit` leaves it.
 *
 *   limit 5, window 15 min, now 12:15
 *   failures at 12:01 12:02 12:03 12:04           -> allowed (4 < 5)
 *   failures at 12:01 12:02 12:03 12:04 12:05     -> locked until 12:16 (12:01 + 15 min)
 *   failures at 11:59 12:02 12:03 12:04 12:05     -> allowed (11:59 is outside the window)
 */
export function lockedUntil(failures: readonly number[], limit: number, windowMs: number, now: number): number | undefined {
  const recent = failures.filter((at) => at > now - windowMs && at <= now);
  if (recent.length < limit) return undefined;
  return recent[recent.length - limit]! + windowMs;
}

/** "12 minutes", rounded up: saying "0 minutes" to someone who must still wait would be a lie. */
export function waitText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
