import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { scenarioSchema, type Scenario } from './schema'

/**
 * Reads a scenario file's text (JSON, or YAML when the name ends in .yaml/.yml) and
 * validates it. Never throws: a refusal names the file, the path of the bad field
 * (`steps.2.node`) and what was expected, so nothing starts on a malformed file.
 */

export type ScenarioParse = { ok: true; scenario: Scenario } | { ok: false; error: string; issues: string[] }

/** Largest scenario file accepted, in characters. */
export const MAX_SCENARIO_TEXT = 4 * 1024 * 1024

export function parseScenarioText(text: string, fileName = 'scenario.json'): ScenarioParse {
  if (text.length > MAX_SCENARIO_TEXT) return refuse(fileName, [`file larger than ${MAX_SCENARIO_TEXT} characters`])
  let value: unknown
  const yaml = /\.ya?ml$/i.test(fileName)
  try {
    value = yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]
    return refuse(fileName, [`not valid ${yaml ? 'YAML' : 'JSON'}: ${message}`])
  }
  return validateScenario(value, fileName)
}

/** Validates an already-decoded value (e.g. from IPC) as a scenario. */
export function validateScenario(value: unknown, fileName = 'scenario'): ScenarioParse {
  const result = scenarioSchema.safeParse(value)
  if (result.success) return { ok: true, scenario: result.data }
  // One message per field: a bad value often also fails a later check of the same field.
  const byPath = new Map<string, string>()
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.')
    if (!byPath.has(key)) byPath.set(key, formatIssue(issue))
  }
  return refuse(fileName, [...byPath.values()])
}

/** `steps.2.node: unknown node "hub"` (the root when the path is empty). */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const inner = unionBranchIssue(issue)
  const path = [...issue.path, ...(inner?.path ?? [])]
  return `${path.length > 0 ? path.map(String).join('.') : '(root)'}: ${describe(inner ?? issue)}`
}

/**
 * For a value that matched no member of a union (a node reference), the issue of the member
 * of the value's own type (an object with a bad `pick`), rather than "Invalid input".
 */
function unionBranchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue | null {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !Array.isArray(issue.errors)) return null
  const branch = issue.errors.find((issues) => issues.length > 0 && !(issues[0]!.code === 'invalid_type' && issues[0]!.path.length === 0))
  return branch?.[0] ?? null
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return issue.message
  }
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
  return issue.message
}

function refuse(fileName: string, issues: string[]): ScenarioParse {
  const shown = issues.slice(0, 5)
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : ''
  return { ok: false, issues, error: `${fileName}: ${shown.join('; ')}${more}` }
}
