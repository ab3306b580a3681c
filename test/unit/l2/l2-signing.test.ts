import { createHmac } from 'node:crypto';
import { createL2Signer, MAC_LENGTH, processSigningKey } from '../../../src/l2/l2-signing';

const KEY = 'current-signing-key-0123456789abcdef';

test("is HMAC-SHA256 of the tag, the key's length, the key and the payload, truncated to 128 bits, in base64url", () => {
  const expected = createHmac('sha256', KEY).update('authz-l2-v3\n14\nauth:perms:a:b\n{"x":1}').digest().subarray(0, 16).toString('base64url');
  expect(createL2Signer({ current: KEY }).sign('auth:perms:a:b', '{"x":1}')).toBe(expected);
  expect(expected).toHaveLength(MAC_LENGTH);
});

test('binds the key and the payload: moving a line feed between them changes the MAC', () => {
  const signer = createL2Signer({ current: KEY });
  expect(signer.sign('a\nb', 'c')).not.toBe(signer.sign('a', 'b\nc'));
  expect(signer.verify('a', 'b\nc', signer.sign('a\nb', 'c'))).toBe(false);
});

test('verifies only the exact (key, payload, MAC)', () => {
  const writer = createL2Signer({ current: KEY });
  const reader = createL2Signer({ current: KEY });
  const mac = writer.sign('k1', 'payload');
  expect(reader.verify('k1', 'payload', mac)).toBe(true);
  expect(reader.verify('k2', 'payload', mac)).toBe(false);
  expect(reader.verify('k1', 'payload!', mac)).toBe(false);
  expect(reader.verify('k1', 'payload', `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
});

test('a process key is 32 random bytes, different every time', () => {
  const a = processSigningKey();
  expect(a).toHaveLength(32);
  expect(a.equals(processSigningKey())).toBe(false);
  const mac = createL2Signer({ current: a }).sign('k', 'p');
  expect(createL2Signer({ current: processSigningKey() }).verify('k', 'p', mac)).toBe(false);
});
