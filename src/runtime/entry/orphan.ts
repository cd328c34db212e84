/**
 * A child process ends with its parent: no orphans. Shared by every process entry point.
 */

/** The exit code of a child whose parent vanished: 128 + SIGHUP, as a shell would report. */
export const ORPHANED_EXIT_CODE = 129;

/** Exits when the IPC channel to the parent closes, including before this was called. */
export function exitWithParent(): void {
  process.on('disconnect', () => {
    process.exit(ORPHANED_EXIT_CODE);
  });
  // A parent that died while this process was still loading disconnected before anyone
  // listened: the event is gone, but `connected` says so.
  if (!process.connected) process.exit(ORPHANED_EXIT_CODE);
}
