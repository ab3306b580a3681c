/**
 * Audit events carry their target as JSON text (`{"userId":"bob","role":"editor"}`);
 * people read `userId bob, role editor`. Anything that is not a flat JSON object is
 * shown as it came. Pure code.
 */
export function summarizeTarget(target: string): string {
  let value: unknown;
  try {
    value = JSON.parse(target);
  } catch {
    return target;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return target;
  const parts = Object.entries(value).map(([key, v]) => `${key} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : target;
}
