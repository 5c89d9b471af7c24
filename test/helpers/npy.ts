import { readFileSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  descr: string;
  data: Float32Array;
}

/** Reads a little-endian float32 .npy file (the only kind the project writes) and checks its layout. */
export function readNpy(path: string): NpyArray {
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${path}: not an npy file`);
  const headerLength = bytes.readUInt16LE(8);
  if ((10 + headerLength) % 64 !== 0) throw new Error(`${path}: data not 64-byte aligned`);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = header.match(/'shape': \(([^)]*)\)/)![1].split(',').filter((s) => s.trim()).map(Number);
  const descr = header.match(/'descr': '([^']*)'/)![1];
  if (descr !== '<f4' || !header.includes("'fortran_order': False")) throw new Error(`${path}: expected C-order <f4, got ${header}`);
  const body = bytes.subarray(10 + headerLength);
  const data = new Float32Array(body.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = body.readFloatLE(i * 4);
  return { shape, descr, data };
}
