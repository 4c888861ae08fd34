import { Component, type ErrorInfo, type ReactNode } from 'react'

interface Props {
  /** The view's name, shown in the message ("Analysis could not be shown"). */
  name: string
  children: ReactNode
}

interface State {
  error: Error | null
}

/**
 * An error boundary around one view: a view that throws while rendering (a plot over too
 * much data, a malformed import) shows what went wrong and a Try again button in its own
 * place, while every other view keeps working. Without it React unmounts the whole app.
 */
export class ViewBoundary extends Component<Props, State> {
  override state: State = { error: null }

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) }
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.name} view failed:`, error, info.componentStack)
  }

  override render(): ReactNode {
    const { error } = this.state
    if (error === null) return this.props.children
    return (
      <div className="view-error" role="alert">
        <p>
          <strong>{this.props.name} could not be shown:</strong> {error.message.slice(0, 500)}
        </p>
        <p className="muted">The rest of the app still works.</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    )
  }
}
