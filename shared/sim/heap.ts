/**
 * A binary min-heap of items ordered by (time, seq): `seq` is the insertion order, so
 * items due at the same virtual time come out in the order they were scheduled, which
 * keeps the simulation deterministic and every connection FIFO.
 */
export interface Timed {
  time: number
  seq: number
}

export class TimedHeap<T extends Timed> {
  private readonly items: T[] = []

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const items = this.items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i]!, items[parent]!)) break
      swap(items, i, parent)
      i = parent
    }
  }

  pop(): T | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && before(items[l]!, items[m]!)) m = l
        if (r < items.length && before(items[r]!, items[m]!)) m = r
        if (m === i) break
        swap(items, i, m)
        i = m
      }
    }
    return top
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}

function swap<T>(items: T[], i: number, j: number): void {
  const tmp = items[i]!
  items[i] = items[j]!
  items[j] = tmp
}
