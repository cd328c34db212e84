/**
 * Where a value that `assertCloneable` (cloneable.ts) checks is going, and how its
 * errors say so.
 */

/** Where a value is sent: a worker thread of this process, or a child process. */
export type Destination = 'thread' | 'process';

/**
 * What `assertCloneable` checks a value for: a send to a thread or a process, or a
 * put into a queue or pipe, which copies the value's bytes (`v8.serialize`) into shared
 * memory whoever takes it, a thread of this process or another process.
 */
export type CloneTarget = Destination | 'queue' | 'pipe';

/** How an error message says where a value could not go: "cannot …". */
export function goingTo(target: CloneTarget): string {
  switch (target) {
    case 'thread':
    case 'process':
      return `be sent to a ${target}`;
    case 'queue':
      return 'be put in a queue';
    case 'pipe':
      return 'be sent through a pipe';
  }
}

/** Why shared memory cannot go where a value goes, after "which cannot …". */
export function sharedReason(target: CloneTarget): string {
  switch (target) {
    case 'thread':
    case 'process':
      return 'reach a child process: child processes do not share memory';
    case 'queue':
      return `${goingTo(target)}: a queue holds a copy of each item's bytes, not shared memory`;
    case 'pipe':
      return `${goingTo(target)}: a pipe carries a copy of each message's bytes, not shared memory`;
  }
}
