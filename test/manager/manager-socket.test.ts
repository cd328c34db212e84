// Every Manager test again, with the calls to dicts, lists and namespaces through the socket
// rather than the shared-memory channel (channel-layout.ts) that clients on the server's
// machine take by default: the mode is read at the first connection of each realm, and
// threads and processes inherit it.
process.env.MULTITASK_MANAGER_CHANNEL = 'never';
await import('./manager.test.ts');
