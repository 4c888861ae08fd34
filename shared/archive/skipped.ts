/**
 * Files not read, grouped by why (in order of first appearance), so an export's dozens of
 * node logs read as one line each reason while every file is still named.
 */
export function groupSkipped(skipped: ReadonlyArray<{ file: string; why: string }>): { why: string; files: string[] }[] {
  const groups = new Map<string, string[]>()
  for (const s of skipped) {
    const files = groups.get(s.why)
    if (files) files.push(s.file)
    else groups.set(s.why, [s.file])
  }
  return [...groups].map(([why, files]) => ({ why, files }))
}
