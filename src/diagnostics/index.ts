/** Diagnostics: deadlock detection, lock-order checking. */
export {
  setDeadlockDetection,
  type DeadlockDetectionOptions,
  type DeadlockMode,
} from './deadlock.ts';
export { LOCK_ORDER_CHANNEL, setLockOrderChecking, type LockOrderMessage } from './lock-order.ts';
