/**
 * multitask: Python's threading, multiprocessing, queue and concurrent.futures on Node.js.
 * This module only re-exports.
 */
export {
  ArgumentRangeError,
  ArgumentTypeError,
  BrokenBarrierError,
  GreenletError,
  GreenletExit,
  LoopExit,
  Timeout,
  BrokenExecutorError,
  BufferTooShortError,
  BrokenProcessPoolError,
  BrokenThreadPoolError,
  BrokerError,
  CancelledError,
  DeadlockError,
  InvalidStateError,
  WorkerLostError,
  EOFError,
  MultitaskError,
  TimeoutError,
  PicklingError,
  UnpicklingError,
  AuthenticationError,
  KeyError,
  IndexError,
  AttributeError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  RemoteTraceback,
  StateError,
  WorkerStartError,
  KeyboardInterrupt,
  SubprocessError,
  CalledProcessError,
  TimeoutExpiredError,
  FileNotFoundError,
  FileExistsError,
  PermissionError,
  DistributedError,
  type ErrorCode,
} from './errors.ts';
export {
  Connection,
  JoinableQueue,
  LifoQueue,
  Pipe,
  PriorityQueue,
  Queue,
  SimpleQueue,
  type PipeOptions,
  type QueuePutOptions,
  type QueueWaitOptions,
  type RecvOptions,
  type SendOptions,
  type ShutdownOptions as QueueShutdownOptions,
} from './queue/index.ts';
export * from './pool/index.ts';
export * from './distributed/index.ts';
export { sharedMemoryBackend } from './memory/native.ts';
export { SharedArray, type SharedArrayOptions } from './values/shared-array.ts';
export { SharedMemory, type SharedMemoryOptions } from './values/shared-memory.ts';
export { ShareableList, type ShareableItem } from './values/shareable-list.ts';
export type {
  BigIntTypecode,
  CharTypecode,
  InputOf,
  NumberTypecode,
  SliceOf,
  Typecode,
  ValueOf,
} from './values/typecodes.ts';
export { Value, type ValueOptions } from './values/value.ts';
export {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
  type AcquireOptions,
  type BarrierOptions,
  type Guard,
  type LockOptions,
  type WaitOptions,
} from './sync/index.ts';
export type { JoinOptions, WorkerOptions } from './threading/worker-options.ts';
export type { PrestartOptions } from './threading/prestart.ts';
export {
  activeChildren,
  activeCount,
  cpuCount,
  currentProcess,
  currentThread,
  enumerate,
  getpid,
  getppid,
  mainThread,
  parentProcess,
  type ProcessInfo,
  type ThreadInfo,
} from './threading/current.ts';
export {
  defaultExcepthook,
  setExcepthook,
  type Excepthook,
  type ExcepthookArgs,
} from './threading/excepthook.ts';
export { Process } from './threading/process.ts';
export {
  isTaskRef,
  taskModule,
  taskRef,
  type AnyFunction,
  type Target,
  type TaskModule,
  type TaskRef,
} from './runtime/target.ts';
export { isMainModule } from './runtime/bootstrap.ts';
export { Thread } from './threading/thread.ts';
export {
  CompletedProcess,
  DEVNULL,
  PIPE,
  Popen,
  STDOUT,
  call,
  callSync,
  checkCall,
  checkCallSync,
  checkOutput,
  checkOutputSync,
  run,
  runSync,
  type Args as SubprocessArgs,
  type CallOptions,
  type CheckOutputOptions,
  type CommunicateOptions,
  type Input as SubprocessInput,
  type Output as SubprocessOutput,
  type PopenOptions,
  type PopenWaitOptions,
  type RunOptions,
  type SignalOptions,
  type Sink as SubprocessSink,
  type StdioOption,
  type TextEncoding,
} from './subprocess/index.ts';
export { Timer } from './threading/timer.ts';
export { getcurrent, Greenlet, type RunFunction } from './coroutine/greenlet.ts';
export { Local, local } from './threading/local.ts';
export * as gevent from './coroutine/gevent.ts';
export { SpawnedGreenlet, spawn, spawnLater } from './coroutine/spawned.ts';
export { joinAll, killAll, sleep } from './coroutine/waits.ts';
export * from './manager/index.ts';
export {
  DEADLOCK_CHANNEL,
  LOCK_ORDER_CHANNEL,
  setAsleepDetection,
  setDeadlockDetection,
  setLockOrderChecking,
  type AsleepDetectionOptions,
  type AsleepMember,
  type AsleepMessage,
  type DeadlockDetectionOptions,
  type DeadlockMessage,
  type DeadlockMode,
  type LockOrderMessage,
  programStats,
  readStats,
  serveStats,
  statsSocketPath,
  type ChildStats,
  type ProgramStats,
  type StatsServer,
} from './diagnostics/index.ts';
