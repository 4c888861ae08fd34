/** Saves a plot: the SVG as is, or drawn into a canvas at 2x for a PNG. Browser only. */
import { download } from '../download'

export function saveSvg(svg: string, name: string): void {
  download(new Blob([svg], { type: 'image/svg+xml' }), `${name}.svg`)
}

/** Renders the SVG into a canvas (its own width/height, scaled) and saves a PNG. */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const width = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 640)
  const height = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 360)
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }))
  try {
    const image = new Image()
    image.src = url
    await image.decode()
    const canvas = document.createElement('canvas')
    canvas.width = width * scale
    canvas.height = height * scale
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no 2D canvas')
    ctx.scale(scale, scale)
    ctx.drawImage(image, 0, 0, width, height)
    return await new Promise<Blob>((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'))
  } finally {
    URL.revokeObjectURL(url)
  }
}

export async function savePng(svg: string, name: string): Promise<void> {
  download(await svgToPng(svg), `${name}.png`)
}
