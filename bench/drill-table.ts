/** What a drill:hostile section takes and returns (bench/drill-hostile.ts prints the tables). */
export interface DrillOptions {
  /** Fewer attempts and one stream rate: a smoke run. */
  readonly quick: boolean;
}

export interface DrillTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
  readonly notes?: readonly string[];
}

export type DrillSection = (options: DrillOptions) => Promise<DrillTable[]>;
