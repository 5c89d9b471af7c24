#!/usr/bin/env node
import { CodedError } from '../stream/errors.js';
import { attentionCommand, attentionUsage } from './attentionCommand.js';
import { featuresCommand, featuresUsage } from './featuresCommand.js';
import { predictCommand, predictUsage } from './predictCommand.js';
import { serveCommand, serveUsage } from './serveCommand.js';
import { spectrogramCommand, spectrogramUsage } from './spectrogramCommand.js';
import { streamCommand, streamUsage } from './streamCommand.js';
import { UsageError } from './usageError.js';

const commands: Record<string, { run: (args: string[]) => Promise<number>; usage: string }> = {
  spectrogram: { run: spectrogramCommand, usage: spectrogramUsage },
  predict: { run: predictCommand, usage: predictUsage },
  attention: { run: attentionCommand, usage: attentionUsage },
  stream: { run: streamCommand, usage: streamUsage },
  serve: { run: serveCommand, usage: serveUsage },
  features: { run: featuresCommand, usage: featuresUsage },
};

const help = `ser: real-time speech emotion recognition for voice agents

Usage: ser <command> [options]     (ser <command> --help for a command's options)

Commands:
${Object.values(commands)
  .map((c) => '  ' + c.usage.split('\n')[0])
  .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return 0;
  }
  if (name === undefined) {
    console.error(help);
    return 2;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`ser: unknown command '${name}'\nRun 'ser --help' for the commands.`);
  try {
    return await command.run(rest);
  } catch (err) {
    if (isUsageError(err)) throw new UsageError(`ser ${name}: ${err.message}\nRun 'ser ${name} --help' for its usage.`);
    throw err;
  }
}

/** A command line that cannot run: a wrong or missing argument, an unknown option (Node's argument parser). */
function isUsageError(err: unknown): err is Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/** Errors in what the user gave (arguments, files, audio): a message is enough, no stack trace. */
function isUserError(err: unknown): err is Error {
  if (isUsageError(err) || err instanceof CodedError) return true;
  return typeof err === 'object' && err !== null && 'syscall' in err;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof UsageError ? err.message : isUserError(err) ? `ser: ${err.message}` : err);
    process.exitCode = isUserError(err) ? 2 : 1;
  },
);
