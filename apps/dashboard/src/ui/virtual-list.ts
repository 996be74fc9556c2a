import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';

export type VirtualList = Virtualizer<HTMLElement, HTMLElement>;

export interface VirtualListOptions {
  /** The scrolled box, already in the page. */
  scroller: HTMLElement;
  count: number;
  /** Row height (px) the list assumes. */
  rowHeight: number;
  /** Rows drawn beyond the visible ones, each side. */
  overscan: number;
  /** Where the rows start inside the scroller (px): a sticky head above them. */
  scrollMargin?: number;
  /** Draws the rows in view (`list.getVirtualItems()`): now, and on every scroll or resize. */
  draw(list: VirtualList): void;
}

/**
 * Rows of a scrolled box drawn only while in view (@tanstack/virtual-core): the runs explorer and
 * a large sweep's runs table. Returns the list (to draw again when rows arrive) and what stops its
 * scroll and resize observers.
 */
export function mountVirtualList(options: VirtualListOptions): { list: VirtualList; unmount: () => void } {
  const list: VirtualList = new Virtualizer<HTMLElement, HTMLElement>({
    count: options.count,
    getScrollElement: () => options.scroller,
    estimateSize: () => options.rowHeight,
    overscan: options.overscan,
    scrollMargin: options.scrollMargin ?? 0,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => options.draw(list),
  });
  const unmount = list._didMount();
  list._willUpdate();
  options.draw(list);
  return { list, unmount };
}
