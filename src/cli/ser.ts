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
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}'\n\n${help}`);
  return command.run(rest);
}

/** Errors in what the user gave (arguments, files, audio): a message is enough, no stack trace. */
function isUserError(err: unknown): err is Error {
  if (err instanceof UsageError || err instanceof CodedError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('ERR_PARSE_ARGS') || 'syscall' in (err as object));
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(isUserError(err) ? `ser: ${err.message}` : err);
    process.exitCode = isUserError(err) ? 2 : 1;
  },
);
