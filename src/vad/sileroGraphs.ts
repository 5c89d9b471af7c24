import onnxProto from 'onnx-proto';
import type { VadRate } from './sileroBackend.js';

const { onnx } = onnxProto;

/**
 * Silero VAD v5's graph holds both of its networks behind one `If` on the sample-rate input: `sr == 16000` runs the
 * 16 kHz network (then_branch), anything else the 8 kHz one (else_branch). Running a branch as a graph of its own
 * gives the same scores without the `If`, whose subgraph set-up is about a third of a one-window call's cost in
 * onnxruntime (BENCHMARKS.md, "Silero without its rate switch").
 *
 * Returns one model per rate with inputs `input` and `state` only, or undefined when the file is not laid out so
 * (another Silero export): it then runs whole, with `sr`.
 */
export function sileroGraphsByRate(model: Uint8Array): Record<VadRate, Uint8Array> | undefined {
  let decoded: onnxProto.onnx.ModelProto;
  try {
    decoded = onnx.ModelProto.decode(model);
  } catch {
    return undefined; // onnxruntime reports an unreadable file when the whole model is opened
  }
  const graph = decoded.graph;
  const nodes = graph?.node ?? [];
  const switches = nodes.filter((n) => n.opType === 'If');
  const equal = nodes.find((n) => n.opType === 'Equal');
  if (!graph || switches.length !== 1 || !equal || inputsOf(switches[0])[0] !== outputsOf(equal)[0] || !inputsOf(equal).includes('sr')) return undefined;
  const ifNode = switches[0];
  const threshold = nodes.find((n) => n.opType === 'Constant' && inputsOf(equal).includes(outputsOf(n)[0]));
  const value = threshold?.attribute?.find((a) => a.name === 'value')?.t;
  if (!value || scalarOf(value) !== 16000) return undefined;
  // The If's outputs reach the graph's outputs through Identity nodes: the branch's outputs take their place.
  const switched = outputsOf(ifNode);
  const outputs = nodes.filter((n) => n.opType === 'Identity' && switched.includes(inputsOf(n)[0]));
  if (outputs.length !== switched.length || nodes.length !== 3 + outputs.length) return undefined;

  const byRate = {} as Record<VadRate, Uint8Array>;
  for (const [rate, name] of [[16000, 'then_branch'], [8000, 'else_branch']] as const) {
    const branch = ifNode.attribute?.find((a) => a.name === name)?.g;
    const branchOutputs = branch?.output ?? [];
    if (!branch || branchOutputs.length !== switched.length) return undefined;
    const renamed = outputs.map((identity) =>
      onnx.NodeProto.create({ opType: 'Identity', name: identity.name, input: [branchOutputs[switched.indexOf(inputsOf(identity)[0])].name ?? ''], output: outputsOf(identity) }),
    );
    const single = onnx.ModelProto.create({
      ...decoded,
      graph: onnx.GraphProto.create({
        ...graph,
        name: `${graph.name ?? 'silero'}_${rate}`,
        node: [...(branch.node ?? []), ...renamed],
        initializer: [...(graph.initializer ?? []), ...(branch.initializer ?? [])],
        input: (graph.input ?? []).filter((i) => i.name !== 'sr'),
        valueInfo: [...(graph.valueInfo ?? []), ...(branch.valueInfo ?? [])],
      }),
    });
    byRate[rate] = onnx.ModelProto.encode(single).finish();
  }
  return byRate;
}

const inputsOf = (n: onnxProto.onnx.INodeProto): string[] => n.input ?? [];
const outputsOf = (n: onnxProto.onnx.INodeProto): string[] => n.output ?? [];

/** An int64 or int32 scalar tensor's value (the Constant the rate is compared with). */
function scalarOf(t: onnxProto.onnx.ITensorProto): number | undefined {
  if (t.int64Data?.length) return Number(t.int64Data[0].toString()); // a number or a Long
  if (t.int32Data?.length) return t.int32Data[0];
  const raw = t.rawData;
  if (!raw?.length) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === onnx.TensorProto.DataType.INT64 && raw.length >= 8) return Number(view.getBigInt64(0, true));
  if (t.dataType === onnx.TensorProto.DataType.INT32 && raw.length >= 4) return view.getInt32(0, true);
  return undefined;
}
