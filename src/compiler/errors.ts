/** A broken contract: names the file (relative to the contract root), the line and the offending name. */
export class ContractError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    /** The name (QName, schemaLocation, message, part …) that does not resolve; may be empty. */
    readonly ref: string,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ContractError';
  }
}
