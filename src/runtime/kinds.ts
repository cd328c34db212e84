/**
 * What a child needs to rebuild the shared objects it receives: every kind that ships with
 * the library (each registers itself when its module loads; see `registerSharedKind`), and
 * the process bridge, through which a child process reaches objects that live in another
 * process. Child entry points import this; nothing below the runtime does.
 */
import '../broker/broker.ts';
import '../sync/index.ts';
import '../queue/index.ts';
import '../values/value.ts';
import '../values/shared-array.ts';
import '../values/shared-memory.ts';
import '../values/shareable-list.ts';
