// placeholder replaced below
export interface ScaleResult { readonly nodes: number }
export function runScaleExperiment(o: { nodes: number; seed?: number; crypto: unknown; onProgress?: (m: string) => void }): ScaleResult {
  return { nodes: o.nodes };
}
export function formatScaleReport(r: ScaleResult): string {
  return JSON.stringify(r);
}
