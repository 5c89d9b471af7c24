import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The Python that has Debian's python3-torch, python3-onnx and python3-numpy: /usr/bin/python3, not whatever
 * python3 comes first on PATH (a pyenv or venv Python lacks the Debian packages). SER_PYTHON overrides it.
 */
export const PYTHON = process.env.SER_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** False, or a reason to skip, for a test that needs these Python modules. */
export function missingPython(...modules: string[]): false | string {
  try {
    execFileSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
    return false;
  } catch {
    return `${PYTHON} lacks ${modules.join(', ')}`;
  }
}
