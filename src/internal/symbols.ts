/**
 * Capabilities shared inside the library. `index.ts` never exports these, so user code
 * (and user subclasses of Thread and Process) cannot collide with them.
 */

/** Constructor option: rebuild a worker object inside its own thread or process. */
export const kRevive: unique symbol = Symbol('multitask.revive');
/** Static hook: rebuild an instance of a registered subclass in its own thread or process. */
export const kRebuild: unique symbol = Symbol('multitask.rebuild');
/** Backend hook: start the child. */
export const kLaunch: unique symbol = Symbol('multitask.launch');
/** Backend hook: which backend this is. */
export const kKind: unique symbol = Symbol('multitask.kind');
/** Backend hook: Python's messages for misuse. */
export const kMessages: unique symbol = Symbol('multitask.messages');
/** Backend hook: throw when the object may no longer be used. */
export const kCheckUsable: unique symbol = Symbol('multitask.checkUsable');
/** Backend hook: the identity a new child takes. */
export const kChildIdentity: unique symbol = Symbol('multitask.childIdentity');
/** Constructor argument: rebuild a shared object over the state and core it already has. */
export const kAttach: unique symbol = Symbol('multitask.attach');
