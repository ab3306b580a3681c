/**
 * Waits for a state, never for a length of time: checks `condition` every `intervalMs`
 * until it holds, and fails naming `what` once `timeoutMs` have passed without it. The
 * bound is generous (the machine may be busy); the test still proceeds the moment the
 * condition holds. Runs on real timers: under jest's fake timers advance the clock instead.
 *
 * @returns how many checks it took.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let checks = 1; ; checks++) {
    if (await condition()) return checks;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
