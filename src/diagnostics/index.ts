/** Diagnostics: deadlock detection, lock-order checking. */
export {
  DEADLOCK_CHANNEL,
  setDeadlockDetection,
  type DeadlockDetectionOptions,
  type DeadlockMessage,
  type DeadlockMode,
} from './deadlock.ts';
export { LOCK_ORDER_CHANNEL, setLockOrderChecking, type LockOrderMessage } from './lock-order.ts';
export {
  programStats,
  readStats,
  serveStats,
  statsSocketPath,
  type ChildStats,
  type ProgramStats,
  type StatsServer,
} from './stats-server.ts';
export {
  setAsleepDetection,
  type AsleepDetectionOptions,
  type AsleepMember,
  type AsleepMessage,
} from './asleep.ts';
