/**
 * Uniform grid over points for hit-testing: built once per layout change in O(n), each
 * query looks at the 3x3 cells around the point instead of scanning every node.
 */
export interface GridItem {
  x?: number | undefined
  y?: number | undefined
  radius: number
}

export class SpatialGrid<T extends GridItem> {
  private readonly cells = new Map<string, T[]>()

  /** `cellSize` in world units; should exceed the largest radius + hit slack. */
  constructor(readonly cellSize: number) {}

  rebuild(items: Iterable<T>): void {
    this.cells.clear()
    for (const item of items) {
      if (item.x === undefined || item.y === undefined) continue
      const key = this.key(Math.floor(item.x / this.cellSize), Math.floor(item.y / this.cellSize))
      const cell = this.cells.get(key)
      if (cell) cell.push(item)
      else this.cells.set(key, [item])
    }
  }

  /** Nearest item whose disc (radius + slack) contains (x, y), or null. */
  hit(x: number, y: number, slack = 0): T | null {
    const cx = Math.floor(x / this.cellSize)
    const cy = Math.floor(y / this.cellSize)
    let best: T | null = null
    let bestD = Infinity
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const cell = this.cells.get(this.key(cx + dx, cy + dy))
        if (!cell) continue
        for (const item of cell) {
          const d = Math.hypot(item.x! - x, item.y! - y)
          if (d <= item.radius + slack && d < bestD) {
            best = item
            bestD = d
          }
        }
      }
    }
    return best
  }

  private key(cx: number, cy: number): string {
    return `${cx},${cy}`
  }
}
