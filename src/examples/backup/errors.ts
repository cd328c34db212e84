/** The errors of the backup and the block copy. */

/** Codes of {@link BackupError}. */
export type BackupErrorCode =
  /** The source is missing, or not a directory (backup) or regular file (copy). */
  | 'ERR_BAD_SOURCE'
  /** The destination exists (and, for a backup, is not an empty directory); see `force`. */
  | 'ERR_DEST_EXISTS'
  /** The destination is not a directory (backup), or is the source or inside it. */
  | 'ERR_BAD_DEST'
  /** The copy cannot be written there: a directory, or a missing or read-only directory. */
  | 'ERR_DEST_UNWRITABLE'
  /** Some files could not be copied. */
  | 'ERR_COPY_FAILED'
  /** The run was aborted through its signal; no partial file was left behind. */
  | 'ERR_ABORTED';

/**
 * A backup or block copy that was refused or failed.
 * @example
 * ```ts
 * try {
 *   await backup({ src: 'photos' });
 * } catch (error) {
 *   if (error instanceof BackupError && error.code === 'ERR_DEST_EXISTS') { ... }
 * }
 * ```
 */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  /** Why: see {@link BackupErrorCode}. */
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
