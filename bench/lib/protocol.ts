/**
 * How a child hands its result to the runner: one stdout line that starts with this marker,
 * followed by the {@link Measurement} as JSON. Anything else a pool prints is ignored.
 */
export const RESULT_MARKER = '@@bench-result ';
