// Edits the GRAPH JSON of a .dq file and lays the file out again with a valid checksum.

import { join } from './mutate-dq.js';

export function editDq(file: Uint8Array, edit: (g: { nodes: Record<string, unknown>[] }) => void): Uint8Array {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const sec = (i: number) => [dv.getUint32(32 + 16 * i + 4, true), dv.getUint32(32 + 16 * i + 8, true)] as const;
  const [go, gl] = sec(0), [to, tl] = sec(1);
  const graph = JSON.parse(new TextDecoder().decode(file.subarray(go, go + gl)));
  edit(graph);
  return join({ graph, tensors: file.slice(to, to + tl) });
}
