/**
 * The classroom's students: each says it is waiting, waits on the teacher's `Event`, and
 * says it woke. Reports go into one queue, so their order there is the order things
 * happened in.
 */
import type { Event, Queue } from '../../index.ts';

/** What a student reports. */
export type StudentReport =
  | {
      readonly student: string;
      readonly event: 'waits';
      /** Whether the Event was already set when the student arrived. */
      readonly alreadySet: boolean;
    }
  | {
      readonly student: string;
      readonly event: 'wakes';
      /** What `waitSync()` returned: `true` once the Event is set. */
      readonly woken: boolean;
    };

/** A student: reports that it waits, waits until `bell` is set, reports that it woke. */
export function student(name: string, bell: Event, reports: Queue<StudentReport>): void {
  reports.putSync({ student: name, event: 'waits', alreadySet: bell.isSet() });
  const woken = bell.waitSync();
  reports.putSync({ student: name, event: 'wakes', woken });
}
