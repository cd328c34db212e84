/**
 * The client's half of reference counting (the server's is refcounts.ts): every proxy this
 * realm makes counts itself with an `incref` on the realm's connection, and a
 * FinalizationRegistry sends the `decref` when the proxy is collected. Neither waits for an
 * answer. A decref goes only on a connection that is still open: when the connection was
 * lost, the server dropped its references already.
 */
import { notify, type ServerInfo } from './client.ts';
import type { Token } from './protocol.ts';

interface Held {
  readonly server: ServerInfo;
  readonly id: number;
}

const collected = new FinalizationRegistry<Held>(({ server, id }) => {
  notify(server, ['decref', id], false);
});

/** Counts `proxy` as a reference to `token`'s object until it is collected. */
export function countReference(proxy: object, token: Token, server: ServerInfo): void {
  notify(server, ['incref', token.id], true);
  collected.register(proxy, { server, id: token.id });
}
