// Every Manager test again, with the calls to dicts, lists and namespaces always through the
// shared-memory channel (channel-layout.ts) rather than where spinning pays: the mode is read
// at the first connection of each realm, and threads and processes inherit it.
process.env.MULTITASK_MANAGER_CHANNEL = 'always';
await import('./manager.test.ts');
