/** A problem with a model (malformed file, unsupported op, inconsistent shapes): one line, names the node. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}
