import { constants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CodedError } from '../stream/errors.js';
import { UsageError } from './usageError.js';

const AUDIO_EXTENSIONS = new Set(['.wav', '.flac']);

/** Files larger than this are refused before any byte is read (the flag --max-file-mb raises it). Decoding takes
 *  about six times a file's size in memory (samples, resampled samples, spectrogram). */
export const DEFAULT_MAX_FILE_MB = 256;
/** Node reads a file into one buffer of at most 2 GiB. */
const MAX_READABLE_MB = 2047;

export type AudioFileErrorCode = 'FILE_NOT_FOUND' | 'NOT_A_FILE' | 'FILE_TOO_LARGE' | 'UNREADABLE_PATH';

/** A path the file commands cannot read as an audio file; named in the message. */
export class AudioFileError extends CodedError<AudioFileErrorCode> {}

/** One path to score: a regular file, or the reason it cannot be. */
export type ListedFile = { file: string; error?: AudioFileError };

function pathError(path: string, err: unknown): AudioFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AudioFileError('FILE_NOT_FOUND', `${path}: no such file or folder`);
  if (code === 'ELOOP') return new AudioFileError('UNREADABLE_PATH', `${path}: a loop of symbolic links`);
  return new AudioFileError('UNREADABLE_PATH', `${path}: ${(err as Error).message}`);
}

/**
 * The given files, and the WAV and FLAC files under the given folders (recursively, sorted), each file once however
 * many links lead to it, each folder walked once (by its real path, so links back to a parent end there). A path that
 * cannot be read, or is not a regular file (a FIFO, a device), is listed with its error, so that the rest are scored.
 */
export async function listAudioFiles(paths: readonly string[]): Promise<ListedFile[]> {
  const listed: ListedFile[] = [];
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();

  const addFile = async (file: string, given: boolean) => {
    try {
      const real = await realpath(file);
      if (seenFiles.has(real)) return;
      seenFiles.add(real);
      listed.push({ file }); // readAudioFile refuses what is not a regular file
    } catch (err) {
      if (given || (err as NodeJS.ErrnoException).code !== 'ENOENT') listed.push({ file, error: pathError(file, err) });
      else listed.push({ file, error: new AudioFileError('UNREADABLE_PATH', `${file}: a broken symbolic link`) });
    }
  };

  const walk = async (folder: string): Promise<void> => {
    const real = await realpath(folder);
    if (seenFolders.has(real)) return;
    seenFolders.add(real);
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      let isFolder = entry.isDirectory();
      if (entry.isSymbolicLink()) isFolder = await stat(path).then((s) => s.isDirectory(), () => false);
      if (isFolder) await walk(path).catch((err) => listed.push({ file: path, error: pathError(path, err) }));
      else if (AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())) await addFile(path, false);
    }
  };

  for (const path of paths) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(path)).isDirectory();
    } catch (err) {
      listed.push({ file: path, error: pathError(path, err) });
      continue;
    }
    if (isFolder) await walk(path).catch((err) => listed.push({ file: path, error: pathError(path, err) }));
    else await addFile(path, true);
  }
  return listed;
}

/** Reads a regular file of at most maxMb MiB; its kind and size are checked on the open file before reading. It is
 *  opened non-blocking, so that a FIFO is refused instead of waiting for a writer. */
export async function readAudioFile(path: string, maxMb = DEFAULT_MAX_FILE_MB): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw pathError(path, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AudioFileError('NOT_A_FILE', `${path}: not a regular file`);
    if (info.size > maxMb * 1024 * 1024) {
      throw new AudioFileError('FILE_TOO_LARGE', `${path}: ${(info.size / 2 ** 20).toFixed(1)} MiB, over the limit of ${maxMb} MiB (raise it with --max-file-mb)`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The --max-file-mb option shared by the file commands. */
export const maxFileOptionSpec = { 'max-file-mb': { type: 'string' } } as const;

export function maxFileMb(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_FILE_MB;
  const mb = Number(value);
  if (!(mb > 0) || !Number.isFinite(mb)) throw new UsageError(`--max-file-mb must be a positive number, not '${value}'`);
  if (mb > MAX_READABLE_MB) throw new UsageError(`--max-file-mb can be at most ${MAX_READABLE_MB}: a file over 2 GiB cannot be read in one piece`);
  return mb;
}
