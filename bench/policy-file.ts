// `npx tsx bench/policy-file.ts <out.json> <memberships> [organizations]`: writes a
// synthetic policy file for import measurements: 5 roles per organization, every member
// with one or two roles, one grant per 5 members. 340,000 memberships make ~50 MB.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

async function main(): Promise<void> {
  const [out, membershipsArg, orgsArg] = process.argv.slice(2);
  if (!out || !membershipsArg) throw new Error('usage: tsx bench/policy-file.ts <out.json> <memberships> [organizations]');
  const memberships = Number(membershipsArg);
  const orgs = Number(orgsArg ?? 100);
  const stream = createWriteStream(out);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  const roles = ['admin', 'editor', 'viewer', 'billing', 'auditor'];
  const org = (i: number) => `organization-${String(i).padStart(5, '0')}`;
  // A user ID as identity providers issue them (~40 characters), so the file's size per row is realistic.
  const user = (i: number) => `auth0|user-${String(i).padStart(8, '0')}-${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}@example.com`;
  await write('{"organizations":[');
  for (let o = 0; o < orgs; o++) await write(`${o ? ',' : ''}${JSON.stringify({ id: org(o), name: `Organization ${o}` })}`);
  await write('],"roles":[');
  let first = true;
  for (let o = 0; o < orgs; o++) {
    for (const [r, name] of roles.entries()) {
      await write(`${first ? '' : ','}${JSON.stringify({ orgId: org(o), name, permissions: [`${name}:*`, 'document:read', `report-${r}:export`] })}`);
      first = false;
    }
  }
  await write('],"memberships":[');
  for (let i = 0; i < memberships; i++) {
    const rs = i % 3 === 0 ? [roles[i % 5]!, roles[(i + 1) % 5]!] : [roles[i % 5]!];
    await write(`${i ? ',\n' : ''}${JSON.stringify({ userId: user(i), orgId: org(i % orgs), roles: rs })}`);
  }
  await write('],"grants":[');
  first = true;
  for (let i = 0; i < memberships; i += 5) {
    await write(`${first ? '' : ',\n'}${JSON.stringify({ userId: user(i), orgId: org(i % orgs), permission: 'billing:export', expiresAt: '2099-01-01T00:00:00Z' })}`);
    first = false;
  }
  await write(']}\n');
  stream.end();
  await once(stream, 'finish');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
