/**
 * Escapes control characters in text quoted from outside (a config line, a file name, a
 * flag) before it goes into a message, so a stray NUL, CR or ESC can never garble or
 * drive the terminal that shows it: `\r`, `\n`, `\t` and `\0` by name, every other C0/C1
 * control, DEL, and the Unicode line/paragraph separators as `\xHH` / `\uHHHH`.
 * Backslashes are doubled so that an escape cannot be forged. Pure.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\'
      case '\r': return '\\r'
      case '\n': return '\\n'
      case '\t': return '\\t'
      case '\0': return '\\0'
      default: {
        const code = c.charCodeAt(0)
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
      }
    }
  })
}
