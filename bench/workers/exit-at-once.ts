/**
 * An empty module: a raw Worker or forked process that loads it exits at once.
 */
export {};
