/**
 * Typed errors of the audio front end. Every error names what was wrong with the input; `code` is stable and
 * machine-readable, so hosts can tell bad input from internal faults without parsing messages.
 */
export type AudioErrorCode =
  | 'UNSUPPORTED_ENCODING'
  | 'UNSUPPORTED_SAMPLE_RATE'
  | 'UNSUPPORTED_CHANNELS'
  | 'PARTIAL_SAMPLE'
  | 'NON_FINITE_SAMPLE'
  | 'EMPTY_INPUT'
  | 'UNKNOWN_CONTAINER'
  | 'CORRUPT_WAV'
  | 'CORRUPT_FLAC'
  | 'INVALID_ARGUMENT';

/** An error with a stable machine-readable `code`; the base of every typed error of the project. */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class AudioInputError extends CodedError<AudioErrorCode> {}
