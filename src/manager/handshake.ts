/**
 * The authkey handshake of Python 3.12's `multiprocessing.connection`: each side proves it
 * holds the key without sending it. The server runs {@link deliverChallenge} then
 * {@link answerChallenge}, the client the reverse, so both sides are proven to each other.
 *
 *   challenger → `#CHALLENGE#{sha256}` + 40 random bytes
 *   answerer   → `{sha256}` + HMAC-SHA256(authkey, `{sha256}` + the random bytes)
 *   challenger → `#WELCOME#`, or `#FAILURE#` and the connection is dropped
 *
 * Every read is capped at 256 bytes (framing.ts), the digests are compared in constant time,
 * and nothing is decoded before both challenges passed: until then the bytes are only
 * compared. The digest is always SHA-256 (Python 3.12 accepts others on the answering side;
 * multitask's challenger names only `sha256`, and its answerer refuses any other).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors.ts';
import type { FramedSocket } from './framing.ts';

const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const DIGEST_PREFIX = Buffer.from('{sha256}');
/** Python's MESSAGE_LENGTH: the random part of a challenge. */
const MESSAGE_LENGTH = 40;

function response(authkey: Uint8Array, message: Buffer): Buffer {
  return Buffer.concat([DIGEST_PREFIX, createHmac('sha256', authkey).update(message).digest()]);
}

/** Sends a challenge and checks the answer; sends `#FAILURE#` and throws on a wrong one. */
export async function deliverChallenge(
  connection: FramedSocket,
  authkey: Uint8Array,
): Promise<void> {
  const message = Buffer.concat([DIGEST_PREFIX, randomBytes(MESSAGE_LENGTH)]);
  connection.send(Buffer.concat([CHALLENGE, message]));
  const answer = await connection.recv();
  const expected = response(authkey, message);
  if (answer.length !== expected.length || !timingSafeEqual(answer, expected)) {
    connection.send(FAILURE);
    throw new AuthenticationError('ERR_AUTHENTICATION', 'digest received was wrong');
  }
  connection.send(WELCOME);
}

/** Answers the peer's challenge; throws if the peer refuses the answer. */
export async function answerChallenge(
  connection: FramedSocket,
  authkey: Uint8Array,
): Promise<void> {
  const challenge = await connection.recv();
  if (!challenge.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError('ERR_AUTHENTICATION', `Protocol error, expected challenge`);
  }
  const message = challenge.subarray(CHALLENGE.length);
  if (!message.subarray(0, DIGEST_PREFIX.length).equals(DIGEST_PREFIX)) {
    throw new AuthenticationError(
      'ERR_AUTHENTICATION',
      'unsupported digest: multitask answers only {sha256}',
    );
  }
  if (message.length < DIGEST_PREFIX.length + MESSAGE_LENGTH) {
    throw new AuthenticationError('ERR_AUTHENTICATION', 'challenge too short');
  }
  connection.send(response(authkey, message));
  const verdict = await connection.recv();
  if (!verdict.equals(WELCOME))
    throw new AuthenticationError('ERR_AUTHENTICATION', 'digest sent was rejected');
}
