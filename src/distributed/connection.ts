/**
 * Where the Redis server is, and a quick first look at it: a wrong URL or a server that is
 * not there fails in milliseconds with a coded error instead of BullMQ's endless reconnects.
 */
import type { Redis, RedisOptions as IoRedisOptions } from 'ioredis';
import { DistributedError } from '../errors.ts';
import { describeValue, typeError } from '../internal/validate.ts';
import { ArgumentTypeError } from '../errors.ts';

/**
 * ioredis's connection options, as far as this library reads them; the others pass through.
 * (Its own types stay out of the declarations: the package's types need no ioredis.)
 */
export interface RedisOptions {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: object;
  readonly [option: string]: unknown;
}

/** A Redis server: a `redis://` / `rediss://` URL, or ioredis's connection options. */
export type RedisConnection = string | RedisOptions;

/** A client made by {@link bullClient}: an ioredis `Redis`, handed to BullMQ. */
export interface RedisClient {
  quit(): Promise<unknown>;
  xrevrange(
    key: string,
    end: string,
    start: string,
    count: 'COUNT',
    n: number,
  ): Promise<[id: string, fields: string[]][]>;
}

/** How long the first connection may take before `ERR_REDIS_UNREACHABLE`. */
export const DEFAULT_CONNECT_TIMEOUT = 5_000;

/**
 * The options BullMQ is given (a plain object, so that a pool's children can be sent it).
 * @throws {ArgumentTypeError} for anything but a redis URL or an options object.
 */
export function connectionOptions(connection: unknown): RedisOptions {
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new ArgumentTypeError(
        `Expected \`connection\` to be a redis:// or rediss:// URL, got ${describeValue(connection)}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    return { url: connection };
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw typeError('connection', 'a redis:// URL or an object of ioredis options', connection);
  }
  return { ...(connection as RedisOptions) };
}

/** `host:port` of the options, for messages (never the password). */
export function describeServer(options: RedisOptions): string {
  if (typeof options.url === 'string') {
    const url = new URL(options.url);
    return `${url.protocol}//${url.hostname}:${url.port === '' ? '6379' : url.port}`;
  }
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}

async function client(options: RedisOptions, extra: IoRedisOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const { url, ...rest } = options;
  // ioredis's option types do not accept their own optional fields under
  // exactOptionalPropertyTypes; the object is what ioredis documents.
  const merged = { ...(rest as IoRedisOptions), ...extra } as never;
  return typeof url === 'string' ? new Redis(url, merged) : new Redis(merged);
}

/**
 * A client for BullMQ, which retries commands forever across reconnects. BullMQ's ESM build
 * cannot load ioredis from connection options (it has no `require`), so it is given
 * clients: it shares one given to a `Queue` and leaves it open, and duplicates it for a
 * worker's or `QueueEvents`' blocking reads. The caller closes it after them.
 */
export function bullClient(options: RedisOptions): Promise<RedisClient> {
  return client(options, { maxRetriesPerRequest: null });
}

/**
 * Connects once, without retries, and pings; resolves when the server answers.
 * @throws {DistributedError} `ERR_REDIS_UNREACHABLE` naming the server and the cause.
 */
export async function probe(
  options: RedisOptions,
  timeout = DEFAULT_CONNECT_TIMEOUT,
): Promise<void> {
  const redis = await client(options, {
    lazyConnect: true,
    connectTimeout: timeout,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than connect()'s rejection.
  let first: unknown = null;
  redis.on('error', (error: unknown) => {
    first ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (rejection) {
    const error = first ?? rejection;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DistributedError(
      'ERR_REDIS_UNREACHABLE',
      `Cannot reach the Redis server at ${describeServer(options)}: ${reason}`,
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}
