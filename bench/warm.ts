/** Loads every membership into L2: `checks` calls of 500 pairs each (the 64 KB body limit). */
export async function warm(url: string, pairs: ReadonlyArray<{ userId: string; orgId: string }>, authorization: string): Promise<void> {
  const query = 'query W($r: [CheckInput!]!) { checks(requests: $r) { allowed } }';
  for (let i = 0; i < pairs.length; i += 500) {
    const r = pairs.slice(i, i + 500).map((p) => ({ ...p, permission: 'document:read' }));
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query, variables: { r } }) });
    const body = (await res.json()) as { errors?: unknown };
    if (!res.ok || body.errors) throw new Error(`warm-up failed: ${JSON.stringify(body).slice(0, 500)}`);
  }
}
