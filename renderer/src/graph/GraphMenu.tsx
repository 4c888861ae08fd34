import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react'
import { addPeers, addSeed, killNode, pauseNode, restartNode, resumeNode } from '../commands'
import { follow } from '../follow/follow'
import { app, displayedState, useApp } from '../store'
import { closeMenu, useGraphUi, type GraphMenu as Menu } from './graph-ui'
import { formatClock } from '../log/format-event'
import { effectiveLink, endpointOf, type EffectiveLink, type NetConditions } from '../../../shared/net/conditions'
import { openLinkConditions } from '../network/net-ui'

interface Item {
  label: string
  run: () => void
  /** Why it cannot run now; shown as the item's title, and the item is disabled. */
  disabled?: string
  danger?: boolean
}

/**
 * The graph's context menu (right-click, or the context-menu key / Shift+F10 on the focused
 * canvas): on empty space add nodes, on a node act on it, on a link show what is known
 * about it. Arrow keys move, Enter runs, Escape closes and gives focus back to the canvas.
 */
export function GraphMenu() {
  const menu = useGraphUi((s) => s.menu)
  if (!menu) return null
  return <OpenMenu menu={menu} />
}

function OpenMenu({ menu }: { menu: Menu }) {
  const ref = useRef<HTMLDivElement>(null)
  const live = useApp((s) => s.mode === 'live')
  const running = useApp((s) => s.status?.running ?? false)
  useApp((s) => s.version)
  const state = useApp(displayedState)
  const conditions = useApp((s) => s.status?.conditions ?? null)

  // Keep the menu inside the graph region (a right-click near an edge).
  useLayoutEffect(() => {
    const el = ref.current
    const region = el?.parentElement
    if (!el || !region) return
    el.style.left = `${Math.max(0, Math.min(menu.x, region.clientWidth - el.offsetWidth - 4))}px`
    el.style.top = `${Math.max(0, Math.min(menu.y, region.clientHeight - el.offsetHeight - 4))}px`
  }, [menu])

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]:not([disabled])')?.focus()
    const outside = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) closeMenu()
    }
    document.addEventListener('pointerdown', outside, true)
    return () => document.removeEventListener('pointerdown', outside, true)
  }, [menu])

  const notLive = live ? undefined : 'Go back to live first (replay shows the past)'
  const noNetwork = running ? undefined : 'Start a network first'
  let title: ReactNode
  let items: Item[] = []
  let facts: Array<[string, string]> = []
  const target = menu.target
  if (target.kind === 'empty') {
    title = 'Network'
    items = [
      { label: 'Add peer', run: () => void addPeers(1), disabled: notLive ?? noNetwork },
      { label: 'Add seed', run: () => void addSeed(), disabled: notLive ?? noNetwork },
    ]
  } else if (target.kind === 'node') {
    const node = state.nodes.get(target.id)
    title = `${node?.role ?? 'node'} ${target.id}`
    const status = node?.status
    const running = status === 'alive' || status === 'starting' || status === 'paused'
    items = [
      { label: 'Kill', run: () => void killNode(target.id), disabled: notLive ?? (running ? undefined : 'It is not running'), danger: true },
      { label: 'Pause', run: () => void pauseNode(target.id), disabled: notLive ?? (status === 'alive' ? undefined : status === 'paused' ? 'It is paused' : 'It is not running') },
      { label: 'Resume', run: () => void resumeNode(target.id), disabled: notLive ?? (status === 'paused' ? undefined : 'It is not paused') },
      { label: 'Restart', run: () => void restartNode(target.id), disabled: notLive ?? noNetwork },
      {
        label: 'Show its messages',
        run: () => {
          const store = app.store.getState()
          store.setLogNode(target.id)
          store.setTab('log')
        },
      },
    ]
    if (node?.role === 'peer') {
      const latest = [...state.messages.values()].reverse().find((m) => m.origin === target.id)
      items.push({ label: 'Follow its latest message', run: () => follow(latest!.id), disabled: latest ? undefined : 'It has not created a message yet' })
    }
  } else {
    const link = state.links.get(target.key)
    const a = state.nodes.get(target.a)
    const b = state.nodes.get(target.b)
    title = `Link ${target.a} – ${target.b}`
    facts = [
      ['Up since', link ? formatClock(link.upAt) : 'down'],
      [`${target.a} missed`, String(a?.misses.get(target.b) ?? 0)],
      [`${target.b} missed`, String(b?.misses.get(target.a) ?? 0)],
      [`${target.a} → ${target.b} now`, describeLink(conditions, target.a, target.b)],
      [`${target.b} → ${target.a} now`, describeLink(conditions, target.b, target.a)],
    ]
    items = [
      { label: 'Set its conditions…', run: () => openLinkConditions(target.a, target.b), disabled: notLive },
      { label: `Select ${target.a}`, run: () => app.store.getState().select(target.a) },
      { label: `Select ${target.b}`, run: () => app.store.getState().select(target.b) },
    ]
  }

  const close = (refocus: boolean) => {
    closeMenu()
    if (refocus) document.querySelector<HTMLCanvasElement>('.graph-canvas')?.focus()
  }
  const onKey = (e: React.KeyboardEvent) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not([disabled])') ?? [])]
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault()
      close(true)
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const next = buttons[(at + (e.key === 'ArrowDown' ? 1 : -1) + buttons.length) % buttons.length]
      next?.focus()
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault()
      buttons[e.key === 'Home' ? 0 : buttons.length - 1]?.focus()
    }
  }

  return (
    <div ref={ref} className="graph-menu" role="menu" aria-label={`Actions: ${String(title)}`} style={{ left: menu.x, top: menu.y }} onKeyDown={onKey}>
      <div className="graph-menu-title">{title}</div>
      {facts.length > 0 && (
        <dl className="facts">
          {facts.map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          className={item.danger ? 'danger' : undefined}
          disabled={item.disabled !== undefined}
          title={item.disabled}
          onClick={() => {
            close(true)
            item.run()
          }}
        >
          {item.label}
          {item.disabled && <span className="muted"> — {item.disabled}</span>}
        </button>
      ))}
    </div>
  )
}

/** One directed link's emulated conditions in words (the host's model in force now). */
export function describeLink(conditions: NetConditions | null, from: string, to: string): string {
  if (!conditions) return 'unknown (no host)'
  const link: EffectiveLink = effectiveLink(conditions, endpointOf(from), endpointOf(to))
  if (link.blocked) return 'blocked by a partition: nothing gets through'
  if (link.delayMs === 0 && link.jitterMs === 0 && link.loss === 0) return 'no added delay or loss (loopback TCP)'
  const parts = [`delay ${link.delayMs} ms${link.jitterMs > 0 ? ` ± ${link.jitterMs} ms` : ''}`]
  if (link.loss > 0) parts.push(`loss ${+(link.loss * 100).toFixed(2)}%`)
  return parts.join(', ')
}
