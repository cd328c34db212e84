/** Diagnostics: deadlock detection. */
export {
  setDeadlockDetection,
  type DeadlockDetectionOptions,
  type DeadlockMode,
} from './deadlock.ts';
