/** A binary min-heap of timed events: the clock of the burst models (burst-model.ts). */
export class EventQueue<T> {
  private readonly heap: Array<{ t: number; event: T }> = [];

  get size(): number {
    return this.heap.length;
  }

  push(t: number, event: T): void {
    const heap = this.heap;
    heap.push({ t, event });
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1; // eslint-disable-line no-bitwise
      if (heap[p].t <= heap[i].t) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  }

  /** The earliest event (ties in no particular order). */
  pop(): { t: number; event: T } {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].t < heap[m].t) m = l;
        if (r < heap.length && heap[r].t < heap[m].t) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  }
}
