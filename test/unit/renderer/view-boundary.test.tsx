import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { ViewBoundary } from '../../../renderer/src/ViewBoundary'

/** One view's render error stays in that view (issue 11: Analysis threw and blanked the app). */
describe('ViewBoundary', () => {
  it('renders its children while nothing failed', () => {
    const boundary = new ViewBoundary({ name: 'Analysis', children: createElement('p', null, 'plots') })
    expect(renderToStaticMarkup(boundary.render() as never)).toBe('<p>plots</p>')
  })

  it('turns a render error into a message with the view name and a Try again button', () => {
    const boundary = new ViewBoundary({ name: 'Analysis', children: createElement('p', null, 'plots') })
    boundary.state = ViewBoundary.getDerivedStateFromError(new RangeError('Maximum call stack size exceeded'))
    const html = renderToStaticMarkup(boundary.render() as never)
    expect(html).toContain('role="alert"')
    expect(html).toContain('Analysis could not be shown:</strong> Maximum call stack size exceeded')
    expect(html).toContain('Try again')
    expect(ViewBoundary.getDerivedStateFromError('a string').error?.message).toBe('a string')
  })
})
