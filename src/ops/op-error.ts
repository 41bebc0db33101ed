// The error of one op's semantics, apart from op.ts so that attributes.ts can throw it
// without importing the op contract that imports it.

/** A semantic problem inside one op; the importer/executor adds the node's name and type. */
export class OpError extends Error {
  override readonly name = 'OpError';
}

export function fail(msg: string): never {
  throw new OpError(msg);
}
