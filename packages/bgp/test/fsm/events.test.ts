// fsm/events.ts messageTypesIn: the message types of a chunk of whole messages, read from the headers
// (RFC 4271 §4.1), as the session counts what it sends through sendChunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageTypesIn } from '../../src/fsm/events.ts';
import { encodeKeepalive } from '../../src/wire/keepalive.ts';
import { encodeNotification } from '../../src/wire/notification.ts';
import { encodeEndOfRib as endOfRib } from '../../src/wire/update.ts';

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

test('types of consecutive whole messages, in order', () => {
  const chunk = concat(endOfRib(1, 1), encodeKeepalive(), encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }), endOfRib(2, 1));
  assert.deepEqual([...messageTypesIn(chunk)], ['update', 'keepalive', 'notification', 'update']);
});

test('a length below 19 stops the walk (no endless loop); a truncated tail is not counted', () => {
  const bad = encodeKeepalive().slice();
  bad[17] = 5;
  assert.deepEqual([...messageTypesIn(concat(encodeKeepalive(), bad, encodeKeepalive()))], ['keepalive']);
  assert.deepEqual([...messageTypesIn(encodeKeepalive().subarray(0, 18))], []);
});
